"""Pages: "my calendar feed" for staff, a patient's calendar feed, the public .ics feed and
the escort's confirmation page. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.patients import selectors as patient_selectors
from ketacare.patients.models import Patient
from ketacare.reminders import policy, selectors, services
from ketacare.reminders.composing import when
from ketacare.tenancy.access import require_membership, require_permission
from ketacare.tenancy.permissions import Permission


def _feed_url(token: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("reminders:feed", kwargs={"token": token})


@require_GET
def my_feed(request: HttpRequest) -> HttpResponse:
    require_membership(request.user)
    context = {"feed": selectors.my_feed(request.user), "url": None, "patient": None}
    return render(request, "reminders/feed.html", context)


@require_POST
def my_feed_create(request: HttpRequest) -> HttpResponse:
    feed, token = services.calendar_feed_create(actor=request.user)
    # The address is shown on this response only: it is not stored.
    context = {"feed": feed, "url": _feed_url(token), "patient": None}
    return render(request, "reminders/feed.html", context)


@require_POST
def my_feed_revoke(request: HttpRequest) -> HttpResponse:
    feed = selectors.my_feed(request.user)
    if feed is not None:
        services.calendar_feed_revoke(actor=request.user, feed=feed)
        messages.success(request, "Your calendar feed is turned off: its address no longer works.")
    return redirect("reminders:my_feed")


def _patient(request: HttpRequest, public_id: UUID, permission: Permission) -> Patient:
    return patient_selectors.get_patient_for(request.user, public_id, permission)


@require_GET
def patient_feed(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.VIEW_PATIENT)
    context = {
        "feed": selectors.patient_feed(request.user, patient),
        "url": None,
        "patient": patient,
    }
    return render(request, "reminders/feed.html", context)


@require_POST
def patient_feed_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.EDIT_PATIENT)
    feed, token = services.calendar_feed_create(actor=request.user, patient=patient)
    context = {"feed": feed, "url": _feed_url(token), "patient": patient}
    return render(request, "reminders/feed.html", context)


@require_POST
def patient_feed_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _patient(request, public_id, Permission.EDIT_PATIENT)
    feed = selectors.patient_feed(request.user, patient)
    if feed is not None:
        services.calendar_feed_revoke(actor=request.user, feed=feed)
        messages.success(request, "The patient's calendar feed is turned off.")
    return redirect("reminders:patient_feed", public_id=patient.public_id)


@never_cache
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The public .ics address. Unknown or revoked: 404, whoever asks."""
    found = services.calendar_feed_open(token)
    if found is None:
        raise Http404("No such calendar.")
    body = services.calendar_feed_render(feed=found)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def escort(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmation = services.escort_confirmation_open(token)
    except services.EscortLinkRefused:
        return render(request, "reminders/escort_refused.html", status=404)
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("confirm", "decline"):
            context = _escort_context(confirmation, error="Choose one of the two buttons.")
            return render(request, "reminders/escort.html", context, status=400)
        confirmation = services.escort_confirmation_answer(
            token=token, confirmed=answer == "confirm"
        )
        return render(request, "reminders/escort_thanks.html", _escort_context(confirmation))
    services.escort_confirmation_viewed(confirmation=confirmation)
    return render(request, "reminders/escort.html", _escort_context(confirmation))


def _escort_context(confirmation: object, error: str = "") -> dict[str, object]:
    appointment = confirmation.appointment  # type: ignore[attr-defined]
    patient = appointment.patient
    return {
        "confirmation": confirmation,
        "clinic": appointment.clinic,
        "first_name": patient.preferred_name or patient.legal_first_name,
        "when": when(appointment),
        "error": error,
    }


def _hours_list(raw: str) -> list[int] | None:
    try:
        return [int(part) for part in raw.replace(" ", "").split(",") if part]
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """The practice's reminder offsets (hours before the appointment)."""
    membership = require_permission(request.user, Permission.MANAGE_SCHEDULE)
    current = policy.reminder_settings(membership.organisation.settings)
    values = {
        "appointment_hours": ", ".join(str(h) for h in current.appointment_hours),
        "questionnaire_hours": str(current.questionnaire_hours),
        "escort_hours": str(current.escort_hours),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        hours = _hours_list(values["appointment_hours"])
        numbers = {}
        for name in ("questionnaire_hours", "escort_hours"):
            try:
                numbers[name] = int(values[name])
            except ValueError:
                errors[name] = ["Enter a whole number of hours."]
        if hours is None or not hours:
            errors["appointment_hours"] = ["Enter hours separated by commas, e.g. 48, 2."]
        if not errors and hours:
            try:
                services.reminder_settings_set(
                    actor=request.user, appointment_hours=hours, **numbers
                )
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                messages.success(request, "Reminder times saved. New bookings use them.")
                return redirect("reminders:settings")
    status = 400 if errors else 200
    context = {"values": values, "errors": errors}
    return render(request, "reminders/settings.html", context, status=status)
