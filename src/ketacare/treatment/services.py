"""Writes for treatment: protocol settings, weights, plans and their state machine, and signed
dose orders. One transaction each, validated, audited; a refusal stores nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.dosing import Milligrams
from ketacare.clinical.units import PLAUSIBLE_WEIGHT_KG, WeightUnit, weight_in_kg
from ketacare.measures import services as measure_services
from ketacare.measures.models import MeasureSchedule, ScheduleFrequency
from ketacare.patients.models import Patient
from ketacare.patients.selectors import consent_problem
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Membership, Role
from ketacare.tenancy.permissions import Permission
from ketacare.treatment import selectors
from ketacare.treatment.models import (
    DoseOrder,
    PlanStatus,
    ProtocolSettings,
    TreatmentPlan,
    WeightRecord,
)
from ketacare.treatment.protocols import clean_settings, shipped_or_error

# The plan's state machine: the one place that says which change of status is allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.PAUSED, PlanStatus.COMPLETED, PlanStatus.STOPPED}),
    PlanStatus.PAUSED: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
}
MIN_WEIGHT_KG, MAX_WEIGHT_KG = PLAUSIBLE_WEIGHT_KG


class StalePlanError(Exception):
    """The plan changed since the caller read it (another user moved it on)."""

    def __init__(self, expected_version: int, current: TreatmentPlan) -> None:
        self.expected_version = expected_version
        self.current = current
        self.changed_fields = ["status"]
        super().__init__(
            f"Someone else changed this plan while you were looking at it: it is now "
            f"{current.status} (version {current.version}, you had version {expected_version})."
        )


@transaction.atomic
def protocol_settings_set(
    *, actor: Actor, protocol_code: str, values: dict[str, Any]
) -> ProtocolSettings:
    """Replace the organisation's settings for one protocol. Dose limits are clinical
    judgement, so prescribers set them (SIGN_TREATMENT_DECISION)."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    protocol = shipped_or_error(protocol_code)
    cleaned = clean_settings(protocol, values)
    row, created = ProtocolSettings.objects.select_for_update().get_or_create(
        organisation_id=membership.organisation_id,
        protocol_code=protocol_code,
        defaults={"values": cleaned, "updated_by": membership.user},
    )
    before = {} if created else dict(row.values)
    if not created:
        row.values = cleaned
        row.updated_by = membership.user
        row.save(update_fields=["values", "updated_by", "updated_at"])
    changed = sorted(k for k in set(before) | set(cleaned) if before.get(k) != cleaned.get(k))
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        organisation=membership.organisation,
        obj=row,
        changed_fields=changed,
        detail={"protocol": protocol_code, "before": before, "after": cleaned},
    )
    return row


@transaction.atomic
def weight_record(
    *,
    actor: Actor,
    patient: Patient,
    value: Decimal,
    unit: str,
    recorded_at: Any = None,
) -> WeightRecord:
    """A measured weight; pounds are converted to kilograms once, here."""
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, patient.organisation_id, "patient")
    if unit not in {u.value for u in WeightUnit}:
        raise ValidationError({"unit": [f"Unknown unit {unit!r}: use kg or lb."]})
    try:
        weight = weight_in_kg(Decimal(value), WeightUnit(unit))
    except ValueError as exc:
        raise ValidationError({"value": [str(exc)]}) from exc
    if not MIN_WEIGHT_KG <= weight.kg <= MAX_WEIGHT_KG:
        raise ValidationError(
            {"value": [f"{weight} is not a plausible weight ({MIN_WEIGHT_KG}-{MAX_WEIGHT_KG} kg)."]}
        )
    when = recorded_at or timezone.now()
    if when > timezone.now():
        raise ValidationError({"recorded_at": ["A weight cannot be recorded in the future."]})
    row = WeightRecord.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        weight_kg=weight.kg,
        entered_value=Decimal(value),
        entered_unit=unit,
        recorded_at=when,
        recorded_by=membership.user,
    )
    record_event(
        actor=actor, action=AuditAction.CREATE, obj=row, patient_public_id=patient.public_id
    )
    return row


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    patient: Patient,
    protocol_code: str,
    indication: str,
    planned_sessions: int,
    goals: str = "",
    measures: list[str] | tuple[str, ...] = (),
    prescriber: Any = None,
) -> TreatmentPlan:
    """A draft plan. Its route follows from the protocol; the prescriber is the acting
    prescriber unless another of the organisation's prescribers is named."""
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, patient.organisation_id, "patient")
    protocol = shipped_or_error(protocol_code)
    if not indication.strip():
        raise ValidationError({"indication": ["Say what the plan treats."]})
    if planned_sessions < 1 or planned_sessions > 100:
        raise ValidationError({"planned_sessions": ["Plan between 1 and 100 sessions."]})
    codes = list(dict.fromkeys(measures))
    for code in codes:
        measure_services.instrument_or_error(code, "measures")
    prescriber = prescriber or membership.user
    if not Membership.objects.filter(
        user=prescriber,
        organisation_id=patient.organisation_id,
        role=Role.PRESCRIBER,
        is_active=True,
    ).exists():
        raise ValidationError({"prescriber": ["Name one of the clinic's prescribers."]})
    plan = TreatmentPlan.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        route=selectors.route_of(protocol),
        protocol_code=protocol_code,
        indication=indication.strip(),
        prescriber=prescriber,
        planned_sessions=planned_sessions,
        goals=goals,
        measures=codes,
        created_by=membership.user,
    )
    record_event(
        actor=actor, action=AuditAction.CREATE, obj=plan, patient_public_id=patient.public_id
    )
    return plan


@transaction.atomic
def plan_transition(
    *,
    actor: Actor,
    plan: TreatmentPlan,
    to: str,
    expected_version: int | None = None,
    reason: str = "",
) -> TreatmentPlan:
    """Move a plan along its state machine. Activation needs a signed eligible decision for
    the plan's route and starts the plan's measures schedules. With `expected_version` (the
    version the user saw), a plan changed since is refused with StalePlanError."""
    membership = require_permission(actor, Permission.EDIT_CLINICAL)
    require_same_organisation(membership, plan.organisation_id, "plan")
    plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    if expected_version is not None and expected_version != plan.version:
        raise StalePlanError(expected_version, plan)
    if to not in PlanStatus.values:
        raise ValidationError({"to": [f"Unknown status {to!r}."]})
    allowed = TRANSITIONS.get(plan.status, frozenset())
    if to not in allowed:
        names = ", ".join(sorted(allowed)) or "nothing (it is final)"
        raise ValidationError(
            {"status": [f"A {plan.status} plan cannot become {to}; it may become: {names}."]}
        )
    reason = reason.strip()
    if to in (PlanStatus.PAUSED, PlanStatus.STOPPED) and not reason:
        # Pausing or stopping a treatment is a decision someone must be able to read later.
        raise ValidationError({"reason": [f"Say why the plan is {to}."]})
    if to == PlanStatus.ACTIVE:
        refusal = selectors.no_eligible_decision_reason(plan.patient, plan.route)
        if refusal:
            raise ValidationError({"status": [refusal]})
        scheduled = set(
            MeasureSchedule.objects.filter(
                organisation_id=plan.organisation_id, patient=plan.patient, active=True
            ).values_list("instrument_code", flat=True)
        )
        for code in [c for c in plan.measures if c not in scheduled]:
            measure_services.measure_schedule_set(
                actor=actor,
                patient=plan.patient,
                instrument_code=code,
                frequency=ScheduleFrequency.BEFORE_EACH_SESSION,
            )
    before = plan.status
    plan.status = to
    plan.version += 1
    plan.save(update_fields=["status", "version", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=plan,
        patient_public_id=plan.patient.public_id,
        changed_fields=["status"],
        detail={"from": before, "to": to, **({"reason": reason} if reason else {})},
    )
    return plan


@transaction.atomic
def order_sign(
    *, actor: Actor, plan: TreatmentPlan, request: selectors.DoseRequest, change_reason: str = ""
) -> DoseOrder:
    """A prescriber signs the next session's order. A block stands only with an override
    reason; a new dose replaces the plan's current order and needs the reason for the change."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    require_same_organisation(membership, plan.organisation_id, "plan")
    plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    # No order without a treatment consent in force for this route (a withdrawal blocks it).
    problem = consent_problem(plan.patient, plan.route)
    if problem:
        raise ValidationError({"consent": [f"Cannot order: {problem}."]})
    if selectors.is_topical(plan):
        return _topical_order_sign(
            actor=actor, membership=membership, plan=plan, request=request,
            change_reason=change_reason,
        )  # fmt: skip
    result = selectors.dose_calculation(actor, plan, request)
    if result.blocked:
        messages = " ".join(b.message for b in result.blocks)
        raise ValidationError(
            {"override_reason": [f"{messages} To order it anyway, give the reason."]}
        )
    if result.total.mg <= 0:
        raise ValidationError({"dose": ["The dose must be greater than 0 mg."]})
    current = selectors.current_order(plan)
    change_reason = change_reason.strip()
    if current is not None and current.dose_mg != result.total.mg and not change_reason:
        raise ValidationError(
            {
                "change_reason": [
                    f"This changes the dose from {_mg_or_none(current.dose_mg)} to {result.total}: "
                    "say why (titration)."
                ]
            }
        )
    sessions = _next_session(plan) - 1
    order = DoseOrder.objects.create(
        organisation_id=plan.organisation_id,
        plan=plan,
        session_number=sessions + 1,
        requested_dose=request.dose,
        requested_unit=request.dose_unit,
        dose_mg=result.total.mg,
        concentration_mg_per_ml=Decimal(str(request.concentration_mg_per_ml)),
        concentration_salt_form=request.concentration_salt_form,
        bag_volume_ml=request.bag_volume_ml,
        duration_minutes=result.duration.minutes if result.duration else None,
        volume_ml=result.volume.ml.quantize(Decimal("0.001")) if result.volume else None,
        rate_ml_per_h=result.rate.ml_per_h.quantize(Decimal("0.001")) if result.rate else None,
        calculation=selectors.calculation_snapshot(result),
        override_reason=result.override.reason if result.override else "",
        change_reason=change_reason,
        replaces=current,
        signed_by=membership.user,
        signed_at=timezone.now(),
    )
    detail: dict[str, Any] = {"dose_mg": str(order.dose_mg), "session": order.session_number}
    if result.blocks:
        detail["overridden_blocks"] = [b.message for b in result.blocks]
        detail["override_reason"] = order.override_reason
    if current is not None:
        detail["replaces"] = str(current.public_id)
        detail["change_reason"] = change_reason
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=order,
        patient_public_id=plan.patient.public_id,
        detail=detail,
    )
    return order


def _mg_or_none(value: Decimal | None) -> str:
    return str(Milligrams(value)) if value is not None else "no amount in mg"


def _next_session(plan: TreatmentPlan) -> int:
    sessions = DoseOrder.objects.filter(plan=plan).count()
    if sessions >= plan.planned_sessions:
        raise ValidationError(
            {"plan": [f"All {plan.planned_sessions} planned sessions already have an order."]}
        )
    return sessions + 1


def _topical_order_sign(
    *,
    actor: Actor,
    membership: Membership,
    plan: TreatmentPlan,
    request: selectors.DoseRequest,
    change_reason: str,
) -> DoseOrder:
    """A topical plan's order: a cream strength in % w/w, checked against the clinic's maximum
    strength (a block stands only with the prescriber's override reason)."""
    if request.dose_unit != selectors.STRENGTH_UNIT:
        raise ValidationError(
            {"dose_unit": [f"{plan.protocol_code} is ordered by strength in "
                           f"{selectors.STRENGTH_UNIT}."]}
        )  # fmt: skip
    check = selectors.topical_calculation(actor, plan, request.dose)
    snapshot = selectors.topical_snapshot(plan, check, request.override_reason)
    if snapshot["blocked"]:
        messages = " ".join(b["message"] for b in snapshot["blocks"])
        raise ValidationError(
            {"override_reason": [f"{messages} To order it anyway, give the reason."]}
        )
    current = selectors.current_order(plan)
    change_reason = change_reason.strip()
    strength = check.strength.percent
    if current is not None and current.strength_percent != strength and not change_reason:
        raise ValidationError(
            {"change_reason": [f"This changes the strength from {current.strength_percent} % "
                               f"to {check.strength}: say why."]}
        )  # fmt: skip
    session = _next_session(plan)
    order = DoseOrder.objects.create(
        organisation_id=plan.organisation_id,
        plan=plan,
        session_number=session,
        requested_dose=strength,
        requested_unit=selectors.STRENGTH_UNIT,
        strength_percent=strength,
        concentration_salt_form="",
        calculation=snapshot,
        override_reason=snapshot["override"] or "",
        change_reason=change_reason,
        replaces=current,
        signed_by=membership.user,
        signed_at=timezone.now(),
    )
    detail: dict[str, Any] = {"strength_percent": str(strength), "session": session}
    if snapshot["blocks"]:
        detail["overridden_blocks"] = [b["message"] for b in snapshot["blocks"]]
        detail["override_reason"] = order.override_reason
    if current is not None:
        detail["replaces"] = str(current.public_id)
        detail["change_reason"] = change_reason
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=order,
        patient_public_id=plan.patient.public_id,
        detail=detail,
    )
    return order
