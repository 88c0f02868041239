"""The treatment day on a tablet: one page per session with its phase, the patient header and a
tab per phase (pre-checks, dosing, monitoring, recovery and discharge), and check-in from the
floor board.

Thin: parse a form, call a service, render. Every rule (which check blocks, the device gap, the
alert limits, the cadence, the discharge gate) is the services' and the clinical core's; a
refusal comes back as a ValidationError and is shown at the field it names. Frequent actions
answer htmx with the part of the page they change; without JavaScript every form posts and
redirects as usual.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical import recovery as recovery_rules
from ketacare.clinical.age import age_in_years
from ketacare.clinical.treatment_day import device_spacing_check
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.access import access_object, active_membership
from ketacare.tenancy.models import Route
from ketacare.tenancy.permissions import Permission, role_may
from ketacare.treatment_sessions import monitoring, selectors, services
from ketacare.treatment_sessions.forms import (
    CheckInForm,
    DeviceForm,
    DoseForm,
    FastingForm,
    InfusionForm,
    InterventionForm,
    OverrideForm,
    PregnancyForm,
    PrescriberOnSiteForm,
    PulseOximeterForm,
    ReasonForm,
    TransportForm,
    VersionForm,
    VitalsForm,
    add_service_errors,
    clock_text,
)
from ketacare.treatment_sessions.models import (
    AdministrationKind,
    CheckCode,
    CheckStatus,
    ObservationKind,
    PreCheck,
    SessionState,
    TreatmentSession,
)
from ketacare.treatment_sessions.services.checks import NOT_OVERRIDABLE
from ketacare.treatment_sessions.services.dosing import (
    DOSE_ROUTES,
    INFUSION,
    INFUSION_NEXT,
    devices_ordered,
)
from ketacare.treatment_sessions.services.flow import StaleSessionError

S = SessionState
K = AdministrationKind
PHASES = (
    (S.CHECKED_IN, "Checked in"),
    (S.PRE_CHECKS, "Pre-checks"),
    (S.DOSING, "Dosing"),
    (S.MONITORING, "Monitoring"),
    (S.RECOVERY, "Recovery"),
    (S.DISCHARGED, "Discharged"),
)
TABS = (
    ("prechecks", "Pre-checks"),
    ("dosing", "Dosing"),
    ("monitor", "Monitoring"),
    ("recovery", "Recovery & discharge"),
)
TAB_FOR_STATE: dict[str, str] = {
    S.CHECKED_IN: "prechecks",
    S.PRE_CHECKS: "prechecks",
    S.DID_NOT_START: "prechecks",
    S.DOSING: "dosing",
    S.MONITORING: "monitor",
    S.RECOVERY: "recovery",
    S.DISCHARGED: "recovery",
    S.STOPPED_EARLY: "recovery",
}
BEFORE_DOSING = (S.CHECKED_IN, S.PRE_CHECKS)
CHARTING = (S.DOSING, S.MONITORING, S.RECOVERY)
ENDED = (S.DISCHARGED, S.STOPPED_EARLY, S.DID_NOT_START)
POLL_SECONDS = 20
STATUS_WORD: dict[str, str] = {
    CheckStatus.PASSED: "Passed",
    CheckStatus.FAILED: "Failed",
    CheckStatus.NEEDS_DECISION: "Needs a prescriber's decision",
    CheckStatus.NOT_APPLICABLE: "Not applicable",
    CheckStatus.OVERRIDDEN: "Overridden",
}
# The form a nurse fills in for a check (the others are worked out from the record).
ENTRY_FORMS: dict[str, type[forms.Form]] = {
    CheckCode.FASTING: FastingForm,
    CheckCode.PREDOSE_VITALS: VitalsForm,
    CheckCode.PREGNANCY_TEST: PregnancyForm,
    CheckCode.PULSE_OXIMETER: PulseOximeterForm,
    CheckCode.PRESCRIBER_ON_SITE: PrescriberOnSiteForm,
    CheckCode.TRANSPORT: TransportForm,
}
INFUSION_WORDS = {
    K.INFUSION_START: "Start infusion",
    K.INFUSION_PAUSE: "Pause",
    K.INFUSION_RESUME: "Resume",
    K.INFUSION_RATE: "Change rate",
    K.INFUSION_STOP: "Stop infusion",
}
# Symptoms: 0 absent, else the CTCAE grade (the service's range).
SYMPTOM_WORDS = {0: "None", 1: "Mild", 2: "Moderate", 3: "Severe", 4: "Life-threat.", 5: "Death"}
QUICK_KINDS = (
    ObservationKind.SEDATION_MOAAS,
    ObservationKind.NAUSEA,
    ObservationKind.VOMITING,
    ObservationKind.ANXIETY,
    ObservationKind.AGITATION,
)
TYPED_KINDS = (ObservationKind.DISSOCIATION_CADSS, ObservationKind.DISSOCIATION_CLINIC)
ALDRETE_ITEMS: tuple[tuple[str, type[recovery_rules.ItemAnswer]], ...] = (
    (recovery_rules.AldreteItem.ACTIVITY, recovery_rules.AldreteActivity),
    (recovery_rules.AldreteItem.RESPIRATION, recovery_rules.AldreteRespiration),
    (recovery_rules.AldreteItem.CIRCULATION, recovery_rules.AldreteCirculation),
    (recovery_rules.AldreteItem.CONSCIOUSNESS, recovery_rules.AldreteConsciousness),
    (recovery_rules.AldreteItem.SPO2, recovery_rules.AldreteSpO2),
)
PADSS_ITEMS: tuple[tuple[str, type[recovery_rules.ItemAnswer]], ...] = (
    (recovery_rules.PadssItem.VITAL_SIGNS, recovery_rules.PadssVitalSigns),
    (recovery_rules.PadssItem.ACTIVITY_MENTAL_STATUS, recovery_rules.PadssActivityMentalStatus),
    (recovery_rules.PadssItem.PAIN, recovery_rules.PadssPain),
    (recovery_rules.PadssItem.NAUSEA_VOMITING, recovery_rules.PadssNauseaVomiting),
)


def _score_choices(
    items: tuple[tuple[str, type[recovery_rules.ItemAnswer]], ...],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each item's answers in words with their points, as the clinical core defines them."""
    words = {
        "within_20_mmhg": "BP within 20 mmHg of pre-dose",
        "within_20_to_50_mmhg": "BP 20–50 mmHg from pre-dose",
        "beyond_50_mmhg": "BP more than 50 mmHg from pre-dose",
        "above_92_on_room_air": "SpO2 above 92% on room air",
        "needs_oxygen_to_stay_above_90": "Needs oxygen to keep SpO2 above 90%",
        "below_90_even_with_oxygen": "SpO2 below 90% even with oxygen",
        "oriented_x3_and_steady_gait": "Oriented ×3 and steady gait",
        "oriented_x3_or_steady_gait": "Oriented ×3 or steady gait (one of the two)",
    }
    return [
        (
            str(name),
            [
                (
                    answer.value,
                    f"{words.get(answer.value, answer.value.replace('_', ' ').capitalize())}"
                    f" ({answer.points})",
                )
                for answer in choices
            ],
        )
        for name, choices in items
    ]


# ---- Access and rendering --------------------------------------------------------------------


def _session(request: HttpRequest, public_id: UUID) -> TreatmentSession:
    """404 for another organisation's session, 403 for a role that may not chart."""
    return selectors.get_session_for(request.user, public_id)


def _htmx(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (django-htmx sets `request.htmx`)."""
    details = getattr(request, "htmx", None)
    return bool(details) and not getattr(details, "boosted", False)


def _zone(session: TreatmentSession) -> ZoneInfo:
    return ZoneInfo(session.clinic.time_zone)


def _may(request: HttpRequest, permission: Permission) -> bool:
    membership = active_membership(request.user)
    return membership is not None and role_may(membership.role, permission)


def _tab_url(session: TreatmentSession, tab: str) -> str:
    return reverse(f"treatment_sessions:{tab}", args=[session.public_id])


@dataclass(frozen=True)
class Phase:
    state: str
    label: str
    done: bool
    current: bool


def _phases(session: TreatmentSession) -> list[Phase]:
    order = [str(state) for state, _ in PHASES]
    here = order.index(session.state) if session.state in order else -1
    return [
        Phase(state, label, i < here or session.state == S.DISCHARGED, i == here)
        for i, (state, label) in enumerate(PHASES)
    ]


def _header(session: TreatmentSession, now: datetime) -> dict[str, Any]:
    zone = _zone(session)
    patient = session.patient
    since = None
    if session.first_dose_at is not None:
        end = session.ended_at or now
        since = int((end - session.first_dose_at).total_seconds() // 60)
    return {
        "patient": patient,
        "age": age_in_years(patient.date_of_birth, timezone.localtime(now, zone).date()),
        "route_label": Route(session.route).label,
        "session_number": session.appointment.session_number,
        "cautions": monitoring.caution_reasons(session, now),
        "phases": _phases(session),
        "minutes_since_dose": since,
        "first_dose_local": (
            timezone.localtime(session.first_dose_at, zone) if session.first_dose_at else None
        ),
    }


def _render(
    request: HttpRequest,
    session: TreatmentSession,
    tab: str,
    *,
    bound: dict[str, forms.Form] | None = None,
    notice: str = "",
    stale: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    context: dict[str, Any] = {
        "session": session,
        "tab": tab,
        "tabs": TABS,
        "zone": _zone(session),
        "now": now,
        "notice": notice,
        "stale": stale,
        "poll_seconds": POLL_SECONDS,
        "may_override": _may(request, Permission.OVERRIDE_SAFETY_CHECK),
        "ended": session.state in ENDED,
        **_header(session, now),
    }
    bound = bound or {}
    from ketacare.treatment_sessions import views_monitor, views_recovery

    builders: dict[str, Callable[..., dict[str, Any]]] = {
        "prechecks": _prechecks_context,
        "dosing": _dosing_context,
        "monitor": views_monitor.monitor_context,
        "recovery": views_recovery.recovery_context,
    }
    context.update(builders[tab](session, now, bound))
    record_event(
        actor=request.user,
        action=AuditAction.VIEW,
        obj=session,
        patient_public_id=session.patient.public_id,
        detail={"screen": tab},
    )
    if _htmx(request):
        if status >= 400:
            status = 200  # htmx swaps only a success; the errors are in the markup
        response = render(
            request, "treatment_sessions/partials/screen.html", context, status=status
        )
        # A reload shows the tab on screen (a change may have opened another phase's tab).
        response["HX-Replace-Url"] = _tab_url(session, tab)
        return response
    return render(request, "treatment_sessions/session.html", context, status=status)


def _after(
    request: HttpRequest, public_id: UUID, tab: str, before_state: str, notice: str
) -> HttpResponse:
    """After a successful change: the screen again (htmx) or a redirect (no JavaScript). A move
    of the session to another phase opens that phase's tab."""
    session = _session(request, public_id)
    if session.state != before_state:
        tab = TAB_FOR_STATE.get(session.state, tab)
    if not _htmx(request):
        return redirect(_tab_url(session, tab))
    return _render(request, session, tab, notice=notice)


def _attempt(
    request: HttpRequest,
    session: TreatmentSession,
    *,
    tab: str,
    key: str,
    form: forms.Form,
    action: Callable[[], object],
    notice: str | Callable[[], str],
) -> HttpResponse:
    """Run a service for a valid form; a refusal goes back to the form's fields, a stale write
    shows what changed."""
    if form.is_valid():
        try:
            action()
        except StaleSessionError as exc:
            fresh = _session(request, session.public_id)
            return _render(request, fresh, tab, stale=str(exc), status=409)
        except ValidationError as exc:
            add_service_errors(form, exc, _zone(session))
        else:
            said = notice() if callable(notice) else notice
            return _after(request, session.public_id, tab, session.state, said)
    return _render(request, session, tab, bound={key: form}, status=422)


def _versioned(session: TreatmentSession) -> VersionForm:
    return VersionForm(initial={"version": session.version}, auto_id=False)


def _reason_form(session: TreatmentSession, to: str) -> ReasonForm:
    return ReasonForm(initial={"to": to, "version": session.version}, auto_id=f"{to}-%s")


def _version(form: forms.Form) -> int | None:
    value = form.cleaned_data.get("version")
    return int(value) if value is not None else None


# ---- Check-in --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Check in a booked treatment appointment (from the floor board or the day calendar)."""
    _, appointment = access_object(
        request.user,
        Appointment.objects.select_related("patient", "clinic", "appointment_type", "space"),
        Permission.CHART_SESSION,
        public_id=public_id,
    )
    existing = TreatmentSession.objects.filter(appointment=appointment).first()
    if existing is not None:
        return redirect(_tab_url(existing, TAB_FOR_STATE.get(existing.state, "prechecks")))
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_check_in(
                actor=request.user,
                appointment=appointment,
                transport_kind=data["transport_kind"],
                escort_name=data["escort_name"],
                escort_phone=data["escort_phone"],
                no_driving_acknowledged=data["no_driving_acknowledged"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(_tab_url(session, "prechecks"))
    record_event(
        actor=request.user,
        action=AuditAction.VIEW,
        obj=appointment,
        patient_public_id=appointment.patient.public_id,
        detail={"screen": "check_in"},
    )
    zone = ZoneInfo(appointment.clinic.time_zone)
    return render(
        request,
        "treatment_sessions/check_in.html",
        {
            "appointment": appointment,
            "form": form,
            "starts": timezone.localtime(appointment.starts_at, zone),
            "age": age_in_years(appointment.patient.date_of_birth, timezone.localdate()),
        },
        status=422 if form.errors else 200,
    )


# ---- The session page and its tabs ------------------------------------------------------------


@require_GET
def session_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    return _render(request, session, TAB_FOR_STATE.get(session.state, "prechecks"))


def _tab_view(tab: str) -> Callable[[HttpRequest, UUID], HttpResponse]:
    @require_GET
    def view(request: HttpRequest, public_id: UUID) -> HttpResponse:
        return _render(request, _session(request, public_id), tab)

    view.__name__ = f"{tab}_tab"
    return view


prechecks = _tab_view("prechecks")
dosing = _tab_view("dosing")
monitor = _tab_view("monitor")
recovery = _tab_view("recovery")


# ---- Pre-checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    code: str
    label: str
    status: str
    status_word: str
    message: str
    form: forms.Form | None
    may_override: bool
    override_form: forms.Form | None
    override_reason: str
    cleared: bool


def _entry_form(session: TreatmentSession, code: str, bound: dict[str, forms.Form]) -> Any:
    if f"check:{code}" in bound:
        return bound[f"check:{code}"]
    cls = ENTRY_FORMS.get(code)
    if cls is None:
        return None
    auto_id = f"{code}-%s"
    if cls is TransportForm:
        return TransportForm(
            auto_id=auto_id,
            initial={
                "transport_kind": session.transport_kind or None,
                "escort_name": session.escort_name,
                "escort_phone": session.escort_phone,
                "no_driving_acknowledged": session.no_driving_acknowledged_at is not None,
                "version": session.version,
            },
        )
    if issubclass(cls, (FastingForm, VitalsForm)):
        return cls(zone=_zone(session), auto_id=auto_id)
    return cls(auto_id=auto_id)


def _prechecks_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    latest = {c.code: c for c in PreCheck.objects.filter(session=session)}
    before = session.state in BEFORE_DOSING
    rows = []
    for code in selectors.required_checks(session.route):
        check = latest.get(code)
        status = check.status if check else ""
        failed = status in (CheckStatus.FAILED, CheckStatus.NEEDS_DECISION)
        rows.append(
            CheckRow(
                code=code,
                label=CheckCode(code).label,
                status=status or "missing",
                status_word=STATUS_WORD.get(status, "Not recorded yet"),
                message=clock_text(check.message, _zone(session)) if check else "",
                form=_entry_form(session, code, bound) if before else None,
                may_override=before and failed and code not in NOT_OVERRIDABLE,
                override_form=bound.get(f"override:{code}")
                or OverrideForm(auto_id=f"ov-{code}-%s"),
                override_reason=check.override_reason if check else "",
                cleared=status in selectors.CLEARED,
            )
        )
    return {
        "rows": rows,
        "blockers": selectors.dosing_blockers(session) if before else [],
        "start_form": bound.get("start") or _versioned(session),
        "stop_form": bound.get(S.DID_NOT_START) or _reason_form(session, S.DID_NOT_START),
        "before_dosing": before,
    }


def _check_values(code: str, form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    if isinstance(form, (FastingForm,)):
        return form.values()
    if isinstance(form, VitalsForm):
        return form.values()
    if code == CheckCode.PRESCRIBER_ON_SITE:
        return {"prescriber_on_site": True, "prescriber_name": data["prescriber_name"]}
    if code == CheckCode.TRANSPORT:
        return {k: data[k] for k in ("transport_kind", "escort_name", "escort_phone",
                                     "no_driving_acknowledged")}  # fmt: skip
    return dict(data)


@require_POST
def precheck_run(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = forms.Form(request.POST)
    return _attempt(
        request, session, tab="prechecks", key="run", form=form,
        action=lambda: services.precheck_run_automatic(actor=request.user, session=session),
        notice="Automatic checks run.",
    )  # fmt: skip


@require_POST
def precheck_record(request: HttpRequest, public_id: UUID, code: str) -> HttpResponse:
    session = _session(request, public_id)
    cls = ENTRY_FORMS.get(code)
    if cls is None:
        return _render(request, session, "prechecks", status=404)
    form: forms.Form
    if issubclass(cls, (FastingForm, VitalsForm)):
        form = cls(request.POST, zone=_zone(session), auto_id=f"{code}-%s")
    else:
        form = cls(request.POST, auto_id=f"{code}-%s")

    def action() -> None:
        services.precheck_record(
            actor=request.user, session=session, code=code, values=_check_values(code, form)
        )

    return _attempt(
        request, session, tab="prechecks", key=f"check:{code}", form=form, action=action,
        notice=f"{CheckCode(code).label}: recorded." if code in CheckCode.values else "",
    )  # fmt: skip


@require_POST
def precheck_override(request: HttpRequest, public_id: UUID, code: str) -> HttpResponse:
    session = _session(request, public_id)
    check = PreCheck.objects.filter(session=session, code=code).first()
    form = OverrideForm(request.POST, auto_id=f"ov-{code}-%s")
    if check is None:
        form.is_valid()
        form.add_error(None, "This check has not been recorded yet.")
        return _render(request, session, "prechecks", bound={f"override:{code}": form}, status=422)
    return _attempt(
        request, session, tab="prechecks", key=f"override:{code}", form=form,
        action=lambda: services.precheck_override(
            actor=request.user, check=check, reason=form.cleaned_data["reason"]
        ),
        notice=f"{CheckCode(code).label}: overridden.",
    )  # fmt: skip


@require_POST
def dosing_start(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = VersionForm(request.POST, auto_id=False)
    return _attempt(
        request, session, tab="prechecks", key="start", form=form,
        action=lambda: services.dosing_start(
            actor=request.user, session=session, expected_version=_version(form)
        ),
        notice="Dosing started.",
    )  # fmt: skip


@require_POST
def transition(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Move on to recovery, or end the session early (stopped early / did not start)."""
    session = _session(request, public_id)
    form = ReasonForm(request.POST, auto_id=f"{request.POST.get('to', '')}-%s")
    tab = TAB_FOR_STATE.get(session.state, "prechecks")
    key = form.data.get("to", "")
    return _attempt(
        request, session, tab=tab, key=str(key), form=form,
        action=lambda: services.session_transition(
            actor=request.user, session=session, to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"], expected_version=_version(form),
        ),
        notice="Session moved on.",
    )  # fmt: skip


# ---- Dosing ----------------------------------------------------------------------------------


def _dosing_context(
    session: TreatmentSession, now: datetime, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    zone = _zone(session)
    order = session.order or services.session_order(session)
    given = list(session.administrations.order_by("given_at", "pk"))
    infusion = [a for a in given if a.kind in INFUSION]
    devices = [a for a in given if a.kind == K.DEVICE]
    context: dict[str, Any] = {
        "order": order,
        "given": given,
        "interventions": [a for a in given if a.kind == K.INTERVENTION],
        "dosing_now": session.state == S.DOSING,
        "charting": session.state in CHARTING,
        "intervention_form": bound.get("intervention") or InterventionForm(zone=zone),
        "is_iv": session.route == Route.IV,
        "is_esketamine": session.route == Route.ESKETAMINE,
        "is_dose_route": session.route in DOSE_ROUTES,
        "dose_form": bound.get("dose") or DoseForm(zone=zone),
        "end_form": bound.get("end") or _versioned(session),
    }
    if session.route == Route.IV:
        last = infusion[-1] if infusion else None
        rate = next((a.rate_ml_per_h for a in reversed(infusion) if a.rate_ml_per_h), None)
        allowed = INFUSION_NEXT[last.kind if last else None]
        context["infusion_buttons"] = [
            (kind, INFUSION_WORDS[kind]) for kind in INFUSION if kind in allowed
        ]
        context["infusion_last"] = last
        context["infusion_form"] = bound.get("infusion") or InfusionForm(
            zone=zone, initial={"rate_ml_per_h": rate or (order.rate_ml_per_h if order else None)}
        )
    if session.route == Route.ESKETAMINE:
        ordered = devices_ordered(order) or 0
        number = len(devices) + 1
        allowed_at = None
        wait_seconds = 0
        if devices and number <= ordered:
            spacing = device_spacing_check(devices[-1].given_at, max(now, devices[-1].given_at))
            if not spacing.ok:
                allowed_at = timezone.localtime(spacing.earliest_at, zone)
                # The countdown runs from the server's clock, not the tablet's (which may be off).
                wait_seconds = math.ceil((spacing.earliest_at - now).total_seconds())
        context.update(
            {
                "devices": devices,
                "devices_ordered": ordered,
                "device_slots": range(1, ordered + 1),
                "next_device": number if number <= ordered else None,
                "device_allowed_at": allowed_at,
                "device_wait_seconds": wait_seconds,
                "device_form": bound.get("device")
                or DeviceForm(
                    zone=zone,
                    initial={
                        "device_number": number,
                        "lot_number": devices[-1].lot_number if devices else "",
                    },
                ),  # fmt: skip
            }
        )
    if session.state == S.DOSING:
        from ketacare.treatment_sessions.views_monitor import vitals_context

        context.update(vitals_context(session, now, bound))
    from ketacare.treatment_sessions.views_waste import waste_context

    context.update(waste_context(session, now, bound, order, given))
    return context


def _administer(
    request: HttpRequest, session: TreatmentSession, key: str, form: forms.Form, **fixed: Any
) -> HttpResponse:
    def action() -> None:
        data = dict(form.cleaned_data)
        given_at = form.at(data.pop("given_at", None))  # type: ignore[attr-defined]
        services.administration_record(
            actor=request.user, session=session, given_at=given_at, **{**data, **fixed}
        )

    return _attempt(
        request, session, tab="dosing", key=key, form=form, action=action, notice="Charted."
    )


@require_POST
def infusion(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = InfusionForm(request.POST, zone=_zone(session))
    return _administer(request, session, "infusion", form)


@require_POST
def device(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = DeviceForm(request.POST, zone=_zone(session))
    return _administer(request, session, "device", form, kind=K.DEVICE)


@require_POST
def intervention(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = InterventionForm(request.POST, zone=_zone(session))
    tab = request.POST.get("tab") if request.POST.get("tab") in dict(TABS) else "dosing"

    def action() -> None:
        data = dict(form.cleaned_data)
        services.administration_record(
            actor=request.user, session=session, kind=K.INTERVENTION,
            given_at=form.at(data.pop("given_at")), **data,
        )  # fmt: skip

    return _attempt(
        request, session, tab=str(tab), key="intervention", form=form, action=action,
        notice="Intervention charted.",
    )  # fmt: skip


@require_POST
def dose(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = DoseForm(request.POST, zone=_zone(session))
    return _administer(request, session, "dose", form, kind=K.DOSE)


@require_POST
def dosing_end(request: HttpRequest, public_id: UUID) -> HttpResponse:
    session = _session(request, public_id)
    form = VersionForm(request.POST, auto_id=False)
    return _attempt(
        request, session, tab="dosing", key="end", form=form,
        action=lambda: services.dosing_end(
            actor=request.user, session=session, expected_version=_version(form)
        ),
        notice="Dosing ended: monitoring.",
    )  # fmt: skip
