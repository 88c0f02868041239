"""A nurse signs in with password and authenticator code, finds a patient and opens the chart."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ketacare.audit.models import AuditEvent
from tests.browser.conftest import PageWatch, SignIn, current_totp, wrong_totp
from tests.conftest import Practice
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _find_and_open(page: Page, practice: Practice) -> None:
    patient = practice.patient
    expect(page).to_have_url(re.compile(r"/patients/$"))
    expect(page.get_by_role("heading", name="Find a patient")).to_be_visible()
    page.locator("input[name=q]").fill(patient.legal_last_name)
    page.get_by_role("button", name="Search").click()
    result = page.locator("#results").get_by_role("link", name=patient.legal_last_name)
    expect(result).to_have_count(1)
    result.click()
    page.wait_for_url(f"**/patients/{patient.public_id}/")


def test_nurse_signs_in_finds_the_patient_and_the_visit_is_audited(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn, watch: PageWatch
) -> None:
    nurse = practice_a.staff["nurse"]
    patient = practice_a.patient

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(nurse.email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").first.click()

    # The password alone is not enough: allauth asks for the authenticator code.
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    expect(page.locator("input[name=code]")).to_be_visible()
    page.locator("input[name=code]").fill(current_totp())
    page.locator("form button[type=submit]").first.click()

    page.wait_for_url("**/patients/")
    _find_and_open(page, practice_a)

    header = page.locator(".chart-head")
    expect(header.get_by_role("heading", level=1)).to_contain_text(patient.legal_first_name)
    expect(header.get_by_role("heading", level=1)).to_contain_text(patient.legal_last_name)
    expect(header).to_contain_text(f"MRN {patient.mrn}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("heading", name="Current medications")).to_be_visible()

    # Reads of health information are audited: the search and the chart view.
    assert AuditEvent.objects.filter(
        action="view", actor=nurse, patient_public_id=patient.public_id
    ).exists()
    assert AuditEvent.objects.filter(action="search", actor=nurse).exists()

    # Every page came with a strict Content-Security-Policy, and nothing broke it.
    assert watch.documents, "no document responses were seen"
    for response in watch.documents:
        policy = response.headers.get("content-security-policy", "")
        assert policy, f"{response.url} has no Content-Security-Policy"
        assert "unsafe-inline" not in policy, f"{response.url}: {policy}"
        assert "unsafe-eval" not in policy, f"{response.url}: {policy}"
    assert watch.failed == [], "\n".join(watch.failed)
    assert watch.errors == [], "\n".join(watch.errors)


def test_a_wrong_authenticator_code_is_refused(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn
) -> None:
    nurse = practice_a.staff["nurse"]

    sign_in(page, nurse.email, code=wrong_totp())

    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert "/patients/" not in page.url

    # Still not signed in: the patient pages send the browser back to sign-in (allauth resumes
    # the pending two-factor step), never to the registry.
    page.goto(f"{live_server.url}/patients/")
    expect(page).to_have_url(re.compile(r"/accounts/(login|2fa/authenticate)/"))
    expect(page.get_by_role("heading", name="Find a patient")).to_have_count(0)
    assert not AuditEvent.objects.filter(actor=nurse, action__in=["view", "search"]).exists()


def test_front_desk_sees_the_chart_without_the_clinical_record(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn
) -> None:
    desk = practice_a.staff["front_desk"]
    patient = practice_a.patient

    sign_in(page, desk.email)
    page.wait_for_url("**/patients/")
    _find_and_open(page, practice_a)

    expect(page.locator(".chart-head")).to_contain_text(f"MRN {patient.mrn}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("heading", name="Contacts and escorts")).to_be_visible()
    expect(page.get_by_text("Current medications")).to_have_count(0)
    expect(page.get_by_role("heading", name="Problem list")).to_have_count(0)
    expect(page.get_by_text("Allergies")).to_have_count(0)
