"""The front page and each role's dashboard."""
from flask import Blueprint, g, render_template
from sqlmodel import func, select

from broker import db
from broker.auth.session_login import login_required
from broker.models import Offering, Org, OrgKind, OrgStatus

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    s = db.session()
    counts = {
        "vendors": s.exec(select(func.count()).select_from(Org).where(
            Org.kind == OrgKind.vendor, Org.status == OrgStatus.approved)).one(),
        "offerings": s.exec(select(func.count()).select_from(Offering).where(Offering.status == "active")).one(),
        "developers": s.exec(select(func.count()).select_from(Org).where(
            Org.kind == OrgKind.developer, Org.status == OrgStatus.approved)).one(),
    }
    return render_template("home.html", counts=counts)


@bp.get("/dashboard")
@login_required()
def dashboard():
    return render_template(f"dashboard/{g.principal.role.value}.html", org=g.org, user=g.user)
