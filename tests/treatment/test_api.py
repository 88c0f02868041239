from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.tenancy.models import Role
from ketacare.treatment.models import DoseOrder, TreatmentPlan, WeightRecord
from tests.treatment.builders import (
    IV,
    active_plan,
    active_topical_plan,
    configure_iv,
    consent_to_iv,
    dose,
    sign_decision,
)

ORDER = {
    "dose": "0.5",
    "dose_unit": "mg/kg",
    "concentration_mg_per_ml": "0.4",
    "concentration_salt_form": "hydrochloride salt",
    "bag_volume_ml": "100",
    "duration_minutes": "40",
}


def test_protocols_list_the_missing_settings_and_prescribers_set_them(practice_a):
    prescriber = practice_a.client_for(Role.PRESCRIBER)
    found = {p["code"]: p for p in prescriber.get("/api/treatment/protocols").json()}
    assert found[IV]["missing_settings"] == ["max_weight_age_days", "rounding_step_mg"]
    body = {"rounding_step_mg": "0.5", "max_weight_age_days": 30}
    url = f"/api/treatment/protocols/{IV}/settings"
    nurse = practice_a.client_for(Role.NURSE)
    assert nurse.put(url, body, content_type="application/json").status_code == 403
    response = prescriber.put(url, body, content_type="application/json")
    assert response.status_code == 200
    found = {p["code"]: p for p in response.json()}
    assert found[IV]["missing_settings"] == [] and found[IV]["route"] == "iv"
    bad = prescriber.put("/api/treatment/protocols/nope/settings", body,
                         content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "protocol_code"]


def test_plan_weight_transition_calculate_and_order_through_the_api(practice_a):
    configure_iv(practice_a)
    sign_decision(practice_a)
    consent_to_iv(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    patient = practice_a.patient.public_id
    response = client.post(
        f"/api/patients/{patient}/plans",
        {"protocol_code": IV, "indication": "TRD", "planned_sessions": 6, "measures": ["phq9"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan_id = response.json()["public_id"]
    weight = client.post(f"/api/patients/{patient}/weights", {"value": "0", "unit": "kg"},
                         content_type="application/json")  # fmt: skip
    assert weight.status_code == 422 and weight.json()["detail"][0]["loc"] == ["body", "value"]
    weight = client.post(f"/api/patients/{patient}/weights", {"value": "80", "unit": "kg"},
                         content_type="application/json")  # fmt: skip
    assert weight.status_code == 201
    moved = client.post(f"/api/treatment/plans/{plan_id}/transition", {"to": "active"},
                        content_type="application/json")  # fmt: skip
    assert moved.json()["status"] == "active"

    events = AuditEvent.objects.count()
    calc = client.post(f"/api/treatment/plans/{plan_id}/calculate", ORDER,
                       content_type="application/json")  # fmt: skip
    assert calc.status_code == 200 and calc.json()["rate"] == "150 mL/h"
    assert not DoseOrder.objects.exists() and AuditEvent.objects.count() == events

    nurse = practice_a.client_for(Role.NURSE)
    refused = nurse.post(f"/api/treatment/plans/{plan_id}/orders", ORDER,
                         content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    signed = client.post(f"/api/treatment/plans/{plan_id}/orders", ORDER,
                         content_type="application/json")  # fmt: skip
    assert signed.status_code == 201 and Decimal(signed.json()["dose_mg"]) == 40
    plan = client.get(f"/api/treatment/plans/{plan_id}").json()
    assert [Decimal(o["dose_mg"]) for o in plan["orders"]] == [Decimal(40)]
    assert plan["orders"][0]["calculation"]["rate_ml_per_h"] == "150"

    missing = dict(ORDER, concentration_mg_per_ml=None)
    bad = client.post(f"/api/treatment/plans/{plan_id}/orders", missing,
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "concentration_mg_per_ml"]
    assert DoseOrder.objects.count() == 1


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_another_organisation_gets_404_for_every_role(practice_a, practice_b, role):
    plan = active_plan(practice_a)
    client = practice_b.client_for(role)
    base = f"/api/treatment/plans/{plan.public_id}"
    assert client.get(base).status_code == 404
    for path, body in (
        ("/orders", ORDER),
        ("/calculate", ORDER),
        ("/transition", {"to": "paused"}),
    ):
        assert client.post(base + path, body, content_type="application/json").status_code == 404
    patient = practice_a.patient.public_id
    for path, body in (
        ("weights", {"value": "80", "unit": "kg"}),
        ("plans", {"protocol_code": IV, "indication": "x", "planned_sessions": 1}),
    ):
        response = client.post(f"/api/patients/{patient}/{path}", body,
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 404
    assert DoseOrder.objects.count() == 0 and TreatmentPlan.objects.count() == 1
    assert WeightRecord.objects.count() == 1


def test_a_stale_transition_answers_409_with_the_current_version(practice_a):
    plan = active_plan(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    url = f"/api/treatment/plans/{plan.public_id}/transition"
    stale = client.post(url, {"to": "paused", "expected_version": plan.version - 1},
                        content_type="application/json")  # fmt: skip
    assert stale.status_code == 409
    assert stale.json()["version"] == plan.version and stale.json()["status"] == "active"
    moved = client.post(url, {"to": "paused", "expected_version": plan.version, "reason": "Trip"},
                        content_type="application/json")  # fmt: skip
    assert moved.status_code == 200 and moved.json()["version"] == plan.version + 1


def _get_plan_queries(client, plan_id) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/treatment/plans/{plan_id}")
    assert response.status_code == 200
    # The session's idle stamp is written when the clock has moved on, not because of the
    # plan: its write (and the savepoint around it) is left out of the plan's budget.
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    )


def test_reading_a_plan_costs_the_same_queries_with_1_or_10_orders(practice_a):
    from ketacare.treatment import services

    plan = active_plan(practice_a)
    TreatmentPlan.objects.filter(pk=plan.pk).update(planned_sessions=20)
    plan.refresh_from_db()
    prescriber = practice_a.staff[Role.PRESCRIBER]
    client = practice_a.client_for(Role.PRESCRIBER)
    services.order_sign(actor=prescriber, plan=plan, request=dose())
    client.get(f"/api/treatment/plans/{plan.public_id}")  # the session's first-request checks
    one = _get_plan_queries(client, plan.public_id)
    for value in ("0.45", "0.5", "0.45", "0.5", "0.45", "0.5", "0.45", "0.5", "0.45"):
        services.order_sign(actor=prescriber, plan=plan, request=dose(value),
                            change_reason="titration")  # fmt: skip
    assert DoseOrder.objects.filter(plan=plan).count() == 10
    assert _get_plan_queries(client, plan.public_id) == one <= 6


def test_a_topical_order_through_the_api_is_read_back_with_its_strength(practice_a):
    plan = active_topical_plan(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    body = {"dose": "5", "dose_unit": "% w/w", "concentration_salt_form": ""}
    base = f"/api/treatment/plans/{plan.public_id}"
    calc = client.post(base + "/calculate", body, content_type="application/json")
    assert calc.status_code == 200 and calc.json()["mg_per_gram"] == "50"
    signed = client.post(base + "/orders", body, content_type="application/json")
    assert signed.status_code == 201, signed.content
    assert signed.json()["dose_mg"] is None and Decimal(signed.json()["strength_percent"]) == 5
    read = client.get(base).json()
    assert read["orders"][0]["calculation"]["strength_percent"] == "5"
    wrong = client.post(base + "/orders", ORDER, content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "dose_unit"]
