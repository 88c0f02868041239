"""Controlled-substance waste and the session's balance: ketamine prepared for the patient is either
given or wasted by a licensed member of staff in front of another (Schedule III, reference.md
section 3). The arithmetic is the clinical core's (clinical/dosing/accounting.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.dosing.accounting import (
    BALANCE_STEP,
    Balance,
    PumpEvent,
    PumpStep,
    infused_volume,
)
from ketacare.clinical.dosing.accounting import balance as accounting_balance
from ketacare.clinical.dosing.quantities import Milligrams, Millilitres, MlPerHour
from ketacare.tenancy.access import Actor, active_membership
from ketacare.tenancy.models import Role, Route
from ketacare.treatment.models import DoseOrder
from ketacare.treatment_sessions.models import (
    Administration,
    AdministrationKind,
    DrugWaste,
    TreatmentSession,
    WasteMethod,
)
from ketacare.treatment_sessions.services.dosing import session_order
from ketacare.treatment_sessions.services.flow import chart_membership, checked_time, locked

# Who may waste and witness: licensed staff who handle the drug.
LICENSED = frozenset({Role.NURSE, Role.PRESCRIBER})
K = AdministrationKind
PUMP: dict[str, PumpEvent] = {
    K.INFUSION_START: PumpEvent.START,
    K.INFUSION_PAUSE: PumpEvent.PAUSE,
    K.INFUSION_RESUME: PumpEvent.RESUME,
    K.INFUSION_RATE: PumpEvent.RATE,
    K.INFUSION_STOP: PumpEvent.STOP,
}
DRUG = "Ketamine hydrochloride"
MAX_NOTE = 500


def session_balance(session: TreatmentSession, now: datetime) -> Balance | None:
    """Prepared, given and wasted for a racemic session with a signed order in mg (IV from the
    charted pump events, other routes from the doses charted); None for esketamine (sealed
    devices, each charted with its lot) or without an order in mg."""
    if session.route == Route.ESKETAMINE:
        return None
    order = session_order(session)
    given = list(Administration.objects.filter(session=session, kind__in=[*PUMP, K.DOSE]))
    wastes = list(DrugWaste.objects.filter(session=session))
    return balance_of(session, order, given, wastes, now)


def balance_of(
    session: TreatmentSession,
    order: DoseOrder | None,
    administrations: Iterable[Administration],
    wastes: Iterable[DrugWaste],
    now: datetime,
) -> Balance | None:
    """session_balance from rows already read (the controlled-substance log reads a day's
    sessions at once)."""
    if session.route == Route.ESKETAMINE or order is None or order.dose_mg is None:
        return None
    rows = sorted(
        (a for a in administrations if a.kind in PUMP or a.kind == K.DOSE),
        key=lambda a: (a.given_at, a.pk),
    )
    if session.route == Route.IV:
        if order.concentration_mg_per_ml is None:
            return None
        steps = [
            PumpStep(
                PUMP[row.kind],
                row.given_at,
                MlPerHour(row.rate_ml_per_h) if row.rate_ml_per_h is not None else None,
            )
            for row in rows
            if row.kind in PUMP
        ]
        bag = Millilitres(order.bag_volume_ml) if order.bag_volume_ml else None
        volume = infused_volume(steps, until=session.ended_at or now, bag=bag)
        given = Milligrams(volume.ml * order.concentration_mg_per_ml)
    else:
        given = Milligrams(
            sum((r.amount for r in rows if r.kind == K.DOSE and r.amount is not None), Decimal(0))
        )
    wasted = sum((w.amount_mg for w in wastes), Decimal(0))
    return accounting_balance(
        prepared=Milligrams(order.dose_mg), given=given, wasted=Milligrams(wasted)
    )


def ketamine_lots(administrations: Iterable[Administration]) -> list[str]:
    """The lots the session's ketamine came from (vials and devices; not an antiemetic's)."""
    return sorted(
        {a.lot_number for a in administrations if a.lot_number and a.kind != K.INTERVENTION}
    )


def _licensed_here(user: User, organisation_id: int) -> bool:
    witness = active_membership(user)
    return (
        witness is not None
        and witness.organisation_id == organisation_id
        and witness.role in LICENSED
    )


def _amount(value: object, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(BALANCE_STEP)
    except (InvalidOperation, ValueError):
        errors[field] = ["Give a number, e.g. 8 or 8.5."]
        return None
    if not amount.is_finite() or amount <= 0:
        errors[field] = ["Give an amount greater than zero."]
        return None
    return amount


@transaction.atomic
def waste_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    witness: User | None,
    amount_mg: object,
    volume_ml: object = None,
    lot_number: str,
    method: str,
    note: str = "",
    wasted_at: datetime | None = None,
) -> DrugWaste:
    """Record ketamine wasted by the actor in front of `witness`, whom the caller has just
    authenticated with their own password (views_waste does it through Django's authenticate,
    so repeated wrong passwords lock the account). The witness is another licensed member of the
    same organisation. The amount is in mg; what a session has not given and not wasted stays
    in its balance until it is."""
    membership = chart_membership(actor, session)
    current = locked(session)
    errors: dict[str, list[str]] = {}
    if membership.role not in LICENSED:
        errors["amount_mg"] = ["Only a nurse or a prescriber wastes a controlled substance."]
    if witness is None:
        errors["witness_email"] = ["The witness's e-mail or password is not right."]
    elif witness.pk == membership.user_id:
        errors["witness_email"] = ["The witness is someone other than the person wasting."]
    elif not _licensed_here(witness, current.organisation_id):
        errors["witness_email"] = ["The witness must be a nurse or prescriber of this practice."]
    amount = _amount(amount_mg, "amount_mg", errors)
    if amount is None and "amount_mg" not in errors:
        errors["amount_mg"] = ["Give the amount wasted in mg."]
    volume = _amount(volume_ml, "volume_ml", errors)
    lot = lot_number.strip()[:40]
    if not lot:
        errors["lot_number"] = ["Give the lot number of the vial the dose came from."]
    if method not in WasteMethod.values:
        errors["method"] = ["Choose how it came to be wasted."]
    note = note.strip()[:MAX_NOTE]
    if method == WasteMethod.OTHER and not note:
        errors["note"] = ["Say what happened."]
    order = session_order(current)
    if amount is not None and order is not None and order.dose_mg is not None:
        already = DrugWaste.objects.filter(session=current).aggregate(total=Sum("amount_mg"))
        room = order.dose_mg - (already["total"] or Decimal(0))
        if amount > room:
            errors["amount_mg"] = [
                f"That is more than was prepared and not yet wasted ({Milligrams(room)} of "
                f"{Milligrams(order.dose_mg)} prepared)."
            ]
    try:
        when = checked_time(wasted_at, "wasted_at", current)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        when = timezone.now()
    if errors:
        raise ValidationError(errors)
    assert witness is not None and amount is not None  # noqa: S101 - errors raised above
    waste = DrugWaste.objects.create(
        organisation_id=current.organisation_id,
        session=current,
        drug=DRUG,
        lot_number=lot,
        amount_mg=amount,
        volume_ml=volume,
        method=method,
        note=note,
        wasted_at=when,
        recorded_by=membership.user,
        witnessed_by=witness,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=waste,
        patient_public_id=current.patient.public_id,
        detail={
            "session": str(current.public_id),
            "amount_mg": str(amount),
            "lot_number": lot,
            "method": method,
            "witnessed_by": witness.get_full_name() or witness.email,
        },
    )
    return waste
