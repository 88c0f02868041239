"""Reads for treatment: tenant-scoped, each takes the acting user. The dose calculation lives
here because it writes nothing: the API's calculate endpoint and order signing share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from ketacare.clinical.dosing import (
    SHIPPED_PROTOCOLS,
    Concentration,
    DoseBasis,
    DoseCalculation,
    Drug,
    Finding,
    GivenDose,
    MgPerMl,
    Milligrams,
    Millilitres,
    Minutes,
    Override,
    PercentStrength,
    Protocol,
    ProtocolNotConfigured,
    RecordedWeight,
    SaltForm,
    Severity,
    TopicalCheck,
    calculate,
    check_topical_strength,
)
from ketacare.clinical.dosing import Route as DosingRoute
from ketacare.clinical.units import WeightUnit
from ketacare.patients.models import Patient
from ketacare.screening.models import AssessmentStatus, RouteDecision, Verdict
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Organisation, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment.models import (
    DoseOrder,
    PlanStatus,
    ProtocolSettings,
    TreatmentPlan,
    WeightRecord,
)
from ketacare.treatment.protocols import (
    WEIGHT_AGE_SETTING,
    configured,
    dose_in,
    missing_settings,
    positive_decimal,
    shipped_or_error,
)

ELIGIBLE = (Verdict.ELIGIBLE, Verdict.ELIGIBLE_WITH_CAUTIONS)
DOSE_UNITS = {basis.value: basis for basis in DoseBasis if basis is not DoseBasis.STRENGTH}
STRENGTH_UNIT = DoseBasis.STRENGTH.value  # a topical order's unit (% w/w)
# The most a requested dose, concentration, bag or duration may be before it is called absurd
# (a typing error guard, not a clinical limit: the protocol's limits do that).
_ABSURD = Decimal(100000)


def route_of(protocol: Protocol) -> str:
    """The clinic's route (as eligibility decides it) for a protocol's route and drug."""
    by_route = {
        DosingRoute.IV_INFUSION: Route.IV,
        DosingRoute.IV_BOLUS: Route.IV,
        DosingRoute.INTRAMUSCULAR: Route.IM_SC,
        DosingRoute.SUBCUTANEOUS: Route.IM_SC,
        DosingRoute.SUBLINGUAL: Route.SUBLINGUAL_ORAL,
        DosingRoute.ORAL: Route.SUBLINGUAL_ORAL,
        DosingRoute.TOPICAL: Route.TOPICAL,
    }
    if protocol.route is DosingRoute.INTRANASAL:
        esketamine = protocol.drug is Drug.ESKETAMINE
        return str(Route.ESKETAMINE if esketamine else Route.INTRANASAL_COMPOUNDED)
    return str(by_route[protocol.route])


def settings_values(organisation_id: int, code: str) -> dict[str, str]:
    row = ProtocolSettings.objects.filter(
        organisation_id=organisation_id, protocol_code=code
    ).first()
    return dict(row.values) if row is not None else {}


@dataclass(frozen=True)
class ProtocolView:
    protocol: Protocol
    route: str
    values: dict[str, str]
    missing: list[str]


def protocols_for(user: Actor) -> list[ProtocolView]:
    """Every shipped protocol with the organisation's settings and what is still missing."""
    membership = require_permission(user, Permission.VIEW_CLINICAL)
    rows = {
        s.protocol_code: dict(s.values) for s in scoped(ProtocolSettings.objects.all(), membership)
    }
    return [
        ProtocolView(p, route_of(p), rows.get(code, {}), missing_settings(p, rows.get(code, {})))
        for code, p in SHIPPED_PROTOCOLS.items()
    ]


def get_plan_for(
    user: Actor, plan_id: UUID | str, permission: Permission = Permission.VIEW_CLINICAL
) -> TreatmentPlan:
    """404 across organisations, then 403 for a role that may not."""
    queryset = TreatmentPlan.objects.select_related("patient", "prescriber", "organisation")
    return access_object(user, queryset, permission, public_id=plan_id)[1]


def plan_orders(plan: TreatmentPlan) -> QuerySet[DoseOrder]:
    """The history of doses on a plan, oldest first."""
    return DoseOrder.objects.filter(plan=plan, organisation_id=plan.organisation_id).select_related(
        "signed_by", "replaces"
    )


def latest_weight(patient: Patient) -> WeightRecord | None:
    return (
        WeightRecord.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .order_by("-recorded_at", "-created_at")
        .first()
    )


def eligible_decision(patient: Patient, route: str) -> RouteDecision | None:
    """The newest signed decision for this route, when it allows treatment (else None)."""
    decision = (
        RouteDecision.objects.filter(
            organisation_id=patient.organisation_id,
            assessment__patient=patient,
            assessment__status=AssessmentStatus.SIGNED,
            route=route,
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    if decision is None or decision.decision not in ELIGIBLE:
        return None
    return decision


def no_eligible_decision_reason(patient: Patient, route: str) -> str | None:
    if eligible_decision(patient, route) is not None:
        return None
    label = Route(route).label
    return f"No signed eligible decision for {label}: sign one at the consultation first."


def organisation_protocol(organisation: Organisation | int, code: str) -> Protocol:
    """The protocol as this organisation configured it; names the missing settings."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    shipped = shipped_or_error(code)
    values = settings_values(org_id, code)
    missing = missing_settings(shipped, values)
    if missing:
        raise ValidationError(
            {"protocol": [f"{code}: the clinic has not set {', '.join(missing)} yet."]}
        )
    return configured(shipped, values)


@dataclass(frozen=True)
class DoseRequest:
    """What the prescriber asks for, as entered (units explicit)."""

    dose: Decimal
    dose_unit: str
    concentration_mg_per_ml: Decimal | None
    concentration_salt_form: str
    bag_volume_ml: Decimal | None = None
    duration_minutes: Decimal | None = None
    override_reason: str = ""


def _checked(request: DoseRequest, protocol: Protocol) -> tuple[Any, Concentration, Any, Any]:
    if request.dose_unit not in DOSE_UNITS:
        units = ", ".join(DOSE_UNITS)
        raise ValidationError({"dose_unit": [f"Unknown unit {request.dose_unit!r}: use {units}."]})
    basis = protocol.dose_basis
    expected = DoseBasis.FIXED_MG if basis is DoseBasis.DEVICES else basis
    if DOSE_UNITS[request.dose_unit] is not expected:
        raise ValidationError({"dose_unit": [f"{protocol.key} is dosed in {expected.value}."]})
    dose = dose_in(basis, positive_decimal(request.dose, "dose", limit=_ABSURD))
    if request.concentration_mg_per_ml is None:
        raise ValidationError({"concentration_mg_per_ml": ["Enter the concentration in mg/mL."]})
    strength = positive_decimal(request.concentration_mg_per_ml, "concentration_mg_per_ml")
    if request.concentration_salt_form not in {s.value for s in SaltForm}:
        choices = ", ".join(s.value for s in SaltForm)
        raise ValidationError({"concentration_salt_form": [f"Choose one of: {choices}."]})
    concentration = Concentration(MgPerMl(strength), SaltForm(request.concentration_salt_form))
    bag = None
    if request.bag_volume_ml is not None:
        bag = Millilitres(positive_decimal(request.bag_volume_ml, "bag_volume_ml", limit=_ABSURD))
    elif protocol.route is DosingRoute.IV_INFUSION:
        raise ValidationError({"bag_volume_ml": ["An infusion needs the bag volume in mL."]})
    duration = None
    if request.duration_minutes is not None:
        minutes = positive_decimal(request.duration_minutes, "duration_minutes", limit=_ABSURD)
        duration = Minutes(minutes)
    return dose, concentration, bag, duration


def _esketamine_history(plan: TreatmentPlan) -> list[GivenDose]:
    # Until the treatment day records given doses, the patient's signed esketamine orders
    # (the ones not replaced) stand for the sessions.
    orders = DoseOrder.objects.filter(
        organisation_id=plan.organisation_id,
        plan__patient_id=plan.patient_id,
        plan__route=Route.ESKETAMINE,
        replaced_by__isnull=True,
    )
    return [
        GivenDose(timezone.localdate(o.signed_at), Milligrams(o.dose_mg))
        for o in orders
        if o.dose_mg is not None
    ]


def current_order(plan: TreatmentPlan) -> DoseOrder | None:
    """The plan's order in force: the newest one no later order replaces."""
    return (
        DoseOrder.objects.filter(
            plan=plan, organisation_id=plan.organisation_id, replaced_by__isnull=True
        )
        .order_by("-signed_at", "-pk")
        .first()
    )


def _previous_dose(plan: TreatmentPlan, protocol: Protocol) -> Any:
    """The dose in force, in the protocol's unit, for the titration-step check."""
    if not protocol.titration_steps:
        return None
    order = current_order(plan)
    if order is None or order.requested_unit != protocol.dose_basis.value:
        return None
    return dose_in(protocol.dose_basis, order.requested_dose)


def _active_and_eligible(plan: TreatmentPlan) -> None:
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(
            {"plan": [f"The plan is {plan.status}: doses are ordered on an active plan."]}
        )
    reason = no_eligible_decision_reason(plan.patient, plan.route)
    if reason:
        raise ValidationError({"plan": [reason]})


def is_topical(plan: TreatmentPlan) -> bool:
    return shipped_or_error(plan.protocol_code).dose_basis is DoseBasis.STRENGTH


def topical_calculation(
    user: Actor, plan: TreatmentPlan, strength_percent: Decimal | None
) -> TopicalCheck:
    """A topical plan's cream strength (% w/w) against the clinic's maximum strength.
    Reads only; refusals are ValidationErrors naming the field."""
    require_permission(user, Permission.VIEW_CLINICAL)
    _active_and_eligible(plan)
    protocol = organisation_protocol(plan.organisation_id, plan.protocol_code)
    if protocol.dose_basis is not DoseBasis.STRENGTH:
        raise ValidationError(
            {"dose_unit": [f"{protocol.key} is dosed in {protocol.dose_basis.value}."]}
        )
    if strength_percent is None:
        raise ValidationError({"dose": ["Enter the strength in % w/w."]})
    strength = positive_decimal(strength_percent, "dose", limit=Decimal(100))
    try:
        return check_topical_strength(protocol, PercentStrength(strength))
    except ProtocolNotConfigured as exc:
        raise ValidationError({"protocol": [str(exc)]}) from exc


def topical_snapshot(
    plan: TreatmentPlan, check: TopicalCheck, override_reason: str = ""
) -> dict[str, Any]:
    """A topical check as plain JSON, the counterpart of `calculation_snapshot`."""
    blocks = [_finding(f) for f in check.findings if f.severity is Severity.BLOCK]
    warnings = [_finding(f) for f in check.findings if f.severity is not Severity.BLOCK]
    override = override_reason.strip() or None
    return {
        "protocol": plan.protocol_code,
        "inputs": [["strength", str(check.strength)]]
        + ([["override", override]] if override else []),
        "formula": [f"{check.strength} = {check.mg_per_gram} mg per gram (1 % w/w = 10 mg/g)"],
        "strength": str(check.strength),
        "strength_percent": str(check.strength.percent),
        "mg_per_gram": str(check.mg_per_gram),
        "warnings": warnings,
        "blocks": blocks,
        "override": override,
        "blocked": bool(blocks) and override is None,
    }


def dose_calculation(
    user: Actor, plan: TreatmentPlan, request: DoseRequest, today: date | None = None
) -> DoseCalculation:
    """The engine's calculation for this plan, with the latest weight and the organisation's
    protocol settings. Reads only; refusals are ValidationErrors naming the field."""
    require_permission(user, Permission.VIEW_CLINICAL)
    _active_and_eligible(plan)
    protocol = organisation_protocol(plan.organisation_id, plan.protocol_code)
    if protocol.dose_basis is DoseBasis.STRENGTH:
        raise ValidationError(
            {"dose_unit": [f"{protocol.key} is dosed by strength: order it in {STRENGTH_UNIT}."]}
        )
    dose, concentration, bag, duration = _checked(request, protocol)
    weight_row = latest_weight(plan.patient)
    recorded = None
    if weight_row is not None:
        recorded = RecordedWeight(
            weight_row.weight_kg, WeightUnit.KG, timezone.localdate(weight_row.recorded_at)
        )
    elif protocol.dose_basis.uses_weight:
        raise ValidationError({"weight": ["Record the patient's weight first."]})
    values = settings_values(plan.organisation_id, plan.protocol_code)
    override = Override(request.override_reason) if request.override_reason.strip() else None
    try:
        return calculate(
            protocol,
            recorded,
            today or timezone.localdate(),
            dose,
            concentration,
            bag,
            override,
            max_weight_age_days=int(values.get(WEIGHT_AGE_SETTING, "0")),
            duration=duration,
            esketamine_history=(
                _esketamine_history(plan) if protocol.dose_basis is DoseBasis.DEVICES else None
            ),
            previous_dose=_previous_dose(plan, protocol),
            indication=plan.indication,
        )
    except ProtocolNotConfigured as exc:
        raise ValidationError({"protocol": [str(exc)]}) from exc
    except (TypeError, ValueError) as exc:
        raise ValidationError({"dose": [str(exc)]}) from exc


def _finding(finding: Finding) -> dict[str, str]:
    return {
        "code": finding.code.value,
        "severity": finding.severity.value,
        "message": finding.message,
        "source": finding.source,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def calculation_snapshot(result: DoseCalculation) -> dict[str, Any]:
    """The calculation as plain JSON: enough for a second clinician to redo it by hand."""
    return {
        "protocol": result.protocol_key,
        "inputs": [[name, value] for name, value in result.inputs],
        "formula": list(result.formula),
        "weight": _text(result.weight),
        "requested": str(result.requested),
        "total": str(result.total),
        "total_mg": str(result.total.mg),
        "salt_form": result.salt_form.value,
        "salt_statement": result.salt_statement,
        "total_as_labelled": str(result.total_as_labelled),
        "dose_per_kg": _text(result.dose_per_kg),
        "duration": _text(result.duration),
        "volume": _text(result.volume),
        "volume_ml": _text(result.volume.ml if result.volume else None),
        "rate": _text(result.rate),
        "rate_ml_per_h": _text(result.rate.ml_per_h if result.rate else None),
        "dose_rate": _text(result.dose_rate),
        "devices": result.devices,
        "warnings": [_finding(f) for f in result.warnings],
        "blocks": [_finding(f) for f in result.blocks],
        "override": result.override.reason if result.override else None,
        "blocked": result.blocked,
    }
