"""Treatment pages: a patient's plans, the plan with its protocol and dose history, the
prescriber's live dose calculation and signature, and the nurse's read-only order.

Thin: parse, call a selector or service, render. Every number and every finding comes from
the dosing engine (through `selectors.dose_calculation`); this module only arranges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.clinical.dosing import SHIPPED_PROTOCOLS, Protocol
from ketacare.patients import selectors as patient_selectors
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.tenancy.access import access_object, require_membership, scoped
from ketacare.tenancy.models import Route
from ketacare.tenancy.permissions import Permission, role_may
from ketacare.treatment import selectors, services
from ketacare.treatment.forms import OrderForm, PlanForm, WeightForm, add_service_errors
from ketacare.treatment.models import DoseOrder, PlanStatus, TreatmentPlan
from ketacare.treatment.protocols import WEIGHT_AGE_SETTING, missing_settings, shipped_or_error

# What each move of the state machine is called on its button, and whether it stops care.
TRANSITION_WORDS = {
    PlanStatus.ACTIVE: ("Activate the plan", "Resume the plan", False),
    PlanStatus.PAUSED: ("Pause", "Pause", False),
    PlanStatus.COMPLETED: ("Mark completed", "Mark completed", False),
    PlanStatus.STOPPED: ("Stop the plan", "Stop the plan", True),
}
SEVERITY_TONE = {"block": "alert", "warning": "warn", "info": "info"}
SEVERITY_WORD = {"block": "Blocked", "warning": "Warning", "info": "Note"}


# ---- Display helpers ------------------------------------------------------------------------


def _rounded(value: object, places: int = 2) -> str:
    """A number for the eye: at most `places` decimals, no trailing zeros."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    step = Decimal(1).scaleb(-places)
    shown = number.quantize(step, rounding=ROUND_HALF_UP).normalize()
    return format(shown, "f")


def _leading_number(text: str | None, places: int = 2) -> str:
    if not text:
        return ""
    return _rounded(text.split(" ")[0], places)


@dataclass(frozen=True)
class ShownFinding:
    severity: str
    word: str
    tone: str
    message: str
    source: str


@dataclass(frozen=True)
class ShownCalculation:
    """A calculation (live or as signed) arranged for the page: big numbers, lines, findings."""

    total_mg: str
    salt_form: str
    salt_statement: str
    total_as_labelled: str
    requested: str
    weight: str
    dose_per_kg: str
    dose_rate: str
    duration_min: str
    volume_ml: str
    rate_ml_per_h: str
    inputs: list[tuple[str, str]]
    formula: list[str]
    blocks: list[ShownFinding]
    warnings: list[ShownFinding]
    notes: list[ShownFinding]
    override: str
    blocked: bool


def _finding(raw: dict[str, str]) -> ShownFinding:
    severity = raw.get("severity", "warning")
    return ShownFinding(
        severity=severity,
        word=SEVERITY_WORD.get(severity, severity.capitalize()),
        tone=SEVERITY_TONE.get(severity, "warn"),
        message=raw.get("message", ""),
        source=raw.get("source", ""),
    )


def shown_calculation(snapshot: dict[str, Any]) -> ShownCalculation:
    warnings = [_finding(w) for w in snapshot.get("warnings", [])]
    return ShownCalculation(
        total_mg=_rounded(snapshot.get("total_mg"), 3),
        salt_form=str(snapshot.get("salt_form", "")),
        salt_statement=str(snapshot.get("salt_statement", "")),
        total_as_labelled=str(snapshot.get("total_as_labelled", "")),
        requested=str(snapshot.get("requested", "")),
        weight=str(snapshot.get("weight") or ""),
        dose_per_kg=_leading_number(snapshot.get("dose_per_kg"), 3),
        dose_rate=_leading_number(snapshot.get("dose_rate"), 2),
        duration_min=_leading_number(snapshot.get("duration"), 1),
        volume_ml=_rounded(snapshot.get("volume_ml"), 2) if snapshot.get("volume_ml") else "",
        rate_ml_per_h=(
            _rounded(snapshot.get("rate_ml_per_h"), 2) if snapshot.get("rate_ml_per_h") else ""
        ),
        inputs=[(str(k), str(v)) for k, v in snapshot.get("inputs", [])],
        formula=[str(line) for line in snapshot.get("formula", [])],
        blocks=[_finding(b) for b in snapshot.get("blocks", [])],
        warnings=[w for w in warnings if w.severity != "info"],
        notes=[w for w in warnings if w.severity == "info"],
        override=str(snapshot.get("override") or ""),
        blocked=bool(snapshot.get("blocked")),
    )


@dataclass(frozen=True)
class ProtocolLine:
    label: str
    value: str
    source: str = ""


def _protocol_lines(protocol: Protocol, values: dict[str, str]) -> list[ProtocolLine]:
    """The protocol's numbers with where each comes from (the clinic's settings included)."""
    lines = [
        ProtocolLine("Drug and route", f"{protocol.drug}, {protocol.route}"),
        ProtocolLine("Indication", protocol.indication),
        ProtocolLine("Dosed in", f"{protocol.dose_basis} ({protocol.weight_basis})"),
    ]
    if protocol.default_dose is not None:
        lines.append(ProtocolLine("Usual dose", str(protocol.default_dose), protocol.source))
    if protocol.soft_min is not None:
        limit = protocol.soft_min
        lines.append(ProtocolLine("Warning below", str(limit.dose), limit.source))
    if protocol.soft_max is not None:
        limit = protocol.soft_max
        lines.append(ProtocolLine("Warning above", str(limit.dose), limit.source))
    if protocol.hard_limit is not None:
        limit = protocol.hard_limit
        word = "Blocked at or above" if limit.at_equal else "Blocked above"
        lines.append(ProtocolLine(word, str(limit.dose), limit.source))
    if protocol.session_max is not None:
        limit = protocol.session_max
        lines.append(ProtocolLine("Most per session", str(limit.dose), limit.source))
    if protocol.cumulative_limit is not None:
        c = protocol.cumulative_limit
        lines.append(
            ProtocolLine("Cumulative limit", f"{c.max_total} in {c.window_days} days", c.source)
        )
    if protocol.duration is not None:
        lines.append(ProtocolLine("Duration", str(protocol.duration), protocol.source))
    if protocol.min_duration is not None:
        lines.append(
            ProtocolLine(
                "Warning if shorter than", str(protocol.min_duration), protocol.min_duration_source
            )
        )
    if protocol.salt_form is not None:
        lines.append(ProtocolLine("Dose expressed as", protocol.salt_form, protocol.salt_source))
    if protocol.rounding_step is not None:
        lines.append(
            ProtocolLine("Rounded to", f"{protocol.rounding_step} steps", "clinic setting")
        )
    if WEIGHT_AGE_SETTING in values:
        lines.append(
            ProtocolLine(
                "Weight must be recorded within",
                f"{values[WEIGHT_AGE_SETTING]} days",
                "clinic setting",
            )
        )
    return lines


@dataclass(frozen=True)
class ProtocolPanel:
    protocol: Protocol
    lines: list[ProtocolLine]
    missing: list[str]


def _protocol_panel(plan: TreatmentPlan) -> ProtocolPanel:
    shipped = shipped_or_error(plan.protocol_code)
    values = selectors.settings_values(plan.organisation_id, plan.protocol_code)
    try:
        protocol = selectors.organisation_protocol(plan.organisation_id, plan.protocol_code)
    except ValidationError:
        return ProtocolPanel(shipped, _protocol_lines(shipped, values), _missing(shipped, values))
    return ProtocolPanel(protocol, _protocol_lines(protocol, values), [])


def _missing(protocol: Protocol, values: dict[str, str]) -> list[str]:
    return missing_settings(protocol, values)


# ---- The patient's plans --------------------------------------------------------------------


def _patient_plans(request: HttpRequest, patient: Patient) -> list[TreatmentPlan]:
    membership = require_membership(request.user)
    queryset = TreatmentPlan.objects.filter(patient=patient).annotate(ordered=Count("orders"))
    return list(scoped(queryset, membership).select_related("prescriber").order_by("-created_at"))


def _plans_page(
    request: HttpRequest,
    patient: Patient,
    *,
    plan_form: PlanForm | None = None,
    weight_form: WeightForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = require_membership(request.user)
    plans = _patient_plans(request, patient)
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["treatment_plans"]
    )
    context = {
        "patient": patient,
        "plans": [(plan, _protocol_name(plan.protocol_code)) for plan in plans],
        "plan_form": plan_form or PlanForm(),
        "weight_form": weight_form or WeightForm(),
        "weight": selectors.latest_weight(patient),
        "may_edit": role_may(membership.role, Permission.EDIT_CLINICAL),
    }
    return render(request, "treatment/plans.html", context, status=status)


def _protocol_name(code: str) -> str:
    found = SHIPPED_PROTOCOLS.get(code)
    return found.name if found is not None else code


@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest, public_id: UUID) -> HttpResponse:
    if request.method == "GET":
        patient = patient_selectors.get_patient_for(
            request.user, public_id, Permission.VIEW_CLINICAL
        )
        return _plans_page(request, patient)
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=request.user,
                patient=patient,
                protocol_code=data["protocol_code"],
                indication=data["indication"],
                planned_sessions=data["planned_sessions"],
                goals=data["goals"],
                measures=data["measures"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Plan created as a draft. Activate it to order doses.")
            return redirect("treatment:plan", plan_id=plan.public_id)
    return _plans_page(request, patient, plan_form=form, status=400)


@require_POST
def weight(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = patient_selectors.get_patient_for(request.user, public_id, Permission.EDIT_CLINICAL)
    form = WeightForm(request.POST)
    if form.is_valid():
        try:
            row = services.weight_record(
                actor=request.user,
                patient=patient,
                value=form.cleaned_data["value"],
                unit=form.cleaned_data["unit"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Weight recorded: {row.weight_kg} kg.")
            return redirect("treatment:plans", public_id=patient.public_id)
    return _plans_page(request, patient, weight_form=form, status=400)


# ---- The plan -------------------------------------------------------------------------------


def _initial_order(plan: TreatmentPlan, panel: ProtocolPanel, current: DoseOrder | None) -> dict:
    """Last values where safe: the current order's, else the protocol's usual dose."""
    if current is not None:
        return {
            "dose": current.requested_dose.normalize(),
            "dose_unit": current.requested_unit,
            "concentration_mg_per_ml": current.concentration_mg_per_ml.normalize(),
            "concentration_salt_form": current.concentration_salt_form,
            "bag_volume_ml": current.bag_volume_ml.normalize() if current.bag_volume_ml else None,
            "duration_minutes": (
                current.duration_minutes.normalize() if current.duration_minutes else None
            ),
        }
    protocol = panel.protocol
    basis = protocol.dose_basis.value
    initial: dict[str, Any] = {
        "dose_unit": basis if basis in selectors.DOSE_UNITS else "mg",
        "concentration_salt_form": protocol.salt_form.value if protocol.salt_form else "",
    }
    if protocol.duration is not None:
        initial["duration_minutes"] = protocol.duration.minutes
    return initial


@dataclass(frozen=True)
class HistoryRow:
    order: DoseOrder
    calc: ShownCalculation
    replaced: bool


def _plan_page(
    request: HttpRequest,
    plan: TreatmentPlan,
    *,
    form: OrderForm | None = None,
    calc: ShownCalculation | None = None,
    calc_errors: list[str] | None = None,
    transition_errors: list[str] | None = None,
    not_signed: bool = False,
    status: int = 200,
) -> HttpResponse:
    membership = require_membership(request.user)
    patient = plan.patient
    orders = list(selectors.plan_orders(plan).order_by("-signed_at", "-pk"))
    replaced_ids = {o.replaces_id for o in orders if o.replaces_id}
    current = next((o for o in orders if o.pk not in replaced_ids), None)
    panel = _protocol_panel(plan)
    may_sign = role_may(membership.role, Permission.SIGN_TREATMENT_DECISION)
    may_edit = role_may(membership.role, Permission.EDIT_CLINICAL)
    if form is None and may_sign:
        form = OrderForm(initial=_initial_order(plan, panel, current))
    allowed = services.TRANSITIONS.get(plan.status, frozenset())
    transitions = [
        (to, TRANSITION_WORDS[to][1 if plan.status == PlanStatus.PAUSED else 0], words[2])
        for to, words in TRANSITION_WORDS.items()
        if to in allowed
    ]
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["treatment_plan"]
    )
    context = {
        "plan": plan,
        "patient": patient,
        "panel": panel,
        "route_label": Route(plan.route).label,
        "history": [
            HistoryRow(o, shown_calculation(o.calculation), o.pk in replaced_ids) for o in orders
        ],
        "current": current,
        "ordered": len(orders),
        "weight": selectors.latest_weight(patient),
        "form": form,
        "calc": calc,
        "calc_errors": calc_errors or [],
        "transitions": transitions if may_edit else [],
        "transition_errors": transition_errors or [],
        "may_sign": may_sign,
        "active": plan.status == PlanStatus.ACTIVE,
        "not_signed": not_signed,
    }
    return render(request, "treatment/plan.html", context, status=status)


@require_GET
def plan(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    return _plan_page(request, selectors.get_plan_for(request.user, plan_id))


@require_POST
def transition(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    found = selectors.get_plan_for(request.user, plan_id, Permission.EDIT_CLINICAL)
    to = request.POST.get("to", "")
    try:
        moved = services.plan_transition(
            actor=request.user, plan=found, to=to, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        problems = [
            p for ps in getattr(exc, "message_dict", {"": exc.messages}).values() for p in ps
        ]
        return _plan_page(request, found, transition_errors=problems, status=400)
    messages.success(request, f"The plan is now {moved.get_status_display().lower()}.")
    return redirect("treatment:plan", plan_id=moved.public_id)


def _calculate(
    request: HttpRequest, plan: TreatmentPlan, form: OrderForm
) -> tuple[ShownCalculation | None, list[str]]:
    """The engine's calculation for what is typed; its refusals go at the form's fields."""
    if not form.is_valid():
        return None, _labelled(form)
    try:
        result = selectors.dose_calculation(request.user, plan, form.dose_request())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, _labelled(form)
    return shown_calculation(selectors.calculation_snapshot(result)), []


def _labelled(form: OrderForm) -> list[str]:
    return [
        f"{form.fields[name].label if name in form.fields else 'Order'}: {error}"
        if name != "__all__"
        else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]


@require_POST
def calculate(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """The calculation for what is typed, storing nothing: the partial for htmx, else the whole
    page (the form posts here without JavaScript)."""
    found = selectors.get_plan_for(request.user, plan_id)
    form = OrderForm(request.POST)
    calc, problems = _calculate(request, found, form)
    if getattr(request, "htmx", False):
        membership = require_membership(request.user)
        context = {
            "plan": found,
            "form": form,
            "calc": calc,
            "calc_errors": problems,
            "may_sign": role_may(membership.role, Permission.SIGN_TREATMENT_DECISION),
            "current": _current_order(found),
            "next_session": DoseOrder.objects.filter(plan=found).count() + 1,
        }
        return render(request, "treatment/partials/calculation.html", context)
    return _plan_page(request, found, form=form, calc=calc, calc_errors=problems)


def _current_order(plan: TreatmentPlan) -> DoseOrder | None:
    return (
        DoseOrder.objects.filter(plan=plan, organisation_id=plan.organisation_id)
        .filter(replaced_by__isnull=True)
        .order_by("-signed_at", "-pk")
        .first()
    )


@require_POST
def sign(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    found = selectors.get_plan_for(request.user, plan_id, Permission.SIGN_TREATMENT_DECISION)
    form = OrderForm(request.POST)
    if form.is_valid():
        try:
            order = services.order_sign(
                actor=request.user,
                plan=found,
                request=form.dose_request(),
                change_reason=form.cleaned_data.get("change_reason") or "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            words = f"Session {order.session_number} order signed: {_rounded(order.dose_mg, 3)} mg"
            if order.override_reason:
                words += ", with your override reason"
            messages.success(request, words + ".")
            return redirect(reverse("treatment:plan", args=[found.public_id]) + "#history")
    # Show the calculation for what was typed beside the errors (nothing was stored).
    calc = None
    retry = OrderForm(request.POST)
    if retry.is_valid():
        try:
            result = selectors.dose_calculation(request.user, found, retry.dose_request())
            calc = shown_calculation(selectors.calculation_snapshot(result))
        except ValidationError:
            calc = None
    problems = [] if calc is not None else _labelled(form)
    return _plan_page(
        request, found, form=form, calc=calc, calc_errors=problems, not_signed=True, status=400
    )


# ---- The nurse's order ----------------------------------------------------------------------


@require_GET
def order(request: HttpRequest, order_id: UUID) -> HttpResponse:
    queryset = DoseOrder.objects.select_related(
        "plan", "plan__patient", "plan__prescriber", "signed_by", "replaces"
    )
    found = access_object(request.user, queryset, Permission.VIEW_CLINICAL, public_id=order_id)[1]
    plan = found.plan
    patient = plan.patient
    patient_services.record_chart_view(
        actor=request.user, patient=patient, sections=["treatment_order"]
    )
    context = {
        "order": found,
        "plan": plan,
        "patient": patient,
        "protocol_name": _protocol_name(plan.protocol_code),
        "calc": shown_calculation(found.calculation),
        "dose_mg": _rounded(found.dose_mg, 3),
        "rate": _rounded(found.rate_ml_per_h, 2) if found.rate_ml_per_h is not None else "",
        "volume": _rounded(found.volume_ml, 2) if found.volume_ml is not None else "",
        "bag": _rounded(found.bag_volume_ml, 1) if found.bag_volume_ml is not None else "",
        "duration": _rounded(found.duration_minutes, 1)
        if found.duration_minutes is not None
        else "",
        "concentration": _rounded(found.concentration_mg_per_ml, 4),
        "current": not DoseOrder.objects.filter(replaces=found).exists(),
    }
    return render(request, "treatment/order.html", context)
