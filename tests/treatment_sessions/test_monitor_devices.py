"""Registered bedside monitors posting with their own bearer token (H-09): issue, use, revoke."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Clinic, Role
from ketacare.treatment_sessions import devices
from ketacare.treatment_sessions.models import MonitorDevice, SessionState, VitalSignReading
from tests.treatment_sessions.monitoring_builders import monitoring_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(practice_a):  # type: ignore[no-untyped-def]
    return monitoring_session(practice_a, first_dose_at=timezone.now() - timedelta(minutes=30))


@pytest.fixture
def issued(practice_a):  # type: ignore[no-untyped-def]
    return devices.device_issue(
        actor=practice_a.staff[Role.ORG_ADMIN], clinic=practice_a.clinic, name="Bay 3"
    )


def _url(session, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/api/treatment-sessions/{session.public_id}/readings{tail}"


def _reading(minutes_ago: int = 1, **values):  # type: ignore[no-untyped-def]
    at = timezone.now() - timedelta(minutes=minutes_ago)
    body = {"device_id": "bay-3", "taken_at": at.isoformat(), "systolic": 124,
            "diastolic": 78, "heart_rate": 71, "spo2": 98, "respiratory_rate": 14}  # fmt: skip
    return body | values


def _post(token: str, url: str, body: object) -> object:
    # A bare client: no session cookie, no CSRF token, as a monitor on the network would call.
    return Client(enforce_csrf_checks=True).post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_a_device_token_posts_a_reading_without_a_session_and_the_audit_names_the_device(
    issued, session
):
    device, token = issued
    response = _post(token, _url(session), _reading())
    assert response.status_code == 201, response.content
    reading = VitalSignReading.objects.get()
    assert response.json() == {"id": reading.pk, "duplicate": False, "alerts": []}
    assert (reading.source, reading.device_id, reading.recorded_by_id) == ("device", "bay-3", None)
    event = AuditEvent.objects.get(object_type="treatment_sessions.VitalSignReading")
    assert event.action == AuditAction.DEVICE and event.actor_id is None
    assert event.organisation_id == session.organisation_id
    assert event.patient_public_id == session.patient.public_id
    assert event.detail["device"] == str(device.public_id)
    assert event.detail["did"] == "create" and event.detail["session"] == str(session.public_id)
    again = _post(token, _url(session), _reading() | {"taken_at": reading.taken_at.isoformat()})
    assert again.status_code == 200 and again.json()["duplicate"] is True


def test_a_device_posts_a_batch_audited_once_naming_the_device(issued, session):
    device, token = issued
    body = {"readings": [_reading(minutes_ago=m) for m in range(1, 6)]}
    response = _post(token, _url(session, "/batch"), body)
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 5, "duplicates": 0, "alerts": 0}
    assert set(VitalSignReading.objects.values_list("recorded_by_id", flat=True)) == {None}
    event = AuditEvent.objects.get(action=AuditAction.DEVICE)
    assert event.detail["device"] == str(device.public_id)
    assert event.detail["vital_sign_readings"] == 5
    stored = VitalSignReading.objects.order_by("taken_at").first()
    assert stored is not None
    assert (stored.organisation_id, stored.session_id, stored.source, stored.struck_reason) == (
        session.organisation_id, session.pk, "device", "",
    )  # fmt: skip
    assert (stored.systolic, stored.diastolic, stored.heart_rate, stored.spo2) == (124, 78, 71, 98)
    assert (stored.respiratory_rate, stored.on_oxygen, stored.device_id) == (14, False, "bay-3")
    # posted again, with one new reading and one repeated inside the batch: stored once each
    again = body["readings"] + [_reading(minutes_ago=9, spo2=91, on_oxygen=True)] * 2
    response = _post(token, _url(session, "/batch"), {"readings": again})
    assert response.json() == {"accepted": 1, "duplicates": 6, "alerts": 0}
    newest = VitalSignReading.objects.get(spo2=91)
    assert newest.on_oxygen is True and VitalSignReading.objects.count() == 6


@pytest.mark.parametrize("token", ["kcm_not-a-token", "nonsense", ""])
def test_an_unknown_token_answers_401(session, token):
    response = _post(token, _url(session), _reading())
    assert response.status_code == 401
    assert not VitalSignReading.objects.exists()


def test_a_revoked_token_answers_401_at_once(practice_a, issued, session):
    device, token = issued
    assert _post(token, _url(session), _reading(minutes_ago=2)).status_code == 201
    devices.device_revoke(actor=practice_a.staff[Role.ORG_ADMIN], device=device)
    assert _post(token, _url(session), _reading()).status_code == 401
    assert _post(token, _url(session, "/batch"), {"readings": [_reading()]}).status_code == 401
    assert VitalSignReading.objects.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.DEACTIVATE, object_id=str(device.public_id))
    assert event.actor_id == practice_a.staff[Role.ORG_ADMIN].pk
    with pytest.raises(ValidationError):
        devices.device_revoke(actor=practice_a.staff[Role.ORG_ADMIN], device=device)


def test_another_organisations_session_answers_404(practice_b, issued):
    _, token = issued
    theirs = monitoring_session(practice_b, first_dose_at=timezone.now() - timedelta(minutes=30))
    assert _post(token, _url(theirs), _reading()).status_code == 404
    assert _post(token, _url(theirs, "/batch"), {"readings": [_reading()]}).status_code == 404
    assert not VitalSignReading.objects.exists()


def test_another_clinics_session_answers_404(practice_a, session):
    other = Clinic.objects.create(organisation=practice_a.organisation, name="Second site")
    _, token = devices.device_issue(
        actor=practice_a.staff[Role.ORG_ADMIN], clinic=other, name="Bay 1"
    )
    assert _post(token, _url(session), _reading()).status_code == 404
    assert not VitalSignReading.objects.exists()


def test_a_device_may_not_read_the_chart_or_use_other_endpoints(issued, session):
    _, token = issued
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(_url(session), **auth).status_code == 401
    assert client.get(f"/api/patients/{session.patient.public_id}", **auth).status_code == 401


def test_a_device_reading_on_an_ended_session_is_refused(issued, session):
    _, token = issued
    session.state = SessionState.DISCHARGED
    session.save(update_fields=["state"])
    response = _post(token, _url(session), _reading())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "session"]


def test_the_token_is_never_stored_in_clear(issued):
    device, token = issued
    assert token.startswith("kcm_") and len(token) > 40
    stored = MonitorDevice.objects.filter(pk=device.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(e.detail) for e in AuditEvent.objects.all())
    issue = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(device.public_id))
    assert issue.detail == {"monitor_device": "Bay 3", "clinic": str(device.clinic.public_id)}


def test_only_an_administrator_issues_tokens_and_only_for_their_clinics(practice_a, practice_b):
    with pytest.raises(PermissionDenied):
        devices.device_issue(actor=practice_a.staff[Role.NURSE], clinic=practice_a.clinic, name="x")
    with pytest.raises(Exception, match="No such clinic"):
        devices.device_issue(
            actor=practice_a.staff[Role.ORG_ADMIN], clinic=practice_b.clinic, name="x"
        )
    admin = practice_a.staff[Role.ORG_ADMIN]
    devices.device_issue(actor=admin, clinic=practice_a.clinic, name="Bay 1")
    with pytest.raises(ValidationError) as refused:
        devices.device_issue(actor=admin, clinic=practice_a.clinic, name=" Bay 1 ")
    assert "name" in refused.value.message_dict
    assert not MonitorDevice.objects.filter(organisation=practice_b.organisation).exists()


def test_the_command_shows_the_token_once_and_revokes(practice_a, session):
    admin = practice_a.staff[Role.ORG_ADMIN]
    out = StringIO()
    call_command(
        "monitor_device", "issue", "--by", admin.email, "--clinic",
        str(practice_a.clinic.public_id), "--name", "Bay 9", stdout=out,
    )  # fmt: skip
    token = out.getvalue().rsplit(" ", 1)[-1].strip()
    assert _post(token, _url(session), _reading()).status_code == 201
    device = MonitorDevice.objects.get(name="Bay 9")
    call_command("monitor_device", "revoke", str(device.public_id), "--by", admin.email,
                 stdout=StringIO())  # fmt: skip
    assert _post(token, _url(session), _reading(minutes_ago=2)).status_code == 401


def test_a_staff_session_still_posts_readings(practice_a, session):
    nurse = practice_a.client_for(Role.NURSE)
    response = nurse.post(_url(session), _reading(), content_type="application/json")
    assert response.status_code == 201
    assert VitalSignReading.objects.get().recorded_by_id == practice_a.staff[Role.NURSE].pk
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).exists()
