"""Private calendar feeds: shown once, hashed, revocable, minimal; events keep local time."""

from datetime import date, time, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from ketacare.audit.models import AuditEvent
from ketacare.reminders import services
from ketacare.reminders.models import CalendarFeed
from ketacare.reminders.services import PUBLIC_LINK_ACTION, calendar_feed_create
from ketacare.reminders.tokens import token_hash
from ketacare.scheduling import services as scheduling
from ketacare.tenancy.models import Role
from tests.reminders import builders as rb
from tests.scheduling import builders as b

pytestmark = pytest.mark.django_db


def _url_on(page: bytes) -> str:
    text = page.decode()
    start = (
        text.index("http://testserver/ical/")
        if "http://testserver/ical/" in text
        else text.index("/ical/")
    )
    return text[start : text.index('.ics"', start) + 4]


def _path(url: str) -> str:
    return url[url.index("/ical/") :]


def test_a_member_of_staff_makes_a_feed_sees_its_address_once_and_can_turn_it_off(
    practice_a, settings
):
    settings.SITE_URL = "http://testserver"
    appointment = rb.book_session(practice_a, kind="iv")
    nurse = practice_a.client_for(Role.NURSE)
    made = nurse.post("/calendar/feed/new/")
    assert made.status_code == 200
    url = _url_on(made.content)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == token_hash(token)
    assert token not in str(CalendarFeed.objects.values().get())
    assert token.encode() not in nurse.get("/calendar/feed/").content  # shown once only

    answer = Client().get(_path(url))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.public_id}@ketacare"
    assert str(event["SUMMARY"]).startswith("IV infusion · MQ")
    assert AuditEvent.objects.filter(
        object_id=str(feed.public_id), action="view", actor=practice_a.staff[Role.NURSE]
    ).exists()

    assert nurse.post("/calendar/feed/revoke/").status_code == 302
    assert Client().get(_path(url)).status_code == 404


def test_a_new_address_turns_the_old_one_off(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    _, first = calendar_feed_create(actor=nurse)
    _, second = calendar_feed_create(actor=nurse)
    assert Client().get(f"/ical/{first}.ics").status_code == 404
    assert Client().get(f"/ical/{second}.ics").status_code == 200
    assert Client().get("/ical/made-up.ics").status_code == 404


def test_a_patient_feed_says_only_appointment_at_the_clinic_with_address_and_preparation(
    practice_a,
):
    appointment = rb.book_session(practice_a, kind="esketamine")
    front_desk = practice_a.client_for(Role.FRONT_DESK)
    page = front_desk.post(f"/patients/{practice_a.patient.public_id}/calendar-feed/new/")
    assert page.status_code == 200
    path = _path(_url_on(page.content))
    answer = Client().get(path)
    text = answer.content.decode()
    [event] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Appointment at {practice_a.clinic.name}"
    assert "1 Test Way" in str(event["LOCATION"])
    assert "nasal steroid or decongestant" in str(event["DESCRIPTION"])
    unfolded = text.replace("\r\n ", "")
    for clinical in ("Esketamine", "esketamine", "ketamine", "Quillfeather", "Chair"):
        assert clinical not in unfolded
    assert str(event["UID"]) == f"{appointment.public_id}@ketacare"
    feed = CalendarFeed.objects.get()
    read = AuditEvent.objects.get(object_id=str(feed.public_id), action=PUBLIC_LINK_ACTION)
    assert read.patient_public_id == practice_a.patient.public_id
    assert read.detail["shown"] == [str(practice_a.patient.public_id)]

    assert (
        front_desk.post(
            f"/patients/{practice_a.patient.public_id}/calendar-feed/revoke/"
        ).status_code
        == 302
    )
    assert Client().get(path).status_code == 404


def test_cancelled_appointments_leave_the_patient_feed(practice_a):
    appointment = rb.book_session(practice_a, kind="iv")
    _, token = calendar_feed_create(
        actor=practice_a.staff[Role.FRONT_DESK], patient=practice_a.patient
    )
    scheduling.appointment_transition(
        actor=practice_a.staff[Role.FRONT_DESK],
        appointment=appointment,
        to="cancelled",
        reason="Asked",
    )
    assert Calendar.from_ical(Client().get(f"/ical/{token}.ics").content).walk("VEVENT") == []


def test_a_series_across_the_change_to_daylight_time_keeps_its_local_time(practice_a, monkeypatch):
    _, iv, _ = rb._ready(practice_a)
    # 2027-03-14 is when Chicago moves to daylight time: a Thursday before, a Thursday after.
    before, after = date(2027, 3, 11), date(2027, 3, 18)
    if before <= date.today():  # noqa: DTZ011  (only guards a far-future fixed date)
        pytest.skip("the fixed dates are in the past")
    for day in (before, after):
        b.book(practice_a, iv, b.local(day, time(10)), space=rb._ready(practice_a)[0][0])
    _, token = calendar_feed_create(
        actor=practice_a.staff[Role.FRONT_DESK], patient=practice_a.patient
    )
    monkeypatch.setattr(services, "FEED_AHEAD", timedelta(days=900))
    content = Client().get(f"/ical/{token}.ics").content
    calendar = Calendar.from_ical(content)
    starts = [event["DTSTART"].dt for event in calendar.walk("VEVENT")]
    assert [(s.hour, s.minute, str(s.tzinfo)) for s in starts] == [(10, 0, "America/Chicago")] * 2
    assert [s.utcoffset() for s in starts] == [timedelta(hours=-6), timedelta(hours=-5)]
    assert b"DTSTART;TZID=America/Chicago:20270311T100000" in content
    assert b"DTSTART;TZID=America/Chicago:20270318T100000" in content
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]


def test_another_practice_cannot_see_or_make_a_patients_feed(practice_a, practice_b):
    other = practice_b.client_for(Role.FRONT_DESK)
    for path in ("calendar-feed/", "calendar-feed/new/", "calendar-feed/revoke/"):
        url = f"/patients/{practice_a.patient.public_id}/{path}"
        response = other.post(url) if path != "calendar-feed/" else other.get(url)
        assert response.status_code == 404
    assert CalendarFeed.objects.count() == 0


def test_billing_may_not_make_a_patients_feed(practice_a):
    billing = practice_a.client_for(Role.BILLING)
    response = billing.post(f"/patients/{practice_a.patient.public_id}/calendar-feed/new/")
    assert response.status_code == 403
    assert CalendarFeed.objects.count() == 0


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_my_calendar_feed_page(practice_a, role):
    page = practice_a.client_for(role).get("/calendar/feed/")
    assert page.status_code == 200
    assert b"Make a calendar address" in page.content


def test_the_feed_pages_ask_to_sign_in_first(practice_a):
    assert Client().get("/calendar/feed/").status_code == 302
    assert Client().post("/calendar/feed/new/").status_code == 302
    assert CalendarFeed.objects.count() == 0
