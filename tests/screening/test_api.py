"""The eligibility API: start, fill, judge and sign an assessment, with the same access rules as
the pages (another practice's records answer 404, a missing permission 403), field-named 4xx
for malformed input, nothing half-written, and every change audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.patients.models import PriorTreatmentTrial
from ketacare.screening.models import AssessmentStatus, EligibilityAssessment, RouteDecision
from ketacare.tenancy.models import Role
from ketacare.tenancy.permissions import Permission, role_may
from tests.screening.builders import with_treatment_history

pytestmark = pytest.mark.django_db

JSON = "application/json"
ROUTES = {"iv", "im_sc", "esketamine", "intranasal_compounded", "sublingual_oral", "topical"}
# A depressed adult with an arteriovenous malformation: the esketamine label rules it out, the
# racemic routes leave it to the prescriber's judgement (a caution).
FILLED = {
    "indications": ["major_depressive_disorder"],
    "indication_codes": ["F33.2"],
    "episode_start_date": None,
    "conditions": ["arteriovenous_malformation"],
    "pregnancy": "not_applicable",
    "alcohol_use": "none",
    "systolic_mmhg": 124,
    "diastolic_mmhg": 78,
    "heart_rate_bpm": 72,
    "weight_kg": "70.0",
    "height_cm": "170.0",
    "ecg": "normal",
    "liver_function_tests": "normal",
}
SIGNED_AS_THE_RULES_SAY = {
    "decisions": {
        "iv": {"decision": "eligible_with_cautions"},
        "esketamine": {"decision": "not_eligible"},
    }
}


def _start_url(practice) -> str:  # type: ignore[no-untyped-def]
    return f"/api/patients/{practice.patient.public_id}/eligibility"


def _url(assessment_id: str, tail: str = "") -> str:
    return f"/api/eligibility/{assessment_id}{tail}"


def _start(client: Client, practice) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.post(_start_url(practice), content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def _filled(practice) -> str:  # type: ignore[no-untyped-def]
    """A draft with the whole history and the consultation's findings, through the API."""
    with_treatment_history(practice)
    client = practice.client_for(Role.PRESCRIBER)
    draft = _start(client, practice)
    response = client.put(
        _url(draft["public_id"]), data={**FILLED, "version": draft["version"]}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    return str(draft["public_id"])


def _locs(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[str(part) for part in error["loc"]] for error in response.json()["detail"]]


def _named(response, *path: str) -> bool:  # type: ignore[no-untyped-def]
    return any(loc[1 : 1 + len(path)] == list(path) for loc in _locs(response))


# Starting and reading


def test_starting_opens_a_draft_with_the_problem_lists_codes_and_audits_it(practice_a):
    practice_a.patient.problem_set.create(
        organisation=practice_a.organisation, icd10_code="F33.2", description="MDD, recurrent"
    )
    draft = _start(practice_a.client_for(Role.PRESCRIBER), practice_a)
    assert draft["status"] == "draft" and draft["version"] == 1
    assert draft["patient"] == str(practice_a.patient.public_id)
    assert draft["indication_codes"] == ["F33.2"]
    assert draft["decisions"] == [] and draft["signed_by"] is None
    created = AuditEvent.objects.get(action="create", object_type="screening.EligibilityAssessment")
    assert created.patient_public_id == practice_a.patient.public_id


def test_starting_again_returns_the_draft_in_progress(practice_a):
    client = practice_a.client_for(Role.NURSE)  # nurses record clinical findings too
    first = _start(client, practice_a)
    second = _start(client, practice_a)
    assert first["public_id"] == second["public_id"]
    assert EligibilityAssessment.objects.count() == 1
    assert AuditEvent.objects.filter(action="create").count() == 1


def test_reading_an_assessment_shows_its_fields_and_is_audited(practice_a):
    assessment_id = _filled(practice_a)
    response = practice_a.client_for(Role.THERAPIST).get(_url(assessment_id))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["version"] == 2
    assert body["conditions"] == ["arteriovenous_malformation"]
    assert body["weight_kg"] == "70.0" and body["systolic_mmhg"] == 124
    viewed = AuditEvent.objects.filter(action="view", actor=practice_a.staff[Role.THERAPIST])
    assert [e.detail for e in viewed] == [{"sections": ["eligibility"]}]
    assert viewed.get().patient_public_id == practice_a.patient.public_id


def test_reading_an_assessment_keeps_to_a_query_budget(practice_a, django_assert_max_num_queries):
    assessment_id = _filled(practice_a)
    practice_a.client_for(Role.PRESCRIBER).post(
        _url(assessment_id, "/sign"), data=SIGNED_AS_THE_RULES_SAY, content_type=JSON
    )
    client = practice_a.client_for(Role.PRESCRIBER)
    with django_assert_max_num_queries(12):
        assert client.get(_url(assessment_id)).status_code == 200


# Updating


def test_an_update_stores_the_fields_bumps_the_version_and_is_audited(practice_a):
    assessment_id = _filled(practice_a)
    stored = EligibilityAssessment.objects.get(public_id=assessment_id)
    assert stored.version == 2
    assert stored.conditions == ["arteriovenous_malformation"]
    assert stored.weight_kg == Decimal("70.0") and stored.pregnancy == "not_applicable"
    changed = AuditEvent.objects.get(action="change", object_type="screening.EligibilityAssessment")
    assert {"conditions", "weight_kg", "pregnancy"} <= set(changed.changed_fields)


def test_a_stale_version_is_refused_with_what_changed_and_stores_nothing(practice_a):
    assessment_id = _filled(practice_a)  # now at version 2
    client = practice_a.client_for(Role.NURSE)
    response = client.put(
        _url(assessment_id), data={**FILLED, "weight_kg": "82.0", "version": 1}, content_type=JSON
    )
    assert response.status_code == 409
    body = response.json()
    assert "weight_kg" in body["changed_fields"] and "weight_kg" in body["detail"]
    stored = EligibilityAssessment.objects.get(public_id=assessment_id)
    assert stored.version == 2 and stored.weight_kg == Decimal("70.0")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conditions": ["unicorn_allergy"]}, "conditions"),
        ({"indications": ["boredom"]}, "indications"),
        ({"pregnancy": "maybe"}, "pregnancy"),
        ({"alcohol_use": "lots"}, "alcohol_use"),
        ({"ecg": "wobbly"}, "ecg"),
        ({"liver_function_tests": "fine"}, "liver_function_tests"),
        ({"pregnancy_test": "unclear"}, "pregnancy_test"),
        ({"weight_kg": "-3"}, "weight_kg"),
        ({"weight_kg": "0"}, "weight_kg"),
        ({"weight_kg": "NaN"}, "weight_kg"),
        ({"weight_kg": "5"}, "weight_kg"),  # positive, but not a plausible adult weight
        ({"height_cm": "-170"}, "height_cm"),
        ({"systolic_mmhg": 80, "diastolic_mmhg": 120}, "diastolic_mmhg"),
        ({"systolic_mmhg": -1}, "systolic_mmhg"),
        ({"episode_start_date": "not a date"}, "episode_start_date"),
        ({"indication_codes": ["not-a-code"]}, "indication_codes"),
        ({"episode_notes": "x" * 501}, "episode_notes"),
        ({"episode_notes": "nul\x00here"}, "episode_notes"),
    ],
)
def test_malformed_fields_get_a_422_naming_the_field_and_store_nothing(practice_a, change, field):
    draft = _start(practice_a.client_for(Role.PRESCRIBER), practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).put(
        _url(draft["public_id"]), data={**FILLED, **change, "version": 1}, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert _named(response, field), response.json()
    stored = EligibilityAssessment.objects.get(public_id=draft["public_id"])
    assert stored.version == 1 and stored.conditions == [] and stored.weight_kg is None
    assert not AuditEvent.objects.filter(action="change").exists()


def test_an_episode_starting_in_the_future_is_refused_at_the_field(practice_a):
    draft = _start(practice_a.client_for(Role.PRESCRIBER), practice_a)
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = practice_a.client_for(Role.PRESCRIBER).put(
        _url(draft["public_id"]),
        data={**FILLED, "episode_start_date": tomorrow, "version": 1},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert _named(response, "episode_start_date")
    assert EligibilityAssessment.objects.get(public_id=draft["public_id"]).version == 1


def test_a_signed_assessment_cannot_be_changed(practice_a):
    assessment_id = _filled(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    assert (
        client.post(
            _url(assessment_id, "/sign"), data=SIGNED_AS_THE_RULES_SAY, content_type=JSON
        ).status_code
        == 200
    )
    response = client.put(
        _url(assessment_id), data={**FILLED, "weight_kg": "90.0", "version": 2}, content_type=JSON
    )
    assert response.status_code == 422
    assert "signed" in response.json()["detail"][0]["msg"]
    assert EligibilityAssessment.objects.get(public_id=assessment_id).weight_kg == Decimal("70.0")


# The rules' report


def test_the_report_gives_each_routes_verdict_with_findings_trd_and_workup(practice_a):
    assessment_id = _filled(practice_a)
    response = practice_a.client_for(Role.NURSE).get(_url(assessment_id, "/report"))
    assert response.status_code == 200
    body = response.json()
    assert body["assessment"] == assessment_id
    routes = {r["route"]: r for r in body["routes"]}
    assert set(routes) == ROUTES
    esketamine = routes["esketamine"]
    assert esketamine["verdict"] == "not_eligible"
    assert esketamine["verdict_label"] == "not eligible"
    avm = next(f for f in esketamine["findings"] if "arteriovenous" in f["rule_id"])
    assert avm["severity"] == "contraindication" and avm["message"] and avm["source"]
    assert routes["iv"]["verdict"] == "eligible_with_cautions"
    assert any("benzodiazepine" in f["rule_id"] for f in routes["iv"]["findings"])
    trd = body["trd"]
    assert trd["meets_trd"] is True and trd["label"] == "TRD"
    assert trd["adequate_trials"] == 2 and trd["required_trials"] == 2
    assert trd["reasons"] and trd["source"]
    assert isinstance(body["workup_required"], list)
    viewed = AuditEvent.objects.get(action="view", actor=practice_a.staff[Role.NURSE])
    assert viewed.detail == {"sections": ["eligibility"]}


def test_the_report_names_missing_workup(practice_a):
    draft = _start(practice_a.client_for(Role.PRESCRIBER), practice_a)
    body = practice_a.client_for(Role.PRESCRIBER).get(_url(draft["public_id"], "/report")).json()
    # Nothing recorded yet: no blood pressure, and pregnancy not ruled out.
    assert {"baseline_blood_pressure", "pregnancy_test"} <= set(body["workup_required"])


# Signing


def test_signing_records_each_decision_moves_the_patient_on_and_is_audited(practice_a):
    assessment_id = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).post(
        _url(assessment_id, "/sign"), data=SIGNED_AS_THE_RULES_SAY, content_type=JSON
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "signed" and body["signed_at"]
    assert body["signed_by"]
    decisions = {d["route"]: d for d in body["decisions"]}
    assert set(decisions) == {"iv", "esketamine"}
    assert decisions["esketamine"]["rule_verdict"] == "not_eligible"
    assert decisions["esketamine"]["findings"] and not decisions["iv"]["overrides_rules"]
    assert decisions["iv"]["trd_label"] == "TRD"
    practice_a.patient.refresh_from_db()
    assert practice_a.patient.status == "active_treatment"
    assert (
        AuditEvent.objects.filter(action="create", object_type="screening.RouteDecision").count()
        == 2
    )
    changes = AuditEvent.objects.filter(
        action="change", object_type="screening.EligibilityAssessment"
    )
    signed = [e for e in changes if "signed_at" in e.changed_fields]
    assert [e.actor for e in signed] == [practice_a.staff[Role.PRESCRIBER]]
    read = practice_a.client_for(Role.NURSE).get(_url(assessment_id)).json()
    assert {d["route"] for d in read["decisions"]} == {"iv", "esketamine"}


def test_a_decision_against_the_rules_needs_a_reason_named_by_route(practice_a):
    assessment_id = _filled(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    against = {"decisions": {"esketamine": {"decision": "eligible"}}}
    refused = client.post(_url(assessment_id, "/sign"), data=against, content_type=JSON)
    assert refused.status_code == 422
    assert _named(refused, "reason_esketamine")
    assert not RouteDecision.objects.exists()
    assert EligibilityAssessment.objects.get(public_id=assessment_id).status == "draft"
    against["decisions"]["esketamine"]["reason"] = "Neurosurgery: AVM fully resected in 2019."
    signed = client.post(_url(assessment_id, "/sign"), data=against, content_type=JSON)
    assert signed.status_code == 200
    assert signed.json()["decisions"][0]["overrides_rules"] is True
    assert RouteDecision.objects.get().reason == "Neurosurgery: AVM fully resected in 2019."


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"decisions": {"unicorn": {"decision": "eligible"}}}, ("decisions", "unicorn")),
        ({"decisions": {"iv": {"decision": "perhaps"}}}, ("decisions", "iv", "decision")),
        ({"decisions": {}}, ("decisions",)),
        ({"decisions": {"esketamine": {"decision": "not_eligible"}}}, ("outcome_note",)),
        ({}, ("decisions",)),
    ],
)
def test_a_malformed_signature_gets_a_422_naming_the_field_and_signs_nothing(
    practice_a, body, path
):
    assessment_id = _filled(practice_a)
    response = practice_a.client_for(Role.PRESCRIBER).post(
        _url(assessment_id, "/sign"), data=body, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert _named(response, *path), response.json()
    assert not RouteDecision.objects.exists()
    stored = EligibilityAssessment.objects.get(public_id=assessment_id)
    assert stored.status == AssessmentStatus.DRAFT and stored.signed_at is None


def test_an_assessment_is_signed_only_once(practice_a):
    assessment_id = _filled(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    url = _url(assessment_id, "/sign")
    assert client.post(url, data=SIGNED_AS_THE_RULES_SAY, content_type=JSON).status_code == 200
    again = client.post(url, data=SIGNED_AS_THE_RULES_SAY, content_type=JSON)
    assert again.status_code == 422
    assert again.json()["detail"][0]["msg"] == "This assessment is already signed."
    assert RouteDecision.objects.count() == 2


def test_a_nurse_cannot_sign(practice_a):
    assessment_id = _filled(practice_a)
    response = practice_a.client_for(Role.NURSE).post(
        _url(assessment_id, "/sign"), data=SIGNED_AS_THE_RULES_SAY, content_type=JSON
    )
    assert response.status_code == 403
    assert not RouteDecision.objects.exists()
    assert AuditEvent.objects.filter(action="denied", actor=practice_a.staff[Role.NURSE]).exists()


# Who may: another practice gets 404 on everything, roles without the permission 403.


def _every_route(practice, assessment_id: str) -> list[tuple[str, str, dict, Permission]]:  # type: ignore[no-untyped-def,type-arg]
    return [
        ("post", _start_url(practice), {}, Permission.EDIT_CLINICAL),
        ("get", _url(assessment_id), {}, Permission.VIEW_CLINICAL),
        ("put", _url(assessment_id), {**FILLED, "version": 2}, Permission.EDIT_CLINICAL),
        ("get", _url(assessment_id, "/report"), {}, Permission.VIEW_CLINICAL),
        (
            "post",
            _url(assessment_id, "/sign"),
            SIGNED_AS_THE_RULES_SAY,
            Permission.SIGN_TREATMENT_DECISION,
        ),
    ]


def _call(client: Client, method: str, url: str, body: dict):  # type: ignore[no-untyped-def,type-arg]
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=body, content_type=JSON)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_of_another_practice_gets_404_on_every_route(practice_a, practice_b, role):
    assessment_id = _filled(practice_a)
    client = practice_b.client_for(role)
    before = AuditEvent.objects.count()
    for method, url, body, _permission in _every_route(practice_a, assessment_id):
        response = _call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert b"Quillfeather" not in response.content
        assert b"arteriovenous" not in response.content
    stored = EligibilityAssessment.objects.get(public_id=assessment_id)
    assert stored.status == "draft" and stored.version == 2
    assert EligibilityAssessment.objects.count() == 1
    assert AuditEvent.objects.count() == before  # nothing read, nothing written


@pytest.mark.parametrize("role", [Role.BILLING, Role.FRONT_DESK, Role.ORG_ADMIN, Role.THERAPIST])
def test_roles_without_the_permission_get_403_on_their_own_practice(practice_a, role):
    assessment_id = _filled(practice_a)
    client = practice_a.client_for(role)
    for method, url, body, permission in _every_route(practice_a, assessment_id):
        response = _call(client, method, url, body)
        expected = 403 if not role_may(role, permission) else response.status_code
        assert response.status_code == expected, (method, url, response.status_code)
        if response.status_code == 403:
            assert b"arteriovenous" not in response.content
    stored = EligibilityAssessment.objects.get(public_id=assessment_id)
    assert stored.status == "draft" and stored.version == 2


@pytest.mark.parametrize("role", [Role.BILLING, Role.FRONT_DESK])
def test_billing_and_front_desk_are_refused_every_route(practice_a, role):
    assessment_id = _filled(practice_a)
    client = practice_a.client_for(role)
    for method, url, body, _permission in _every_route(practice_a, assessment_id):
        assert _call(client, method, url, body).status_code == 403, (method, url)


def test_signed_out_visitors_get_401(practice_a):
    assessment_id = _filled(practice_a)
    for method, url, body, _permission in _every_route(practice_a, assessment_id):
        assert _call(Client(), method, url, body).status_code == 401, (method, url)


def test_an_id_that_is_not_a_uuid_gets_a_4xx_not_a_500(practice_a):
    client = practice_a.client_for(Role.PRESCRIBER)
    assert client.get("/api/eligibility/not-a-uuid").status_code in (404, 422)


# Prior trials through the registry endpoint (the must-show list: future dates, end before start)


def _trials_url(practice) -> str:  # type: ignore[no-untyped-def]
    return f"/api/patients/{practice.patient.public_id}/trials"


TRIAL = {"kind": "antidepressant", "name": "Sertraline", "adequate_dose": True}


def test_a_valid_trial_is_stored(practice_a):
    body = {**TRIAL, "start_date": "2024-01-01", "end_date": "2024-03-01"}
    response = practice_a.client_for(Role.NURSE).post(
        _trials_url(practice_a), data=body, content_type=JSON
    )
    assert response.status_code == 201
    assert PriorTreatmentTrial.objects.count() == 1


def test_a_trial_starting_in_the_future_gets_a_422_naming_start_date(practice_a):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = practice_a.client_for(Role.NURSE).post(
        _trials_url(practice_a), data={**TRIAL, "start_date": future}, content_type=JSON
    )
    assert response.status_code == 422
    assert _named(response, "start_date"), response.json()
    assert PriorTreatmentTrial.objects.count() == 0


def test_a_trial_ending_before_it_starts_gets_a_422_naming_end_date(practice_a):
    body = {**TRIAL, "start_date": "2024-03-01", "end_date": "2024-01-01"}
    response = practice_a.client_for(Role.NURSE).post(
        _trials_url(practice_a), data=body, content_type=JSON
    )
    assert response.status_code == 422
    assert PriorTreatmentTrial.objects.count() == 0
    assert _named(response, "end_date"), response.json()


def test_a_trial_ending_in_the_future_gets_a_422_naming_end_date(practice_a):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    body = {**TRIAL, "start_date": "2024-01-01", "end_date": future}
    response = practice_a.client_for(Role.NURSE).post(
        _trials_url(practice_a), data=body, content_type=JSON
    )
    assert response.status_code == 422
    assert _named(response, "end_date"), response.json()
    assert PriorTreatmentTrial.objects.count() == 0
