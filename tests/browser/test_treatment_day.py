"""The treatment day on a tablet (820×1180), from check-in to discharge, with the server's clock
under the test's control.

The live server runs in a thread of this process, so `time_machine.travel(..., tick=True)` moves
its clock too: the discharge refused at 100 minutes and allowed at 120 proves it. The clock is
moved in steps shorter than the organisation's idle timeout (set to 30 min here), with a request
after each, as a nurse charting every 10-15 minutes would.

- An IV session: checked in without an escort, so dosing is refused naming the missing escort;
  the escort is recorded and dosing starts; a hypertensive reading raises an alert (the clinic's
  limits set through the monitoring service) that is acknowledged; a missed reading shows
  "OVERDUE"; the infusion stops, recovery is scored and the patient goes home.
- An esketamine session: device 2 less than 5 minutes after device 1 is refused with the time it
  becomes allowed; discharge is refused at 100 minutes after the first device and allowed at 120.

Screenshots: treatment-day-monitoring-tablet.png, treatment-day-monitoring-phone.png,
treatment-day-prechecks-tablet.png, treatment-day-discharge-tablet.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.tenancy.models import Organisation, Role
from ketacare.treatment_sessions import monitoring, services
from ketacare.treatment_sessions.models import TreatmentSession
from tests.browser.conftest import PageWatch, SignIn, duplicate_ids, screenshot_dir
from tests.conftest import Practice
from tests.scheduling import builders as sched
from tests.treatment_sessions.builders import (
    DAY_START,
    prescriber,
    record_scales,
    treatment_appointment,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def _page(
    browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int] = TABLET
) -> tuple[Page, PageWatch]:
    context = browser.new_context(viewport=viewport, locale="en-US", has_touch=True)
    contexts.append(context)
    page = context.new_page()
    watched = PageWatch()
    watched.attach(page)
    return page, watched


def _prepare(practice: Practice, route: str) -> Any:
    """This test practice's settings (not clinical facts): alert limits 180/110 and a 60-minute
    IV observation, a 30-minute idle timeout; then a booked appointment with scales done."""
    Organisation.objects.filter(pk=practice.organisation.pk).update(idle_timeout_minutes=30)
    monitoring.alert_thresholds_set(
        actor=prescriber(practice), values={"systolic_above": 180, "diastolic_above": 110}
    )
    services.treatment_day_settings_set(
        actor=prescriber(practice), values={"minimum_observation_minutes": {"iv": 60}}
    )
    appointment = treatment_appointment(practice, route)
    record_scales(practice)
    return appointment


def _local(minutes_ago: int) -> str:
    moment = timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago), sched.CHICAGO)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _phase(page: Page, word: str) -> None:
    expect(page.locator(".phase-now")).to_have_text(f"Phase: {word}")


def _pass_prechecks(page: Page, esketamine: bool) -> None:
    page.get_by_role("button", name="Run automatic checks").click()
    _phase(page, "Pre-checks")
    fasting = page.locator("#check-fasting form")
    fasting.locator("[name=last_solids_at]").fill(_local(8 * 60))
    fasting.locator("[name=last_clear_liquids_at]").fill(_local(3 * 60))
    fasting.get_by_role("button").click()
    expect(page.locator("#check-fasting .check-pill")).to_contain_text("Passed")
    vitals = page.locator("#check-predose_vitals form")
    for name, value in (("systolic", "128"), ("diastolic", "80"), ("heart_rate", "72"),
                        ("spo2", "98"), ("respiratory_rate", "14")):  # fmt: skip
        vitals.locator(f"[name={name}]").fill(value)
    vitals.locator("[name=respiratory_rate]").press("Enter")  # Enter submits
    expect(page.locator("#check-predose_vitals .check-pill")).to_contain_text("Passed")
    pregnancy = page.locator("#check-pregnancy_test form")
    pregnancy.get_by_text("Negative", exact=True).click()
    pregnancy.get_by_role("button").click()
    expect(page.locator("#check-pregnancy_test .check-pill")).to_contain_text("Passed")
    if esketamine:
        oximeter = page.locator("#check-pulse_oximeter form")
        oximeter.get_by_text("Available", exact=True).click()
        oximeter.get_by_role("button").click()
        expect(page.locator("#check-pulse_oximeter .check-pill")).to_contain_text("Passed")


def _reading(page: Page, systolic: int, diastolic: int, heart_rate: int = 84) -> None:
    form = page.locator("#vitals-form")
    form.locator("[name=systolic]").fill(str(systolic))
    form.locator("[name=diastolic]").fill(str(diastolic))
    form.locator("[name=heart_rate]").fill(str(heart_rate))
    form.locator("[name=respiratory_rate]").press("Enter")
    expect(page.locator("#vitals-form .saved")).to_contain_text(f"BP {systolic}/{diastolic}")


def _later(page: Page, clock: Any, minutes: int) -> None:
    """Move the server's clock on, in steps a charting nurse would make."""
    while minutes > 0:
        step = min(minutes, 15)
        clock.shift(timedelta(minutes=step))
        page.reload()
        minutes -= step


def _score_aldrete(page: Page) -> None:
    card = page.locator(".score-card").first
    for name in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        card.locator(f"input[name={name}]").first.check()
    card.get_by_role("button", name="Score Aldrete").click()
    expect(page.locator(".score-line")).to_contain_text("passed")


def _assert_fits(page: Page) -> None:
    """Nothing wider than the screen, and the buttons big enough to tap."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px sideways scroll"
    small = page.evaluate(
        """() => [...document.querySelectorAll('#screen button, #screen .tabs a')]
              .filter(b => b.offsetParent !== null)
              .filter(b => b.getBoundingClientRect().height < 44)
              .map(b => b.textContent.trim())"""
    )
    assert not small, f"touch targets under 44 px: {small}"


def test_an_iv_session_from_check_in_to_discharge(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    with time_machine.travel(DAY_START, tick=True) as clock:
        appointment = _prepare(practice_a, "iv")
        page, watched = _page(browser, contexts)
        sign_in(page, practice_a.staff[Role.NURSE].email)

        # Check in without an escort: the session opens, dosing will wait for one.
        page.goto(f"{live_server.url}/appointments/{appointment.public_id}/check-in/")
        page.get_by_role("button", name="Check in").click()
        page.wait_for_url("**/pre-checks/")
        session = TreatmentSession.objects.get(appointment=appointment)
        _pass_prechecks(page, esketamine=False)
        expect(page.locator("#check-transport .check-pill")).to_contain_text("Failed")
        page.get_by_role("button", name="Start dosing").click()
        refusal = page.locator(".error-box", has_text="Dosing cannot start")
        expect(refusal).to_contain_text("Escort or transport and no-driving acknowledgement")
        _phase(page, "Pre-checks")
        page.screenshot(path=str(SCREENSHOTS / "treatment-day-prechecks-tablet.png"))

        transport = page.locator("#check-transport form")
        transport.get_by_text("A responsible adult drives them home").click()
        transport.locator("[name=escort_name]").fill("Rowan Quillfeather")
        transport.locator("[name=escort_phone]").fill("+1 512 555 0100")
        transport.locator("[name=no_driving_acknowledged]").check()
        transport.get_by_role("button").click()
        expect(page.locator("#check-transport .check-pill")).to_contain_text("Passed")
        page.get_by_role("button", name="Start dosing").click()
        _phase(page, "Dosing")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"

        # The pump settings, large; start the infusion at the ordered rate.
        expect(page.locator(".pump-rate")).to_contain_text("mL/h")
        page.get_by_role("button", name="Start infusion").click()  # the vial's lot is missing
        expect(page.locator("#inf-h + form .error").first).to_contain_text("lot number")
        page.get_by_label("Vial lot (at start)").fill("KET-0417")
        page.get_by_role("button", name="Start infusion").click()
        expect(page.locator("#inf-h")).to_contain_text("Infusion started")

        # A hypertensive reading raises the clinic's alert; it is acknowledged with a note.
        _reading(page, 186, 112)
        alerts = page.locator(".alert-item")
        expect(alerts).to_have_count(2)  # systolic and diastolic, each with its limit
        expect(alerts.first).to_contain_text("186 mmHg is above the alert limit of 180")
        for left in (1, 0):
            alerts.first.locator("[name=note]").fill("Rechecked in 5 min, prescriber told")
            alerts.first.get_by_role("button", name="Acknowledge").click()
            expect(page.locator(".alert-item")).to_have_count(left)

        # No reading for 17 minutes during the infusion: overdue, in words and colour.
        _later(page, clock, 17)
        page.get_by_role("link", name="Monitoring").click()
        timer = page.locator(".timer")
        expect(timer).to_have_class(re.compile(r"\boverdue\b"))
        expect(timer).to_contain_text("OVERDUE by")
        _assert_fits(page)
        page.screenshot(
            path=str(SCREENSHOTS / "treatment-day-monitoring-tablet.png"), full_page=True
        )
        _reading(page, 142, 88)
        expect(page.locator(".timer")).not_to_contain_text("OVERDUE")

        # Observations in one tap each.
        page.get_by_role("button", name="Sedation (MOAA/S) 4").click()
        expect(page.locator(".notice-bar")).to_contain_text("Observation charted")

        # Stop the infusion at 40 minutes; the session moves to monitoring, then recovery.
        _later(page, clock, 10)
        _reading(page, 136, 84)
        _later(page, clock, 10)
        page.get_by_role("link", name="Dosing").click()
        page.get_by_role("button", name="Stop infusion").click()
        _phase(page, "Monitoring")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"
        _reading(page, 132, 82)
        page.get_by_role("button", name="Move to recovery →").click()
        _phase(page, "Recovery")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"
        _score_aldrete(page)
        page.get_by_role("button", name="I attest the patient is clinically stable").click()
        expect(page.get_by_text("Attested", exact=False).last).to_be_visible()
        page.get_by_role("button", name="Escort is here").click()
        expect(page.get_by_text("present since")).to_be_visible()
        page.get_by_role("button", name="Discharge to escort").click()
        expect(page.locator(".error-box", has_text="Discharge refused")).to_contain_text(
            "min to go"
        )
        _later(page, clock, 25)  # past this practice's 60-minute observation
        page.get_by_role("button", name="Discharge to escort").click()
        _phase(page, "Discharged")
        expect(page.locator(".done-card")).to_contain_text("no driving")
        expect(page.get_by_role("link", name="Session record (PDF)")).to_be_visible()
        session.refresh_from_db()
        assert session.state == "discharged"
        assert not watched.errors, watched.errors


def test_an_esketamine_session_with_device_spacing_and_the_two_hour_discharge(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    with time_machine.travel(DAY_START, tick=True) as clock:
        appointment = _prepare(practice_a, "esketamine")
        page, watched = _page(browser, contexts)
        sign_in(page, practice_a.staff[Role.NURSE].email)
        page.goto(f"{live_server.url}/appointments/{appointment.public_id}/check-in/")
        page.get_by_text("A responsible adult drives them home").click()
        page.locator("[name=escort_name]").fill("Rowan Quillfeather")
        page.locator("[name=escort_phone]").fill("+1 512 555 0100")
        page.locator("[name=no_driving_acknowledged]").check()
        page.get_by_role("button", name="Check in").click()
        page.wait_for_url("**/pre-checks/")
        session = TreatmentSession.objects.get(appointment=appointment)
        _pass_prechecks(page, esketamine=True)
        page.get_by_role("button", name="Start dosing").click()
        _phase(page, "Dosing")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"

        # Device 1, then device 2 at once: refused, with the time it becomes allowed.
        page.locator("[aria-labelledby=dev-h] [name=lot_number]").fill("LOT-A1")
        page.get_by_role("button", name="Device 1 given").click()
        expect(page.locator(".device.given")).to_have_count(1)
        page.get_by_role("button", name="Device 2 given").click()
        expect(page.locator(".error-box, .field.has-error").first).to_contain_text("wait")
        expect(page.locator("p.wait")).to_contain_text("Device 2 allowed from")
        session.refresh_from_db()
        first_device = session.first_dose_at
        assert first_device is not None
        clock.shift(timedelta(minutes=5))
        page.reload()
        page.get_by_role("button", name="Device 2 given").click()
        _phase(page, "Monitoring")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"

        # A second nurse's view at phone width: the same session, charted at once.
        phone, _ = _page(browser, contexts, PHONE)
        sign_in(phone, practice_a.staff[Role.PRESCRIBER].email)
        phone.goto(f"{live_server.url}/treatment-sessions/{session.public_id}/monitoring/")
        _reading(phone, 138, 86)
        phone.screenshot(
            path=str(SCREENSHOTS / "treatment-day-monitoring-phone.png"), full_page=True
        )
        _assert_fits(phone)

        _later(page, clock, 35)
        _reading(page, 144, 88)
        _later(page, clock, 15)
        _reading(page, 136, 84)
        page.get_by_role("button", name="Move to recovery →").click()
        _phase(page, "Recovery")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"
        _score_aldrete(page)
        page.get_by_role("button", name="Escort is here").click()
        _later(page, clock, 40)
        _reading_from_recovery(page, 130, 80)

        # 100 minutes after the first device: refused, with the time still to go.
        moved = timezone.now() - first_device
        _later(page, clock, 100 - int(moved.total_seconds() // 60))
        page.get_by_role("button", name="I attest the patient is clinically stable").click()
        expect(page.get_by_text("Attested", exact=False).last).to_be_visible()
        page.get_by_role("button", name="Discharge to escort").click()
        refusal = page.locator(".error-box", has_text="Discharge refused")
        expect(refusal).to_contain_text("min to go")
        _phase(page, "Recovery")
        assert duplicate_ids(page) == [], "an id is used twice on the screen"
        page.screenshot(
            path=str(SCREENSHOTS / "treatment-day-discharge-tablet.png"), full_page=True
        )

        # 120 minutes: allowed.
        _later(page, clock, 20)
        page.get_by_role("button", name="Discharge to escort").click()
        _phase(page, "Discharged")
        session.refresh_from_db()
        assert session.state == "discharged"
        assert session.ended_at is not None
        assert session.ended_at - first_device >= timedelta(minutes=120)
        assert not watched.errors, watched.errors


def _reading_from_recovery(page: Page, systolic: int, diastolic: int) -> None:
    page.get_by_role("link", name="Monitoring").click()
    _reading(page, systolic, diastolic)
    page.get_by_role("link", name="Recovery & discharge").click()
    expect(page.locator(".tabs a.current")).to_have_text("Recovery & discharge")
    page.wait_for_url("**/recovery/")
