"""The REMS submission tracker on a tablet: after an esketamine session, a nurse confirms the
answers the chart can only suggest (correcting one), then records the REMS confirmation; the
form leaves the list.

Screenshot: rems-tracker-tablet.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from ketacare.tenancy.models import Role
from ketacare.treatment_sessions.models import RemsFormStatus, RemsMonitoringForm
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.treatment_sessions.builders import DAY_START
from tests.treatment_sessions.test_rems_form import _discharged

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()


def test_a_nurse_confirms_the_suggested_answers_and_records_the_submission(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn
) -> None:
    with time_machine.travel(DAY_START, tick=False) as clock:
        session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    with time_machine.travel(session.ended_at + timedelta(days=1), tick=True):
        page.set_viewport_size({"width": 820, "height": 1180})
        watched = PageWatch()
        watched.attach(page)
        sign_in(page, practice_a.staff[Role.NURSE].email)
        page.goto(f"{live_server.url}/treatment-sessions/rems-forms/")
        row = page.locator(f"#rems-{form.pk}")
        expect(row).to_contain_text("Confirm the answers first.")
        # Pre-selected from the chart: vital signs acceptable (BP fell), no respiratory event.
        expect(row.locator("[name=vitals_acceptable_before_end][value=yes]")).to_be_checked()
        expect(row.locator("[name=respiratory_depression][value=no]")).to_be_checked()
        expect(row.locator("[name=ready_to_leave_without_2h_rule_minutes]")).to_have_value("95")
        page.screenshot(path=str(SCREENSHOTS / "rems-tracker-tablet.png"), full_page=True)

        row.locator("[name=ready_to_leave_without_2h_rule_minutes]").fill("0")
        row.get_by_role("button", name="Confirm answers").click()
        row = page.locator(f"#rems-{form.pk}")
        expect(row.locator(".error")).to_contain_text("from 1 to 1,440")
        # That refusal answered 400, as it should; nothing else may fail from here on.
        assert [e for e in watched.errors if "400" not in e] == [], watched.errors
        watched.errors.clear()

        row.locator("[name=respiratory_depression][value=yes]").check()
        row.locator("[name=ready_to_leave_without_2h_rule_minutes]").fill("100")
        row.get_by_role("button", name="Confirm answers").click()
        row = page.locator(f"#rems-{form.pk}")
        expect(row).to_contain_text("Confirmed by")

        row.get_by_label("Confirmation number").fill("REMS-558812")
        row.get_by_role("button", name="Mark submitted").click()
        expect(page.get_by_text("Every REMS monitoring form has been submitted.")).to_be_visible()
        assert not watched.errors, watched.errors
    form.refresh_from_db()
    assert form.status == RemsFormStatus.SUBMITTED and form.confirmation == "REMS-558812"
    assert form.fields["respiratory_depression"] is True
    assert form.fields["ready_to_leave_without_2h_rule_minutes"] == 100
