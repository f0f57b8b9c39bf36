"""Operator pages: change the policy (who and why), declare groups, weights, stakes and
reservations, and run a round now or as a dry run."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from broker import db
from broker.auth.session_login import login_required
from broker.clock import now
from broker.web import policy_labels
from broker.web.acting import attempt, form_ok
from broker.models import OrgKind
from broker.policy import PARAMETERS, current_params
from broker.services import groups, operations, queries, rounds, schedule
from broker.services import policy as policy_svc

from broker.web.admin_blueprint import bp


class GroupForm(FlaskForm):
    name = StringField("Group name", validators=[DataRequired(), Length(min=2, max=200)])
    reason = StringField("Why these orgs are under common control", validators=[DataRequired(), Length(min=5, max=2000)])
    members = SelectMultipleField("Member orgs", coerce=int, validators=[Optional()])


class WeightForm(FlaskForm):
    org_id = SelectField("Org", coerce=int)
    weight = DecimalField("Weight", places=4, validators=[DataRequired(), NumberRange(min=0.0001, max=1000)])
    reason = StringField("Why", validators=[DataRequired(), Length(min=5, max=2000)])


class StakeForm(FlaskForm):
    holder_org_id = SelectField("Holder (developer)", coerce=int)
    vendor_org_id = SelectField("Vendor", coerce=int)
    percent = DecimalField("Percent", places=4, validators=[DataRequired(), NumberRange(min=0, max=100)])
    kind = SelectField("Kind", choices=[SelectChoice(k, k) for k in groups.STAKE_KINDS])
    note = StringField("Note", validators=[Optional(), Length(max=2000)])


class ReservationForm(FlaskForm):
    org_id = SelectField("Org", coerce=int)
    offering_id = SelectField("Offering", coerce=int)
    period = StringField("Period (ISO week, e.g. 2026-W48)", validators=[DataRequired(), Length(max=10)])
    units = IntegerField("Units", validators=[DataRequired(), NumberRange(min=1)])
    reason = StringField("Why", validators=[DataRequired(), Length(min=5, max=2000)])


def _forms(s):
    devs = [SelectChoice(o.id, o.name) for o in queries.orgs_by_name(s, OrgKind.developer)]
    vendors = [SelectChoice(o.id, o.name) for o in queries.orgs_by_name(s, OrgKind.vendor, approved_only=False)]
    offs = [SelectChoice(o.id, f"#{o.id} {o.title}") for o in queries.active_offerings(s)]
    gf, wf, sf, rf = GroupForm(prefix="g"), WeightForm(prefix="w"), StakeForm(prefix="s"), ReservationForm(prefix="r")
    gf.members.choices = devs
    wf.org_id.choices = devs
    sf.holder_org_id.choices, sf.vendor_org_id.choices = devs, vendors
    rf.org_id.choices, rf.offering_id.choices = devs, offs
    if not rf.period.data:
        rf.period.data = schedule.next_round(s, now()).period
    return {"group_form": gf, "weight_form": wf, "stake_form": sf, "reservation_form": rf}


def _page(s, status=200, **extra):
    effective = policy_svc.effective_period_for_change(s)
    base = current_params(s, effective)
    return render_template("admin/index.html", params=PARAMETERS, base=base, effective=effective,
                           param_label=policy_labels.label, param_value=policy_labels.value,
                           groups=groups.list_groups(s), reservations=groups.list_reservations(s),
                           stakes=groups.list_stakes(s), ov=operations.overview(s, now()),
                           **_forms(s), **extra), status


@bp.get("")
@login_required("operator")
def index():
    return _page(db.session())


def _act(fn, ok: str):
    if not attempt(fn, ok):
        return _page(db.session(), 422)
    return redirect(url_for("admin.index"))


@bp.post("/policy")
@login_required("operator")
def change_policy():
    if not _posted():
        return redirect(url_for("admin.index"))
    s = db.session()
    base = current_params(s, policy_svc.effective_period_for_change(s)).params
    changes = {}
    for name, spec in PARAMETERS.items():
        raw = (request.form.get(f"param_{name}") or "").strip()
        if raw == "" or raw == str(base[name]):
            continue
        if spec[1] == "currency":
            changes[name] = raw.upper()
        else:
            try:
                changes[name] = int(raw) if spec[1] == "int" else float(raw)
            except ValueError:
                flash(f"{name}: not a number.", "error")
                return _page(s, 422)
    return _act(lambda s: policy_svc.change(s, g.principal, changes=changes, reason=request.form.get("reason", "")),
                "Policy change recorded; it applies from the period shown.")


@bp.post("/groups")
@login_required("operator")
def create_group():
    s = db.session()
    f = _forms(s)["group_form"]
    if not form_ok(f, "Group"):
        return _page(s, 422)
    return _act(lambda s: groups.create_group(s, g.principal, name=f.name.data, reason=f.reason.data,
                                              member_ids=f.members.data or []), "Group declared.")


@bp.post("/weights")
@login_required("operator")
def set_weight():
    s = db.session()
    f = _forms(s)["weight_form"]
    if not form_ok(f, "Weight"):
        return _page(s, 422)
    return _act(lambda s: groups.set_weight(s, g.principal, org_id=f.org_id.data, weight=f.weight.data,
                                            reason=f.reason.data), "Weight set.")


@bp.post("/stakes")
@login_required("operator")
def declare_stake():
    s = db.session()
    f = _forms(s)["stake_form"]
    if not form_ok(f, "Stake"):
        return _page(s, 422)
    return _act(lambda s: groups.declare_stake(s, g.principal, holder_org_id=f.holder_org_id.data,
                                               vendor_org_id=f.vendor_org_id.data, percent=f.percent.data,
                                               kind=f.kind.data, note=f.note.data or ""), "Stake declared.")


@bp.post("/reservations")
@login_required("operator")
def reserve():
    s = db.session()
    f = _forms(s)["reservation_form"]
    if not form_ok(f, "Reservation"):
        return _page(s, 422)
    return _act(lambda s: groups.reserve(s, g.principal, org_id=f.org_id.data, offering_id=f.offering_id.data,
                                         period=f.period.data.strip(), units=f.units.data, reason=f.reason.data),
                "Reservation made.")


def _dry_run(s, t) -> dict:
    slot = operations.preview_slot(s, t)
    out = rounds.dry_run(s, slot, max(t, slot.at))
    rows = operations.dry_run_rows(s, out)
    return {"slot": slot, "rows": rows, "units": sum(r["units"] for r in rows),
            "due": slot.at <= t}


@bp.get("/rounds", endpoint="rounds")
@login_required("operator")
def rounds_page():
    """Rounds: what is due, what ran and when, what "run now" will do; the history, paged."""
    from broker.web.listing import page_of

    s = db.session()
    t = now()
    history, next_cursor = page_of("admin-rounds", lambda before, limit: rounds.recent(s, before_id=before, limit=limit))
    totals = operations.totals(s, [r.id for r in history])
    dry = _dry_run(s, t) if request.args.get("dry_run") else None
    return render_template("admin/rounds.html", ov=operations.overview(s, t), history=history, totals=totals,
                           next_cursor=next_cursor, dry_run=dry)


@bp.post("/rounds")
@login_required("operator")
def run_round():
    s = db.session()
    back = url_for("admin.rounds") if request.form.get("back") == "rounds" else url_for("admin.index")
    if not _posted():
        return redirect(back)
    t = now()
    if request.form.get("action") == "dry_run":
        return _page(s, dry_run=_dry_run(s, t)) if back.endswith("/admin") else redirect(
            url_for("admin.rounds", dry_run=1))
    outs = rounds.run_due(s, t, g.principal)
    flash(" ".join(operations.outcome_sentence(o) for o in outs) or "Nothing was due.")
    return redirect(back)


def _posted() -> bool:
    return form_ok(FlaskForm())


def _confirmed_button(action: str, target_id: int, fn, ok: str):
    """A destructive one-button act: only with ``confirmed=yes`` (from the confirmation page)."""
    from broker.web.confirm import ask, confirmed

    if not _posted():
        return redirect(url_for("admin.index"))
    if not confirmed():
        return ask(action, target_id)
    return _act(fn, ok)


@bp.post("/stakes/<int:stake_id>/end")
@login_required("operator")
def end_stake(stake_id: int):
    return _confirmed_button("end-stake", stake_id, lambda s: groups.end_stake(s, g.principal, stake_id),
                             "Stake marked as ended.")


@bp.post("/reservations/<int:reservation_id>/withdraw")
@login_required("operator")
def withdraw_reservation(reservation_id: int):
    return _confirmed_button("withdraw-reservation", reservation_id,
                             lambda s: groups.cancel_reservation(s, g.principal, reservation_id), "Reservation withdrawn.")


@bp.post("/orgs/<int:org_id>/leave-group")
@login_required("operator")
def leave_group(org_id: int):
    return _confirmed_button("leave-group", org_id,
                             lambda s: groups.set_group(s, g.principal, org_id=org_id, group_id=None),
                             "Org removed from its group.")

