"""Confirmation before a destructive act, without JavaScript.

A list shows "Cancel…" as a link to ``/admin/confirm/<action>/<id>``: a page that says in
words what will happen to what, with one button that POSTs to the real endpoint (with
``confirmed=yes``) and a link back. Endpoints of this area refuse to act without
``confirmed=yes`` and send the person to the confirmation page instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, redirect, render_template, request, url_for
from sqlmodel import Session

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.money import format_money
from broker.models import CapacityRequest, Org, OrgGroup, Stake
from broker.models.ledger import Payment
from broker.models.reservation import Guarantee
from broker.services.operations import request_label
from broker.web.admin_blueprint import bp


@dataclass(frozen=True)
class Confirm:
    endpoint: str  # the POST endpoint that acts
    arg: str  # its id parameter
    button: str  # the button's words
    describe: Callable[[Session, int], str | None]  # what will happen, in words; None: no such row
    back: str  # where "keep it" goes


def _request(s, i):
    r = s.get(CapacityRequest, i)
    if r is None:
        return None
    org = s.get(Org, r.org_id)
    return (f"Cancel request {request_label(r)} of {org.name}: {r.units - r.units_allocated:,} units still asked for "
            f"will no longer be considered by any round. Units already allocated ({r.units_allocated:,}) stay "
            "allocated. The developer gets a signed receipt of the cancellation. This cannot be undone.")


def _invoice(s, i):
    p = s.get(Payment, i)
    if p is None:
        return None
    org = s.get(Org, p.org_id)
    return (f"Mark invoice {p.number} of {org.name} ({format_money(p.amount_minor, p.currency)}) as paid: "
            "record that the money arrived outside Parity (a bank transfer). The ledger books it at once; "
            "it cannot be unmarked here.")


def _stake(s, i):
    st = s.get(Stake, i)
    if st is None:
        return None
    holder, vendor = s.get(Org, st.holder_org_id), s.get(Org, st.vendor_org_id)
    return (f"Mark the {st.percent}% {st.kind} stake of {holder.name} in {vendor.name} as ended. "
            "The public stakes page keeps it, marked ended.")


def _reservation(s, i):
    gu = s.get(Guarantee, i)
    if gu is None:
        return None
    org = s.get(Org, gu.org_id)
    return (f"Withdraw the reservation of {gu.units:,} units for {org.name} in {gu.period}. "
            "Those units go back to the fair division of the next round.")


def _leave(s, i):
    org = s.get(Org, i)
    if org is None or org.group_id is None:
        return None
    grp = s.get(OrgGroup, org.group_id)
    return (f"Remove {org.name} from the group {grp.name}. From the next round it is a fairness principal "
            "of its own.")


def _suspend(s, i):
    org = s.get(Org, i)
    if org is None:
        return None
    return (f"Suspend {org.name} ({org.kind.value}): its people can no longer sign in, its requests and "
            "offerings are left out of rounds, and the catalog stops showing its offerings.")


def _reinstate(s, i):
    org = s.get(Org, i)
    return None if org is None else f"Reinstate {org.name} ({org.kind.value}): it is approved again."


CONFIRMS: dict[str, Confirm] = {
    "cancel-request": Confirm("requests.cancel", "request_id", "Cancel the request", _request, "admin.requests"),
    "mark-paid": Confirm("payments.invoice_paid", "payment_id", "Mark as paid", _invoice, "admin.invoices"),
    "end-stake": Confirm("admin.end_stake", "stake_id", "End the stake", _stake, "admin.index"),
    "withdraw-reservation": Confirm("admin.withdraw_reservation", "reservation_id", "Withdraw the reservation",
                                    _reservation, "admin.index"),
    "leave-group": Confirm("admin.leave_group", "org_id", "Remove from the group", _leave, "admin.index"),
    "suspend-org": Confirm("admin.suspend_org", "org_id", "Suspend the organisation", _suspend, "admin.orgs"),
    "reinstate-org": Confirm("admin.reinstate_org", "org_id", "Reinstate the organisation", _reinstate, "admin.orgs"),
}


def confirmed() -> bool:
    return request.form.get("confirmed") == "yes"


def ask(action: str, target_id: int):
    """The redirect to the confirmation page (for a POST that came without ``confirmed=yes``)."""
    return redirect(url_for("admin.confirm", action=action, target_id=target_id))


@bp.get("/confirm/<action>/<int:target_id>", endpoint="confirm")
@login_required("operator")
def confirm_page(action: str, target_id: int):
    c = CONFIRMS.get(action)
    if c is None:
        abort(404)
    from flask import current_app

    if c.endpoint not in current_app.view_functions:
        abort(404)
    text = c.describe(db.session(), target_id)
    if text is None:
        abort(404, "Nothing to confirm: no such row.")
    back = request.args.get("back", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for(c.back)
    return render_template("admin/confirm.html", text=text, button=c.button, back=back,
                           action=url_for(c.endpoint, **{c.arg: target_id}))
