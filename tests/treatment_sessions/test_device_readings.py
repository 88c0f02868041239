"""A registered monitor's single reading (device_readings, through the WSGI front door in
device_wsgi): answered before Django's handler, the reading, its alerts and its audit event
stored together, and nothing the device path keeps between posts allowed to go stale. Each test
runs on SQLite and on PostgreSQL, where the device path writes with one prepared statement."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Clinic, Role
from ketacare.treatment_sessions import device_readings, devices, monitoring
from ketacare.treatment_sessions.models import SessionState, VitalSignAlert, VitalSignReading
from tests.treatment_sessions.monitoring_builders import monitoring_session
from tests.treatment_sessions.wsgi_client import WsgiAnswer, WsgiClient

pytestmark = pytest.mark.django_db

_front: WsgiClient | None = None


@pytest.fixture(autouse=True)
def front(monkeypatch: pytest.MonkeyPatch) -> WsgiClient:
    global _front  # noqa: PLW0603 - the posts below go through the front of the current test
    _front = WsgiClient(monkeypatch)
    return _front


@pytest.fixture
def session(practice_a):  # type: ignore[no-untyped-def]
    return monitoring_session(practice_a, first_dose_at=timezone.now() - timedelta(minutes=30))


@pytest.fixture
def token(practice_a) -> str:  # type: ignore[no-untyped-def]
    return devices.device_issue(
        actor=practice_a.staff[Role.ORG_ADMIN], clinic=practice_a.clinic, name="Bay 5"
    )[1]


def _url(session) -> str:  # type: ignore[no-untyped-def]
    return f"/api/treatment-sessions/{session.public_id}/readings"


def _reading(minutes_ago: int = 1, **values):  # type: ignore[no-untyped-def]
    at = timezone.now() - timedelta(minutes=minutes_ago)
    body = {"device_id": "bay-5", "taken_at": at.isoformat(), "systolic": 122,
            "diastolic": 76, "heart_rate": 70, "spo2": 97, "respiratory_rate": 13}  # fmt: skip
    return body | values


def _post(token: str, url: str, body: object, **extra: str) -> WsgiAnswer:
    """A monitor's post, through the WSGI front door as a server would call it."""
    assert _front is not None
    raw = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else None
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}"}
    headers |= {k.removeprefix("HTTP_").replace("_", "-").title(): v for k, v in extra.items()}
    return _front.post(url, data, headers)


def _post_through_django(token: str, url: str, body: object) -> Any:
    """The same post through Django's handler (its test client), as it arrives where the front
    door is not in place."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_answer_keeps_the_security_headers_and_sets_no_cookie(token, session):
    response = _post(token, _url(session), _reading(), HTTP_USER_AGENT="BayMonitor/2.1")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(response.content))
    assert response["Content-Type"] == "application/json"
    assert not response.cookies  # no session, no CSRF cookie: the people's stack never ran


def test_the_reading_and_its_audit_event_are_written_together(practice_a, token, session):
    response = _post(token, _url(session), _reading(), HTTP_USER_AGENT="BayMonitor/2.1")
    reading = VitalSignReading.objects.get()
    assert response.json() == {"id": reading.pk, "duplicate": False, "alerts": []}
    assert (reading.session_id, reading.organisation_id) == (session.pk, session.organisation_id)
    assert (reading.source, reading.recorded_by_id, reading.struck_reason) == ("device", None, "")
    event = AuditEvent.objects.get(action=AuditAction.DEVICE)
    assert event.object_type == "treatment_sessions.VitalSignReading"
    assert event.object_id == str(reading.pk)
    assert event.patient_public_id == session.patient.public_id
    assert event.chain == f"org-{session.organisation_id}" and event.actor_id is None
    assert (event.ip_address, event.user_agent) == ("127.0.0.1", "BayMonitor/2.1")
    assert event.detail["device_name"] == "Bay 5"
    assert event.detail["session"] == str(session.public_id)


def test_alert_limits_changed_between_posts_apply_at_once(practice_a, token, session):
    assert _post(token, _url(session), _reading(minutes_ago=3, spo2=89)).json()["alerts"] == []
    monitoring.alert_thresholds_set(
        actor=practice_a.staff[Role.PRESCRIBER], values={"spo2_below": 92}
    )
    response = _post(token, _url(session), _reading(minutes_ago=2, spo2=89))
    assert response.status_code == 201 and response.json()["alerts"] == ["alert.spo2_below"]
    alert = VitalSignAlert.objects.get()
    assert (alert.reading_id, alert.session_id) == (response.json()["id"], session.pk)
    assert alert.value == 89 and alert.limit == 92
    event = AuditEvent.objects.get(action=AuditAction.DEVICE, object_id=str(alert.reading_id))
    assert event.detail["alerts"] == ["alert.spo2_below"]


def test_a_session_that_ended_after_the_last_post_takes_no_more(token, session):
    assert _post(token, _url(session), _reading(minutes_ago=2)).status_code == 201
    session.state = SessionState.DISCHARGED
    session.save(update_fields=["state"])
    response = _post(token, _url(session), _reading())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "session"]
    assert VitalSignReading.objects.count() == 1


def test_a_device_moved_to_another_clinic_can_no_longer_post_here(practice_a, token, session):
    assert _post(token, _url(session), _reading(minutes_ago=2)).status_code == 201
    other = Clinic.objects.create(organisation=practice_a.organisation, name="Annex")
    devices_moved = devices.MonitorDevice.objects.filter(name="Bay 5").update(clinic=other)
    assert devices_moved == 1
    assert _post(token, _url(session), _reading()).status_code == 404
    assert VitalSignReading.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_reading(spo2="lots"), "spo2"),
        (_reading(systolic=True), "systolic"),
        (_reading(on_oxygen="yes"), "on_oxygen"),
        (_reading(taken_at="2026-03-02T10:00:00"), "taken_at"),
        (_reading(taken_at="yesterday"), "taken_at"),
        ({k: v for k, v in _reading().items() if k != "device_id"}, "device_id"),
        (_reading(device_id="x" * 65), "device_id"),
        (_reading(spo2=140), "spo2"),
        (_reading(heart_rate=0), "heart_rate"),
        (_reading(systolic=70, diastolic=90), "systolic"),
    ],
)
def test_a_bad_value_answers_422_naming_its_field(token, session, body, field):
    response = _post(token, _url(session), body)
    assert response.status_code == 422
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]]
    assert not VitalSignReading.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DEVICE).exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "\xff"])
def test_a_body_that_is_not_a_json_object_answers_422(token, session, raw):
    response = _post(token, _url(session), raw)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_who_is_asking_is_answered_before_the_body(practice_b, token, session):
    bad = _reading(spo2="lots")
    assert _post("kcm_" + "x" * 43, _url(session), bad).status_code == 401
    theirs = monitoring_session(practice_b, first_dose_at=timezone.now())
    assert _post(token, _url(theirs), bad).status_code == 404
    not_a_session = "/api/treatment-sessions/00000000-0000-0000-0000-000000000000/readings"
    assert _post(token, not_a_session, bad).status_code == 404


def test_a_body_too_big_is_refused_with_413(token, session):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = _post(token, _url(session), _reading(note="x" * 200))
    assert response.status_code == 413
    assert "too big" in response.json()["detail"]
    assert not VitalSignReading.objects.exists()


def test_a_remembered_device_posts_with_one_statement_on_postgresql(monkeypatch, token, session):
    """The first post looks the device up; later posts are one statement that checks the
    device, the session and the settings as it inserts (PostgreSQL). Elsewhere each post looks
    up, then saves the reading and its audit event in one transaction."""
    statements: list[str] = []
    real = device_readings._fetchone

    def counted(sql: str, params: list[object]):  # type: ignore[no-untyped-def]
        statements.append(sql.split()[0])
        return real(sql, params)

    monkeypatch.setattr(device_readings, "_fetchone", counted)
    assert _post(token, _url(session), _reading(minutes_ago=3)).status_code == 201
    statements.clear()
    assert _post(token, _url(session), _reading(minutes_ago=2)).status_code == 201
    if connection.vendor == "postgresql":
        assert statements == ["WITH"]
    else:
        assert statements == ["SELECT"]
    assert VitalSignReading.objects.count() == AuditEvent.objects.filter(
        action=AuditAction.DEVICE
    ).count() == 2  # fmt: skip


def test_through_django_the_api_answers_the_same(practice_b, token, session):
    first = _post_through_django(token, _url(session), _reading(minutes_ago=2))
    assert first.status_code == 201
    assert first.json() == {"id": VitalSignReading.objects.get().pk, "duplicate": False,
                            "alerts": []}  # fmt: skip
    again = _post_through_django(token, _url(session), _reading(minutes_ago=2) | {
        "taken_at": VitalSignReading.objects.get().taken_at.isoformat()})  # fmt: skip
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert _post_through_django(token, _url(session), _reading(spo2=140)).status_code == 422
    assert _post_through_django("kcm_unknown", _url(session), _reading()).status_code == 401
    theirs = monitoring_session(practice_b, first_dose_at=timezone.now())
    assert _post_through_django(token, _url(theirs), _reading()).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE).count() == 1


def test_what_is_not_a_monitors_reading_goes_on_to_django(front, token, session):
    staff_style = front.post(_url(session), json.dumps(_reading()).encode(), {})
    assert staff_style.status_code == 401  # Django's API: no device token, no signed-in user
    assert "csrftoken" not in staff_style.cookies
    batch = front.post(
        _url(session) + "/batch",
        json.dumps({"readings": [_reading()]}).encode(),
        {"Authorization": f"Bearer {token}"},
    )
    assert batch.status_code == 200 and batch.json()["accepted"] == 1
    assert VitalSignReading.objects.count() == 1


def test_a_host_not_served_here_is_refused(front, token, session):
    with override_settings(ALLOWED_HOSTS=["clinic.example.org"]):
        refused = _post(token, _url(session), _reading())
    assert refused.status_code == 400
    assert not VitalSignReading.objects.exists()


def test_in_production_plain_http_is_redirected_and_https_gets_hsts(front, token, session):
    production = {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31_536_000}
    body = json.dumps(_reading()).encode()
    auth = {"Authorization": f"Bearer {token}"}
    with override_settings(**production):
        plain = front.post(_url(session), body, auth)
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        assert not VitalSignReading.objects.exists()
        secure = front.post(_url(session), body, auth, scheme="https")
    assert secure.status_code == 201
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_failure_while_storing_answers_503_and_stores_nothing(monkeypatch, token, session):
    def broken(sql: str, params: list[object]) -> None:
        raise DatabaseError("the server closed the connection unexpectedly")

    monkeypatch.setattr(device_readings, "_fetchone", broken)
    response = _post(token, _url(session), _reading())
    assert response.status_code == 503
    assert "post it again" in response.json()["detail"]
    monkeypatch.undo()
    assert not VitalSignReading.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DEVICE).exists()
