"""Corrections on the monitoring screen, on a tablet and a phone: a nurse strikes through a
mistyped blood pressure (its alert goes with it, the reading stays on the record with the
reason) and brings a nausea event up to date once the antiemetic worked.

Screenshots: treatment-day-corrections-tablet.png, treatment-day-corrections-phone.png."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.tenancy.models import Organisation, Role
from ketacare.treatment_sessions import monitoring, services
from ketacare.treatment_sessions.models import AdverseEvent, VitalSignReading
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.treatment_sessions.builders import DAY_START, in_monitoring, nurse, prescriber

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def _page(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-US", has_touch=True)
    contexts.append(context)
    return context.new_page()


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px sideways scroll"


def test_a_nurse_strikes_a_mistyped_reading_and_updates_an_adverse_event(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    with time_machine.travel(DAY_START, tick=True) as clock:
        Organisation.objects.filter(pk=practice_a.organisation.pk).update(idle_timeout_minutes=30)
        monitoring.alert_thresholds_set(
            actor=prescriber(practice_a), values={"systolic_above": 180}
        )
        session = in_monitoring(practice_a, "iv", clock)
        for systolic in (132, 193):  # 193: typed for 133
            monitoring.reading_record(
                actor=nurse(practice_a), session=session, taken_at=timezone.now(),
                systolic=systolic, diastolic=82, heart_rate=76, spo2=98, respiratory_rate=14,
            )  # fmt: skip
        services.adverse_event_record(
            actor=nurse(practice_a), session=session, event_type="Nausea", onset_at=None,
            ctcae_grade=1, outcome="ongoing",
        )  # fmt: skip
        wrong = VitalSignReading.objects.get(systolic=193)

        page = _page(browser, contexts, TABLET)
        watched = PageWatch()
        watched.attach(page)
        sign_in(page, practice_a.staff[Role.NURSE].email)
        page.goto(f"{live_server.url}/treatment-sessions/{session.public_id}/monitoring/")
        expect(page.locator(".alert-item")).to_have_count(1)

        # The mistyped reading: no reason, refused at the field; with one, struck through.
        row = page.locator(f"#reading-{wrong.pk}")
        row.get_by_text("Strike…").click()
        row.get_by_role("button", name="Strike this reading").click()
        row = page.locator(f"#reading-{wrong.pk}")
        expect(row.locator(".error")).to_contain_text("required")
        row.get_by_label("Why is this reading wrong?").fill("Typed 193 for 133")
        row.get_by_role("button", name="Strike this reading").click()
        expect(page.locator(".notice-bar")).to_contain_text("struck through")
        expect(page.locator(f"#reading-{wrong.pk}")).to_contain_text("Struck: Typed 193 for 133")
        expect(page.locator(f"#reading-{wrong.pk} del").first).to_be_visible()
        expect(page.locator(".alert-item")).to_have_count(0)

        # The nausea settled after ondansetron: the event is brought up to date.
        event = page.locator(".ae-list li").first
        event.get_by_text("Update or correct…").click()
        event.get_by_label("Action taken").fill("Ondansetron 4 mg IV")
        event.get_by_label("Outcome").select_option("resolved")
        event.get_by_role("button", name="Save changes").click()
        expect(page.locator(".notice-bar")).to_contain_text("updated")
        expect(page.locator(".ae-list li").first).to_contain_text("Resolved")
        expect(page.locator(".ae-list li").first).to_contain_text("Ondansetron 4 mg IV")
        _fits(page)
        page.locator(".readings-card").scroll_into_view_if_needed()
        page.screenshot(
            path=str(SCREENSHOTS / "treatment-day-corrections-tablet.png"), full_page=True
        )
        assert not watched.errors, watched.errors

        # The same screen on a phone (the table scrolls inside its card, not the page).
        page.set_viewport_size(PHONE)
        page.reload()
        expect(page.locator(f"#reading-{wrong.pk}")).to_contain_text("Struck")
        _fits(page)
        page.screenshot(
            path=str(SCREENSHOTS / "treatment-day-corrections-phone.png"), full_page=True
        )

    wrong.refresh_from_db()
    assert wrong.struck_reason == "Typed 193 for 133"
    stored = AdverseEvent.objects.get(session=session)
    assert (stored.outcome, stored.action_taken, stored.version) == (
        "resolved", "Ondansetron 4 mg IV", 2,
    )  # fmt: skip
