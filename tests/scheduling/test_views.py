"""The scheduling pages: calendars, floor board, move and status dialogs, a patient's
appointments, consultation booking and the settings; each as its roles, and 404 across
organisations."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.public.models import ConsultationRequest
from ketacare.scheduling import services
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.tenancy.models import Role
from tests.factories import PatientFactory
from tests.scheduling import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(practice_a):  # type: ignore[no-untyped-def]
    chairs = b.open_clinic(practice_a, chairs=2)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 2)
    monday = b.next_weekday(0)
    return practice_a, chairs, iv, monday


def _patients(practice, n):  # type: ignore[no-untyped-def]
    return [PatientFactory(organisation=practice.organisation) for _ in range(n)]


def _week_url(practice, day, by="chair"):  # type: ignore[no-untyped-def]
    return reverse("scheduling:week", args=[practice.clinic.public_id]) + f"?date={day}&by={by}"


def test_the_week_shows_bookings_hours_and_closures_by_chair_and_by_staff(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    services.clinic_closure_add(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        day=monday + timedelta(days=2),
        reason="Staff training",
    )
    client = practice.client_for(Role.FRONT_DESK)
    page = client.get(_week_url(practice, monday)).content.decode()
    assert "Marigold Quillfeather" in page
    assert "Closed: Staff training" in page
    assert "Closed (no hours)" in page  # Sunday
    assert "Open 08:00–18:00" in page
    assert "Chair 1" in page
    by_staff = client.get(_week_url(practice, monday, "staff")).content.decode()
    assert "Marigold Quillfeather" in by_staff
    assert str(practice.staff[Role.NURSE]) in by_staff


def test_the_week_query_count_does_not_grow_with_appointments(ready):
    practice, chairs, iv, monday = ready
    client = practice.client_for(Role.FRONT_DESK)
    b.book(practice, iv, b.local(monday, time(8)), space=chairs[0])
    client.get(_week_url(practice, monday))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(_week_url(practice, monday)).status_code == 200
    b.set_ratio(practice, 20)
    for n, patient in enumerate(_patients(practice, 8)):
        day = monday + timedelta(days=n % 4)
        hour = 10 + 2 * (n // 4)
        b.book(practice, iv, b.local(day, time(hour)), space=chairs[n % 2], patient=patient)
    with CaptureQueriesContext(connection) as many:
        page = client.get(_week_url(practice, monday))
    assert page.content.decode().count('class="appt ') == 9
    assert len(many) == len(few)


def test_a_calendar_view_records_which_patients_were_shown(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    practice.client_for(Role.NURSE).get(_week_url(practice, monday))
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).latest("pk")
    assert event.detail["page"] == "calendar_week"
    assert event.detail["shown"] == [str(practice.patient.public_id)]


def test_the_day_view_shows_lanes_and_free_time(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(10)), space=chairs[1])
    url = reverse("scheduling:day", args=[practice.clinic.public_id]) + f"?date={monday}"
    page = practice.client_for(Role.NURSE).get(url).content.decode()
    assert "Free 08:00–10:00" in page
    assert "Free 12:00–18:00" in page
    assert "Chair 2" in page


def test_another_organisations_calendar_answers_404(ready, practice_b):
    practice, *_ = ready
    client = practice_b.client_for(Role.FRONT_DESK)
    for name in ("week", "day", "floor", "floor_board", "settings"):
        url = reverse(f"scheduling:{name}", args=[practice.clinic.public_id])
        assert client.get(url).status_code == 404, name


def test_moving_into_a_taken_chair_shows_the_reason_at_the_chair_field(ready):
    practice, chairs, iv, monday = ready
    other = _patients(practice, 1)[0]
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    b.book(practice, iv, b.local(monday, time(13)), space=chairs[1], patient=other)
    client = practice.client_for(Role.FRONT_DESK)
    url = reverse("scheduling:move", args=[mine.public_id])
    response = client.post(
        url,
        {
            "day": monday.isoformat(),
            "start_time": "13:30",
            "space": chairs[1].pk,
            "staff": "",
            "version": mine.version,
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chair 2 is taken" in html
    assert 'id="id_space_error"' in html
    assert Appointment.objects.filter(status=AppointmentStatus.RESCHEDULED).count() == 0


def test_moving_to_a_free_chair_moves_and_redirects_htmx_to_the_calendar(ready):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice.client_for(Role.FRONT_DESK)
    response = client.post(
        reverse("scheduling:move", args=[mine.public_id]),
        {
            "day": monday.isoformat(),
            "start_time": "11:00",
            "space": chairs[1].pk,
            "staff": practice.staff[Role.NURSE].membership.pk,
            "version": mine.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "HX-Redirect" in response.headers
    moved = Appointment.objects.get(rescheduled_from=mine)
    assert moved.space == chairs[1]
    assert timezone.localtime(moved.starts_at, b.CHICAGO).time() == time(11)


def test_a_stale_move_is_refused_with_what_changed(ready):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice.client_for(Role.FRONT_DESK)
    response = client.post(
        reverse("scheduling:move", args=[mine.public_id]),
        {
            "day": monday.isoformat(),
            "start_time": "11:00",
            "space": chairs[0].pk,
            "staff": practice.staff[Role.NURSE].membership.pk,
            "version": mine.version + 5,
        },
    )
    assert "Someone else changed this appointment" in response.content.decode()


def test_cancelling_needs_a_reason_and_frees_the_chair(ready):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice.client_for(Role.FRONT_DESK)
    url = reverse("scheduling:status", args=[mine.public_id])
    refused = client.post(url, {"to": "cancelled", "reason": "", "version": mine.version})
    assert "Say why the appointment is cancelled" in refused.content.decode()
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED
    done = client.post(url, {"to": "cancelled", "reason": "Patient unwell", "version": 1})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CANCELLED
    other = _patients(practice, 1)[0]
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0], patient=other)


def test_check_in_from_the_calendar(ready):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice.client_for(Role.NURSE)
    response = client.post(
        reverse("scheduling:status", args=[mine.public_id]),
        {"to": "checked_in", "version": 1, "back": "/schedule/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/schedule/"
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CHECKED_IN


def test_billing_sees_the_calendar_but_cannot_move(ready):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice.client_for(Role.BILLING)
    page = client.get(_week_url(practice, monday)).content.decode()
    assert "Marigold Quillfeather" in page
    assert ">Move<" not in page
    assert client.get(reverse("scheduling:move", args=[mine.public_id])).status_code == 403


def test_the_floor_board_shows_who_is_in_each_chair_and_who_is_next(ready, time_machine):
    practice, chairs, iv, monday = ready
    time_machine.move_to(b.local(monday, time(7)), tick=False)
    first = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    other = _patients(practice, 1)[0]
    b.book(practice, iv, b.local(monday, time(12)), space=chairs[0], patient=other)
    services.appointment_transition(
        actor=practice.staff[Role.NURSE], appointment=first, to="checked_in"
    )
    time_machine.move_to(b.local(monday, time(9, 30)), tick=False)
    client = practice.client_for(Role.NURSE)
    page = client.get(reverse("scheduling:floor", args=[practice.clinic.public_id]))
    html = page.content.decode()
    assert 'hx-trigger="every 15s"' in html
    board = client.get(reverse("scheduling:floor_board", args=[practice.clinic.public_id]))
    text = board.content.decode()
    assert "Marigold Quillfeather" in text
    assert "Checked in" in text
    assert f"Next: 12:00 {other.display_name}" in text
    assert "Free for the rest of the day" in text  # chair 2
    assert "<html" not in text


def test_a_patients_appointments_page_lists_upcoming_and_past(ready, time_machine):
    practice, chairs, iv, monday = ready
    time_machine.move_to(b.local(monday, time(7)), tick=False)
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    b.book(practice, iv, b.local(monday + timedelta(days=3), time(9)), space=chairs[0])
    time_machine.move_to(b.local(monday, time(15)), tick=False)
    url = reverse("scheduling:patient_appointments", args=[practice.patient.public_id])
    page = practice.client_for(Role.FRONT_DESK).get(url).content.decode()
    upcoming, past = page.split('id="past-h"')
    assert (monday + timedelta(days=3)).strftime("%a %-d %b %Y") in upcoming
    assert monday.strftime("%a %-d %b %Y") in past
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).latest("pk")
    assert event.detail["shown"] == [str(practice.patient.public_id)]


def test_a_patients_appointments_answer_404_to_another_organisation(ready, practice_b):
    practice, *_ = ready
    url = reverse("scheduling:patient_appointments", args=[practice.patient.public_id])
    assert practice_b.client_for(Role.FRONT_DESK).get(url).status_code == 404


def _request(practice, patient=None):  # type: ignore[no-untyped-def]
    return ConsultationRequest.objects.create(
        organisation=practice.organisation,
        clinic=practice.clinic,
        name="Rowan Pike",
        email="rowan@example.test",
        patient=patient,
    )


def test_a_consultation_request_must_be_converted_before_booking(ready):
    practice, *_ = ready
    lead = _request(practice)
    url = reverse("scheduling:book_consultation", args=[lead.public_id])
    page = practice.client_for(Role.FRONT_DESK).get(url).content.decode()
    assert "Convert it to a patient first" in page


def test_front_desk_books_a_consultation_from_a_request(ready):
    practice, chairs, iv, monday = ready
    consult = b.consultation_type(practice)
    lead = _request(practice, patient=practice.patient)
    client = practice.client_for(Role.FRONT_DESK)
    url = reverse("scheduling:book_consultation", args=[lead.public_id])
    data = {
        "clinic": practice.clinic.pk,
        "appointment_type": consult.pk,
        "day": monday.isoformat(),
        "start_time": "19:00",
        "staff": practice.staff[Role.PRESCRIBER].membership.pk,
    }
    refused = client.post(url, data).content.decode()
    assert "outside" in refused and 'id="id_start_time_error"' in refused
    assert not Appointment.objects.exists()
    done = client.post(url, {**data, "start_time": "10:00"})
    assert done.status_code == 302
    made = Appointment.objects.get()
    assert made.consultation_request == lead and made.patient == practice.patient


def test_another_organisations_request_answers_404(ready, practice_b):
    practice, *_ = ready
    lead = _request(practice, patient=practice.patient)
    url = reverse("scheduling:book_consultation", args=[lead.public_id])
    assert practice_b.client_for(Role.FRONT_DESK).get(url).status_code == 404


def test_settings_add_a_type_a_closure_a_ratio_and_a_shift(ready):
    practice, chairs, iv, monday = ready
    client = practice.client_for(Role.FRONT_DESK)
    cid = practice.clinic.public_id
    assert client.get(reverse("scheduling:settings", args=[cid])).status_code == 200
    r = client.post(
        reverse("scheduling:type_add", args=[cid]),
        {
            "name": "Follow-up",
            "kind": "follow_up",
            "route": "",
            "duration_minutes": 30,
            "staff_role": "prescriber",
            "active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()
    r = client.post(
        reverse("scheduling:closure_add", args=[cid]),
        {"date": monday.isoformat(), "reason": "Holiday"},
    )
    assert r.status_code == 302
    again = client.post(
        reverse("scheduling:closure_add", args=[cid]),
        {"date": monday.isoformat(), "reason": "Holiday"},
    ).content.decode()
    assert "already closed" in again and 'id="id_date_error"' in again
    assert (
        client.post(reverse("scheduling:ratio_set", args=[cid]), {"patients": 3}).status_code == 302
    )
    bad = client.post(reverse("scheduling:ratio_set", args=[cid]), {"patients": 0})
    assert 'id="id_patients_error"' in bad.content.decode()
    r = client.post(
        reverse("scheduling:shift_add", args=[cid]),
        {
            "membership": practice.staff[Role.PRESCRIBER].membership.pk,
            "day": monday.isoformat(),
            "start_time": "10:00",
            "end_time": "09:00",
        },
    )
    assert "must end after it starts" in r.content.decode()
    r = client.post(
        reverse("scheduling:shift_add", args=[cid]),
        {
            "membership": practice.staff[Role.PRESCRIBER].membership.pk,
            "day": monday.isoformat(),
            "start_time": "08:00",
            "end_time": "18:00",
        },
    )
    assert r.status_code == 302
    page = client.get(reverse("scheduling:settings", args=[cid])).content.decode()
    assert "Follow-up" in page and "Holiday" in page and "<strong>3</strong>" in page


def test_a_nurse_may_not_open_the_settings(ready):
    practice, *_ = ready
    url = reverse("scheduling:settings", args=[practice.clinic.public_id])
    assert practice.client_for(Role.NURSE).get(url).status_code == 403


def test_editing_a_type_changes_it(ready):
    practice, chairs, iv, monday = ready
    url = reverse("scheduling:type_edit", args=[practice.clinic.public_id, iv.public_id])
    client = practice.client_for(Role.FRONT_DESK)
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "name": "IV infusion",
            "kind": "treatment",
            "route": "iv",
            "duration_minutes": 150,
            "needs_space": "on",
            "staff_role": "nurse",
            "min_hours_between": 48,
            "active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()
    iv.refresh_from_db()
    assert iv.duration_minutes == 150


def test_the_request_queue_links_a_converted_request_to_booking(ready):
    practice, *_ = ready
    converted = _request(practice, patient=practice.patient)
    waiting = _request(practice)
    page = practice.client_for(Role.FRONT_DESK).get(reverse("public:queue")).content.decode()
    assert reverse("scheduling:book_consultation", args=[converted.public_id]) in page
    assert reverse("scheduling:book_consultation", args=[waiting.public_id]) not in page


def test_the_floor_board_says_what_is_due_next_for_a_patient_in_treatment(practice_a):
    # A patient in monitoring with a reading at 09:00: the next reading is due at 09:10 and,
    # at 09:20, it is overdue (rule 12: every 10 min during the infusion, late after 5 more).
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.utils import timezone

    from ketacare.treatment_sessions import monitoring
    from tests.treatment_sessions.monitoring_builders import monitoring_session

    chicago = ZoneInfo("America/Chicago")
    # The builder books the next Wednesday: build on the Tuesday, then chart on the day.
    with time_machine.travel(datetime(2027, 1, 12, 12, 0, tzinfo=chicago), tick=False) as clock:
        session = monitoring_session(practice_a)
        clock.move_to(datetime(2027, 1, 13, 9, 0, tzinfo=chicago))
        session.first_dose_at = timezone.now()
        session.save(update_fields=["first_dose_at"])
        monitoring.reading_record(
            actor=practice_a.staff[Role.NURSE],
            session=session,
            taken_at=timezone.now(),
            systolic=128,
            diastolic=82,
        )
        client = practice_a.client_for(Role.NURSE)
        url = f"/schedule/{practice_a.clinic.public_id}/floor/board/"
        assert "Vitals due 09:10" in client.get(url).content.decode()
        clock.move_to(datetime(2027, 1, 13, 9, 20, tzinfo=chicago))
        page = practice_a.client_for(Role.NURSE).get(url).content.decode()  # a fresh sign-in
    assert "Vitals OVERDUE: were due 09:10" in page
    assert 'class="due-next overdue"' in page
