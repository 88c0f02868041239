"""A prescriber creates an IV depression plan for a 92 kg patient, sees the calculation beside
the protocol, tries 1.2 mg/kg and is blocked (with the limit and its source), is refused
without a reason, overrides with one and signs; the plan shows the override. A nurse opens the
order and sees the pump settings, large. The audit trail holds it all.

Screenshots: plan-calculation-tablet.png, order-pump-tablet.png.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.audit.models import AuditEvent
from ketacare.tenancy.models import Role
from ketacare.treatment import services
from ketacare.treatment.models import DoseOrder, TreatmentPlan
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.treatment.builders import configure_iv, consent_to_iv, sign_decision

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 1024, "height": 768}
REASON = "No response after 4 sessions at 0.75 mg/kg; discussed risks with the patient."


def _page(browser: Browser, contexts: list[BrowserContext]) -> tuple[Page, PageWatch]:
    context = browser.new_context(viewport=TABLET, locale="en-US")
    contexts.append(context)
    page = context.new_page()
    watched = PageWatch()
    watched.attach(page)
    return page, watched


def _type(page: Page, selector: str, value: str) -> None:
    page.locator(selector).fill(value)
    page.locator(selector).press("Tab")  # change: the calculation follows


def test_a_prescriber_overrides_a_block_with_a_reason_and_a_nurse_reads_the_pump_settings(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    patient = practice_a.patient
    configure_iv(practice_a)
    sign_decision(practice_a)
    consent_to_iv(practice_a)
    services.weight_record(
        actor=practice_a.staff[Role.NURSE], patient=patient, value=Decimal(92), unit="kg"
    )
    prescriber = practice_a.staff[Role.PRESCRIBER]

    # The prescriber creates the plan and activates it.
    page, watch = _page(browser, contexts)
    sign_in(page, prescriber.email)
    page.goto(f"{live_server.url}/patients/{patient.public_id}/plans/")
    expect(page.locator(".chart-head")).to_contain_text("92.0 kg")
    page.get_by_label("Protocol").select_option("iv_racemic_depression")
    page.get_by_label("Indication").fill("treatment-resistant depression")
    page.get_by_label("Planned sessions").fill("6")
    page.get_by_label("Goals").fill("PHQ-9 below 10 after six sessions")
    page.get_by_role("button", name="Create draft plan").click()
    page.wait_for_url("**/plans/*/")
    plan = TreatmentPlan.objects.get(patient=patient)
    assert plan.measures == ["phq9"]
    page.get_by_role("button", name="Activate the plan").click()
    expect(page.locator(".plan-head")).to_contain_text("Active")
    protocol = page.locator(".protocol-card")
    expect(protocol).to_contain_text("Blocked at or above")
    expect(protocol).to_contain_text("reference.md rule 1")

    # The usual dose: the calculation appears beside the protocol, without a page load.
    documents = len(watch.documents)
    _type(page, "#id_concentration_mg_per_ml", "1")
    _type(page, "#id_bag_volume_ml", "250")
    _type(page, "#id_dose", "0.5")
    calculation = page.locator("#calculation")
    expect(calculation.locator(".big.rate")).to_contain_text("69 mL/h")
    expect(calculation).to_contain_text("46 mg")
    expect(calculation).to_contain_text("Within the protocol's limits")

    # 1.2 mg/kg is blocked, with the limit and its source, and asks for a reason.
    _type(page, "#id_dose", "1.2")
    block = calculation.locator(".finding.tone-alert")
    expect(block).to_contain_text("1.2 mg/kg")
    expect(block).to_contain_text("is ≥ 1 mg/kg: blocked")
    expect(block).to_contain_text("Source: reference.md rule 1")
    expect(calculation.get_by_label("Reason for overriding the block")).to_be_visible()
    assert len(watch.documents) == documents  # swapped in place
    page.locator(".sign-area").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "plan-calculation-tablet.png"), full_page=True)

    # Without a reason it is refused at the field and nothing is stored.
    page.get_by_role("button", name="Override and sign session 1").click()
    expect(page.locator("#id_override_reason_error")).to_contain_text(
        "To order it anyway, give the reason."
    )
    expect(page.locator("#id_dose")).to_have_value("1.2")
    assert not DoseOrder.objects.exists()

    # With the reason it is signed, and the plan shows the override.
    page.get_by_label("Reason for overriding the block").fill(REASON)
    page.get_by_role("button", name="Override and sign session 1").click()
    page.wait_for_url("**/plans/*/#history")
    history = page.locator("#history")
    expect(history).to_contain_text("Block overridden")
    expect(history).to_contain_text(REASON)
    expect(history).to_contain_text("110.5 mg")
    order = DoseOrder.objects.get()
    assert order.override_reason == REASON and order.dose_mg == Decimal("110.5")

    # The nurse opens the order: the pump settings, large, with the override.
    nurse_page, nurse_watch = _page(browser, contexts)
    sign_in(nurse_page, practice_a.staff[Role.NURSE].email)
    nurse_page.goto(f"{live_server.url}/plans/{plan.public_id}/")
    expect(nurse_page.locator("#order")).not_to_contain_text("Sign")
    nurse_page.get_by_role("link", name="Open session 1 order: pump settings").click()
    nurse_page.wait_for_url(f"**/orders/{order.public_id}/")
    expect(nurse_page.locator(".pump-rate")).to_contain_text("165.75")
    expect(nurse_page.locator(".pump-duration")).to_contain_text("40")
    expect(nurse_page.locator(".pump-volume")).to_contain_text("110.5")
    expect(nurse_page.locator(".order-head")).to_contain_text("Session 1 of 6")
    override = nurse_page.locator(".big-override")
    expect(override).to_contain_text(REASON)
    expect(override).to_contain_text(str(prescriber))
    nurse_page.screenshot(path=str(SCREENSHOTS / "order-pump-tablet.png"), full_page=True)
    rate_size = nurse_page.locator(".pump-rate .value").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert rate_size >= 48

    # The audit trail: the plan, its activation, the signed override and the nurse's view.
    events = AuditEvent.objects.filter(patient_public_id=patient.public_id)
    assert events.filter(action="create", object_id=str(plan.public_id)).exists()
    assert events.filter(
        action="change", object_id=str(plan.public_id), detail={"from": "draft", "to": "active"}
    ).exists()
    signed = events.get(action="create", object_id=str(order.public_id))
    assert signed.detail["override_reason"] == REASON
    assert any("1 mg/kg" in b for b in signed.detail["overridden_blocks"])
    nurse_view = events.filter(action="view", detail={"sections": ["treatment_order"]})
    assert nurse_view.count() == 1
    # The one refused signature answered 400 on purpose; nothing else failed.
    assert [e for e in watch.errors if "status of 400" not in e] == []
    assert watch.failed == [f"400 POST {live_server.url}/plans/{plan.public_id}/orders/"]
    assert not nurse_watch.errors
    assert not nurse_watch.failed
