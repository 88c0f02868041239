"""The appointments API: list a range, book, transition, move. Refusals are 422 naming the
field, another organisation's records are 404, and a refusal stores nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

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
    return practice_a, chairs, iv, b.next_weekday(0)


def _body(practice, chairs, iv, start, **changes):  # type: ignore[no-untyped-def]
    return {
        "clinic": str(practice.clinic.public_id),
        "appointment_type": str(iv.public_id),
        "patient": str(practice.patient.public_id),
        "starts_at": start.isoformat(),
        "space": str(chairs[0].public_id),
        "staff": str(practice.staff[Role.NURSE].membership.public_id),
    } | changes


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def _fields(response):  # type: ignore[no-untyped-def]
    return {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}


def test_it_books_and_lists_an_appointment(ready):
    practice, chairs, iv, monday = ready
    client = practice.client_for(Role.FRONT_DESK)
    made = _post(client, "/api/appointments", _body(practice, chairs, iv, b.local(monday, time(9))))
    assert made.status_code == 201, made.content
    assert made.json()["space_name"] == "Chair 1"
    start, end = b.local(monday, time(0)), b.local(monday + timedelta(days=1), time(0))
    listed = client.get(
        f"/api/clinics/{practice.clinic.public_id}/appointments",
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    assert listed.status_code == 200
    assert [a["public_id"] for a in listed.json()] == [made.json()["public_id"]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ends_at": "BEFORE"}, "ends_at", "end after it starts"),
        ({"starts_at": "EVENING"}, "starts_at", "outside"),
        ({"staff": None}, "staff", "Choose a nurse"),
        ({"space": None}, "space", "Choose a chair"),
    ],
)
def test_bad_bookings_are_422_naming_the_field(ready, change, field, words):
    practice, chairs, iv, monday = ready
    start = b.local(monday, time(9))
    values = dict(change)
    if values.get("ends_at") == "BEFORE":
        values["ends_at"] = (start - timedelta(hours=1)).isoformat()
    if values.get("starts_at") == "EVENING":
        values["starts_at"] = b.local(monday, time(19)).isoformat()
    response = _post(
        practice.client_for(Role.FRONT_DESK),
        "/api/appointments",
        _body(practice, chairs, iv, start, **values),
    )
    assert response.status_code == 422, response.content
    assert words in _fields(response)[field]
    assert not Appointment.objects.exists()


def test_a_taken_chair_is_422_on_space(ready):
    practice, chairs, iv, monday = ready
    other = PatientFactory(organisation=practice.organisation)
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0], patient=other)
    response = _post(
        practice.client_for(Role.FRONT_DESK),
        "/api/appointments",
        _body(practice, chairs, iv, b.local(monday, time(10))),
    )
    assert response.status_code == 422
    assert "Chair 1 is taken" in _fields(response)["space"]
    assert Appointment.objects.count() == 1


def test_a_naive_time_is_422(ready):
    practice, chairs, iv, monday = ready
    body = _body(practice, chairs, iv, b.local(monday, time(9)), starts_at=f"{monday}T09:00:00")
    response = _post(practice.client_for(Role.FRONT_DESK), "/api/appointments", body)
    assert response.status_code == 422
    assert "offset" in _fields(response)["starts_at"]


def test_an_unknown_chair_is_404_and_stores_nothing(ready):
    practice, chairs, iv, monday = ready
    body = _body(
        practice, chairs, iv, b.local(monday, time(9)), space="00000000-0000-4000-8000-000000000000"
    )
    response = _post(practice.client_for(Role.FRONT_DESK), "/api/appointments", body)
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_another_organisations_patient_and_chair_are_404(ready, practice_b):
    practice, chairs, iv, monday = ready
    theirs = b.open_clinic(practice_b, chairs=1)
    client = practice.client_for(Role.FRONT_DESK)
    start = b.local(monday, time(9))
    for change in (
        {"patient": str(practice_b.patient.public_id)},
        {"space": str(theirs[0].public_id)},
        {"clinic": str(practice_b.clinic.public_id)},
    ):
        response = _post(client, "/api/appointments", _body(practice, chairs, iv, start, **change))
        assert response.status_code == 404, change
        assert "Quillfeather" not in response.content.decode()
    assert not Appointment.objects.exists()
    listed = client.get(
        f"/api/clinics/{practice_b.clinic.public_id}/appointments",
        {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()},
    )
    assert listed.status_code == 404


def test_transition_and_move(ready):
    practice, chairs, iv, monday = ready
    client = practice.client_for(Role.FRONT_DESK)
    made = _post(
        client, "/api/appointments", _body(practice, chairs, iv, b.local(monday, time(9)))
    ).json()
    moved = _post(
        client,
        f"/api/appointments/{made['public_id']}/move",
        {
            "starts_at": b.local(monday, time(11)).isoformat(),
            "space": str(chairs[1].public_id),
            "staff": made["staff"],
            "version": made["version"],
        },
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["space_name"] == "Chair 2"
    old = Appointment.objects.get(public_id=made["public_id"])
    assert old.status == AppointmentStatus.RESCHEDULED
    new_id = moved.json()["public_id"]
    no_reason = _post(client, f"/api/appointments/{new_id}/transition", {"to": "cancelled"})
    assert no_reason.status_code == 422 and "reason" in _fields(no_reason)
    stale = _post(
        client, f"/api/appointments/{new_id}/transition", {"to": "checked_in", "version": 99}
    )
    assert stale.status_code == 409
    done = _post(
        client, f"/api/appointments/{new_id}/transition", {"to": "checked_in", "version": 1}
    )
    assert done.status_code == 200 and done.json()["status"] == "checked_in"


def test_moving_into_a_full_chair_is_422_and_changes_nothing(ready):
    practice, chairs, iv, monday = ready
    other = PatientFactory(organisation=practice.organisation)
    b.book(practice, iv, b.local(monday, time(13)), space=chairs[1], patient=other)
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    response = _post(
        practice.client_for(Role.FRONT_DESK),
        f"/api/appointments/{mine.public_id}/move",
        {
            "starts_at": b.local(monday, time(13)).isoformat(),
            "space": str(chairs[1].public_id),
            "staff": str(mine.staff.public_id),
        },
    )
    assert response.status_code == 422
    assert "Chair 2 is taken" in _fields(response)["space"]
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED and mine.version == 1


def test_another_organisations_appointment_is_404(ready, practice_b):
    practice, chairs, iv, monday = ready
    mine = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    client = practice_b.client_for(Role.FRONT_DESK)
    assert (
        _post(
            client, f"/api/appointments/{mine.public_id}/transition", {"to": "checked_in"}
        ).status_code
        == 404
    )
    assert (
        _post(
            client,
            f"/api/appointments/{mine.public_id}/move",
            {"starts_at": b.local(monday, time(11)).isoformat()},
        ).status_code
        == 404
    )


def test_billing_may_not_book(ready):
    practice, chairs, iv, monday = ready
    response = _post(
        practice.client_for(Role.BILLING),
        "/api/appointments",
        _body(practice, chairs, iv, b.local(monday, time(9))),
    )
    assert response.status_code == 403
