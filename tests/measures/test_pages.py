"""Rating-scale pages: entry in clinic, outcomes, safety alerts, the dashboard, and the patient's
single-use questionnaire link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.measures import services
from ketacare.measures.models import (
    Assessment,
    AssessmentSource,
    LinkChannel,
    MeasureSchedule,
    SafetyAlert,
    SafetyAlertStatus,
)
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db

# PHQ-9 answers adding up to 12 (moderate), item 9 "Not at all".
PHQ9_MODERATE = {str(i): v for i, v in enumerate([2, 2, 1, 2, 1, 1, 2, 1, 0], start=1)}


def _post_items(answers: dict[str, int | str], prefix: str = "") -> dict[str, str]:
    return {f"{prefix}item_{k}": str(v) for k, v in answers.items()}


def _entry_url(patient, code: str = "phq9") -> str:  # type: ignore[no-untyped-def]
    return f"/patients/{patient.public_id}/measures/{code}/new/"


def _outcomes_url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/patients/{patient.public_id}/measures/"


def _record(practice, answers: dict[str, int], days_ago: int = 0) -> Assessment:  # type: ignore[no-untyped-def]
    return services.assessment_record(
        actor=practice.staff[Role.NURSE],
        patient=practice.patient,
        instrument_code="phq9",
        answers=answers,
        completed_at=timezone.now() - timedelta(days=days_ago),
    )


def _link(practice, channel: LinkChannel = LinkChannel.EMAIL) -> str:  # type: ignore[no-untyped-def]
    patient = practice.patient
    patient.email = "marigold@example.test"
    patient.save(update_fields=["email"])
    _link_row, token = services.self_report_link_create(
        actor=practice.staff[Role.NURSE],
        patient=patient,
        instrument_codes=["phq9"],
        channel=channel,
    )
    return token


def _error_at(content: str, field: str) -> bool:
    """Whether the page shows an error inside the fieldset of `field`."""
    match = re.search(
        rf'<fieldset class="item has-error" id="q-{field}".*?</fieldset>', content, re.S
    )
    return bool(match and 'class="error"' in match.group(0))


# --- Entry in clinic ------------------------------------------------------------------------


def test_a_nurse_enters_a_phq9_and_lands_on_the_outcomes_page(practice_a, nurse_client):
    page = nurse_client.get(_entry_url(practice_a.patient))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Little interest or pleasure in doing things" in content
    assert content.count('type="radio"') == 10 * 4

    response = nurse_client.post(_entry_url(practice_a.patient), _post_items(PHQ9_MODERATE))

    assert response.status_code == 302
    assert response["Location"] == _outcomes_url(practice_a.patient)
    assessment = Assessment.objects.get(patient=practice_a.patient)
    assert assessment.total == 12
    assert assessment.source == AssessmentSource.STAFF
    assert assessment.administered_by == practice_a.staff[Role.NURSE]
    followed = nurse_client.get(response["Location"])
    assert "PHQ-9 saved: total 12 (Moderate)" in followed.content.decode()


def test_a_licensed_scale_shows_the_construct_and_says_to_read_from_the_licensed_copy(
    practice_a, nurse_client
):
    content = nurse_client.get(_entry_url(practice_a.patient, "madrs")).content.decode()
    assert "Sadness observed by the rater" in content
    assert "Wording licensed: read from your licensed copy" in content


@pytest.mark.parametrize("bad_value", ["4", "-1", "abc", "1.5"])
def test_an_impossible_or_tampered_answer_is_refused_at_its_item_and_nothing_is_kept(
    practice_a, nurse_client, bad_value
):
    posted = {**_post_items(PHQ9_MODERATE), "item_3": bad_value}

    response = nurse_client.post(_entry_url(practice_a.patient), posted)

    assert response.status_code == 200
    content = response.content.decode()
    assert _error_at(content, "item_3")
    assert not _error_at(content, "item_2")
    assert Assessment.objects.count() == 0
    # What was typed is kept: item 1's answer is still chosen.
    assert re.search(r'name="item_1" value="2"[^>]*checked', content)


def test_a_missing_item_is_named_at_the_item_and_nothing_is_kept(practice_a, nurse_client):
    posted = _post_items({k: v for k, v in PHQ9_MODERATE.items() if k != "9"})

    response = nurse_client.post(_entry_url(practice_a.patient), posted)

    assert response.status_code == 200
    content = response.content.decode()
    assert _error_at(content, "item_9")
    assert "Answer this item" in content
    assert Assessment.objects.count() == 0
    assert SafetyAlert.objects.count() == 0


def test_a_time_in_the_future_is_refused_at_its_field(practice_a, nurse_client):
    later = timezone.localtime() + timedelta(days=2)
    posted = {**_post_items(PHQ9_MODERATE), "completed_at": later.strftime("%Y-%m-%dT%H:%M")}

    response = nurse_client.post(_entry_url(practice_a.patient), posted)

    assert response.status_code == 200
    assert "This time is in the future." in response.content.decode()
    assert Assessment.objects.count() == 0


def test_an_unknown_scale_is_not_found(practice_a, nurse_client):
    assert nurse_client.get(_entry_url(practice_a.patient, "nosuchscale")).status_code == 404


def test_a_therapist_may_read_outcomes_but_not_enter_a_scale(practice_a):
    therapist = practice_a.client_for(Role.THERAPIST)
    assert therapist.get(_outcomes_url(practice_a.patient)).status_code == 200
    assert therapist.get(_entry_url(practice_a.patient)).status_code == 403


# --- Outcomes --------------------------------------------------------------------------------


def test_the_outcomes_page_draws_the_trend_with_bands_and_states_the_status(
    practice_a, nurse_client
):
    _record(practice_a, {str(i): 2 for i in range(1, 10)} | {"9": 0}, days_ago=42)  # 16
    _record(practice_a, PHQ9_MODERATE, days_ago=21)  # 12
    _record(practice_a, {str(i): 0 for i in range(1, 10)} | {"1": 1, "2": 1}, days_ago=1)  # 2

    response = nurse_client.get(_outcomes_url(practice_a.patient))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<svg class="trend-chart"' in content
    assert 'role="img"' in content
    assert "baseline 16 (Moderately severe)" in content
    assert content.count('class="band shade-') == 5
    assert content.count('<circle class="point') == 3
    assert "Remission" in content
    assert "−14" in content  # change from baseline, with a true minus sign
    assert "All 3 scores as a table" in content
    assert "Several days" in content  # item-level detail of the latest
    assert AuditEvent.objects.filter(
        action="view",
        actor=practice_a.staff[Role.NURSE],
        patient_public_id=practice_a.patient.public_id,
        detail__sections=["measures"],
    ).exists()


def test_billing_may_not_see_outcomes(practice_a):
    response = practice_a.client_for(Role.BILLING).get(_outcomes_url(practice_a.patient))
    assert response.status_code == 403
    assert b"Quillfeather" not in response.content


def test_another_practices_patient_is_not_found(practice_a, practice_b):
    _record(practice_a, PHQ9_MODERATE | {"9": 1})
    alert = SafetyAlert.objects.get()
    client = practice_b.client_for(Role.PRESCRIBER)
    assert client.get(_outcomes_url(practice_a.patient)).status_code == 404
    assert client.get(_entry_url(practice_a.patient)).status_code == 404
    ack = client.post(
        f"/measures/alerts/{alert.public_id}/acknowledge/",
        {"action": "assessment_done", "note": "Spoke with the patient."},
    )
    assert ack.status_code == 404
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN


def test_outcomes_stay_within_a_fixed_query_budget_however_many_assessments(
    practice_a, nurse_client
):
    def fill(count: int) -> int:
        Assessment.objects.filter(patient=practice_a.patient).delete()
        now = timezone.now()
        Assessment.objects.bulk_create(
            Assessment(
                organisation=practice_a.organisation,
                patient=practice_a.patient,
                instrument_code="phq9",
                instrument_version="1.0.0",
                scoring_version="1.0.0",
                answers={str(i): 1 for i in range(1, 10)},
                complete=True,
                total=9,
                band_code="mild",
                band_label="Mild",
                result={"reasons": []},
                source=AssessmentSource.STAFF,
                completed_at=now - timedelta(hours=count - n),
            )
            for n in range(count)
        )
        nurse_client.get(_outcomes_url(practice_a.patient))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = nurse_client.get(_outcomes_url(practice_a.patient))
        assert response.status_code == 200
        assert response.content.count(b'<circle class="point') == count
        return len(queries)

    few, many = fill(30), fill(300)
    assert many <= 20
    assert few == many


def test_a_schedule_is_added_shown_as_due_and_stopped(practice_a, nurse_client):
    url = f"/patients/{practice_a.patient.public_id}/measures/schedules/"
    response = nurse_client.post(url, {"instrument_code": "pcl5", "frequency": "weekly"})
    assert response.status_code == 302
    schedule = MeasureSchedule.objects.get(patient=practice_a.patient, active=True)
    content = nurse_client.get(_outcomes_url(practice_a.patient)).content.decode()
    assert "PCL-5" in content and "weekly" in content and "Due now" in content

    stop = f"{url}{schedule.public_id}/stop/"
    assert nurse_client.get(stop).status_code == 405
    assert nurse_client.post(stop).status_code == 302
    schedule.refresh_from_db()
    assert not schedule.active


def test_a_schedule_with_an_unknown_frequency_is_refused_at_the_field(practice_a, nurse_client):
    url = f"/patients/{practice_a.patient.public_id}/measures/schedules/"
    response = nurse_client.post(url, {"instrument_code": "phq9", "frequency": "hourly"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not MeasureSchedule.objects.exists()


def test_sending_a_link_needs_an_address_on_file(practice_a, nurse_client):
    url = f"/patients/{practice_a.patient.public_id}/measures/send/"
    response = nurse_client.post(url, {"instruments": ["phq9"], "channel": "email"})
    assert response.status_code == 200
    assert "The patient has no e-mail address on file." in response.content.decode()

    practice_a.patient.email = "marigold@example.test"
    practice_a.patient.save(update_fields=["email"])
    sent = nurse_client.post(url, {"instruments": ["phq9", "gad7"], "channel": "email"})
    assert sent.status_code == 302
    assert practice_a.patient.self_report_links.get().instrument_codes == ["phq9", "gad7"]


def test_the_send_form_offers_only_self_report_scales_with_their_wording(practice_a, nurse_client):
    content = nurse_client.get(_outcomes_url(practice_a.patient)).content.decode()
    offered = set(re.findall(r'name="instruments" value="([a-z0-9_]+)"', content))
    assert {"phq9", "gad7", "pcl5"} <= offered
    assert not offered & {"madrs", "qids_sr16", "cadss", "cssrs_screener"}


# --- Safety alerts ---------------------------------------------------------------------------


def test_acknowledging_an_alert_needs_an_action_and_a_note(practice_a):
    _record(practice_a, PHQ9_MODERATE | {"9": 2})
    alert = SafetyAlert.objects.get()
    prescriber = practice_a.client_for(Role.PRESCRIBER)
    url = f"/measures/alerts/{alert.public_id}/acknowledge/"

    no_note = prescriber.post(url, {"action": "safety_plan", "note": "  "})
    assert no_note.status_code == 200
    assert "Write a short note of what was done." in no_note.content.decode()
    assert re.search(r'value="safety_plan"[^>]*checked', no_note.content.decode())
    no_action = prescriber.post(url, {"note": "Called the patient."})
    assert "Choose what was done." in no_action.content.decode()
    assert "Called the patient." in no_action.content.decode()  # the note typed is kept
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN

    done = prescriber.post(url, {"action": "safety_plan", "note": "Safety plan reviewed."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == practice_a.staff[Role.PRESCRIBER]
    assert alert.action_note == "Safety plan reviewed."
    again = prescriber.post(url, {"action": "referral", "note": "Twice."}, follow=True)
    assert "already acknowledged" in again.content.decode()


def test_roles_without_the_permission_cannot_acknowledge(practice_a):
    _record(practice_a, PHQ9_MODERATE | {"9": 1})
    alert = SafetyAlert.objects.get()
    url = f"/measures/alerts/{alert.public_id}/acknowledge/"
    body = {"action": "assessment_done", "note": "x"}
    assert practice_a.client_for(Role.FRONT_DESK).post(url, body).status_code == 403
    assert practice_a.client_for(Role.BILLING).post(url, body).status_code == 403
    assert practice_a.client_for(Role.PRESCRIBER).get(url).status_code == 405
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN


def test_an_open_alert_shows_on_the_chart_and_the_outcomes_page(practice_a, nurse_client):
    _record(practice_a, PHQ9_MODERATE | {"9": 1})
    chart = nurse_client.get(f"/patients/{practice_a.patient.public_id}/").content.decode()
    assert "Safety alert open" in chart
    assert _outcomes_url(practice_a.patient) in chart
    outcomes = nurse_client.get(_outcomes_url(practice_a.patient)).content.decode()
    assert "Acknowledge with this action" in outcomes
    front_desk = practice_a.client_for(Role.FRONT_DESK)
    assert (
        "Safety alert"
        not in front_desk.get(f"/patients/{practice_a.patient.public_id}/").content.decode()
    )


# --- Dashboard -------------------------------------------------------------------------------


def test_the_dashboard_lists_alerts_due_scales_and_outcomes(practice_a, practice_b, nurse_client):
    _record(practice_a, PHQ9_MODERATE | {"9": 2}, days_ago=30)
    _record(practice_a, {str(i): 0 for i in range(1, 10)}, days_ago=1)
    services.measure_schedule_set(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="gad7",
        frequency="weekly",
    )

    response = nurse_client.get("/measures/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Open safety alerts" in content and "Marigold Quillfeather" in content
    assert "GAD-7" in content and "Due now" in content
    assert "Remission" in content
    assert AuditEvent.objects.filter(
        action="view", actor=practice_a.staff[Role.NURSE], detail__page="measures_dashboard"
    ).exists()
    other = practice_b.client_for(Role.NURSE).get("/measures/")
    assert b"Quillfeather" not in other.content
    assert b"No open safety alerts" in other.content


def test_the_dashboard_stays_within_its_query_budget(practice_a, nurse_client):
    from tests.factories import PatientFactory

    for n in range(8):
        patient = PatientFactory(
            organisation=practice_a.organisation, preferred_clinic=practice_a.clinic
        )
        services.assessment_record(
            actor=practice_a.staff[Role.NURSE],
            patient=patient,
            instrument_code="phq9",
            answers=PHQ9_MODERATE | {"9": n % 2},
        )
        services.measure_schedule_set(
            actor=practice_a.staff[Role.NURSE],
            patient=patient,
            instrument_code="gad7",
            frequency="weekly",
        )
    nurse_client.get("/measures/")
    with CaptureQueriesContext(connection) as queries:
        response = nurse_client.get(f"/measures/?clinic={practice_a.clinic.public_id}")
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]


# --- The patient's link ----------------------------------------------------------------------


def test_the_questionnaire_page_shows_the_clinic_and_questions_and_nothing_about_the_patient(
    practice_a,
):
    token = _link(practice_a)
    response = Client().get(f"/r/{token}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert practice_a.clinic.name in content
    assert "PHQ-9" in content and "Feeling down, depressed, or hopeless" in content
    for private in ("Marigold", "Quillfeather", practice_a.patient.mrn, "marigold@example.test"):
        assert private not in content
    assert '<meta name="robots" content="noindex' in content
    assert "<script" not in content
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_a_self_report_with_item_9_raises_an_alert_and_shows_crisis_resources(practice_a):
    token = _link(practice_a)
    answers = PHQ9_MODERATE | {"9": 2}

    response = Client().post(f"/r/{token}/", _post_items(answers, "phq9-"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "988" in content
    assert "988 Suicide &amp; Crisis Lifeline — call or text 988" in content
    assert "In an emergency call 911" in content
    assert "may not read them straight away" in content
    assessment = Assessment.objects.get(patient=practice_a.patient)
    assert assessment.source == AssessmentSource.SELF_REPORT and assessment.total == 14
    alert = SafetyAlert.objects.get(assessment=assessment)
    assert alert.status == SafetyAlertStatus.OPEN
    # Scores are never shown to the patient.
    text = re.sub(r"<[^>]+>", "", content).replace(practice_a.clinic.name, "")
    assert "14" not in text

    again = Client().get(f"/r/{token}/")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert Assessment.objects.count() == 1


def test_a_self_report_with_a_missing_answer_keeps_the_others_and_names_the_question(practice_a):
    token = _link(practice_a)
    posted = _post_items({k: v for k, v in PHQ9_MODERATE.items() if k != "4"}, "phq9-")

    response = Client().post(f"/r/{token}/", posted)

    assert response.status_code == 200
    content = response.content.decode()
    assert _error_at(content, "phq9-item_4")
    assert "Please answer this question." in content
    assert re.search(r'name="phq9-item_1" value="2"[^>]*checked', content)
    assert Assessment.objects.count() == 0
    # Still usable: a complete answer goes through.
    done = Client().post(f"/r/{token}/", _post_items(PHQ9_MODERATE, "phq9-"))
    assert done.status_code == 200 and Assessment.objects.count() == 1


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("forged", 404, "not a questionnaire link we know"),
        ("expired", 410, "It has expired"),
        ("used", 410, "already been used"),
    ],
)
def test_a_link_that_cannot_be_used_gives_a_clear_page_and_writes_nothing(
    practice_a, case, status, words
):
    token = _link(practice_a)
    client = Client()
    if case == "forged":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif case == "used":
        services.self_report_submit(token=token, answers={"phq9": PHQ9_MODERATE})
    before = Assessment.objects.count()

    with time_machine.travel(timezone.now() + timedelta(days=10 if case == "expired" else 0)):
        shown = client.get(f"/r/{token}/")
        posted = client.post(f"/r/{token}/", _post_items(PHQ9_MODERATE, "phq9-"))

    for response in (shown, posted):
        assert response.status_code == status
        content = response.content.decode()
        assert "This link cannot be used" in content and words in content
        assert "contact" in content
    assert Assessment.objects.count() == before
    assert AuditEvent.objects.filter(action="link_refused").count() >= 2


def test_kiosk_mode_signs_the_staff_member_out_and_the_patient_hands_the_tablet_back(
    practice_a, nurse_client
):
    url = f"/patients/{practice_a.patient.public_id}/measures/kiosk/"

    response = nurse_client.post(url, {"instruments": ["phq9"]})

    assert response.status_code == 302
    assert response["Location"].startswith("/r/")
    staff_page = nurse_client.get(_outcomes_url(practice_a.patient))
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith("/accounts/login/")
    questionnaire = nurse_client.get(response["Location"])
    assert questionnaire.status_code == 200
    assert "Marigold" not in questionnaire.content.decode()
    thanks = nurse_client.post(response["Location"], _post_items(PHQ9_MODERATE, "phq9-"))
    assert "hand the tablet back" in thanks.content.decode()
    assert Assessment.objects.get().source == AssessmentSource.KIOSK


def test_kiosk_mode_needs_a_questionnaire_chosen_and_keeps_the_staff_signed_in(
    practice_a, nurse_client
):
    url = f"/patients/{practice_a.patient.public_id}/measures/kiosk/"
    response = nurse_client.post(url, {})
    assert response.status_code == 200
    assert "Choose at least one questionnaire." in response.content.decode()
    assert nurse_client.get(_outcomes_url(practice_a.patient)).status_code == 200


def test_a_screener_with_skip_logic_is_entered_and_shown_without_a_chart(practice_a, nurse_client):
    url = _entry_url(practice_a.patient, "cssrs_screener")
    page = nurse_client.get(url).content.decode()
    assert "Ask only when question 2 was answered “Yes”." in page

    # Item 3 is asked only after a "Yes" on item 2: an answer there is refused, nothing kept.
    refused = nurse_client.post(url, _post_items({"1": 0, "2": 0, "3": 1, "6": 0}))
    assert refused.status_code == 200
    assert "is asked only when item &#x27;2&#x27; is answered 1" in refused.content.decode()
    assert Assessment.objects.count() == 0

    saved = nurse_client.post(url, _post_items({"1": 0, "2": 0, "6": 0}))
    assert saved.status_code == 302
    outcomes = nurse_client.get(_outcomes_url(practice_a.patient)).content.decode()
    assert "C-SSRS" in outcomes
    assert "no single total" in outcomes
    assert '<svg class="trend-chart"' not in outcomes
