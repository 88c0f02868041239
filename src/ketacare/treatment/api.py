"""Treatment as JSON: protocols and the clinic's settings, weights, plans, their transitions,
a side-effect-free dose calculation, and signed orders. Paths are written out in full (the
router is mounted at the API root)."""

# No `from __future__ import annotations`: ninja reads the schema annotations at runtime.
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ketacare.patients import selectors as patient_selectors
from ketacare.tenancy.permissions import Permission
from ketacare.treatment import selectors, services
from ketacare.treatment.models import DoseOrder, TreatmentPlan

router = Router(tags=["treatment"])
NO_NUL = r"^[^\x00]*$"


class ProtocolOut(Schema):
    code: str
    name: str
    drug: str
    route: str = Field(..., description="the clinic's route, as eligibility decides it")
    indication: str
    dose_unit: str
    source: str
    settings: dict[str, str] = Field(..., description="the organisation's values")
    missing_settings: list[str] = Field(..., description="to set before doses can be ordered")


class ProtocolSettingsIn(Schema):
    """Replaces the organisation's settings for the protocol (an absent field is unset)."""

    rounding_step_mg: Decimal | None = Field(None, gt=0)
    soft_max: Decimal | None = Field(None, gt=0, description="in the protocol's dose unit")
    hard_limit: Decimal | None = Field(None, gt=0, description="in the protocol's dose unit")
    salt_form: str | None = Field(None, description="hydrochloride salt | base")
    max_strength_percent: Decimal | None = Field(None, gt=0)
    session_max_mg: Decimal | None = Field(None, gt=0)
    cumulative_max_mg: Decimal | None = Field(None, gt=0)
    cumulative_window_days: int | None = Field(None, gt=0)
    max_weight_age_days: int | None = Field(None, gt=0)


class WeightIn(Schema):
    value: Decimal = Field(..., description="as measured")
    unit: str = Field(..., description="kg | lb")


class WeightOut(Schema):
    public_id: UUID
    weight_kg: Decimal
    entered_value: Decimal
    entered_unit: str
    recorded_at: datetime


class PlanIn(Schema):
    protocol_code: str
    indication: str = Field(..., max_length=200, pattern=NO_NUL)
    planned_sessions: int
    goals: str = Field("", max_length=4000, pattern=NO_NUL)
    measures: list[str] = Field(default_factory=list, description="instrument codes")


class FindingOut(Schema):
    code: str
    severity: str
    message: str
    source: str


class CalculationOut(Schema):
    protocol: str
    inputs: list[list[str]]
    formula: list[str]
    weight: str | None
    requested: str
    total: str
    total_mg: Decimal
    salt_form: str
    salt_statement: str
    total_as_labelled: str
    dose_per_kg: str | None
    duration: str | None
    volume: str | None
    volume_ml: Decimal | None
    rate: str | None
    rate_ml_per_h: Decimal | None
    dose_rate: str | None
    devices: int | None
    warnings: list[FindingOut]
    blocks: list[FindingOut]
    override: str | None
    blocked: bool


class TopicalCalculationOut(Schema):
    """A topical order's check: strength (% w/w) against the clinic's maximum strength."""

    protocol: str
    inputs: list[list[str]]
    formula: list[str]
    strength: str
    strength_percent: Decimal
    mg_per_gram: Decimal
    warnings: list[FindingOut]
    blocks: list[FindingOut]
    override: str | None
    blocked: bool


class OrderOut(Schema):
    public_id: UUID
    session_number: int
    requested_dose: Decimal
    requested_unit: str
    dose_mg: Decimal | None = Field(..., description="null for a topical order")
    concentration_mg_per_ml: Decimal | None = Field(..., description="null for a topical order")
    strength_percent: Decimal | None = Field(..., description="topical orders, % w/w")
    concentration_salt_form: str
    bag_volume_ml: Decimal | None
    duration_minutes: Decimal | None
    volume_ml: Decimal | None
    rate_ml_per_h: Decimal | None
    override_reason: str
    change_reason: str
    replaces: UUID | None
    signed_by: str
    signed_at: datetime
    calculation: CalculationOut | TopicalCalculationOut


class PlanOut(Schema):
    public_id: UUID
    patient: UUID
    route: str
    protocol_code: str
    indication: str
    prescriber: str
    planned_sessions: int
    goals: str
    measures: list[str]
    status: str
    version: int
    allowed_transitions: list[str]
    orders: list[OrderOut] = Field(..., description="the history of doses, oldest first")
    created_at: datetime
    updated_at: datetime


class TransitionIn(Schema):
    to: str
    expected_version: int | None = Field(
        None, description="the plan version you saw; a changed plan answers 409"
    )
    reason: str = Field("", max_length=300, description="required to pause or stop a plan")


class DoseIn(Schema):
    dose: Decimal = Field(..., description="in dose_unit")
    dose_unit: str = Field(..., description="mg/kg | mg/kg/h | mg | % w/w (topical)")
    concentration_mg_per_ml: Decimal | None = None
    concentration_salt_form: str = Field(..., description="hydrochloride salt | base")
    bag_volume_ml: Decimal | None = None
    duration_minutes: Decimal | None = Field(None, description="default: the protocol's")
    override_reason: str = Field("", max_length=2000, pattern=NO_NUL)


class OrderIn(DoseIn):
    change_reason: str = Field("", max_length=2000, pattern=NO_NUL)


def _name(user: Any) -> str:
    return str(user.full_name or user.email)


def _order_out(order: DoseOrder) -> dict[str, Any]:
    return {
        **{
            f: getattr(order, f)
            for f in (
                "public_id",
                "session_number",
                "requested_dose",
                "requested_unit",
                "dose_mg",
                "concentration_mg_per_ml",
                "strength_percent",
                "concentration_salt_form",
                "bag_volume_ml",
                "duration_minutes",
                "volume_ml",
                "rate_ml_per_h",
                "override_reason",
                "change_reason",
                "signed_at",
                "calculation",
            )
        },  # fmt: skip
        "replaces": order.replaces.public_id if order.replaces else None,
        "signed_by": _name(order.signed_by),
    }


def _plan_out(plan: TreatmentPlan) -> dict[str, Any]:
    return {
        **{
            f: getattr(plan, f)
            for f in (
                "public_id",
                "route",
                "protocol_code",
                "indication",
                "planned_sessions",
                "goals",
                "measures",
                "status",
                "version",
                "created_at",
                "updated_at",
            )
        },  # fmt: skip
        "patient": plan.patient.public_id,
        "prescriber": _name(plan.prescriber),
        "allowed_transitions": sorted(services.TRANSITIONS.get(plan.status, ())),
        "orders": [_order_out(o) for o in selectors.plan_orders(plan)],
    }


def _request(payload: DoseIn) -> selectors.DoseRequest:
    return selectors.DoseRequest(
        dose=payload.dose,
        dose_unit=payload.dose_unit,
        concentration_mg_per_ml=payload.concentration_mg_per_ml,
        concentration_salt_form=payload.concentration_salt_form,
        bag_volume_ml=payload.bag_volume_ml,
        duration_minutes=payload.duration_minutes,
        override_reason=payload.override_reason,
    )


@router.get("/treatment/protocols", response=list[ProtocolOut])
def list_protocols(request: HttpRequest) -> Any:
    return [
        {
            "code": v.protocol.key,
            "name": v.protocol.name,
            "drug": v.protocol.drug.value,
            "route": v.route,
            "indication": v.protocol.indication,
            "dose_unit": v.protocol.dose_basis.value,
            "source": v.protocol.source,
            "settings": v.values,
            "missing_settings": v.missing,
        }
        for v in selectors.protocols_for(request.user)
    ]


@router.put("/treatment/protocols/{code}/settings", response=list[ProtocolOut])
def set_protocol_settings(request: HttpRequest, code: str, payload: ProtocolSettingsIn) -> Any:
    """Prescribers only (dose limits are clinical judgement). Returns every protocol."""
    services.protocol_settings_set(
        actor=request.user, protocol_code=code, values=payload.dict(exclude_none=True)
    )
    return list_protocols(request)


@router.post("/patients/{public_id}/weights", response={201: WeightOut})
def record_weight(request: HttpRequest, public_id: UUID, payload: WeightIn) -> Any:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    row = services.weight_record(
        actor=request.user, patient=patient, value=payload.value, unit=payload.unit
    )
    return Status(201, row)


@router.post("/patients/{public_id}/plans", response={201: PlanOut})
def create_plan(request: HttpRequest, public_id: UUID, payload: PlanIn) -> Any:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    plan = services.plan_create(actor=request.user, patient=patient, **payload.dict())
    return Status(201, _plan_out(plan))


@router.get("/treatment/plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: UUID) -> Any:
    plan = selectors.get_plan_for(request.user, plan_id)
    return _plan_out(plan)


@router.post("/treatment/plans/{plan_id}/transition", response=PlanOut)
def transition_plan(request: HttpRequest, plan_id: UUID, payload: TransitionIn) -> Any:
    plan = selectors.get_plan_for(request.user, plan_id, Permission.EDIT_CLINICAL)
    plan = services.plan_transition(
        actor=request.user,
        plan=plan,
        to=payload.to,
        expected_version=payload.expected_version,
        reason=payload.reason,
    )
    return _plan_out(plan)


@router.post(
    "/treatment/plans/{plan_id}/calculate", response=CalculationOut | TopicalCalculationOut
)
def calculate_dose(request: HttpRequest, plan_id: UUID, payload: DoseIn) -> Any:
    """The calculation only: nothing is stored. A topical plan is checked by strength."""
    plan = selectors.get_plan_for(request.user, plan_id)
    if payload.dose_unit == selectors.STRENGTH_UNIT and selectors.is_topical(plan):
        check = selectors.topical_calculation(request.user, plan, payload.dose)
        return selectors.topical_snapshot(plan, check, payload.override_reason)
    result = selectors.dose_calculation(request.user, plan, _request(payload))
    return selectors.calculation_snapshot(result)


@router.post("/treatment/plans/{plan_id}/orders", response={201: OrderOut})
def sign_order(request: HttpRequest, plan_id: UUID, payload: OrderIn) -> Any:
    plan = selectors.get_plan_for(request.user, plan_id, Permission.SIGN_TREATMENT_DECISION)
    order = services.order_sign(
        actor=request.user,
        plan=plan,
        request=_request(payload),
        change_reason=payload.change_reason,
    )
    return Status(201, _order_out(order))
