"""Dosing and bedside observations: start dosing once every check is cleared and a signed order
is in force, chart what is given (infusion events, esketamine devices, doses, interventions),
and the dissociation, sedation and symptom observations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.measures import get_instrument
from ketacare.clinical.treatment_day import CtcaeGrade, device_spacing_check
from ketacare.clinical.treatment_day.esketamine_devices import DEVICE_DOSE
from ketacare.tenancy.access import Actor
from ketacare.tenancy.models import Route
from ketacare.treatment import selectors as treatment_selectors
from ketacare.treatment.models import DoseOrder
from ketacare.treatment_sessions import selectors
from ketacare.treatment_sessions.models import (
    Administration,
    AdministrationKind,
    Observation,
    ObservationKind,
    SessionState,
    TreatmentSession,
)
from ketacare.treatment_sessions.services.checks import run_automatic
from ketacare.treatment_sessions.services.flow import (
    chart_membership,
    checked_time,
    locked,
    move,
)

K = AdministrationKind
INFUSION = (K.INFUSION_START, K.INFUSION_PAUSE, K.INFUSION_RESUME, K.INFUSION_RATE, K.INFUSION_STOP)
# What may follow the last infusion event (None: nothing charted yet).
INFUSION_NEXT: dict[str | None, frozenset[str]] = {
    None: frozenset({K.INFUSION_START}),
    K.INFUSION_START: frozenset({K.INFUSION_PAUSE, K.INFUSION_RATE, K.INFUSION_STOP}),
    K.INFUSION_RESUME: frozenset({K.INFUSION_PAUSE, K.INFUSION_RATE, K.INFUSION_STOP}),
    K.INFUSION_RATE: frozenset({K.INFUSION_PAUSE, K.INFUSION_RATE, K.INFUSION_STOP}),
    K.INFUSION_PAUSE: frozenset({K.INFUSION_RESUME, K.INFUSION_STOP}),
    K.INFUSION_STOP: frozenset(),
}
NEEDS_RATE = frozenset({K.INFUSION_START, K.INFUSION_RESUME, K.INFUSION_RATE})
DOSE_ROUTES = frozenset(
    {Route.IM_SC, Route.SUBLINGUAL_ORAL, Route.INTRANASAL_COMPOUNDED, Route.TOPICAL}
)
CHARTING = (SessionState.DOSING, SessionState.MONITORING, SessionState.RECOVERY)
# Observation scales and the instrument definition that bounds each value.
OBSERVATION_INSTRUMENT: dict[str, str] = {
    ObservationKind.DISSOCIATION_CADSS: "cadss",
    ObservationKind.DISSOCIATION_CLINIC: "cadss6",
    ObservationKind.SEDATION_MOAAS: "moaas",
}
# Symptoms are graded 0 (absent) or by the CTCAE v5.0 grade 1-5 [S15].
SYMPTOM_RANGE = (0, int(max(CtcaeGrade)))


def session_order(session: TreatmentSession) -> DoseOrder | None:
    """The signed order for this session: the one for its session number that no later order
    replaces, else the plan's order in force."""
    number = session.appointment.session_number
    if number is not None:
        order = (
            DoseOrder.objects.filter(
                plan=session.plan, session_number=number, replaced_by__isnull=True
            )
            .order_by("-signed_at", "-pk")
            .first()
        )
        if order is not None:
            return order
    return treatment_selectors.current_order(session.plan)


@transaction.atomic
def dosing_start(
    *, actor: Actor, session: TreatmentSession, expected_version: int | None = None
) -> TreatmentSession:
    """Start dosing: a signed order and every pre-check cleared (the checks worked out from the
    record are judged again now), or a refusal naming each blocker."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if current.state == SessionState.CHECKED_IN:
        # Straight from check-in: the checks are run now (undone with a refusal).
        move(actor=actor, session=current, to=SessionState.PRE_CHECKS)
    if current.state != SessionState.PRE_CHECKS:
        move(actor=actor, session=current, to=SessionState.DOSING)  # raises the state error
    order = session_order(current)
    errors: dict[str, list[str]] = {}
    if order is None:
        errors["order"] = ["No signed dose order for this session: a prescriber signs one first."]
    run_automatic(actor, current)
    blockers = selectors.dosing_blockers(current)
    if blockers:
        errors["checks"] = [str(b) for b in blockers]
    if errors:
        raise ValidationError(errors)
    current.order = order
    current.save(update_fields=["order", "updated_at"])
    return move(actor=actor, session=current, to=SessionState.DOSING)


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ["Enter a number."]}) from None
    if not number.is_finite() or number <= 0 or number >= Decimal("1e6"):
        raise ValidationError({field: ["Enter a number greater than zero."]})
    return number


def devices_ordered(order: DoseOrder | None) -> int | None:
    """How many 28 mg esketamine devices the order is (S3a), or None when it is not a whole
    number of devices (or there is no order in mg)."""
    if order is None or order.dose_mg is None:
        return None
    count, rest = divmod(order.dose_mg, DEVICE_DOSE.mg)
    return None if rest or count < 1 else int(count)


def _devices_ordered(order: DoseOrder | None) -> int:
    count = devices_ordered(order)
    if count is None:
        if order is None or order.dose_mg is None:
            raise ValidationError({"order": ["The session has no esketamine order in mg."]})
        raise ValidationError({"order": [f"{order.dose_mg} mg is not whole 28 mg devices."]})
    return count


@transaction.atomic
def administration_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    kind: str,
    given_at: datetime | None = None,
    rate_ml_per_h: Decimal | None = None,
    device_number: int | None = None,
    lot_number: str = "",
    drug: str = "",
    amount: Decimal | None = None,
    unit: str = "",
    note: str = "",
) -> Administration:
    """Chart something given: an infusion event (in a sane order), an esketamine device (5 min
    apart, numbered, with its lot, never more than the order), a dose, or an intervention.
    The first dose starts the observation clock; the end of dosing moves the session to
    monitoring."""
    membership = chart_membership(actor, session)
    current = locked(session)
    if kind not in K.values:
        raise ValidationError({"kind": [f"Unknown kind {kind!r}."]})
    when = checked_time(given_at, "given_at", current)
    if kind == K.INTERVENTION:
        if current.state not in CHARTING:
            raise ValidationError(
                {"state": ["Interventions are charted from dosing to discharge."]}
            )
        if not drug.strip():
            raise ValidationError(
                {"drug": ["Name the drug or intervention (e.g. ondansetron, oxygen)."]}
            )
        if amount is None or not unit.strip():
            raise ValidationError({"amount": ["Give the dose with its unit (e.g. 4 mg, 2 L/min)."]})
        fields = {
            "drug": drug.strip()[:120],
            "amount": _decimal(amount, "amount"),
            "unit": unit.strip()[:10],
        }
        ends_dosing = False
    else:
        if current.state != SessionState.DOSING:
            raise ValidationError(
                {
                    "state": [
                        f"The ketamine itself is charted while dosing; the session is in "
                        f"{current.state}."
                    ]
                }
            )
        fields, ends_dosing = _ketamine(
            current, kind, when, rate_ml_per_h, device_number, lot_number, amount
        )
    row = Administration.objects.create(
        organisation_id=current.organisation_id,
        session=current,
        kind=kind,
        given_at=when,
        note=note.strip()[:500],
        recorded_by=membership.user,
        **fields,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        patient_public_id=current.patient.public_id,
        detail={
            "session": str(current.public_id),
            "kind": kind,
            "given_at": when.isoformat(),
            **{k: str(v) for k, v in fields.items()},
        },
    )
    if kind in (K.INFUSION_START, K.DEVICE, K.DOSE) and current.first_dose_at is None:
        current.first_dose_at = when
        current.version += 1
        current.save(update_fields=["first_dose_at", "version", "updated_at"])
    if ends_dosing:
        current.dosing_ended_at = when
        current.save(update_fields=["dosing_ended_at", "updated_at"])
        move(actor=actor, session=current, to=SessionState.MONITORING, at=when)
    return row


def _ketamine_lot(lot_number: str) -> dict[str, object]:
    """The lot of the ketamine vial a bag or dose was drawn from (Schedule III: every dose traces
    to its vial)."""
    lot = lot_number.strip()[:40]
    if not lot:
        raise ValidationError({"lot_number": ["Give the lot number of the ketamine vial."]})
    return {"lot_number": lot}


def _ketamine(
    session: TreatmentSession,
    kind: str,
    when: datetime,
    rate_ml_per_h: Decimal | None,
    device_number: int | None,
    lot_number: str,
    amount: Decimal | None,
) -> tuple[dict[str, object], bool]:
    """The fields of one ketamine administration, after its rules; and whether dosing ends."""
    given = Administration.objects.filter(session=session)
    if kind in INFUSION:
        if session.route != Route.IV:
            raise ValidationError({"kind": ["Infusion events are for IV sessions."]})
        last = given.filter(kind__in=INFUSION).order_by("-given_at", "-pk").first()
        last_kind = last.kind if last is not None else None
        if kind not in INFUSION_NEXT[last_kind]:
            state = "not started" if last is None else K(last.kind).label.lower()
            raise ValidationError(
                {"kind": [f"The infusion is {state}: cannot record {K(kind).label.lower()}."]}
            )
        if last is not None and when < last.given_at:
            raise ValidationError({"given_at": ["This is earlier than the last infusion event."]})
        fields: dict[str, object] = {}
        if kind in NEEDS_RATE:
            if rate_ml_per_h is None:
                raise ValidationError({"rate_ml_per_h": ["Give the rate in mL/h."]})
            fields["rate_ml_per_h"] = _decimal(rate_ml_per_h, "rate_ml_per_h")
        if kind == K.INFUSION_START:
            fields.update(_ketamine_lot(lot_number))
        return fields, kind == K.INFUSION_STOP
    if kind == K.DEVICE:
        if session.route != Route.ESKETAMINE:
            raise ValidationError({"kind": ["Devices are for esketamine sessions."]})
        ordered = _devices_ordered(session.order)
        devices = list(given.filter(kind=K.DEVICE).order_by("given_at", "pk"))
        if len(devices) >= ordered:
            raise ValidationError(
                {
                    "device_number": [
                        f"All {ordered} devices of the "
                        f"{session.order.dose_mg if session.order else ''}"
                        " mg order are given."
                    ]
                }
            )
        expected = len(devices) + 1
        if device_number != expected:
            raise ValidationError({"device_number": [f"This is device {expected}."]})
        if not lot_number.strip():
            raise ValidationError({"lot_number": ["Give the device's lot number (REMS form)."]})
        if devices:
            if when < devices[-1].given_at:
                raise ValidationError({"given_at": ["This is before the previous device."]})
            spacing = device_spacing_check(devices[-1].given_at, when)
            if not spacing.ok:
                raise ValidationError({"given_at": [spacing.reason.message]})
        fields = {
            "device_number": expected,
            "lot_number": lot_number.strip()[:40],
            "drug": "esketamine",
            "amount": DEVICE_DOSE.mg,
            "unit": "mg",
        }
        return fields, expected == ordered
    if kind == K.DOSE:
        if session.route not in DOSE_ROUTES:
            raise ValidationError(
                {"kind": ["Chart IV infusions and esketamine devices by their own kinds."]}
            )
        if amount is None:
            raise ValidationError({"amount": ["Give the amount in mg."]})
        dose = _decimal(amount, "amount")
        order = session.order
        ordered_mg = order.dose_mg if order is not None else None
        so_far = given.filter(kind=K.DOSE).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if ordered_mg is not None and so_far + dose > ordered_mg:
            raise ValidationError(
                {"amount": [f"{so_far + dose} mg would exceed the order of {ordered_mg} mg."]}
            )
        fields = {"drug": "ketamine", "amount": dose, "unit": "mg", **_ketamine_lot(lot_number)}
        return fields, ordered_mg is not None and so_far + dose == ordered_mg
    raise ValidationError({"kind": [f"{kind} is not a ketamine administration."]})


@transaction.atomic
def dosing_end(
    *, actor: Actor, session: TreatmentSession, expected_version: int | None = None
) -> TreatmentSession:
    """End dosing by hand (e.g. a topical or sublingual dose): the session moves to monitoring."""
    chart_membership(actor, session)
    current = locked(session, expected_version)
    if current.state == SessionState.DOSING and current.first_dose_at is None:
        raise ValidationError({"state": ["Chart the dose given before ending dosing."]})
    return move(actor=actor, session=current, to=SessionState.MONITORING)


def observation_range(kind: str) -> tuple[int, int]:
    code = OBSERVATION_INSTRUMENT.get(kind)
    if code is None:
        return SYMPTOM_RANGE
    total = get_instrument(code).total_range
    if total is None:  # pragma: no cover - the shipped definitions all have one
        raise ValidationError({"kind": [f"{code} has no total range."]})
    return total


@transaction.atomic
def observation_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    kind: str,
    value: int,
    observed_at: datetime | None = None,
    note: str = "",
) -> Observation:
    """A bedside observation: CADSS (23-item), the clinic's dissociation scale (CADSS-6),
    MOAA/S 0-5, or a symptom graded 0-5; ranges from the instruments' definitions."""
    membership = chart_membership(actor, session)
    current = locked(session)
    if kind not in ObservationKind.values:
        raise ValidationError({"kind": [f"Unknown observation {kind!r}."]})
    if current.state not in CHARTING:
        raise ValidationError({"state": ["Observations are charted from dosing to discharge."]})
    low, high = observation_range(kind)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({"value": [f"{ObservationKind(kind).label} is scored {low}-{high}."]})
    when = checked_time(observed_at, "observed_at", current)
    row = Observation.objects.create(
        organisation_id=current.organisation_id,
        session=current,
        kind=kind,
        value=value,
        note=note.strip()[:500],
        observed_at=when,
        recorded_by=membership.user,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        patient_public_id=current.patient.public_id,
        detail={"session": str(current.public_id), "kind": kind, "value": value},
    )
    return row
