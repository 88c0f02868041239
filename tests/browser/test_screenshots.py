"""Screenshots of the main staff screens at phone, tablet and desktop sizes, into docs/screenshots.

Each page is also checked for what a screenshot would show as broken: content wider than the
screen (sideways scrolling on a phone) and touch targets smaller than 44 px on the search form.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ketacare.patients import services
from ketacare.patients.models import Patient
from ketacare.patients.sections import SECTIONS
from tests.browser.conftest import PageWatch, current_totp, screenshot_dir, wrong_totp
from tests.conftest import Practice
from tests.factories import TEST_PASSWORD, PatientFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 1024, "height": 768},
    "desktop": {"width": 1440, "height": 900},
}


def _give_records(practice: Practice) -> Patient:
    """A chart with something in every section, recorded through the services."""
    nurse, desk = practice.staff["nurse"], practice.staff["front_desk"]
    patient = practice.patient
    today = timezone.localdate()
    add = services.chart_entry_add

    def section(slug: str, actor: Any, **data: Any) -> None:
        add(actor=actor, patient=patient, section=SECTIONS[slug], data=data)

    section(
        "contacts",
        desk,
        kind="emergency",
        name="Robin Quillfeather",
        relationship="sibling",
        phone="(555) 019-2200",
    )
    section(
        "contacts",
        desk,
        kind="escort",
        name="Chris Quillfeather",
        relationship="partner",
        phone="(555) 019-3300",
    )
    section(
        "problems",
        nurse,
        icd10_code="F33.2",
        description="Major depressive disorder, recurrent, severe without psychotic features",
        status="active",
        onset_date=today - timedelta(days=900),
    )
    section(
        "problems",
        nurse,
        icd10_code="F41.1",
        description="Generalized anxiety disorder",
        status="active",
        onset_date=today - timedelta(days=400),
    )
    section(
        "medications",
        nurse,
        name="Bupropion XL",
        dose_amount=Decimal("300"),
        dose_unit="mg",
        frequency="once daily",
        drug_class="other",
        active=True,
    )
    section(
        "medications",
        nurse,
        name="Lorazepam",
        dose_amount=Decimal("1"),
        dose_unit="mg",
        frequency="at night as needed",
        drug_class="benzodiazepine",
        diazepam_equivalent_mg_per_day=Decimal("10"),
        active=True,
    )
    section("allergies", nurse, substance="Sulfa drugs", reaction="rash", severity="moderate")
    for name, dose, weeks, outcome in (
        ("Sertraline", "200 mg daily", 10, "no_response"),
        ("Escitalopram", "20 mg daily", 8, "partial_response"),
    ):
        start = date(2023, 3, 1) + timedelta(weeks=weeks * 2)
        section(
            "trials",
            nurse,
            kind="antidepressant",
            name=name,
            dose=dose,
            start_date=start,
            end_date=start + timedelta(weeks=weeks),
            adequate_dose=True,
            adequate_duration=True,
            outcome=outcome,
        )
    signed = timezone.make_aware(datetime.combine(today - timedelta(days=30), datetime.min.time()))
    section(
        "consents",
        desk,
        kind="privacy_notice",
        document_version="2026.1",
        signed_at=signed,
        signed_by_name="Marigold Quillfeather",
    )
    return patient


def _shoot(page: Page, name: str, size: str) -> None:
    # Nothing may be wider than the screen: sideways scrolling hides the end of every line.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} at {size} is {overflow}px wider than the screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True, animations="disabled"
    )


def test_screenshots_of_sign_in_search_and_chart(
    page: Page, live_server: Any, practice_a: Practice, watch: PageWatch
) -> None:
    nurse = practice_a.staff["nurse"]
    patient = _give_records(practice_a)
    PatientFactory(
        organisation=practice_a.organisation,
        legal_first_name="Rowan",
        legal_last_name="Quillfeather",
        preferred_name="Ro",
        date_of_birth=date(1991, 11, 2),
        status="active_treatment",
    )

    # Unstyled pages would overwrite the documentation's screenshots: check the stylesheet first.
    stylesheet = page.request.get(f"{live_server.url}/static/ketacare/app.css")
    assert stylesheet.ok, (
        f"the stylesheet is not served ({stylesheet.status}): check STATICFILES_DIRS"
    )

    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/accounts/login/")
        _shoot(page, "login", size)

    page.locator("input[name=login]").fill(nurse.email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        _shoot(page, "authenticator-code", size)
    # A mistyped code: the error is said in words next to the field, the person stays here.
    page.set_viewport_size(VIEWPORTS["phone"])
    page.locator("input[name=code]").fill(wrong_totp())
    page.locator("form button[type=submit]").first.click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    _shoot(page, "authenticator-code-error", "phone")
    page.locator("input[name=code]").fill(current_totp())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/patients/")

    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/patients/")
        page.locator("input[name=q]").fill("Quillfeather")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results .results li")).to_have_count(2)
        search_box = page.locator("input[name=q]").bounding_box()
        assert search_box and search_box["height"] >= 44, "search field under 44 px"
        _shoot(page, "search-results", size)

    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/patients/{patient.public_id}/")
        expect(page.get_by_role("heading", name="Current medications")).to_be_visible()
        expect(page.locator(".entries").get_by_text("Lorazepam")).to_be_visible()
        _shoot(page, "chart", size)

    assert watch.failed == [], "\n".join(watch.failed)
    assert watch.errors == [], "\n".join(watch.errors)
