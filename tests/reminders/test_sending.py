"""The sender: what each message says, once, and what happens when a provider fails."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.measures.models import SelfReportLink
from ketacare.measures.services import _token_hash, measure_schedule_set
from ketacare.messaging import outbox
from ketacare.messaging.sms import MemorySmsBackend
from ketacare.reminders.models import Reminder, ReminderKind, ReminderStatus
from ketacare.reminders.sending import MAX_ATTEMPTS, send_due_reminders
from ketacare.reminders.services import PUBLIC_LINK_ACTION
from ketacare.tenancy.models import Role
from tests.reminders import builders as rb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_backends(settings):  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "ketacare.messaging.sms.MemorySmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


def _texts_for(key_part: str) -> list[str]:
    return [m.body for m in MemorySmsBackend.outbox if key_part in m.idempotency_key]


def test_an_esketamine_reminder_says_how_to_prepare_and_nothing_clinical(practice_a):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="esketamine")
    at = appointment.starts_at - timedelta(hours=47)
    assert send_due_reminders(now=at) == 2  # the confirmation and the 48 h reminder
    [body] = _texts_for("appointment-48")
    assert "don't eat anything for 2 hours, or drink anything for 30 minutes" in body
    assert "nasal steroid or decongestant spray, use it at least 1 hour before" in body
    assert "adult who will drive you home" in body
    assert "until the next day, after a restful sleep" in body
    assert practice_a.clinic.name in body and "1 Test Way" in body
    for clinical in ("esketamine", "Esketamine", "ketamine", "depression", "mg"):
        assert clinical not in body
    # Sent once: a second pass finds nothing more due at that time.
    assert send_due_reminders(now=at) == 0
    assert len(_texts_for("appointment-48")) == 1
    row = Reminder.objects.get(appointment=appointment, hours_before=48)
    assert row.status == ReminderStatus.SENT and row.attempts == 1


def test_an_iv_reminder_gives_the_practice_fasting_rule(practice_a):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    send_due_reminders(now=appointment.starts_at - timedelta(hours=1))
    [body] = _texts_for("appointment-2-")
    assert (
        "don't eat for 6 hours before your appointment (8 hours after fried or fatty food" in body
    )
    assert "clear liquids, such as water, until 2 hours before" in body
    assert "nasal" not in body
    # The practice changes its rule: the next message says so.
    organisation = practice_a.organisation
    organisation.settings = {
        "treatment_day": {"fasting": {"iv": {"solids_minutes": 480, "clear_liquids_minutes": 60}}}
    }
    organisation.save()
    other = rb.book_session(practice_a, kind="iv", day=rb.session_day(9))
    send_due_reminders(now=other.starts_at - timedelta(hours=1))
    [later] = [
        m.body
        for m in MemorySmsBackend.outbox
        if other.public_id.hex in m.idempotency_key and "-2-" in m.idempotency_key
    ]
    assert "don't eat for 8 hours before your appointment." in later
    assert "until 1 hour before" in later


def test_the_booking_confirmation_carries_a_calendar_and_its_key_as_message_id(practice_a):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    send_due_reminders()
    [email] = mail.outbox
    row = Reminder.objects.get(appointment=appointment, kind=ReminderKind.BOOKING_CONFIRMATION)
    assert email.extra_headers["Message-ID"] == outbox.message_id(row.idempotency_key)
    assert email.to == [practice_a.patient.email]
    assert "is booked for" in email.body
    [(name, ics, mimetype)] = email.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert f"UID:{appointment.public_id}@ketacare" in text
    assert "SUMMARY:Appointment at" in text
    assert "IV infusion" not in text


def test_a_message_delivered_before_a_crash_is_not_delivered_twice(practice_a):
    rb.reachable(practice_a, email="")
    appointment = rb.book_session(practice_a, kind="iv")
    row = Reminder.objects.get(appointment=appointment, kind=ReminderKind.BOOKING_CONFIRMATION)
    # The worker sent it, then died before its transaction committed: the row is pending.
    outbox.send("sms", practice_a.patient.phone, "", "first delivery", row.idempotency_key)
    send_due_reminders()
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENT
    assert row.last_error == "already accepted by the provider"
    assert [
        m.body for m in MemorySmsBackend.outbox if m.idempotency_key == row.idempotency_key
    ] == ["first delivery"]


def test_a_provider_failure_is_retried_later_then_given_up(practice_a, settings):
    rb.reachable(practice_a, email="")
    appointment = rb.book_session(practice_a, kind="iv")
    settings.SMS_BACKEND = "tests.reminders.test_sending.BrokenSmsBackend"
    send_due_reminders()
    row = Reminder.objects.get(appointment=appointment, kind=ReminderKind.BOOKING_CONFIRMATION)
    assert row.status == ReminderStatus.PENDING
    assert row.attempts == 1 and "provider unavailable" in row.last_error
    assert row.due_at > timezone.now()
    for hours in range(1, MAX_ATTEMPTS + 1):
        send_due_reminders(now=timezone.now() + timedelta(hours=hours))
    row.refresh_from_db()
    assert row.status == ReminderStatus.FAILED and row.attempts == MAX_ATTEMPTS


class BrokenSmsBackend:
    def send(self, message):  # type: ignore[no-untyped-def]
        raise ConnectionError("provider unavailable")


def test_a_reminder_of_an_appointment_no_longer_booked_is_skipped(practice_a):
    rb.reachable(practice_a, email="")
    appointment = rb.book_session(practice_a, kind="iv")
    appointment.status = "cancelled"  # as if the cancel hook had not run
    appointment.save()
    send_due_reminders(now=appointment.starts_at - timedelta(hours=1))
    assert MemorySmsBackend.outbox == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SKIPPED}


def test_before_each_session_questionnaires_are_sent_as_a_link_the_day_before(practice_a):
    rb.reachable(practice_a, email="")
    measure_schedule_set(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="phq9",
        frequency="before_each_session",
    )
    appointment = rb.book_session(practice_a, kind="iv")
    with time_machine.travel(appointment.starts_at - timedelta(hours=30), tick=False):
        send_due_reminders()
    assert _texts_for("questionnaire") == []
    with time_machine.travel(appointment.starts_at - timedelta(hours=23), tick=False):
        send_due_reminders()
    [body] = _texts_for("questionnaire")
    token = body.split("/r/")[1].split("/")[0]
    link = SelfReportLink.objects.get(token_hash=_token_hash(token))
    assert link.instrument_codes == ["phq9"] and link.patient == practice_a.patient
    assert link.sent_at is not None and link.expires_at > appointment.starts_at
    assert link.created_by == practice_a.staff[Role.FRONT_DESK]
    assert "988" in body and "PHQ" not in body
    row = Reminder.objects.get(kind=ReminderKind.QUESTIONNAIRE)
    assert row.self_report_link == link and row.status == ReminderStatus.SENT


def test_the_escort_is_asked_to_confirm_and_the_answer_is_recorded_and_audited(practice_a, client):
    rb.reachable(practice_a, email="")
    rb.escort(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    send_due_reminders(now=appointment.starts_at - timedelta(hours=47))
    [body] = _texts_for("escort")
    assert [m.to for m in MemorySmsBackend.outbox if "escort" in m.idempotency_key] == [
        "(555) 010-7777"
    ]
    assert "Hello Rowan Ashdown, Marigold named you" in body
    path = "/escort/" + body.split("/escort/")[1].split("/")[0] + "/"
    page = client.get(path)
    assert page.status_code == 200
    assert b"Can you take Marigold home?" in page.content
    answered = client.post(path, {"answer": "confirm"})
    assert answered.status_code == 200 and b"you will take Marigold home" in answered.content
    confirmation = appointment.escort_confirmations.get()
    assert confirmation.confirmed_at is not None and confirmation.declined_at is None
    events = AuditEvent.objects.filter(object_id=str(confirmation.public_id))
    assert [e.detail["did"] for e in events.order_by("id")] == ["viewed", "confirmed"]
    assert {e.action for e in events} == {PUBLIC_LINK_ACTION}
    assert all(e.patient_public_id == practice_a.patient.public_id for e in events)


def test_an_escort_link_answers_404_when_unknown_or_no_longer_needed(practice_a, client):
    rb.reachable(practice_a, email="")
    rb.escort(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    send_due_reminders(now=appointment.starts_at - timedelta(hours=47))
    [body] = _texts_for("escort")
    path = "/escort/" + body.split("/escort/")[1].split("/")[0] + "/"
    assert client.get("/escort/not-a-token/").status_code == 404
    appointment.status = "cancelled"
    appointment.save()
    assert client.get(path).status_code == 404
    assert client.post(path, {"answer": "confirm"}).status_code == 404
    assert appointment.escort_confirmations.get().confirmed_at is None


def test_an_escort_answer_that_is_neither_button_is_refused(practice_a, client):
    rb.reachable(practice_a, email="")
    rb.escort(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    send_due_reminders(now=appointment.starts_at - timedelta(hours=47))
    [body] = _texts_for("escort")
    path = "/escort/" + body.split("/escort/")[1].split("/")[0] + "/"
    response = client.post(path, {"answer": "maybe"})
    assert response.status_code == 400 and b"Choose one of the two buttons" in response.content


def test_a_series_gets_one_confirmation_with_every_session_in_its_calendar(practice_a):
    from icalendar import Calendar

    from ketacare.reminders.services import appointment_reminders_sync
    from ketacare.scheduling import services as scheduling
    from tests.scheduling import builders as b
    from tests.treatment.builders import active_plan

    rb.reachable(practice_a)
    chairs, iv, _ = rb._ready(practice_a)
    plan = active_plan(practice_a)
    monday = b.next_weekday(0, after=rb.session_day(7))
    nurse = practice_a.staff[Role.NURSE].membership
    starts = [b.local(monday + timedelta(days=d), rb.time(9)) for d in (0, 2, 4)]
    series = scheduling.series_book(
        actor=practice_a.staff[Role.FRONT_DESK], plan=plan, appointment_type=iv,
        clinic=practice_a.clinic, sessions=[(s, chairs[0], nurse) for s in starts],
        weekdays=[0, 2, 4], local_time=rb.time(9),
    )  # fmt: skip
    for appointment in series.appointments.all():
        appointment_reminders_sync(actor=practice_a.staff[Role.FRONT_DESK], appointment=appointment)
    assert Reminder.objects.filter(kind=ReminderKind.BOOKING_CONFIRMATION).count() == 1
    assert Reminder.objects.filter(kind=ReminderKind.APPOINTMENT).count() == 6
    send_due_reminders()
    [email] = mail.outbox
    assert email.body.count("- ") == 3 and "are booked" in email.body
    [(_, ics, _)] = email.attachments
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert sorted(e["DTSTART"].dt for e in events) == starts
