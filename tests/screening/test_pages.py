"""The consultation pages: the assessment screen and its live verdict, signing, the worklist,
the letter and the decision on the chart; isolation and roles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditEvent
from ketacare.clinical import eligibility as rules
from ketacare.patients.models import Patient
from ketacare.screening import services
from ketacare.screening.forms import CONDITION_LABELS
from ketacare.screening.models import AssessmentStatus, EligibilityAssessment, RouteDecision
from ketacare.screening.services import RouteChoice
from ketacare.tenancy.models import Role, Route
from tests.conftest import Practice
from tests.screening.test_services import _filled

pytestmark = pytest.mark.django_db

BENZODIAZEPINE_RULE = "interaction.benzodiazepine_reduced_effect"
BENZODIAZEPINE_SOURCE = "Andrashko 2020"


def _form_data(assessment: EligibilityAssessment, **changes: Any) -> dict[str, Any]:
    """What the assessment form posts for the saved values, with `changes` typed over them."""
    data: dict[str, Any] = {
        "version": assessment.version,
        "indications": assessment.indications,
        "indication_codes": assessment.indication_codes,
        "episode_start_date": assessment.episode_start_date or "",
        "episode_notes": assessment.episode_notes,
        "pregnancy": assessment.pregnancy,
        "alcohol_use": assessment.alcohol_use,
        "substance_use_notes": assessment.substance_use_notes,
        "conditions": assessment.conditions,
        "systolic_mmhg": assessment.systolic_mmhg or "",
        "diastolic_mmhg": assessment.diastolic_mmhg or "",
        "heart_rate_bpm": assessment.heart_rate_bpm or "",
        "weight_kg": assessment.weight_kg or "",
        "weight_unit": "kg",
        "height_cm": assessment.height_cm or "",
        "ecg": assessment.ecg,
        "liver_function_tests": assessment.liver_function_tests,
        "pregnancy_test": assessment.pregnancy_test,
    }
    if assessment.plan_serial:
        data["plan_serial"] = "on"
    if assessment.plan_frequent_high_dose:
        data["plan_frequent_high_dose"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _urls(assessment: EligibilityAssessment) -> dict[str, str]:
    base = f"/eligibility/{assessment.public_id}/"
    return {"screen": base, "preview": base + "preview/", "sign": base + "sign/"}


def _sign(practice: Practice, assessment: EligibilityAssessment) -> EligibilityAssessment:
    return services.assessment_sign(
        actor=practice.staff[Role.PRESCRIBER],
        assessment=assessment,
        choices={
            "iv": RouteChoice("eligible_with_cautions"),
            "esketamine": RouteChoice(
                "eligible", "AVM fully resected in 2019; neurosurgery agrees."
            ),
        },
    )


# ---- The assessment screen ----------------------------------------------------------------


def test_the_screen_shows_the_form_beside_the_verdict_with_findings_and_sources(practice_a):
    assessment = _filled(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.get(_urls(assessment)["screen"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "What the rules say" in page
    assert 'id="verdict"' in page and 'hx-post="/eligibility/' in page
    assert BENZODIAZEPINE_RULE in page and BENZODIAZEPINE_SOURCE in page
    assert "60 mg/day diazepam-equivalent is above 8 mg/day" in page
    assert "Not eligible" in page and "Eligible with cautions" in page
    assert "BMI <strong>24.2</strong>" in page  # 70 kg, 170 cm, by the clinical core
    assert "Sertraline" in page and "Lorazepam" in page and "PHQ-9" in page
    assert AuditEvent.objects.filter(
        action="view",
        patient_public_id=practice_a.patient.public_id,
        detail__sections=["eligibility"],
    ).exists()


def test_a_nurse_may_prepare_the_assessment_but_a_therapist_may_not(practice_a):
    assessment = _filled(practice_a)
    url = _urls(assessment)["screen"]
    assert practice_a.client_for(Role.NURSE).get(url).status_code == 200
    assert practice_a.client_for(Role.THERAPIST).get(url).status_code == 403
    assert practice_a.client_for(Role.FRONT_DESK).get(url).status_code == 403


def test_the_preview_judges_what_is_typed_without_saving_it(practice_a):
    assessment = _filled(practice_a)
    client = practice_a.client_for(Role.NURSE)
    typed = _form_data(assessment, conditions=[], weight_kg="80.5", episode_notes="typed only")
    response = client.post(_urls(assessment)["preview"], typed, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page  # a partial
    assert BENZODIAZEPINE_RULE in page and BENZODIAZEPINE_SOURCE in page
    # Without the AVM ticked, nothing rules esketamine out any more.
    assert "v-not_eligible" not in page
    assert 'hx-swap-oob="innerHTML"' in page and 'id="bmi"' in page
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.weight_kg == Decimal("70.0")
    assert assessment.conditions == ["arteriovenous_malformation"]
    assert assessment.episode_notes == ""


def test_the_preview_says_what_to_correct_when_a_value_is_refused(practice_a):
    assessment = _filled(practice_a)
    typed = _form_data(assessment, systolic_mmhg="80", diastolic_mmhg="120")
    response = practice_a.client_for(Role.PRESCRIBER).post(_urls(assessment)["preview"], typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not updated" in page
    assert "Diastolic (mmHg): The diastolic pressure must be below the systolic." in page


def test_saving_bad_values_shows_errors_at_the_fields_and_stores_nothing(practice_a):
    assessment = _filled(practice_a)
    typed = _form_data(assessment, weight_kg="5", diastolic_mmhg="", episode_notes="kept")
    response = practice_a.client_for(Role.PRESCRIBER).post(_urls(assessment)["screen"], typed)
    assert response.status_code == 200
    form = response.context["form"]
    assert "weight_kg" in form.errors
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "kept</textarea>" in page
    assessment.refresh_from_db()
    assert assessment.version == 2 and assessment.weight_kg == Decimal("70.0")
    assert assessment.episode_notes == ""


def test_a_blood_pressure_half_entered_is_refused_at_the_field(practice_a):
    assessment = _filled(practice_a)
    typed = _form_data(assessment, diastolic_mmhg="")
    response = practice_a.client_for(Role.PRESCRIBER).post(_urls(assessment)["screen"], typed)
    assert response.status_code == 200
    assert "systolic_mmhg" in response.context["form"].errors


def test_saving_stores_the_values_with_pounds_converted_once_to_kilograms(practice_a):
    assessment = _filled(practice_a)
    typed = _form_data(assessment, weight_kg="154", weight_unit="lb", heart_rate_bpm="72")
    response = practice_a.client_for(Role.NURSE).post(_urls(assessment)["screen"], typed)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.version == 3
    assert assessment.weight_kg == Decimal("69.9")  # 154 lb x 0.45359237, to 0.1 kg
    assert assessment.heart_rate_bpm == 72


def test_save_and_sign_takes_a_prescriber_to_the_sign_page(practice_a):
    assessment = _filled(practice_a)
    typed = _form_data(assessment, then="sign")
    response = practice_a.client_for(Role.PRESCRIBER).post(_urls(assessment)["screen"], typed)
    assert response.status_code == 302
    assert response["Location"] == _urls(assessment)["sign"]


def test_a_stale_save_shows_what_changed_and_keeps_what_was_typed(practice_a):
    assessment = _filled(practice_a)
    opened = _form_data(assessment)  # the prescriber opened version 2
    services.assessment_update(
        actor=practice_a.staff[Role.NURSE],
        assessment=assessment,
        data={"weight_kg": Decimal("80.0")},
        expected_version=2,
    )
    typed = {**opened, "weight_kg": "72.5"}
    response = practice_a.client_for(Role.PRESCRIBER).post(_urls(assessment)["screen"], typed)
    assert response.status_code == 409
    page = response.content.decode()
    assert "someone else saved this assessment" in page
    assert "80.0 kg" in page and "72.5 kg" in page
    assert 'value="72.5"' in page
    assert 'name="version" value="3"' in page  # a second Save replaces theirs deliberately
    assessment.refresh_from_db()
    assert assessment.weight_kg == Decimal("80.0") and assessment.version == 3


def test_a_signed_assessment_is_shown_read_only(practice_a):
    assessment = _sign(practice_a, _filled(practice_a))
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.get(_urls(assessment)["screen"])
    assert response.status_code == 200
    assert b"cannot be changed" in response.content
    assert b"Save assessment" not in response.content
    refused = client.post(_urls(assessment)["screen"], _form_data(assessment, weight_kg="90"))
    assert b"This assessment is signed" in refused.content
    assessment.refresh_from_db()
    assert assessment.weight_kg == Decimal("70.0")


# ---- Signing ------------------------------------------------------------------------------


def test_the_sign_page_starts_each_route_at_the_rules_verdict(practice_a):
    practice_a.clinic.routes_offered = ["iv", "esketamine"]
    practice_a.clinic.save()
    assessment = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).get(_urls(assessment)["sign"])
    assert response.status_code == 200
    form = response.context["form"]
    assert form["decide_iv"].initial is True and form["decide_im_sc"].initial is False
    assert form["decision_iv"].initial == "eligible_with_cautions"
    assert form["decision_esketamine"].initial == "not_eligible"
    page = response.content.decode()
    assert 'Not eligible<small class="rules-mark">the rules\' verdict</small>' in page
    assert "on the esketamine label&#x27;s contraindication list" in page


def test_signing_against_the_rules_without_a_reason_is_refused_at_the_field(practice_a):
    assessment = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).post(
        _urls(assessment)["sign"],
        {
            "version": assessment.version,
            "decide_iv": "on",
            "decision_iv": "eligible_with_cautions",
            "decide_esketamine": "on",
            "decision_esketamine": "eligible",
            "reason_esketamine": "   ",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason_esketamine"] == [
        "The rules say not eligible: write why you decide otherwise."
    ]
    assert b"Nothing was signed" in response.content
    assert not RouteDecision.objects.exists()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_signing_with_no_route_ticked_is_refused(practice_a):
    assessment = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).post(
        _urls(assessment)["sign"], {"version": assessment.version}
    )
    assert response.status_code == 200
    assert b"Record a decision for at least one route." in response.content
    assert not RouteDecision.objects.exists()


def test_signing_records_each_decision_and_lands_on_the_chart(practice_a):
    assessment = _filled(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.post(
        _urls(assessment)["sign"],
        {
            "version": assessment.version,
            "decide_iv": "on",
            "decision_iv": "eligible_with_cautions",
            "decide_esketamine": "on",
            "decision_esketamine": "not_eligible",
            "decision_topical": "eligible",  # not ticked: not decided
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{practice_a.patient.public_id}/#consultation"
    decisions = {d.route: d for d in RouteDecision.objects.filter(assessment=assessment)}
    assert set(decisions) == {"iv", "esketamine"}
    assert decisions["esketamine"].rule_verdict == "not_eligible"
    chart = client.get(response["Location"]).content.decode()
    assert "Consultation decision" in chart
    assert "IV infusion (racemic ketamine)" in chart and "Eligible with cautions" in chart
    assert "Intranasal esketamine (Spravato)" in chart and "Not eligible" in chart
    assert "Decision signed." in chart


def test_a_sign_page_opened_before_another_save_signs_nothing(practice_a):
    assessment = _filled(practice_a)
    opened_version = assessment.version
    services.assessment_update(
        actor=practice_a.staff[Role.NURSE],
        assessment=assessment,
        data={"conditions": []},
        expected_version=opened_version,
    )
    response = practice_a.client_for(Role.PRESCRIBER).post(
        _urls(assessment)["sign"],
        {"version": opened_version, "decide_iv": "on", "decision_iv": "eligible_with_cautions"},
    )
    assert response.status_code == 200
    assert b"saved again after you opened this page" in response.content
    assert not RouteDecision.objects.exists()


def test_a_nurse_cannot_sign(practice_a):
    assessment = _filled(practice_a)
    client = practice_a.client_for(Role.NURSE)
    assert client.get(_urls(assessment)["sign"]).status_code == 403
    response = client.post(
        _urls(assessment)["sign"],
        {"version": assessment.version, "decide_iv": "on", "decision_iv": "eligible_with_cautions"},
    )
    assert response.status_code == 403
    assert not RouteDecision.objects.exists()


# ---- Isolation ----------------------------------------------------------------------------


def test_another_organisations_assessment_answers_404_for_every_role_on_every_url(
    practice_a, practice_b
):
    assessment = _sign(practice_a, _filled(practice_a))
    draft = services.assessment_start(
        actor=practice_a.staff[Role.PRESCRIBER], patient=practice_a.patient
    )
    requests = []
    for target in (assessment, draft):
        urls = _urls(target)
        requests += [
            ("get", urls["screen"], {}),
            ("post", urls["screen"], _form_data(target)),
            ("post", urls["preview"], _form_data(target)),
            ("get", urls["sign"], {}),
            ("post", urls["sign"], {"version": target.version, "decide_iv": "on"}),
            ("get", f"/eligibility/{target.public_id}/letter/", {}),
        ]
    requests.append(("post", f"/patients/{practice_a.patient.public_id}/eligibility/start/", {}))
    before = EligibilityAssessment.objects.count()
    for role in Role:
        client = practice_b.client_for(role)
        for method, url, data in requests:
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (role, method, url, response.status_code)
            assert b"Quillfeather" not in response.content
    assert EligibilityAssessment.objects.count() == before
    draft.refresh_from_db()
    assert draft.version == 1


# ---- Worklist, letter, chart --------------------------------------------------------------


def test_the_worklist_lists_a_consultation_patient_with_what_is_missing(practice_a, practice_b):
    Patient.objects.filter(pk=practice_a.patient.pk).update(status="consultation")
    Patient.objects.filter(pk=practice_b.patient.pk).update(status="consultation")
    response = practice_a.client_for(Role.PRESCRIBER).get("/eligibility/worklist/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Marigold" in page and "Brightwater" not in page
    assert "Eligibility assessment not started" in page
    assert "No baseline PHQ-9 or MADRS" in page
    assert "Treatment consent unsigned" in page
    assert f"/patients/{practice_a.patient.public_id}/eligibility/start/" in page
    assert AuditEvent.objects.filter(
        action="view",
        detail__page="consultation_worklist",
        detail__shown=[str(practice_a.patient.public_id)],
    ).exists()


def test_the_worklist_shows_a_draft_and_its_pending_work_up(practice_a):
    assessment = _filled(practice_a, conditions=["cardiovascular_risk"])
    Patient.objects.filter(pk=practice_a.patient.pk).update(status="consultation")
    page = practice_a.client_for(Role.NURSE).get("/eligibility/worklist/").content.decode()
    assert "ECG pending" in page
    assert "Eligibility decision not signed" in page
    assert f"/eligibility/{assessment.public_id}/" in page


def test_the_worklist_is_for_clinical_roles_only(practice_a):
    assert practice_a.client_for(Role.FRONT_DESK).get("/eligibility/worklist/").status_code == 403
    nav = practice_a.client_for(Role.PRESCRIBER).get("/patients/").content.decode()
    assert 'href="/eligibility/worklist/">Consultations' in nav


def test_the_letter_gives_each_decision_with_its_reasons_and_is_audited(practice_a):
    assessment = _sign(practice_a, _filled(practice_a))
    response = practice_a.client_for(Role.THERAPIST).get(
        f"/eligibility/{assessment.public_id}/letter/"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "To the referring clinician" in page
    assert "Marigold Quillfeather" in page and "May 17, 1980" in page
    assert "IV infusion (racemic ketamine): eligible with cautions." in page
    assert "Intranasal esketamine (Spravato): eligible." in page
    assert "the prescriber decided otherwise: AVM fully resected in 2019" in page
    assert "treatment-resistant depression (TRD)" in page
    assert str(practice_a.staff[Role.PRESCRIBER]) in page
    assert AuditEvent.objects.filter(
        action="export",
        patient_public_id=practice_a.patient.public_id,
        detail__document="referrer_letter",
    ).exists()


def test_a_draft_has_no_letter_yet(practice_a):
    assessment = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).get(
        f"/eligibility/{assessment.public_id}/letter/"
    )
    assert response.status_code == 302


def _chart_queries(practice: Practice) -> tuple[int, str]:
    client = practice.client_for(Role.NURSE)
    url = f"/patients/{practice.patient.public_id}/"
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response.content.decode()


def test_the_chart_shows_the_signed_decision_with_its_override(practice_a):
    _sign(practice_a, _filled(practice_a))
    _, page = _chart_queries(practice_a)
    assert "Consultation decision" in page
    assert "Against the rules' verdict (not eligible). Reason: AVM fully resected" in page
    assert "Depression evidence: <strong>TRD</strong>" in page
    assert "Letter to the referrer" in page
    assert f"/eligibility/{EligibilityAssessment.objects.get().public_id}/letter/" in page


def test_the_decision_card_costs_the_same_queries_however_many_routes_are_decided(practice_a):
    assessment = _filled(practice_a)
    services.assessment_sign(
        actor=practice_a.staff[Role.PRESCRIBER],
        assessment=assessment,
        choices={r: RouteChoice("eligible_with_cautions", "Judged.") for r in Route.values},
    )
    six, page = _chart_queries(practice_a)
    assert page.count('class="route-line"') == 6
    RouteDecision.objects.exclude(route="iv").delete()
    one, _ = _chart_queries(practice_a)
    assert six == one


def test_the_chart_with_a_signed_decision_stays_within_its_query_budget(practice_a):
    _sign(practice_a, _filled(practice_a))
    count, _ = _chart_queries(practice_a)
    assert count <= 15


def test_the_chart_offers_to_start_and_to_continue_an_assessment(practice_a):
    client = practice_a.client_for(Role.NURSE)
    url = f"/patients/{practice_a.patient.public_id}/"
    assert b"Start eligibility assessment" in client.get(url).content
    response = client.post(f"/patients/{practice_a.patient.public_id}/eligibility/start/")
    draft = EligibilityAssessment.objects.get(patient=practice_a.patient)
    assert response["Location"] == f"/eligibility/{draft.public_id}/"
    assert b"Continue the assessment" in client.get(url).content
    desk = practice_a.client_for(Role.FRONT_DESK).get(url).content
    assert b"Consultation decision" not in desk
    assert (
        practice_a.client_for(Role.FRONT_DESK)
        .post(f"/patients/{practice_a.patient.public_id}/eligibility/start/")
        .status_code
        == 403
    )


def test_the_checklist_names_every_condition_the_rules_know():
    assert set(CONDITION_LABELS) == set(rules.Condition)
