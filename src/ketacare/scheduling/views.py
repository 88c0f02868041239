"""Scheduling pages: calendars by chair and by staff, the floor board, moving and changing the
status of appointments, a patient's appointments, booking a plan's series and a consultation,
and the schedule settings. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from ketacare.public import selectors as public_selectors
from ketacare.scheduling import selectors, series, services
from ketacare.scheduling.forms import (
    AppointmentTypeForm,
    ClosureForm,
    ConsultationBookForm,
    MoveForm,
    RatioForm,
    SeriesPatternForm,
    ShiftForm,
    StatusForm,
    add_service_errors,
    local_datetime,
)
from ketacare.scheduling.models import (
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
)
from ketacare.scheduling.services import NEEDS_REASON, TRANSITIONS, StaleAppointmentError
from ketacare.tenancy.access import require_membership, require_permission
from ketacare.tenancy.models import Role
from ketacare.tenancy.permissions import Permission, role_may
from ketacare.treatment_sessions import selectors as treatment_day

# What each status change is called on its button, and whether it needs a reason.
ACTION_WORDS = {
    AppointmentStatus.CHECKED_IN: "Check in",
    AppointmentStatus.CANCELLED: "Cancel",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.IN_PROGRESS: "Start",
    AppointmentStatus.COMPLETED: "Complete",
}
FLOOR_REFRESH_SECONDS = 15
_PLACEHOLDER = UUID(int=0)


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _today(clinic: Any) -> date:
    return timezone.localtime(timezone.now(), services.clinic_zone(clinic)).date()


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("back") or request.GET.get("back") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _done(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


# ---- Calendars ------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    clinic = selectors.clinics_for(request.user).first()
    if clinic is None:
        raise Http404("No clinic yet.")
    return redirect("scheduling:week", clinic_id=clinic.public_id)


class CardAction(TypedDict):
    word: str
    to: str
    url: str  # the dialog asking for the reason, or where the button posts
    needs_reason: bool


class Card(TypedDict):
    """An appointment as a calendar card shows it, formatted once in Python: a week of 500
    appointments renders fast when the template only prints. A dict, because the template
    engine looks a name up in a dict first (on an object it first tries, and fails, `c[name]`):
    a week prints some 8,000 of them."""

    public_id: str
    status: str
    status_label: str
    inactive: bool
    starts_iso: str
    times: str
    name: str
    patient_url: str
    what: str
    where: str
    version: int
    move_url: str
    actions: tuple[CardAction, ...]


def _cards(
    entries: list[selectors.CalendarRow],
    by: str,
    today: date,
    may_book: bool,
    back: str,
    compact: bool = False,
) -> dict[int, Card]:
    """The cards of a calendar; compact ones (the week) leave out the actions that open a
    dialog (cancel, no-show), which the day view offers."""
    move_base = reverse("scheduling:move", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
    status_base = reverse("scheduling:status", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
    patient_base = reverse("scheduling:patient_appointments", args=[_PLACEHOLDER]).replace(
        str(_PLACEHOLDER), "{}"
    )
    back_q = urlencode({"back": back})
    allowed = _allowed_actions() if may_book else {}
    labels = {status: str(label) for status, label in AppointmentStatus.choices}
    cards: dict[int, Card] = {}
    for row in entries:
        key = str(row.public_id)
        occupies = row.occupies
        actions = []
        if occupies:
            for to, word, needs_reason in allowed.get(row.status, []):
                if to == AppointmentStatus.CHECKED_IN and row.start.date() != today:
                    continue
                if needs_reason and compact:
                    continue
                url = status_base.format(key)
                if needs_reason:
                    url += f"?to={to}&{back_q}"
                actions.append(CardAction(word=word, to=to, url=url, needs_reason=needs_reason))
        if by == "staff":
            where = row.space_name if row.space_id else "no chair"
        else:
            where = row.staff_name if row.staff_id else "no staff"
        label = labels[row.status]
        if row.session_state:
            label += " · " + row.session_state.replace("_", " ").capitalize()
        if row.status_reason and not occupies:
            label += f" — {row.status_reason}"
        cards[row.pk] = Card(
            public_id=key,
            status=row.status,
            status_label=label,
            inactive=not occupies,
            starts_iso=row.starts_at.isoformat(),
            times=f"{row.start:%H:%M}–{row.end:%H:%M}",
            name=row.patient_name,
            patient_url=patient_base.format(row.patient_public_id),
            what=row.type_name + (f" · session {row.session_number}" if row.session_number else ""),
            where=where,
            version=row.version,
            move_url=(
                f"{move_base.format(key)}?{back_q}"
                if may_book and row.status == AppointmentStatus.BOOKED
                else ""
            ),
            actions=tuple(actions),
        )
    return cards


def _calendar_context(request: HttpRequest, clinic: Any, view: str) -> dict[str, Any]:
    membership = require_membership(request.user)
    today = _today(clinic)
    chosen = _day(request.GET.get("date"), today)
    by = "staff" if request.GET.get("by") == "staff" else "chair"
    if view == "week":
        first = chosen - timedelta(days=chosen.weekday())
        data = selectors.calendar(request.user, clinic, first, 7, by)
        step = timedelta(weeks=1)
    else:
        first = chosen
        data = selectors.calendar(request.user, clinic, first, 1, by)
        step = timedelta(days=1)
    selectors.record_schedule_view(
        actor=request.user,
        page=f"calendar_{view}",
        patients=[e.patient_public_id for e in data.entries],
        clinic=clinic,
    )
    may_book = role_may(membership.role, Permission.BOOK_APPOINTMENT)
    back = request.get_full_path()
    cards = _cards(data.entries, by, today, may_book, back, compact=view == "week")
    days = [
        (d, [(lane, [cards[e.pk] for e in lane.entries]) for lane in d.lanes]) for d in data.days
    ]
    return {
        "clinic": clinic,
        "clinics": selectors.clinics_for(request.user),
        "cal": data,
        "days": days,
        "view": view,
        "by": by,
        "chosen": chosen,
        "today": today,
        "previous": first - step,
        "next": first + step,
        "may_book": may_book,
        "may_manage": role_may(membership.role, Permission.MANAGE_SCHEDULE),
        "back": back,
    }


def _allowed_actions() -> dict[str, list[tuple[str, str, bool]]]:
    """status → [(to, word, needs reason)] for the buttons on an appointment."""
    return {
        status: [
            (to, ACTION_WORDS[to], to in NEEDS_REASON)
            for to in (
                AppointmentStatus.CHECKED_IN,
                AppointmentStatus.CANCELLED,
                AppointmentStatus.NO_SHOW,
            )
            if to in allowed
        ]
        for status, allowed in TRANSITIONS.items()
    }


@require_GET
def week(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = selectors.get_clinic_for(request.user, clinic_id)
    return render(request, "scheduling/week.html", _calendar_context(request, clinic, "week"))


@require_GET
def day(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = selectors.get_clinic_for(request.user, clinic_id)
    return render(request, "scheduling/day.html", _calendar_context(request, clinic, "day"))


# ---- Floor board ----------------------------------------------------------------------------


def _floor_context(request: HttpRequest, clinic: Any) -> dict[str, Any]:
    board = selectors.floor_board(request.user, clinic)
    for chair in board.chairs:
        session = (
            getattr(chair.current.appointment, "treatment_session", None) if chair.current else None
        )
        if session is not None:
            chair.due_next = treatment_day.due_next(session, board.now)
    selectors.record_schedule_view(
        actor=request.user,
        page="floor_board",
        appointments=[e.appointment for e in board.entries],
        clinic=clinic,
    )
    return {"clinic": clinic, "board": board, "refresh": FLOOR_REFRESH_SECONDS}


@require_GET
def floor(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = selectors.get_clinic_for(request.user, clinic_id)
    context = _floor_context(request, clinic)
    context["clinics"] = selectors.clinics_for(request.user)
    return render(request, "scheduling/floor.html", context)


@require_GET
def floor_board(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    """The board alone, polled by the floor page every 15 s."""
    clinic = selectors.get_clinic_for(request.user, clinic_id)
    response = render(
        request, "scheduling/partials/floor_board.html", _floor_context(request, clinic)
    )
    response["Vary"] = "HX-Request"
    return response


# ---- Moving and changing status -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, public_id: UUID) -> HttpResponse:
    appointment = selectors.get_appointment_for(
        request.user, public_id, Permission.BOOK_APPOINTMENT
    )
    clinic = appointment.clinic
    zone = services.clinic_zone(clinic)
    local_start = timezone.localtime(appointment.starts_at, zone)
    fallback = reverse("scheduling:day", args=[clinic.public_id]) + f"?date={local_start.date()}"
    back = _back(request, fallback)
    form = MoveForm(
        request.POST or None,
        spaces=selectors.spaces_for(request.user, clinic),
        staff=selectors.staff_for(request.user, clinic=clinic),
        initial={
            "day": local_start.date(),
            "start_time": local_start.time().replace(second=0, microsecond=0),
            "space": appointment.space,
            "staff": appointment.staff,
            "version": appointment.version,
        },
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.appointment_move(
                actor=request.user,
                appointment=appointment,
                starts_at=local_datetime(data["day"], data["start_time"], zone),
                space=data["space"],
                staff=data["staff"],
                expected_version=data["version"],
                reason=data["reason"],
            )
        except StaleAppointmentError as exc:
            stale = str(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            new_day = timezone.localtime(moved.starts_at, zone).date()
            messages.success(
                request, f"Moved to {timezone.localtime(moved.starts_at, zone):%a %b %-d %H:%M}."
            )
            if back == fallback:
                back = reverse("scheduling:day", args=[clinic.public_id]) + f"?date={new_day}"
            return _done(request, back)
    context = {"appointment": appointment, "form": form, "back": back, "stale": stale,
               "local_start": local_start}  # fmt: skip
    template = "scheduling/partials/move_form.html" if request.htmx else "scheduling/move.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    appointment = selectors.get_appointment_for(
        request.user, public_id, Permission.BOOK_APPOINTMENT
    )
    clinic = appointment.clinic
    zone = services.clinic_zone(clinic)
    local_start = timezone.localtime(appointment.starts_at, zone)
    fallback = reverse("scheduling:day", args=[clinic.public_id]) + f"?date={local_start.date()}"
    back = _back(request, fallback)
    to = request.POST.get("to") or request.GET.get("to") or ""
    if to not in ACTION_WORDS:
        raise Http404("No such action.")
    form = StatusForm(request.POST or None, initial={"to": to, "version": appointment.version})
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_transition(
                actor=request.user,
                appointment=appointment,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleAppointmentError as exc:
            stale = str(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
            if "status" in exc.message_dict:
                form.add_error(None, " ".join(exc.message_dict["status"]))
        else:
            word = AppointmentStatus(to).label.lower()
            messages.success(request, f"{appointment.patient.display_name}: {word}.")
            return _done(request, back)
    context = {
        "appointment": appointment,
        "form": form,
        "to": to,
        "word": ACTION_WORDS[to],
        "needs_reason": to in NEEDS_REASON,
        "back": back,
        "stale": stale,
        "local_start": local_start,
    }
    template = "scheduling/partials/status_form.html" if request.htmx else "scheduling/status.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=200)


# ---- A patient's appointments ---------------------------------------------------------------


@require_GET
def patient_appointments(request: HttpRequest, public_id: UUID) -> HttpResponse:
    membership = require_membership(request.user)
    patient = selectors.get_patient_for_schedule(request.user, public_id)
    data = selectors.patient_appointments(request.user, patient)
    selectors.record_schedule_view(
        actor=request.user,
        page="patient_appointments",
        appointments=[e.appointment for e in data.upcoming + data.past] or [],
    )
    if not data.upcoming and not data.past:
        # Nothing listed, but the patient's page itself was seen.
        selectors.record_schedule_view(
            actor=request.user, page="patient_appointments", appointments=[]
        )
    plans = []
    if role_may(membership.role, Permission.BOOK_APPOINTMENT):
        plans = list(patient.treatment_plans.filter(status__in=["active", "draft"]))  # type: ignore[attr-defined]
    return render(
        request,
        "scheduling/patient_appointments.html",
        {
            "patient": patient,
            "data": data,
            "plans": plans,
            "back": request.get_full_path(),
            "may_book": role_may(membership.role, Permission.BOOK_APPOINTMENT),
            "transitions": _allowed_actions(),
        },
    )


# ---- Series from a plan ---------------------------------------------------------------------


def _session_rows(
    request: HttpRequest, count: int, zone: Any, spaces: dict[str, Any]
) -> tuple[list[tuple[datetime, Any]], dict[int, str]]:
    """The sessions as the user adjusted them: s-<i>-date, s-<i>-time, s-<i>-space."""
    rows: list[tuple[datetime, Any]] = []
    errors: dict[int, str] = {}
    for i in range(count):
        raw_day = request.POST.get(f"s-{i}-date", "")
        raw_time = request.POST.get(f"s-{i}-time", "")
        try:
            when = datetime.combine(date.fromisoformat(raw_day), time.fromisoformat(raw_time), zone)
        except ValueError:
            errors[i] = "Give a date and a time (HH:MM)."
            continue
        space = spaces.get(request.POST.get(f"s-{i}-space", ""))
        if space is None:
            errors[i] = "Choose a chair."
            continue
        rows.append((when, space))
    return rows, errors


@require_http_methods(["GET", "POST"])
def plan_series(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    plan = selectors.get_plan_for_booking(request.user, plan_id)
    patient = plan.patient
    clinics = selectors.clinics_for(request.user)
    types = selectors.appointment_types_for(
        request.user, kinds=[AppointmentKind.TREATMENT], route=plan.route
    )
    spaces = selectors.spaces_for(request.user)
    nurses = selectors.staff_for(request.user, roles=[Role.NURSE])
    first_clinic = patient.preferred_clinic or clinics.first()
    initial = {
        "clinic": first_clinic,
        "appointment_type": types.first(),
        "count": plan.planned_sessions,
        "first_date": (_today(first_clinic) if first_clinic else timezone.localdate())
        + timedelta(days=1),
        "local_time": "09:00",
        "staff": nurses.first() if nurses.count() == 1 else None,
        "space": spaces.filter(clinic=first_clinic).first() if first_clinic else None,
    }
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "clinic" in request.GET else None)
    )
    form = SeriesPatternForm(
        data, clinics=clinics, types=types, spaces=spaces, staff=nurses, initial=initial
    )
    proposal = None
    row_errors: dict[int, str] = {}
    booked_error = ""
    action = request.POST.get("action", "propose")
    if data is not None and form.is_valid():
        pattern = form.cleaned_data
        clinic, kind_type, staff = pattern["clinic"], pattern["appointment_type"], pattern["staff"]
        zone = services.clinic_zone(clinic)
        common = {
            "actor": request.user,
            "plan": plan,
            "clinic": clinic,
            "appointment_type": kind_type,
        }
        if request.method == "POST" and action in ("check", "book"):
            by_id = {str(s.public_id): s for s in spaces if s.clinic_id == clinic.pk}
            count = min(int(request.POST.get("rows", "0") or 0), 52)
            rows, row_errors = _session_rows(request, count, zone, by_id)
            sessions = [(when, space, staff) for when, space in rows]
            if action == "book" and not row_errors and sessions:
                try:
                    made = services.series_book(
                        **common,
                        sessions=sessions,
                        weekdays=pattern["weekdays"],
                        local_time=pattern["local_time"],
                        first_session_number=series.next_session_number(plan),
                    )
                except ValidationError as exc:
                    booked_error = " ".join(
                        f"{k.replace('_', ' ').capitalize()}: {' '.join(v)}"
                        for k, v in exc.message_dict.items()
                    )
                else:
                    first = made.appointments.order_by("starts_at").first()
                    messages.success(
                        request, f"Booked {len(sessions)} sessions for {patient.display_name}."
                    )
                    week_of = timezone.localtime(first.starts_at, zone).date() if first else ""
                    return redirect(
                        reverse("scheduling:week", args=[clinic.public_id]) + f"?date={week_of}"
                    )
            proposal = series.series_check(**common, sessions=sessions)
        else:
            proposal = series.series_propose(
                **common,
                first_date=pattern["first_date"],
                weekdays=pattern["weekdays"],
                local_time=pattern["local_time"],
                space=pattern["space"],
                staff=staff,
                count=pattern["count"],
            )
        clinic_spaces = [s for s in spaces if s.clinic_id == clinic.pk]
    else:
        clinic_spaces = []
    return render(
        request,
        "scheduling/series.html",
        {
            "plan": plan,
            "patient": patient,
            "form": form,
            "proposal": proposal,
            "clinic_spaces": clinic_spaces,
            "row_errors": row_errors,
            "booked_error": booked_error,
            "no_types": not types.exists(),
        },
    )


# ---- A consultation from a request ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def book_consultation(request: HttpRequest, request_id: UUID) -> HttpResponse:
    # 404 for another organisation's request first, then 403 for a role that may not book.
    lead = public_selectors.get_request_for(request.user, request_id)
    require_permission(request.user, Permission.BOOK_APPOINTMENT)
    if lead.patient is None:
        return render(request, "scheduling/consultation_book.html", {"lead": lead, "form": None})
    clinics = selectors.clinics_for(request.user)
    types = selectors.appointment_types_for(
        request.user, kinds=[AppointmentKind.CONSULTATION, AppointmentKind.TELEHEALTH]
    )
    form = ConsultationBookForm(
        request.POST or None,
        clinics=clinics,
        types=types,
        spaces=selectors.spaces_for(request.user),
        staff=selectors.staff_for(request.user, roles=[Role.PRESCRIBER, Role.NURSE]),
        initial={
            "clinic": lead.clinic,
            "appointment_type": types.first(),
            "day": _today(lead.clinic) + timedelta(days=1),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        zone = services.clinic_zone(data["clinic"])
        try:
            made = services.appointment_book(
                actor=request.user,
                booking=services.Booking(
                    clinic=data["clinic"],
                    appointment_type=data["appointment_type"],
                    patient=lead.patient,
                    starts_at=local_datetime(data["day"], data["start_time"], zone),
                    space=data["space"],
                    staff=data["staff"],
                ),
                consultation_request=lead,
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            when = timezone.localtime(made.starts_at, zone)
            messages.success(
                request,
                f"Consultation booked for {lead.patient.display_name}, {when:%a %b %-d %H:%M}.",
            )
            return redirect(
                reverse("scheduling:day", args=[data["clinic"].public_id]) + f"?date={when.date()}"
            )
    return render(request, "scheduling/consultation_book.html", {"lead": lead, "form": form})


# ---- Schedule settings ----------------------------------------------------------------------


@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, Permission.MANAGE_SCHEDULE)
    clinic = selectors.clinics_for(request.user).first()
    if clinic is None:
        raise Http404("No clinic yet.")
    return redirect("scheduling:settings", clinic_id=clinic.public_id)


def _settings_page(request: HttpRequest, clinic: Any, **forms: Any) -> HttpResponse:
    data = selectors.schedule_settings(request.user, clinic)
    staff = selectors.staff_for(request.user, clinic=clinic)
    context = {
        "clinic": clinic,
        "clinics": selectors.clinics_for(request.user),
        "data": data,
        "type_form": forms.get("type_form") or AppointmentTypeForm(),
        "closure_form": forms.get("closure_form") or ClosureForm(),
        "ratio_form": forms.get("ratio_form")
        or RatioForm(initial={"patients": data.patients_per_nurse}),
        "shift_form": forms.get("shift_form") or ShiftForm(staff=staff),
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    }
    return render(request, "scheduling/settings.html", context)


def _managed_clinic(request: HttpRequest, clinic_id: UUID) -> Any:
    return selectors.get_clinic_for(request.user, clinic_id, Permission.MANAGE_SCHEDULE)


@require_GET
def settings(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    return _settings_page(request, _managed_clinic(request, clinic_id))


@require_POST
def closure_add(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = _managed_clinic(request, clinic_id)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.clinic_closure_add(
                actor=request.user,
                clinic=clinic,
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Closure added.")
            return redirect("scheduling:settings", clinic_id=clinic.public_id)
    return _settings_page(request, clinic, closure_form=form)


@require_POST
def ratio_set(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = _managed_clinic(request, clinic_id)
    form = RatioForm(request.POST)
    if form.is_valid():
        try:
            services.patients_per_nurse_set(
                actor=request.user, clinic=clinic, patients=form.cleaned_data["patients"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Ratio saved.")
            return redirect("scheduling:settings", clinic_id=clinic.public_id)
    return _settings_page(request, clinic, ratio_form=form)


@require_POST
def shift_add(request: HttpRequest, clinic_id: UUID) -> HttpResponse:
    clinic = _managed_clinic(request, clinic_id)
    form = ShiftForm(request.POST, staff=selectors.staff_for(request.user, clinic=clinic))
    if form.is_valid():
        data = form.cleaned_data
        zone = services.clinic_zone(clinic)
        try:
            services.staff_shift_add(
                actor=request.user,
                clinic=clinic,
                membership=data["membership"],
                starts_at=local_datetime(data["day"], data["start_time"], zone),
                ends_at=local_datetime(data["day"], data["end_time"], zone),
            )
        except ValidationError as exc:
            for key, problems in exc.message_dict.items():
                name = {"ends_at": "end_time", "starts_at": "start_time"}.get(key, key)
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, "Shift added to the rota.")
            return redirect("scheduling:settings", clinic_id=clinic.public_id)
    return _settings_page(request, clinic, shift_form=form)


@require_http_methods(["GET", "POST"])
def type_edit(request: HttpRequest, clinic_id: UUID, type_id: UUID | None = None) -> HttpResponse:
    clinic = _managed_clinic(request, clinic_id)
    existing: AppointmentType | None = None
    if type_id is not None:
        existing = (
            selectors.appointment_types_for(request.user, active=False)
            .filter(public_id=type_id)
            .first()
        )
        if existing is None:
            raise Http404("No such appointment type.")
    form = AppointmentTypeForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        target = existing
        if target is not None:
            target.refresh_from_db()  # the form changed the instance; the service sets values
        try:
            services.appointment_type_save(
                actor=request.user, clinic=clinic, values=values, appointment_type=target
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            if "__all__" in exc.message_dict or "name" in exc.message_dict:
                pass
        else:
            messages.success(request, f"Saved {values['name']}.")
            return redirect("scheduling:settings", clinic_id=clinic.public_id)
    if type_id is None and request.method == "POST":
        return _settings_page(request, clinic, type_form=form)
    return render(
        request,
        "scheduling/type_edit.html",
        {"clinic": clinic, "form": form, "existing": existing},
    )
