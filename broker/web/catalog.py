"""The public catalog of offerings (no login)."""
from flask import Blueprint, render_template, request
from sqlmodel import select

from broker import db
from broker.models import Offering, Org

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

PAGE = 50


@bp.get("")
def index():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    s = db.session()
    rows = s.exec(
        select(Offering, Org).join(Org, Org.id == Offering.vendor_org_id)
        .where(Offering.status == "active").order_by(Offering.id)
        .offset((page - 1) * PAGE).limit(PAGE + 1)
    ).all()
    return render_template("catalog/index.html", rows=rows[:PAGE], page=page, more=len(rows) > PAGE)
