"""A prescriber assesses a patient with two adequate failed antidepressant trials and lorazepam
6 mg/day (60 mg/day diazepam-equivalent, far above the 8 mg/day threshold), sees the caution with
its source as the form is filled, and signs IV eligible with cautions and esketamine not
eligible because of a recorded AVM. Both appear on the chart and in the audit trail.

Refused: a decision against the rules without a reason (field error), signing as a nurse (403),
and another organisation's assessment (404).

Screenshots: eligibility-assessment-tablet.png, eligibility-sign-tablet.png, worklist-desktop.png.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.audit.models import AuditEvent
from ketacare.measures import services as measure_services
from ketacare.patients import services as patient_services
from ketacare.patients.models import Medication, Patient, PriorTreatmentTrial
from ketacare.patients.sections import SECTIONS
from ketacare.screening import services
from ketacare.screening.models import AssessmentStatus, EligibilityAssessment, RouteDecision
from ketacare.tenancy.models import Role
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.factories import PatientFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}
BENZODIAZEPINE_CAUTION = (
    "Benzodiazepine dose 60 mg/day diazepam-equivalent is above 8 mg/day, the level that "
    "separated non-responders from responders to ketamine's antidepressant effect."
)
BENZODIAZEPINE_SOURCE = "Andrashko 2020, benzodiazepines dampen ketamine's effect [S16a]"
RULES_SAY_REASON = "The rules say not eligible: write why you decide otherwise."


def _history(practice: Practice) -> Patient:
    """The patient's record before the consultation: problem list, two adequate failed
    antidepressant trials, lorazepam 2 mg three times daily, a baseline PHQ-9."""
    patient = practice.patient
    nurse = practice.staff[Role.NURSE]
    today = timezone.localdate()
    practice.clinic.name = "Lakeside Ketamine — Palos Hills"
    practice.clinic.routes_offered = ["iv", "esketamine"]
    practice.clinic.save()
    patient_services.chart_entry_add(
        actor=nurse,
        patient=patient,
        section=SECTIONS["problems"],
        data={
            "icd10_code": "F33.2",
            "description": "Major depressive disorder, recurrent, severe",
            "status": "active",
            "onset_date": today - timedelta(days=700),
        },
    )
    for name, dose, weeks_ago, weeks in (
        ("Sertraline", "200 mg daily", 60, 10),
        ("Escitalopram", "20 mg daily", 40, 8),
    ):
        start = today - timedelta(weeks=weeks_ago)
        PriorTreatmentTrial.objects.create(
            organisation=practice.organisation,
            patient=patient,
            kind="antidepressant",
            name=name,
            dose=dose,
            start_date=start,
            end_date=start + timedelta(weeks=weeks),
            adequate_dose=True,
            adequate_duration=True,
            outcome="no_response",
        )
    # 6 mg/day lorazepam is 60 mg/day diazepam-equivalent (Ashton: lorazepam 1 mg ~ diazepam 10).
    Medication.objects.create(
        organisation=practice.organisation,
        patient=patient,
        name="Lorazepam",
        dose_amount=Decimal("2"),
        dose_unit="mg",
        frequency="three times daily",
        drug_class="benzodiazepine",
        diazepam_equivalent_mg_per_day=Decimal("60"),
    )
    Medication.objects.create(
        organisation=practice.organisation,
        patient=patient,
        name="Bupropion XL",
        dose_amount=Decimal("300"),
        dose_unit="mg",
        frequency="every morning",
        drug_class="other",
    )
    measure_services.assessment_record(
        actor=nurse,
        patient=patient,
        instrument_code="phq9",
        answers={str(i): 2 for i in range(1, 9)} | {"9": 0},
    )
    Patient.objects.filter(pk=patient.pk).update(status="consultation")
    patient.refresh_from_db()
    return patient


def _others_waiting(practice: Practice) -> None:
    """Two more people in consultation, so the worklist shows what it is for."""
    prescriber = practice.staff[Role.PRESCRIBER]
    for first, last in (("Rowan", "Eastbrook"), ("Sam", "Gladewater")):
        other = PatientFactory(
            organisation=practice.organisation,
            preferred_clinic=practice.clinic,
            legal_first_name=first,
            legal_last_name=last,
            status="consultation",
        )
        if first == "Sam":
            draft = services.assessment_start(actor=prescriber, patient=other)
            services.assessment_update(
                actor=prescriber,
                assessment=draft,
                data={
                    "indications": ["major_depressive_disorder"],
                    "conditions": ["cardiovascular_risk"],
                },
                expected_version=draft.version,
            )


def _page(
    browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]
) -> tuple[Page, PageWatch]:
    context = browser.new_context(viewport=viewport, locale="en-US")
    contexts.append(context)
    page = context.new_page()
    watched = PageWatch()
    watched.attach(page)
    return page, watched


def _tap_targets_are_large_enough(page: Page, selector: str) -> None:
    for box in (o.bounding_box() for o in page.locator(selector).all()):
        if box is not None and box["width"] > 0:  # hidden ones have no box
            assert box["height"] >= 44, (selector, box)


def test_a_prescriber_assesses_and_signs_and_the_refusals_hold(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    practice_b: Practice,
    sign_in: SignIn,
) -> None:
    patient = _history(practice_a)
    _others_waiting(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]

    # The worklist on the desk: who is waiting and what is still missing.
    desk, desk_watch = _page(browser, contexts, DESKTOP)
    sign_in(desk, prescriber.email)
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Consultations").click()
    desk.wait_for_url("**/eligibility/worklist/")
    worklist = desk.locator("table.worklist")
    expect(worklist.locator("tbody tr")).to_have_count(3)
    expect(worklist).to_contain_text("Eligibility assessment not started")
    expect(worklist).to_contain_text("ECG pending")
    expect(worklist).to_contain_text("Treatment consent unsigned")
    desk.screenshot(path=str(SCREENSHOTS / "worklist-desktop.png"), full_page=True)

    # Open the patient and start the assessment, on the tablet.
    desk.set_viewport_size(TABLET)
    worklist.get_by_role("link", name=patient.display_name).click()
    desk.wait_for_url(f"**/patients/{patient.public_id}/")
    card = desk.locator("#consultation")
    expect(card).to_contain_text("No eligibility assessment yet.")
    card.get_by_role("button", name="Start eligibility assessment").click()
    desk.wait_for_url("**/eligibility/*/")
    assessment = EligibilityAssessment.objects.get(patient=patient)
    assert assessment.indication_codes == ["F33.2"]  # from the problem list
    screen_url = desk.url
    documents_before = len(desk_watch.documents)

    summary = desk.locator("#verdict-summary")
    verdict = desk.locator("#verdict")
    expect(summary).not_to_contain_text("Not eligible")
    desk.get_by_label("Major depressive disorder", exact=True).check()
    desk.get_by_label("Arteriovenous malformation (AVM)").check()
    # The AVM is on the esketamine label's list: the panel updates without a page load.
    expect(summary.locator("li", has_text="Intranasal esketamine")).to_contain_text("Not eligible")
    expect(verdict).to_contain_text("on the esketamine label's contraindication list")
    desk.locator("input[name=pregnancy][value=not_applicable]").check()
    desk.locator("input[name=alcohol_use][value=none]").check()
    desk.locator("#id_systolic_mmhg").press_sequentially("124")
    desk.locator("#id_diastolic_mmhg").press_sequentially("78")
    desk.locator("#id_heart_rate_bpm").press_sequentially("72")
    desk.locator("#id_weight_kg").press_sequentially("70")
    desk.locator("#id_height_cm").press_sequentially("170")
    expect(desk.locator("#bmi")).to_contain_text("24.2")  # the core's BMI, as typed (keyup)
    expect(verdict).to_contain_text("Baseline blood pressure 124/78 mmHg")
    # The benzodiazepine caution, with the value, the limit and the source, here and beside
    # the medicine it is about.
    caution = verdict.locator(".finding", has_text=BENZODIAZEPINE_CAUTION)
    expect(caution.first).to_contain_text(BENZODIAZEPINE_SOURCE)
    expect(caution.first.locator(".sev")).to_have_text("Caution")
    lorazepam = desk.locator("table.meds tr", has_text="Lorazepam")
    expect(lorazepam).to_contain_text("60 mg/day diazepam-equivalent")
    expect(lorazepam).to_contain_text(BENZODIAZEPINE_CAUTION)
    expect(desk.locator(".trd-block")).to_contain_text("TRD")
    assert len(desk_watch.documents) == documents_before, "the panel must update in place"
    assert EligibilityAssessment.objects.get(pk=assessment.pk).version == 1  # nothing saved yet
    _tap_targets_are_large_enough(desk, ".assess-form label.option")
    desk.evaluate("window.scrollTo(0, 0)")
    desk.screenshot(path=str(SCREENSHOTS / "eligibility-assessment-tablet.png"))

    desk.get_by_role("button", name="Save assessment").click()
    expect(desk.locator(".messages")).to_contain_text("Assessment saved")
    saved = EligibilityAssessment.objects.get(pk=assessment.pk)
    assert saved.version == 2
    assert saved.conditions == ["arteriovenous_malformation"]
    assert saved.weight_kg == Decimal("70.0") and saved.systolic_mmhg == 124

    # A nurse may prepare the assessment but not sign it.
    nurse_page, _ = _page(browser, contexts, TABLET)
    sign_in(nurse_page, practice_a.staff[Role.NURSE].email)
    response = nurse_page.goto(screen_url)
    assert response is not None and response.status == 200
    sign_url = f"{live_server.url}/eligibility/{assessment.public_id}/sign/"
    response = nurse_page.goto(sign_url)
    assert response is not None and response.status == 403
    token = next(c["value"] for c in nurse_page.context.cookies() if c["name"] == "csrftoken")
    posted = nurse_page.request.post(
        sign_url,
        form={
            "csrfmiddlewaretoken": token,
            "version": "2",
            "decide_iv": "on",
            "decision_iv": "eligible_with_cautions",
        },
        headers={"Referer": screen_url},
    )
    assert posted.status == 403
    assert "CSRF verification failed" not in posted.text()  # refused for the role

    # Another organisation's prescriber finds nothing there.
    other_page, _ = _page(browser, contexts, TABLET)
    sign_in(other_page, practice_b.staff[Role.PRESCRIBER].email)
    for url in (screen_url, sign_url, f"{live_server.url}/patients/{patient.public_id}/"):
        response = other_page.goto(url)
        assert response is not None and response.status == 404, url
        assert patient.legal_last_name not in other_page.content()
    assert not RouteDecision.objects.exists()

    # The prescriber signs: IV eligible with cautions; esketamine first against the rules
    # without a reason (refused at the field), then not eligible as the rules say.
    desk.get_by_role("link", name="Sign decisions").first.click()
    desk.wait_for_url("**/sign/")
    iv = desk.locator("#route-iv")
    esketamine = desk.locator("#route-esketamine")
    expect(iv.locator("input[name=decide_iv]")).to_be_checked()  # offered at the clinic
    expect(iv.locator("input[name=decision_iv][value=eligible_with_cautions]")).to_be_checked()
    expect(
        esketamine.locator("input[name=decision_esketamine][value=not_eligible]")
    ).to_be_checked()
    expect(esketamine).to_contain_text("on the esketamine label's contraindication list")
    expect(desk.locator(".every-route")).to_contain_text(BENZODIAZEPINE_SOURCE)
    _tap_targets_are_large_enough(desk, ".sign-form label.option")
    desk.evaluate(
        "window.scrollTo(0, document.querySelector('#route-iv').getBoundingClientRect().top"
        " + window.scrollY - 120)"
    )
    desk.screenshot(path=str(SCREENSHOTS / "eligibility-sign-tablet.png"))

    esketamine.locator("input[name=decision_esketamine][value=eligible]").check()
    expect(esketamine.locator(".override-note")).to_be_visible()
    desk.get_by_role("button", name="Sign as").click()
    esketamine = desk.locator("#route-esketamine")
    expect(esketamine.locator(".error")).to_have_text(RULES_SAY_REASON)
    assert not RouteDecision.objects.exists()
    assert EligibilityAssessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT

    esketamine.locator("input[name=decision_esketamine][value=not_eligible]").check()
    expect(esketamine.locator(".override-note")).to_be_hidden()
    desk.get_by_role("button", name="Sign as").click()
    desk.wait_for_url(f"**/patients/{patient.public_id}/#consultation")

    card = desk.locator("#consultation")
    expect(desk.locator(".messages")).to_contain_text("Decision signed.")
    iv_line = card.locator("li", has_text="IV infusion (racemic ketamine)")
    expect(iv_line).to_contain_text("Eligible with cautions")
    esketamine_line = card.locator("li", has_text="Intranasal esketamine (Spravato)")
    expect(esketamine_line).to_contain_text("Not eligible")
    expect(card).to_contain_text(f"by {prescriber}")
    expect(card).to_contain_text("Depression evidence: TRD")
    expect(desk.locator(".chart-head")).to_contain_text("Status: Active treatment")

    card.get_by_role("link", name="Letter to the referrer").click()
    desk.wait_for_url("**/letter/")
    letter = desk.locator("article.letter")
    expect(letter).to_contain_text("IV infusion (racemic ketamine): eligible with cautions.")
    expect(letter).to_contain_text("Intranasal esketamine (Spravato): not eligible.")
    expect(letter).to_contain_text(BENZODIAZEPINE_CAUTION)

    decisions = {d.route: d for d in RouteDecision.objects.filter(assessment=assessment)}
    assert set(decisions) == {"iv", "esketamine"}
    assert decisions["iv"].decision == decisions["iv"].rule_verdict == "eligible_with_cautions"
    assert decisions["esketamine"].decision == "not_eligible"
    assert decisions["esketamine"].rule_verdict == "not_eligible"
    assert not any(d.overrides_rules for d in decisions.values())
    assert any(
        f["rule_id"] == "interaction.benzodiazepine_reduced_effect"
        and f["source"].startswith("Andrashko 2020")
        for f in decisions["iv"].findings
    )
    assert all(d.decided_by == prescriber and d.trd_label == "TRD" for d in decisions.values())
    events = AuditEvent.objects.filter(patient_public_id=patient.public_id, actor=prescriber)
    created = events.filter(action="create", object_type="screening.RouteDecision")
    assert sorted(e.detail["route"] for e in created) == ["esketamine", "iv"]
    assert all(e.detail["override"] is False for e in created)
    assert (
        events.filter(action="change", object_type="screening.EligibilityAssessment").count() == 2
    )
    assert events.filter(action="view", detail__sections=["eligibility"]).exists()
    assert desk_watch.errors == [], desk_watch.errors
    assert desk_watch.failed == [], desk_watch.failed
