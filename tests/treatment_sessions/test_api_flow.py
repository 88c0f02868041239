"""The treatment day's JSON API: the same services, field errors as 422, stale as 409, another
organisation's session as 404, a nurse's override as 403."""

from __future__ import annotations

import pytest
import time_machine

from ketacare.tenancy.models import Role
from tests.treatment_sessions.builders import (
    DAY_START,
    checked_in_session,
    ready_to_dose,
    treatment_appointment,
)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _url(session, tail=""):  # type: ignore[no-untyped-def]
    return f"/api/treatment-sessions/{session.public_id}{tail}"


def test_check_in_and_read_the_session(practice_a, clock):
    appointment = treatment_appointment(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        f"/api/appointments/{appointment.public_id}/check-in", {}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "checked_in"
    assert "transport" in {b["code"] for b in body["blockers"]}
    assert client.get(f"/api/treatment-sessions/{body['public_id']}").status_code == 200


def test_a_bad_check_value_is_a_422_naming_the_field(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    response = practice_a.client_for(Role.NURSE).post(
        _url(session, "/checks/predose_vitals"),
        {"values": {"systolic": 120, "diastolic": 80, "spo2": 140, "heart_rate": 70}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "spo2"]


def test_dosing_with_blockers_is_a_422_and_a_nurse_override_a_403(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    nurse = practice_a.client_for(Role.NURSE)
    response = nurse.post(
        _url(session, "/transition"), {"to": "dosing"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "checks"]
    nurse.post(
        _url(session, "/checks/predose_vitals"),
        {"values": {"systolic": 150, "diastolic": 80, "spo2": 98, "heart_rate": 70}},
        content_type="application/json",
    )
    override = _url(session, "/checks/predose_vitals/override")
    assert nurse.post(override, {"reason": "x"}, content_type="application/json").status_code == 403
    response = practice_a.client_for(Role.PRESCRIBER).post(
        override, {"reason": "Benefit outweighs risk"}, content_type="application/json"
    )
    assert response.status_code == 200
    vitals = [c for c in response.json()["checks"] if c["code"] == "predose_vitals"][0]
    assert vitals["status"] == "overridden"


def test_a_stale_transition_is_a_409(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        _url(session, "/transition"),
        {"to": "did_not_start", "reason": "unwell", "expected_version": session.version - 1},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["version"] == session.version


def test_dosing_through_discharge_refusal_over_the_api(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    post = lambda tail, body: client.post(  # noqa: E731
        _url(session, tail), body, content_type="application/json"
    )
    assert post("/transition", {"to": "dosing"}).status_code == 200
    assert (
        post(
            "/administrations",
            {"kind": "infusion_start", "rate_ml_per_h": "150", "lot_number": "KET-0417"},
        ).status_code
        == 201
    )
    assert post("/administrations", {"kind": "infusion_stop"}).status_code == 201
    assert post("/observations", {"kind": "sedation_moaas", "value": 9}).status_code == 422
    assert post("/observations", {"kind": "sedation_moaas", "value": 4}).status_code == 201
    grade = post(
        "/adverse-events", {"event_type": "Nausea", "ctcae_grade": 7, "outcome": "resolved"}
    )
    assert grade.status_code == 422
    items = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
    assert post("/recovery-scores", {"scale": "aldrete", "items": items}).status_code == 201
    assert post("/transition", {"to": "recovery"}).status_code == 200
    refused = post("/discharge", {})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "discharge"]


def test_another_organisation_gets_404(practice_a, practice_b, clock):
    session = checked_in_session(practice_a, "iv")
    client = practice_b.client_for(Role.PRESCRIBER)
    assert client.get(_url(session)).status_code == 404
    response = client.post(
        _url(session, "/transition"),
        {"to": "did_not_start", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
