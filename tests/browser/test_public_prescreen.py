"""A visitor with two failed antidepressants and no contraindications takes the pre-screen,
sees "Worth a consultation" with its reasons and requests a consultation; the front desk signs
in and converts the request into a patient.

Screenshots: public-home, public-learn, public-prescreen-result at desktop and phone.
Accessibility: axe-core (var/node/node_modules/axe-core/axe.min.js, from
`npm install --prefix var/node axe-core`) finds no serious or critical violation on the public
pages; skipped when the file is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ketacare.patients.models import Patient
from ketacare.public.models import ConsultationRequest, RequestStatus
from ketacare.tenancy.models import Role
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = (
    Path(__file__).resolve().parents[2]
    / "var"
    / "node"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)


def _take_prescreen(page: Page, base: str) -> None:
    page.goto(f"{base}/prescreen/")
    page.get_by_label("Depression", exact=True).check()
    page.get_by_label("Two", exact=True).check()
    page.locator("input[name=taken_properly][value=yes]").check()
    page.get_by_label("No, not really").check()
    page.get_by_label("This does not apply to me").check()
    page.get_by_label("No, my blood pressure is normal").check()
    page.get_by_label("How old are you?").fill("41")
    page.get_by_role("button", name="See my result").click()


def test_visitor_prescreens_requests_and_front_desk_converts(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn, watch: PageWatch
) -> None:
    practice_a.clinic.publicly_listed = True
    practice_a.clinic.name = "Lakeside Ketamine"
    practice_a.clinic.save()
    base = live_server.url

    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{base}/")
        expect(page.get_by_role("link", name="Find a clinic near me")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"public-home-{name}.png", full_page=True)
        page.goto(f"{base}/learn/what-to-expect/")
        expect(page.get_by_role("heading", name="What to expect", exact=True)).to_be_visible()
        expect(page.get_by_text("not medical advice").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"public-learn-{name}.png", full_page=True)
        _take_prescreen(page, base)
        expect(page.get_by_role("heading", name="Worth a consultation")).to_be_visible()
        expect(page.get_by_text("You have tried 2 medicines for depression")).to_be_visible()
        expect(page.get_by_text("988").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"public-prescreen-result-{name}.png", full_page=True)
    assert ConsultationRequest.objects.count() == 0

    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Request a consultation").click()
    page.get_by_label("Your name").fill("Rowan Visitor")
    page.get_by_label("E-mail").fill("rowan.visitor@example.org")
    page.get_by_label("Preferred clinic").select_option(
        label="Lakeside Ketamine — " + (f"{practice_a.clinic.city}, {practice_a.clinic.state}")
    )
    page.get_by_label("When is a good time").fill("Weekday mornings")
    page.get_by_label("I agree that the clinic may contact me").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="Thank you. Your request was sent.")).to_be_visible()
    item = ConsultationRequest.objects.get()
    assert item.prescreen_outcome == "worth_a_consultation"

    sign_in(page, practice_a.staff[Role.FRONT_DESK].email)
    page.goto(f"{base}/consultation/requests/")
    page.get_by_role("link", name="Rowan Visitor").click()
    page.get_by_label("Date of birth").fill("1984-05-06")
    page.get_by_label("Sex assigned at birth").select_option("female")
    page.get_by_role("button", name="Convert to patient").click()
    page.wait_for_url("**/patients/*/")
    item.refresh_from_db()
    assert item.status == RequestStatus.CONVERTED
    patient = Patient.objects.get(pk=item.patient_id)
    assert patient.legal_last_name == "Visitor" and patient.email == "rowan.visitor@example.org"
    assert not watch.errors, watch.errors


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed under var/node")
def test_public_pages_have_no_serious_accessibility_violations(
    browser: Browser, live_server: Any
) -> None:
    # The strict CSP refuses the injected axe script; only this checking context bypasses it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    base = live_server.url
    for path in ("/", "/learn/", "/learn/routes/", "/prescreen/", "/consultation/request/"):
        page.goto(f"{base}{path}")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{path}: {serious}"
    context.close()
