"""The treatment pages: plans, the live calculation, signing with an override, the nurse's
read-only order, access across roles and organisations, and the plan page's query budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditEvent
from ketacare.tenancy.models import Role
from ketacare.treatment import services
from ketacare.treatment.models import DoseOrder, TreatmentPlan, WeightRecord
from tests.treatment.builders import IV, active_plan, configure_iv, dose, sign_decision

ORDER = {
    "dose": "0.5",
    "dose_unit": "mg/kg",
    "concentration_mg_per_ml": "0.4",
    "concentration_salt_form": "hydrochloride salt",
    "bag_volume_ml": "100",
    "duration_minutes": "40",
}
# 1.2 mg/kg for 80 kg is 96 mg: 96 mL at 1 mg/mL fits the 250 mL bag, so only the hard limit
# blocks.
BLOCKED = ORDER | {"dose": "1.2", "concentration_mg_per_ml": "1", "bag_volume_ml": "250"}


def _prescriber(practice):  # type: ignore[no-untyped-def]
    return practice.client_for(Role.PRESCRIBER)


def test_the_plans_page_lists_plans_and_creates_a_draft(practice_a):
    client = _prescriber(practice_a)
    url = f"/patients/{practice_a.patient.public_id}/plans/"
    page = client.get(url)
    assert page.status_code == 200
    assert "No treatment plan yet" in page.content.decode()
    response = client.post(
        url,
        {
            "protocol_code": IV,
            "indication": "treatment-resistant depression",
            "planned_sessions": "6",
            "goals": "PHQ-9 below 10",
            "measures": ["phq9", "gad7"],
        },
    )
    plan = TreatmentPlan.objects.get(patient=practice_a.patient)
    assert response.status_code == 302 and response.url == f"/plans/{plan.public_id}/"
    assert (plan.status, plan.planned_sessions, plan.measures) == ("draft", 6, ["phq9", "gad7"])
    listing = client.get(url).content.decode()
    assert "IV racemic ketamine for depression" in listing and "0 of 6" in listing


def test_a_refused_plan_keeps_what_was_typed_and_shows_the_error_at_the_field(practice_a):
    client = _prescriber(practice_a)
    url = f"/patients/{practice_a.patient.public_id}/plans/"
    response = client.post(
        url, {"protocol_code": IV, "indication": "  ", "planned_sessions": "200", "goals": "keep"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "id_planned_sessions_error" in page and "keep</textarea>" in page
    assert not TreatmentPlan.objects.exists()


def test_a_weight_is_recorded_in_pounds_and_shown_in_kg(practice_a):
    client = practice_a.client_for(Role.NURSE)
    url = f"/patients/{practice_a.patient.public_id}/weights/"
    response = client.post(url, {"value": "203", "unit": "lb"})
    assert response.status_code == 302
    row = WeightRecord.objects.get(patient=practice_a.patient)
    assert row.weight_kg == Decimal("92.1")
    refused = client.post(url, {"value": "5", "unit": "kg"})
    assert refused.status_code == 400 and "id_value_error" in refused.content.decode()
    assert WeightRecord.objects.count() == 1


def test_the_plan_page_shows_the_protocol_limits_with_their_sources(practice_a):
    plan = active_plan(practice_a)
    page = _prescriber(practice_a).get(f"/plans/{plan.public_id}/").content.decode()
    assert "Blocked at or above" in page and "1 mg/kg" in page
    assert "reference.md rule 1" in page
    assert 'hx-post="/plans/' in page and "Order session 1" in page


def test_activation_without_a_decision_is_refused_in_words(practice_a):
    configure_iv(practice_a)
    plan = services.plan_create(
        actor=practice_a.staff[Role.PRESCRIBER], patient=practice_a.patient, protocol_code=IV,
        indication="depression", planned_sessions=4,
    )  # fmt: skip
    response = _prescriber(practice_a).post(
        f"/plans/{plan.public_id}/transition/", {"to": "active"}
    )
    assert response.status_code == 400
    assert "No signed eligible decision for IV" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"
    sign_decision(practice_a)
    moved = _prescriber(practice_a).post(f"/plans/{plan.public_id}/transition/", {"to": "active"})
    assert moved.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "active"


def test_the_calculate_partial_shows_the_worked_example_and_writes_nothing(practice_a):
    plan = active_plan(practice_a)
    client = _prescriber(practice_a)
    before = (AuditEvent.objects.count(), DoseOrder.objects.count())
    response = client.post(
        f"/plans/{plan.public_id}/calculate/", ORDER, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert "150<span" in page and "mL/h" in page  # the pump rate, large
    assert "rate = 100 mL × 60 min/h ÷ 40 min = 150 mL/h" in page
    assert "dose = 0.5 mg/kg × 80.0 kg = 40 mg" in page
    assert "Sign the order for session 1" in page
    assert (AuditEvent.objects.count(), DoseOrder.objects.count()) == before


def test_without_javascript_calculate_renders_the_whole_page(practice_a):
    plan = active_plan(practice_a)
    response = _prescriber(practice_a).post(f"/plans/{plan.public_id}/calculate/", ORDER)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and "Protocol limits" in page
    assert "150 mL/h" in page
    assert not DoseOrder.objects.exists()


def test_a_missing_concentration_is_named(practice_a):
    plan = active_plan(practice_a)
    response = _prescriber(practice_a).post(
        f"/plans/{plan.public_id}/calculate/",
        ORDER | {"concentration_mg_per_ml": ""},
        headers={"HX-Request": "true"},
    )
    assert "Concentration (mg/mL): This field is required." in response.content.decode()


def test_a_blocked_dose_without_a_reason_is_refused_at_the_field(practice_a):
    plan = active_plan(practice_a)
    client = _prescriber(practice_a)
    calc = client.post(
        f"/plans/{plan.public_id}/calculate/", BLOCKED, headers={"HX-Request": "true"}
    ).content.decode()
    assert "is ≥ 1 mg/kg: blocked" in calc and "Source: reference.md rule 1" in calc
    assert "Override and sign session 1" in calc and "* required" in calc
    creates = AuditEvent.objects.filter(action="create").count()
    response = client.post(f"/plans/{plan.public_id}/orders/", BLOCKED)
    assert response.status_code == 400
    page = response.content.decode()
    assert "id_override_reason_error" in page and "To order it anyway, give the reason." in page
    assert 'value="1.2"' in page  # what was typed is kept
    assert not DoseOrder.objects.exists()
    assert AuditEvent.objects.filter(action="create").count() == creates


def test_with_a_reason_the_override_is_signed_and_shown(practice_a):
    plan = active_plan(practice_a)
    client = _prescriber(practice_a)
    reason = "Prior sessions at 0.75 mg/kg gave no response; discussed with the patient."
    response = client.post(
        f"/plans/{plan.public_id}/orders/", BLOCKED | {"override_reason": reason}
    )
    assert response.status_code == 302
    order = DoseOrder.objects.get()
    assert order.override_reason == reason and order.dose_mg == Decimal("96")
    history = client.get(f"/plans/{plan.public_id}/").content.decode()
    assert "Block overridden" in history and reason in history
    nurse_view = practice_a.client_for(Role.NURSE).get(f"/orders/{order.public_id}/")
    page = nurse_view.content.decode()
    assert "Protocol block overridden" in page and reason in page and "is ≥ 1 mg/kg" in page
    event = AuditEvent.objects.get(action="create", object_id=str(order.public_id))
    assert event.detail["override_reason"] == reason


def test_a_nurse_may_not_sign_but_reads_the_order_with_the_pump_rate(practice_a):
    plan = active_plan(practice_a)
    nurse = practice_a.client_for(Role.NURSE)
    assert nurse.post(f"/plans/{plan.public_id}/orders/", ORDER).status_code == 403
    assert not DoseOrder.objects.exists()
    plan_page = nurse.get(f"/plans/{plan.public_id}/").content.decode()
    assert "Sign the order" not in plan_page and 'name="dose"' not in plan_page
    order = services.order_sign(actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose())
    response = nurse.get(f"/orders/{order.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Session 1 of 6" in page
    assert '<span class="value num">150</span><span class="unit">mL/h</span>' in page
    assert "40 mg" in page and "hydrochloride salt" in page
    view = AuditEvent.objects.filter(action="view", detail__sections=["treatment_order"])
    assert view.count() == 1


def test_a_changed_dose_needs_a_reason(practice_a):
    plan = active_plan(practice_a)
    services.order_sign(actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose())
    client = _prescriber(practice_a)
    response = client.post(
        f"/plans/{plan.public_id}/orders/", ORDER | {"dose": "0.6", "bag_volume_ml": "250"}
    )
    assert response.status_code == 400
    assert "id_change_reason_error" in response.content.decode()
    ok = client.post(
        f"/plans/{plan.public_id}/orders/",
        ORDER | {"dose": "0.6", "bag_volume_ml": "250", "change_reason": "titration"},
    )
    assert ok.status_code == 302 and DoseOrder.objects.count() == 2


def _urls(practice):  # type: ignore[no-untyped-def]
    plan = active_plan(practice)
    order = services.order_sign(actor=practice.staff[Role.PRESCRIBER], plan=plan, request=dose())
    pid, plan_id = practice.patient.public_id, plan.public_id
    return [
        ("get", f"/patients/{pid}/plans/", {}),
        ("post", f"/patients/{pid}/plans/", {"protocol_code": IV, "indication": "x",
                                              "planned_sessions": "2"}),
        ("post", f"/patients/{pid}/weights/", {"value": "70", "unit": "kg"}),
        ("get", f"/plans/{plan_id}/", {}),
        ("post", f"/plans/{plan_id}/transition/", {"to": "paused"}),
        ("post", f"/plans/{plan_id}/calculate/", ORDER),
        ("post", f"/plans/{plan_id}/orders/", ORDER),
        ("get", f"/orders/{order.public_id}/", {}),
    ]  # fmt: skip


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_another_organisation_gets_404_everywhere(practice_a, practice_b, role):
    client = practice_b.client_for(role)
    counts = (TreatmentPlan.objects.count(), DoseOrder.objects.count())
    for method, url, data in _urls(practice_a):
        counts = (TreatmentPlan.objects.count(), DoseOrder.objects.count())
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (role, method, url)
    assert (TreatmentPlan.objects.count(), DoseOrder.objects.count()) == counts


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.BILLING, Role.ORG_ADMIN])
def test_non_clinical_roles_get_403(practice_a, role):
    client = practice_a.client_for(role)
    for method, url, data in _urls(practice_a):
        assert getattr(client, method)(url, data).status_code == 403, (role, method, url)


def _plan_page_queries(practice, orders: int) -> int:  # type: ignore[no-untyped-def]
    plan = TreatmentPlan.objects.get(patient=practice.patient)
    client = _prescriber(practice)
    client.get(f"/plans/{plan.public_id}/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/plans/{plan.public_id}/")
    assert response.status_code == 200
    return len(queries)


def test_the_plan_page_costs_the_same_queries_for_one_and_five_orders(practice_a):
    plan = active_plan(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    services.order_sign(actor=prescriber, plan=plan, request=dose())
    one = _plan_page_queries(practice_a, 1)
    for _ in range(4):
        services.order_sign(actor=prescriber, plan=plan, request=dose())
    five = _plan_page_queries(practice_a, 5)
    assert one == five
    assert five <= 20
