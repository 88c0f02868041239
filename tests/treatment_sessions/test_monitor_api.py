"""The bedside-monitor API: single readings, batches, the live chart's read, and refusals."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Role
from ketacare.treatment_sessions import monitoring
from ketacare.treatment_sessions.models import SessionState, VitalSignReading
from tests.treatment_sessions.monitoring_builders import monitoring_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(practice_a):  # type: ignore[no-untyped-def]
    return monitoring_session(practice_a, first_dose_at=timezone.now() - timedelta(minutes=30))


@pytest.fixture
def nurse(practice_a) -> Client:  # type: ignore[no-untyped-def]
    return practice_a.client_for(Role.NURSE)


def _url(session, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/api/treatment-sessions/{session.public_id}/readings{tail}"


def _reading(at=None, **values):  # type: ignore[no-untyped-def]
    at = at or timezone.now() - timedelta(minutes=1)
    body = {"device_id": "bedside-7", "taken_at": at.isoformat(), "systolic": 124,
            "diastolic": 78, "heart_rate": 71, "spo2": 98, "respiratory_rate": 14}  # fmt: skip
    return body | values


def test_a_monitor_posts_a_reading_and_a_repeat_is_stored_once(nurse, session):
    body = _reading()
    first = nurse.post(_url(session), body, content_type="application/json")
    assert first.status_code == 201, first.content
    stored = VitalSignReading.objects.get()
    assert first.json() == {"id": stored.pk, "duplicate": False, "alerts": []}
    assert (stored.source, stored.device_id, stored.recorded_by_id) == (
        "device", "bedside-7", session.checked_in_by_id,
    )  # fmt: skip
    again = nurse.post(_url(session), body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["id"] == stored.pk
    assert VitalSignReading.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"spo2": 140}, "spo2"),
        ({"heart_rate": 0}, "heart_rate"),
        ({"systolic": 70, "diastolic": 90}, "systolic"),
        ({"respiratory_rate": 300}, "respiratory_rate"),
        ({"spo2": "lots"}, "spo2"),
        ({"device_id": ""}, "device_id"),
    ],
)
def test_impossible_values_answer_422_naming_the_field(nurse, session, values, field):
    response = nurse.post(_url(session), _reading(**values), content_type="application/json")
    assert response.status_code == 422
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]]
    assert not VitalSignReading.objects.exists()


def test_a_time_without_offset_or_in_the_future_is_refused(nurse, session):
    naive = _reading() | {"taken_at": "2026-03-02T10:00:00"}
    response = nurse.post(_url(session), naive, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "taken_at"]
    future = _reading(at=timezone.now() + timedelta(hours=2))
    response = nurse.post(_url(session), future, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "taken_at"]


def test_a_discharged_session_refuses_readings(nurse, session):
    session.state = SessionState.DISCHARGED
    session.save()
    response = nurse.post(_url(session), _reading(), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "session"]


def test_a_batch_stores_new_readings_and_counts_repeats(nurse, session):
    start = timezone.now() - timedelta(minutes=30)
    readings = [_reading(at=start + timedelta(minutes=i)) for i in range(20)]
    response = nurse.post(
        _url(session, "/batch"), {"readings": readings}, content_type="application/json"
    )
    assert response.json() == {"accepted": 20, "duplicates": 0, "alerts": 0}
    more = readings[-5:] + [_reading(at=start + timedelta(minutes=25))]
    response = nurse.post(
        _url(session, "/batch"), {"readings": more}, content_type="application/json"
    )
    assert response.json() == {"accepted": 1, "duplicates": 5, "alerts": 0}
    assert VitalSignReading.objects.count() == 21


def test_a_bad_reading_refuses_the_batch_naming_its_index_and_field(nurse, session):
    start = timezone.now() - timedelta(minutes=30)
    readings = [_reading(at=start + timedelta(minutes=i)) for i in range(6)]
    readings[3]["spo2"] = 140
    readings[4]["heart_rate"] = "fast"
    response = nurse.post(
        _url(session, "/batch"), {"readings": readings}, content_type="application/json"
    )
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [
        ["body", "readings", 4, "heart_rate"]
    ]  # the schema refuses the type first
    readings[4]["heart_rate"] = 70
    response = nurse.post(
        _url(session, "/batch"), {"readings": readings}, content_type="application/json"
    )
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["body", "readings", 3, "spo2"]]
    assert "SpO2 140" in response.json()["detail"][0]["msg"]
    assert not VitalSignReading.objects.exists()


def test_the_live_chart_reads_readings_since_a_time_and_the_read_is_audited(nurse, session):
    now = timezone.now()
    for minutes in (20, 10, 5):
        nurse.post(_url(session), _reading(at=now - timedelta(minutes=minutes)),
                   content_type="application/json")  # fmt: skip
    response = nurse.get(_url(session))
    assert [r["systolic"] for r in response.json()["readings"]] == [124, 124, 124]
    since = (now - timedelta(minutes=12)).isoformat()
    response = nurse.get(_url(session), {"since": since})
    assert len(response.json()["readings"]) == 2
    assert (
        AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(session.public_id)).count()
        == 2
    )


def test_another_organisation_gets_404_and_other_roles_403(practice_a, practice_b, session):
    other = practice_b.client_for(Role.NURSE)
    assert other.post(_url(session), _reading(), content_type="application/json").status_code == 404
    assert other.get(_url(session)).status_code == 404
    front_desk = practice_a.client_for(Role.FRONT_DESK)
    assert (
        front_desk.post(_url(session), _reading(), content_type="application/json").status_code
        == 403
    )
    assert (
        Client().post(_url(session), _reading(), content_type="application/json").status_code == 401
    )
    assert not VitalSignReading.objects.exists()


def test_a_reading_beyond_a_limit_answers_its_alert(practice_a, nurse, session):
    monitoring.alert_thresholds_set(
        actor=practice_a.staff[Role.PRESCRIBER], values={"spo2_below": 92}
    )
    response = nurse.post(_url(session), _reading(spo2=89), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["alerts"] == ["alert.spo2_below"]


def test_readings_are_taken_at_ten_a_second(nurse, session):
    start = timezone.now() - timedelta(minutes=100)
    started = time.perf_counter()
    for i in range(100):
        response = nurse.post(_url(session), _reading(at=start + timedelta(seconds=i)),
                              content_type="application/json")  # fmt: skip
        assert response.status_code == 201
    elapsed = time.perf_counter() - started
    assert VitalSignReading.objects.filter(session=session).count() == 100
    assert elapsed < 10, f"100 readings took {elapsed:.1f} s"
