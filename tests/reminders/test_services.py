"""Reminders are made with the booking, re-made when it moves, cancelled when it is."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.measures.services import measure_schedule_set
from ketacare.reminders.models import (
    Channel,
    EscortConfirmation,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from ketacare.reminders.services import appointment_reminders_sync, reminder_settings_set
from ketacare.scheduling import services as scheduling
from ketacare.tenancy.models import Role
from tests.reminders import builders as rb
from tests.scheduling import builders as b

pytestmark = pytest.mark.django_db


def _rows(appointment):
    return {
        (r.kind, r.channel, r.hours_before): r
        for r in Reminder.objects.filter(appointment=appointment)
    }


def test_booking_a_session_makes_its_confirmation_reminders_questionnaire_and_escort_request(
    practice_a,
):
    rb.reachable(practice_a)
    rb.escort(practice_a)
    measure_schedule_set(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="phq9",
        frequency="before_each_session",
    )
    appointment = rb.book_session(practice_a)
    rows = _rows(appointment)
    starts = appointment.starts_at
    assert set(rows) == {
        (ReminderKind.BOOKING_CONFIRMATION, Channel.EMAIL, None),
        (ReminderKind.APPOINTMENT, Channel.SMS, 48),
        (ReminderKind.APPOINTMENT, Channel.SMS, 2),
        (ReminderKind.QUESTIONNAIRE, Channel.SMS, 24),
        (ReminderKind.ESCORT_CONFIRMATION, Channel.SMS, 48),
    }
    assert rows[(ReminderKind.APPOINTMENT, Channel.SMS, 48)].due_at == starts - timedelta(hours=48)
    assert rows[(ReminderKind.APPOINTMENT, Channel.SMS, 2)].due_at == starts - timedelta(hours=2)
    assert rows[(ReminderKind.QUESTIONNAIRE, Channel.SMS, 24)].due_at == starts - timedelta(
        hours=24
    )
    assert rows[(ReminderKind.BOOKING_CONFIRMATION, Channel.EMAIL, None)].due_at <= timezone.now()
    assert all(r.status == ReminderStatus.PENDING for r in rows.values())
    assert EscortConfirmation.objects.get(appointment=appointment).contact.name == "Rowan Ashdown"
    assert AuditEvent.objects.filter(
        object_id=str(appointment.public_id), changed_fields=["reminders"]
    ).exists()


def test_syncing_again_makes_nothing_twice(practice_a):
    rb.reachable(practice_a)
    rb.escort(practice_a)
    appointment = rb.book_session(practice_a)
    before = Reminder.objects.count()
    assert (
        appointment_reminders_sync(actor=practice_a.staff[Role.FRONT_DESK], appointment=appointment)
        == []
    )
    assert Reminder.objects.count() == before
    assert EscortConfirmation.objects.count() == 1


def test_a_reminder_whose_time_has_passed_at_booking_is_not_made(practice_a):
    rb.reachable(practice_a, email="")
    wednesday = b.next_weekday(2, after=datetime.now(tz=b.CHICAGO).date() + timedelta(days=7))
    with time_machine.travel(rb.local(wednesday - timedelta(days=1), time(12)), tick=False):
        appointment = rb.book_session(practice_a, kind="iv", day=wednesday, at=time(15))
    hours = {
        r.hours_before
        for r in Reminder.objects.filter(appointment=appointment, kind=ReminderKind.APPOINTMENT)
    }
    assert hours == {2}  # 48 h before was already past when it was booked, 27 h before
    # No e-mail on file: the confirmation goes by text.
    confirmation = Reminder.objects.get(
        appointment=appointment, kind=ReminderKind.BOOKING_CONFIRMATION
    )
    assert confirmation.channel == Channel.SMS


def test_moving_cancels_what_waits_and_makes_new_reminders_for_the_new_time(practice_a):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    moved = scheduling.appointment_move(
        actor=practice_a.staff[Role.FRONT_DESK],
        appointment=appointment,
        starts_at=appointment.starts_at + timedelta(hours=3),
        space=appointment.space,
        staff=appointment.staff,
    )
    actor = practice_a.staff[Role.FRONT_DESK]
    appointment.refresh_from_db()
    appointment_reminders_sync(actor=actor, appointment=appointment)
    appointment_reminders_sync(actor=actor, appointment=moved)
    old = Reminder.objects.filter(appointment=appointment)
    assert {r.status for r in old} == {ReminderStatus.CANCELLED}
    new = Reminder.objects.filter(appointment=moved, kind=ReminderKind.APPOINTMENT)
    assert {r.due_at for r in new} == {
        moved.starts_at - timedelta(hours=48),
        moved.starts_at - timedelta(hours=2),
    }
    assert all(r.status == ReminderStatus.PENDING for r in new)


def test_cancelling_cancels_the_pending_reminders_but_keeps_what_was_sent(practice_a):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    sent = Reminder.objects.get(appointment=appointment, kind=ReminderKind.BOOKING_CONFIRMATION)
    sent.status, sent.sent_at = ReminderStatus.SENT, timezone.now()
    sent.save()
    cancelled = scheduling.appointment_transition(
        actor=practice_a.staff[Role.FRONT_DESK],
        appointment=appointment,
        to="cancelled",
        reason="Patient asked",
    )
    appointment_reminders_sync(actor=practice_a.staff[Role.FRONT_DESK], appointment=cancelled)
    statuses = {r.kind: r.status for r in Reminder.objects.filter(appointment=appointment)}
    assert statuses[ReminderKind.BOOKING_CONFIRMATION] == ReminderStatus.SENT
    assert statuses[ReminderKind.APPOINTMENT] == ReminderStatus.CANCELLED


def test_the_practice_sets_its_own_offsets(practice_a):
    rb.reachable(practice_a)
    reminder_settings_set(
        actor=practice_a.staff[Role.ORG_ADMIN],
        appointment_hours=[72, 24],
        questionnaire_hours=36,
        escort_hours=30,
    )
    appointment = rb.book_session(practice_a, kind="iv")
    hours = {
        r.hours_before
        for r in Reminder.objects.filter(appointment=appointment, kind=ReminderKind.APPOINTMENT)
    }
    assert hours == {72, 24}
    assert AuditEvent.objects.filter(
        action="settings_change", detail__reminders__to__escort_hours=30
    ).exists()


def test_offsets_out_of_range_are_refused_at_the_field(practice_a):
    with pytest.raises(ValidationError) as refused:
        reminder_settings_set(
            actor=practice_a.staff[Role.ORG_ADMIN],
            appointment_hours=[0],
            questionnaire_hours=24,
            escort_hours=99999,
        )
    assert set(refused.value.message_dict) == {"appointment_hours", "escort_hours"}
    practice_a.organisation.refresh_from_db()
    assert "reminders" not in practice_a.organisation.settings


def test_before_each_session_scales_are_due_against_the_next_booked_session(practice_a):
    from ketacare.measures.due import DueState, due_status
    from ketacare.scheduling.selectors import next_treatment_starts

    appointment = rb.book_session(practice_a, kind="iv")
    nurse = practice_a.staff[Role.NURSE]
    starts = next_treatment_starts(nurse, [practice_a.patient.pk])
    assert starts == {practice_a.patient.pk: appointment.starts_at}
    due = due_status(
        "before_each_session", None, timezone.now(), next_session_at=starts[practice_a.patient.pk]
    )
    assert due.state == DueState.NOT_DUE  # the session is six days away
    # Another practice's user sees none of it.
    from tests.factories import OrganisationFactory, make_staff

    stranger = make_staff(OrganisationFactory(), Role.NURSE)
    assert next_treatment_starts(stranger, [practice_a.patient.pk]) == {}


def test_the_reminder_times_page_saves_and_shows_errors_at_the_field(practice_a):
    admin = practice_a.client_for(Role.ORG_ADMIN)
    assert b'value="48, 2"' in admin.get("/reminders/settings/").content
    bad = admin.post(
        "/reminders/settings/",
        {"appointment_hours": "x", "questionnaire_hours": "24", "escort_hours": "soon"},
    )
    assert bad.status_code == 400
    assert (
        b'id="appointment_hours-error"' in bad.content and b'id="escort_hours-error"' in bad.content
    )
    saved = admin.post(
        "/reminders/settings/",
        {"appointment_hours": "72, 3", "questionnaire_hours": "24", "escort_hours": "48"},
    )
    assert saved.status_code == 302
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.settings["reminders"]["appointment_hours"] == [72, 3]
    assert practice_a.client_for(Role.NURSE).get("/reminders/settings/").status_code == 403
