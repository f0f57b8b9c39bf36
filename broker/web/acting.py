"""How a page's form acts: check the form (CSRF, fields), run the change in one transaction,
and tell the person what happened (a flash: the change, or the service's refusal)."""
from __future__ import annotations

from typing import Callable

from flask import flash
from flask_wtf import FlaskForm
from sqlmodel import Session

from broker import db
from broker.errors import ApiError


def form_ok(form: FlaskForm, label: str | None = None) -> bool:
    """Whether ``form`` was posted valid; if not, flash why (its field errors under ``label``,
    or an expired form when it has no fields but its CSRF token)."""
    if form.validate_on_submit():
        return True
    if label is None:
        flash("The form expired; try again.", "error")
    else:
        flash(f"{label}: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), "error")
    return False


def attempt(change: Callable[[Session], object], done: str | Callable[[], str]) -> bool:
    """Run ``change`` in one transaction and flash ``done``; a refusal is flashed instead and
    nothing is written. True when the change was made."""
    s = db.session()
    try:
        with db.transaction(s):
            change(s)
    except ApiError as e:
        flash(e.detail, "error")
        return False
    flash(done() if callable(done) else done)
    return True
