"""Controlled-substance waste on a tablet: the patient asked to stop the infusion after 32
minutes, so 8 mg of the 40 mg bag is left. The dosing screen says so; the nurse wastes it while
a prescriber watches and types their own password; a wrong password is refused at the field and
stores nothing; then the balance adds up, on the dosing screen and in the day's ketamine log.

Screenshots: treatment-day-waste-tablet.png, ketamine-log-tablet.png."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, BrowserContext, expect

from ketacare.tenancy.models import Organisation, Role
from ketacare.treatment_sessions import services
from ketacare.treatment_sessions.models import DrugWaste
from tests.browser.conftest import PageWatch, SignIn, duplicate_ids, screenshot_dir
from tests.conftest import Practice
from tests.factories import TEST_PASSWORD
from tests.treatment_sessions.builders import DAY_START, dosing, nurse, prescriber

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()


def test_a_nurse_wastes_what_is_left_of_a_stopped_infusion_with_a_witness(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    with time_machine.travel(DAY_START, tick=True) as clock:
        Organisation.objects.filter(pk=practice_a.organisation.pk).update(idle_timeout_minutes=30)
        session = dosing(practice_a, "iv")
        services.administration_record(
            actor=nurse(practice_a), session=session, kind="infusion_start",
            rate_ml_per_h=Decimal(150), lot_number="KET-0417",
        )  # fmt: skip
        clock.shift(timedelta(minutes=32))
        services.administration_record(
            actor=nurse(practice_a), session=session, kind="infusion_stop",
            note="The patient asked to stop",
        )  # fmt: skip
        clock.shift(timedelta(minutes=3))

        context = browser.new_context(
            viewport={"width": 820, "height": 1180}, locale="en-US", has_touch=True
        )
        contexts.append(context)
        page = context.new_page()
        watched = PageWatch()
        watched.attach(page)
        sign_in(page, practice_a.staff[Role.NURSE].email)
        page.goto(f"{live_server.url}/treatment-sessions/{session.public_id}/dosing/")
        assert duplicate_ids(page) == []
        card = page.locator("#waste")
        expect(card.locator(".balance")).to_contain_text("8 mg not accounted for")
        expect(card.locator("details")).to_have_attribute("open", "")
        card.get_by_label("Amount wasted (mg)").fill("8")
        card.get_by_label("Volume (mL, optional)").fill("20")
        expect(card.get_by_label("Lot number")).to_have_value("KET-0417")
        card.get_by_text("Infusion stopped early").click()
        card.get_by_label("Witness's e-mail").fill(prescriber(practice_a).email)
        card.get_by_label("Witness's password").fill("not-their-password")
        page.screenshot(path=str(SCREENSHOTS / "treatment-day-waste-tablet.png"), full_page=True)
        card.get_by_role("button", name="Record waste").click()

        card = page.locator("#waste")
        expect(card.locator(".field.has-error")).to_contain_text("e-mail or password is not right")
        expect(card.get_by_label("Witness's password")).to_have_value("")  # never sent back
        assert not DrugWaste.objects.exists()
        # That refusal answered 422 (the errors are in the page); nothing else may fail.
        assert [e for e in watched.errors if "422" not in e] == [], watched.errors
        watched.errors.clear()

        card.get_by_label("Witness's password").fill(TEST_PASSWORD)
        card.get_by_role("button", name="Record waste").click()
        card = page.locator("#waste")
        expect(card.locator(".balance")).to_contain_text(
            "Accounted for: 40 mg prepared = 32 mg given + 8 mg wasted."
        )
        expect(card.locator(".given-list")).to_contain_text("witnessed by")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{overflow}px sideways scroll"

        # The day's ketamine log, from the menu: the session adds up, with its witness.
        page.get_by_role("link", name="Ketamine log").click()
        row = page.locator(f"#log-{session.public_id}")
        expect(row).to_contain_text("32 mg given + 8 mg wasted")
        expect(row).to_contain_text(prescriber(practice_a).get_full_name())
        page.screenshot(path=str(SCREENSHOTS / "ketamine-log-tablet.png"), full_page=True)
        assert not watched.errors, watched.errors
    waste = DrugWaste.objects.get()
    assert waste.witnessed_by == prescriber(practice_a)
    assert waste.amount_mg == Decimal(8)
