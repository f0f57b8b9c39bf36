"""Web sign-in with local accounts: login and logout pages, lockout, ``g.principal`` for pages."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from broker import db
from broker.access.passwords import verify_password
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.clock import now
from broker.extensions import limiter
from broker.models import Org, OrgStatus, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        error = _attempt(form.email.data.strip().lower(), form.password.data)
        if error is None:
            target = request.args.get("next", "")
            # Only same-site relative paths: never an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("web.dashboard")
            return redirect(target)
        flash(error, "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _attempt(email: str, password: str) -> str | None:
    s = db.session()
    user = s.exec(select(User).where(User.email == email)).first()
    locked = user is not None and user.locked_until is not None and user.locked_until > now()
    if locked:
        return f"This account is locked after {MAX_FAILED_LOGINS} failed sign-ins; try again after {user.locked_until:%H:%M} UTC."
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not ok:
        if user is not None:
            with db.transaction(s):
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until = now() + LOCKOUT
                    user.failed_logins = 0
                s.add(user)
        return "Email or password is wrong."
    with db.transaction(s):
        user.failed_logins = 0
        user.locked_until = None
        s.add(user)
    org = s.get(Org, user.org_id)
    if org.status == OrgStatus.pending:
        return ("Your organisation's application is waiting for an operator's decision. "
                "We will email you when it is decided; then you can sign in.")
    if org.status != OrgStatus.approved:
        return "Your organisation is not approved on Parity (suspended or not accepted); you cannot sign in."
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    return None


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("web.home"))


def load_session_principal() -> None:
    """Set ``g.principal`` for pages from the signed session cookie."""
    g.user = None
    uid = session.get("user_id")
    if uid is None or request.path.startswith("/api/") or request.path.startswith("/static/"):
        return
    s = db.session()
    user = s.get(User, uid)
    if user is None or not user.is_active:
        session.clear()
        return
    org = s.get(Org, user.org_id)
    if org.status != OrgStatus.approved:  # suspended since signing in: signed out
        session.clear()
        return
    g.user = user
    g.org = org
    g.principal = Principal(org_id=org.id, role=user.role, scopes=ROLE_SCOPES[user.role],
                            user_id=user.id, name=user.name or user.email)


def login_required(role: str | None = None):
    """Page decorator: send anonymous visitors to the login page; refuse other roles (403)."""

    def decorator(f):
        @wraps(f)
        def wrapper(*args, **kwargs):
            from flask import abort

            if g.get("user") is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if role is not None and g.principal.role.value != role and not g.principal.is_operator:
                abort(403, f"This page is for {role} accounts.")
            return f(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app: Flask) -> None:
    app.permanent_session_lifetime = timedelta(hours=12)
    app.before_request(load_session_principal)
    app.register_blueprint(bp)
