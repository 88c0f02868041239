"""A patient fills a PHQ-9 from a link on a phone and endorses the self-harm item; the crisis
resources appear at once, the alert reaches the clinic dashboard, a prescriber acknowledges it
with an action and a note, and the link is spent.

Screenshots go to docs/screenshots (phone 390×844, tablet 1024×768, desktop 1440×900).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.measures import services
from ketacare.measures.models import LinkChannel, SafetyAlert, SafetyAlertStatus
from ketacare.patients.models import Patient
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.factories import PatientFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}
MORE_THAN_HALF = "More than half the days"
# What the patient answers today: total 9, with item 9 at 2 ("More than half the days").
TODAY = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 0, "9": 2, "10": 1}
FREQUENCY = ["Not at all", "Several days", MORE_THAN_HALF, "Nearly every day"]
DIFFICULTY = ["Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"]


def _answers(total: int, items: int = 9, *, keep_last_zero: bool = True) -> dict[str, int]:
    """Item answers (0-3) that add up to `total`, spread evenly; the last item stays 0."""
    scored = items - 1 if keep_last_zero else items
    answers = {str(i): 0 for i in range(1, items + 1)}
    for n in range(total):
        key = str(n % scored + 1)
        answers[key] += 1
    assert sum(answers.values()) == total and max(answers.values()) <= 3
    return answers


def _give(
    practice: Practice, patient: Patient, code: str, totals_by_days_ago: list[tuple[int, int]]
) -> None:
    items = {"phq9": 9, "gad7": 7}[code]
    for days_ago, total in totals_by_days_ago:
        services.assessment_record(
            actor=practice.staff["nurse"],
            patient=patient,
            instrument_code=code,
            answers=_answers(total, items, keep_last_zero=code == "phq9"),
            completed_at=timezone.now() - timedelta(days=days_ago, hours=2),
        )


def _schedule(practice: Practice, patient: Patient, code: str, frequency: str) -> None:
    services.measure_schedule_set(
        actor=practice.staff["nurse"], patient=patient, instrument_code=code, frequency=frequency
    )


def _clinic_with_history(practice: Practice) -> None:
    """Weeks of falling scores for the patient, and a few others so the dashboard is real."""
    practice.clinic.name = "Lakeside Ketamine — Palos Hills"
    practice.clinic.save(update_fields=["name"])
    patient = practice.patient
    patient.email = "marigold.q@example.test"
    patient.save(update_fields=["email"])
    _give(practice, patient, "phq9", [(56, 22), (42, 19), (28, 15), (14, 11)])
    _give(practice, patient, "gad7", [(56, 16), (28, 12), (14, 8)])
    _schedule(practice, patient, "phq9", "before_each_session")
    _schedule(practice, patient, "gad7", "before_each_session")
    _schedule(practice, patient, "pcl5", "weekly")
    others = [
        ("Rowan", "Eastbrook", [(38, 18), (10, 16)], "weekly"),
        ("Alex", "Fernhollow", [(60, 14), (30, 8), (3, 3)], "every_two_weeks"),
        ("Sam", "Gladewater", [(20, 17), (6, 12)], "weekly"),
    ]
    for first, last, history, frequency in others:
        other = PatientFactory(
            organisation=practice.organisation,
            preferred_clinic=practice.clinic,
            legal_first_name=first,
            legal_last_name=last,
        )
        _give(practice, other, "phq9", history)
        _schedule(practice, other, "phq9", frequency)
    waiting = PatientFactory(
        organisation=practice.organisation,
        preferred_clinic=practice.clinic,
        legal_first_name="Jordan",
        legal_last_name="Hartwell",
    )
    _schedule(practice, waiting, "phq9", "before_each_session")


def _page(
    browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int], **options: Any
) -> tuple[Page, PageWatch]:
    context = browser.new_context(viewport=viewport, locale="en-US", **options)
    contexts.append(context)
    page = context.new_page()
    watched = PageWatch()
    watched.attach(page)
    return page, watched


def _fits_the_screen(page: Page, width: int) -> None:
    for box in (page.locator(selector).bounding_box() for selector in ("main", ".public-bar")):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def test_a_patient_self_reports_on_a_phone_and_the_clinic_acts_on_the_alert(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
) -> None:
    _clinic_with_history(practice_a)
    patient = practice_a.patient
    _link, token = services.self_report_link_create(
        actor=practice_a.staff["nurse"],
        patient=patient,
        instrument_codes=["phq9"],
        channel=LinkChannel.EMAIL,
    )
    link_url = f"{live_server.url}/r/{token}/"

    # The patient, on a phone, with JavaScript off: the page needs none.
    phone, phone_watch = _page(
        browser, contexts, PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    response = phone.goto(link_url)
    assert response is not None and response.status == 200
    expect(phone.get_by_role("heading", name="A short questionnaire")).to_be_visible()
    expect(phone.locator(".public-bar")).to_contain_text(practice_a.clinic.name)
    body = phone.locator("body").inner_text()
    for private in (patient.legal_first_name, patient.legal_last_name, patient.mrn):
        assert private not in body
    _fits_the_screen(phone, PHONE["width"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "self-report-phone.png"))

    for item_id, value in TODAY.items():
        labels = DIFFICULTY if item_id == "10" else FREQUENCY
        option = phone.locator(f"#q-phq9-item_{item_id} label.option", has_text=labels[value])
        box = option.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
        option.tap()
        expect(phone.locator(f'input[name="phq9-item_{item_id}"][value="{value}"]')).to_be_checked()
    phone.get_by_role("button", name="Send my answers").tap()

    expect(phone.get_by_role("heading", name="Thank you. Your answers were sent.")).to_be_visible()
    crisis = phone.locator(".crisis")
    expect(crisis).to_contain_text("988 Suicide & Crisis Lifeline — call or text 988")
    expect(crisis).to_contain_text("In an emergency call 911")
    expect(phone.locator(".lead")).to_contain_text("may not read them straight away")
    _fits_the_screen(phone, PHONE["width"])
    phone.screenshot(path=str(SCREENSHOTS / "crisis-resources-phone.png"))
    alert = SafetyAlert.objects.get(patient=patient)
    assert alert.status == SafetyAlertStatus.OPEN and alert.value == 2

    # A nurse on the clinic tablet sees the alert on the dashboard.
    tablet, tablet_watch = _page(browser, contexts, TABLET)
    sign_in(tablet, practice_a.staff["nurse"].email)
    tablet.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    tablet.wait_for_url("**/measures/")
    alerts = tablet.locator(".alert-list")
    expect(alerts).to_contain_text(patient.display_name)
    expect(alerts).to_contain_text("PHQ-9")
    expect(tablet.locator(".due-list")).to_contain_text("Overdue")
    expect(tablet.locator("#board-h")).to_be_visible()
    tablet.screenshot(path=str(SCREENSHOTS / "dashboard-tablet.png"), full_page=True)

    # A prescriber at a desk acknowledges it, with what was done.
    desk, desk_watch = _page(browser, contexts, DESKTOP)
    sign_in(desk, practice_a.staff["prescriber"].email)
    desk.goto(f"{live_server.url}/patients/{patient.public_id}/")
    expect(desk.locator(".safety-banner")).to_contain_text("Safety alert open")
    desk.get_by_role("link", name="Review and acknowledge").click()
    card = desk.locator(".alert-card")
    expect(card).to_contain_text("thoughts of death or of self-harm")
    card.get_by_role("button", name="Acknowledge with this action").click()
    expect(desk.locator(".alert-card .error").first).to_be_visible()  # action and note needed
    assert SafetyAlert.objects.get(pk=alert.pk).status == SafetyAlertStatus.OPEN
    card = desk.locator(".alert-card")
    card.locator("label.option", has_text="Safety plan made or reviewed").click()
    card.get_by_label("Note").fill(
        "Called the patient; safety plan reviewed, no intent. Seen Friday."
    )
    card.get_by_role("button", name="Acknowledge with this action").click()
    expect(desk.get_by_text("Safety alert acknowledged")).to_be_visible()
    expect(desk.locator(".alert-card")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.ACKNOWLEDGED
    assert alert.action == "safety_plan"
    assert alert.acknowledged_by == practice_a.staff["prescriber"]

    chart = desk.locator("#scale-phq9 svg.trend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.point")).to_have_count(5)
    expect(desk.locator("#scale-phq9 .status-pill")).to_have_text("Response")
    desk.screenshot(path=str(SCREENSHOTS / "outcomes-trajectory-desktop.png"), full_page=True)

    # The link is spent.
    again = phone.goto(link_url)
    assert again is not None and again.status == 410
    expect(phone.get_by_role("heading", name="This link cannot be used")).to_be_visible()

    expected = "status of 410"  # the spent link, just above
    for watched in (phone_watch, tablet_watch, desk_watch):
        errors = [e for e in watched.errors if expected not in e]
        assert errors == [], "\n".join(errors)
        for document in watched.documents:
            policy = document.headers.get("content-security-policy", "")
            assert policy and "unsafe-inline" not in policy, document.url
    assert [f for f in phone_watch.failed if "/r/" not in f] == []
    assert tablet_watch.failed == [] and desk_watch.failed == []
