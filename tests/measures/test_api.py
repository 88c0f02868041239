"""The measures API: scales, assessments, outcomes and safety alerts, with the same access rules
as the pages (another practice's records answer 404, a missing permission 403)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.measures import services
from ketacare.measures.models import Assessment, SafetyAlert, SafetyAlertStatus
from ketacare.tenancy.models import Role
from ketacare.tenancy.permissions import Permission, role_may

pytestmark = pytest.mark.django_db

PHQ9_MODERATE = {str(i): v for i, v in enumerate([2, 2, 1, 2, 1, 1, 2, 1, 0], start=1)}  # 12
ACK = {"action": "safety_plan", "note": "Safety plan reviewed with the patient."}
JSON = "application/json"


def _phq9(**changes: int | None) -> dict[str, int | None]:
    return {**PHQ9_MODERATE, **{k.removeprefix("item"): v for k, v in changes.items()}}


def _assessments_url(practice) -> str:  # type: ignore[no-untyped-def]
    return f"/api/patients/{practice.patient.public_id}/assessments"


def _outcomes_url(practice) -> str:  # type: ignore[no-untyped-def]
    return f"/api/patients/{practice.patient.public_id}/outcomes"


def _ack_url(alert: SafetyAlert) -> str:
    return f"/api/measures/alerts/{alert.public_id}/acknowledge"


def _give(practice, answers, *, days_ago: int = 0, code: str = "phq9") -> Assessment:  # type: ignore[no-untyped-def]
    return services.assessment_record(
        actor=practice.staff[Role.NURSE],
        patient=practice.patient,
        instrument_code=code,
        answers=answers,
        completed_at=timezone.now() - timedelta(days=days_ago),
    )


def _open_alert(practice) -> SafetyAlert:  # type: ignore[no-untyped-def]
    return SafetyAlert.objects.get(assessment=_give(practice, _phq9(item9=1)))


def _locs(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[str(part) for part in error["loc"]] for error in response.json()["detail"]]


# Rating scales


def test_the_instrument_list_names_each_scale_with_its_licence_range_and_bands(practice_a):
    response = practice_a.client_for(Role.BILLING).get("/api/measures/instruments")
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    phq9 = by_code["phq9"]
    assert phq9["short_name"] == "PHQ-9" and phq9["rater"] == "self"
    assert phq9["total_range"] == [0, 27]
    assert phq9["item_text_included"] is True and phq9["licence_note"]
    assert phq9["bands"][0] == {"min": 0, "max": 4, "code": "minimal", "label": "Minimal"}
    assert by_code["madrs"]["item_text_included"] is False


def test_an_instrument_shows_its_items_and_answers_and_hides_licensed_wording(practice_a):
    client = practice_a.client_for(Role.NURSE)
    phq9 = client.get("/api/measures/instruments/phq9").json()
    assert [item["id"] for item in phq9["items"]] == [str(i) for i in range(1, 11)]
    assert phq9["items"][9]["scored"] is False  # the difficulty question
    first = phq9["items"][0]
    assert first["construct"] == "loss of interest or pleasure"
    assert first["text"] == "Little interest or pleasure in doing things"
    assert first["options"][1] == {"value": 1, "label": "Several days"}
    madrs = client.get("/api/measures/instruments/madrs").json()
    assert madrs["items"] and all(item["text"] is None for item in madrs["items"])


def test_an_unknown_instrument_answers_404_in_json(practice_a):
    response = practice_a.client_for(Role.NURSE).get("/api/measures/instruments/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_instruments_need_a_signed_in_user(client):
    assert client.get("/api/measures/instruments").status_code == 401
    assert client.get("/api/measures/instruments/phq9").status_code == 401


# Recording an assessment


def test_an_assessment_posted_through_the_api_is_scored_stored_and_audited(practice_a):
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        _assessments_url(practice_a),
        {"instrument": "phq9", "answers": PHQ9_MODERATE},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assessment = Assessment.objects.get()
    assert body["public_id"] == str(assessment.public_id)
    assert body["instrument_code"] == "phq9"
    assert body["instrument_version"] and body["scoring_version"]
    assert body["complete"] is True and body["total"] == 12
    assert body["band_code"] and body["band_label"].lower().startswith("moderate")
    assert body["safety_flagged"] is False and body["alerts"] == []
    assert body["result"]["reasons"]
    assert body["source"] == "api" and assessment.source == "api"
    assert assessment.patient == practice_a.patient
    assert assessment.administered_by == practice_a.staff[Role.NURSE]
    assert AuditEvent.objects.filter(
        action="create",
        object_id=str(assessment.public_id),
        patient_public_id=assessment.patient.public_id,
    ).exists()


def test_a_completed_at_time_is_kept(practice_a):
    client = practice_a.client_for(Role.PRESCRIBER)
    when = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    response = client.post(
        _assessments_url(practice_a),
        {"instrument": "phq9", "answers": PHQ9_MODERATE, "completed_at": when.isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert Assessment.objects.get().completed_at == when


def test_phq9_item_9_at_one_through_the_api_raises_an_open_safety_alert(practice_a):
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        _assessments_url(practice_a),
        {"instrument": "phq9", "answers": _phq9(item9=1)},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    alert = SafetyAlert.objects.get()
    assert body["safety_flagged"] is True
    assert body["alerts"] == [str(alert.public_id)]
    assert alert.status == SafetyAlertStatus.OPEN and alert.item == "9" and alert.value == 1
    assert alert.patient == practice_a.patient
    assert AuditEvent.objects.filter(action="create", object_id=str(alert.public_id)).exists()
    listed = client.get("/api/measures/alerts").json()
    assert [row["public_id"] for row in listed] == [str(alert.public_id)]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"instrument": "nope", "answers": PHQ9_MODERATE}, ["body", "instrument"]),
        ({"instrument": "phq9", "answers": _phq9(item9=4)}, ["body", "item_9"]),
        ({"instrument": "phq9", "answers": _phq9(item3=-1)}, ["body", "item_3"]),
        ({"instrument": "phq9", "answers": {**PHQ9_MODERATE, "99": 1}}, ["body", "answers"]),
        (
            {
                "instrument": "phq9",
                "answers": PHQ9_MODERATE,
                "completed_at": (timezone.now() + timedelta(days=2)).isoformat(),
            },
            ["body", "completed_at"],
        ),
    ],
    ids=["unknown-instrument", "item-9-out-of-range", "negative", "unknown-item", "future"],
)
def test_impossible_assessments_are_refused_at_their_field_and_store_nothing(practice_a, body, loc):
    response = practice_a.client_for(Role.NURSE).post(
        _assessments_url(practice_a), body, content_type=JSON
    )
    assert response.status_code == 422
    assert _locs(response) == [loc]
    assert response.json()["detail"][0]["msg"]
    assert Assessment.objects.count() == 0
    assert SafetyAlert.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "phq9", "answers": _phq9(item2="two")}, "2"),  # type: ignore[arg-type]
        ({"instrument": "phq9", "answers": _phq9(item2=1.5)}, "2"),  # type: ignore[arg-type]
        ({"instrument": "phq9", "answers": _phq9(item9=True)}, "9"),
        ({"instrument": "phq9", "answers": _phq9(item4="1")}, "4"),  # type: ignore[arg-type]
        ({"answers": PHQ9_MODERATE}, "instrument"),
        ({"instrument": "phq9"}, "answers"),
        ({"instrument": "phq9", "answers": [1, 2, 3]}, "answers"),
        (
            {"instrument": "phq9", "answers": PHQ9_MODERATE, "completed_at": "2026-01-02T10:00"},
            "completed_at",
        ),
    ],
    ids=[
        "word",
        "fraction",
        "boolean",
        "string-digit",
        "no-instrument",
        "no-answers",
        "list",
        "naive",
    ],
)
def test_answers_that_are_not_whole_numbers_are_refused_by_the_schema_naming_the_field(
    practice_a, body, field
):
    response = practice_a.client_for(Role.NURSE).post(
        _assessments_url(practice_a), body, content_type=JSON
    )
    assert response.status_code == 422
    assert any(field in loc for loc in _locs(response)), response.json()
    assert Assessment.objects.count() == 0


def test_an_item_9_alert_is_not_raised_when_another_answer_is_refused(practice_a):
    response = practice_a.client_for(Role.NURSE).post(
        _assessments_url(practice_a),
        {"instrument": "phq9", "answers": _phq9(item9=2, item3=7)},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert _locs(response) == [["body", "item_3"]]
    assert Assessment.objects.count() == 0 and SafetyAlert.objects.count() == 0


@pytest.mark.parametrize("role", list(Role))
def test_only_roles_that_chart_clinically_may_record_an_assessment(practice_a, role):
    response = practice_a.client_for(role).post(
        _assessments_url(practice_a),
        {"instrument": "phq9", "answers": PHQ9_MODERATE},
        content_type=JSON,
    )
    if role_may(role, Permission.EDIT_CLINICAL):
        assert response.status_code == 201
        assert Assessment.objects.count() == 1
    else:
        assert response.status_code == 403
        assert response.json()["detail"]
        assert Assessment.objects.count() == 0
        assert AuditEvent.objects.filter(action="denied").exists()


# Reading a patient's assessments and outcomes


def test_a_patients_assessments_are_listed_newest_first_and_the_read_is_audited(practice_a):
    older = _give(practice_a, _phq9(item1=3), days_ago=14)
    newer = _give(practice_a, PHQ9_MODERATE, days_ago=1)
    alerted = _give(practice_a, _phq9(item9=1), days_ago=7)
    client = practice_a.client_for(Role.THERAPIST)
    response = client.get(_assessments_url(practice_a))
    assert response.status_code == 200
    rows = response.json()
    assert [r["public_id"] for r in rows] == [
        str(newer.public_id),
        str(alerted.public_id),
        str(older.public_id),
    ]
    assert rows[1]["alerts"] == [str(alerted.alerts.get().public_id)]
    view = AuditEvent.objects.filter(action="view").latest("id")
    assert view.patient_public_id == practice_a.patient.public_id
    assert view.detail["sections"] == ["measures"]
    assert view.actor == practice_a.staff[Role.THERAPIST]


def test_the_assessment_list_keeps_to_a_query_budget(practice_a, django_assert_max_num_queries):
    for days in range(10):
        _give(practice_a, _phq9(item9=days % 2), days_ago=days)
    client = practice_a.client_for(Role.NURSE)
    client.get(_assessments_url(practice_a))  # warm the session
    with django_assert_max_num_queries(12):
        assert len(client.get(_assessments_url(practice_a)).json()) == 10


def test_outcomes_compare_the_latest_score_with_the_baseline_and_the_read_is_audited(practice_a):
    baseline = _give(practice_a, {str(i): 2 for i in range(1, 10)} | {"9": 0}, days_ago=28)  # 16
    _give(practice_a, PHQ9_MODERATE, days_ago=14)
    latest = _give(practice_a, {str(i): 1 for i in range(1, 9)} | {"9": 0}, days_ago=1)  # 8
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.get(_outcomes_url(practice_a))
    assert response.status_code == 200
    (phq9,) = response.json()
    assert phq9["instrument_code"] == "phq9" and phq9["short_name"] == "PHQ-9"
    assert phq9["assessments"] == 3
    assert phq9["baseline"]["assessment"] == str(baseline.public_id)
    assert phq9["baseline"]["total"] == 16
    assert phq9["latest"]["assessment"] == str(latest.public_id)
    assert phq9["latest"]["total"] == 8
    assert phq9["change"] == -8
    assert phq9["percent_change"] == "-50.0"
    assert phq9["response"] == "response"
    assert phq9["remission"] is False and phq9["remission_threshold"] == 4
    assert phq9["status_label"] == "Response"
    assert phq9["reasons"]
    view = AuditEvent.objects.filter(action="view").latest("id")
    assert view.patient_public_id == practice_a.patient.public_id
    assert view.detail["sections"] == ["measures"]


def test_a_baseline_alone_is_reported_without_a_judgement(practice_a):
    _give(practice_a, PHQ9_MODERATE, days_ago=2)
    (phq9,) = practice_a.client_for(Role.NURSE).get(_outcomes_url(practice_a)).json()
    assert phq9["baseline"]["total"] == 12 and phq9["latest"]["total"] == 12
    assert phq9["status_label"] == "Baseline only"
    assert phq9["percent_change"] is None and phq9["response"] is None
    assert phq9["reasons"] == []


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("what", ["assessments", "outcomes"])
def test_roles_without_clinical_access_get_403_for_a_patients_scores(practice_a, role, what):
    _give(practice_a, _phq9(item9=1))
    url = _assessments_url(practice_a) if what == "assessments" else _outcomes_url(practice_a)
    response = practice_a.client_for(role).get(url)
    if role_may(role, Permission.VIEW_CLINICAL):
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert b"Quillfeather" not in response.content
        assert b"phq9" not in response.content
        assert not AuditEvent.objects.filter(action="view").exists()


# Safety alerts


def test_open_alerts_are_those_of_the_practice_and_the_list_is_audited(practice_a, practice_b):
    mine = _open_alert(practice_a)
    _open_alert(practice_b)
    client = practice_a.client_for(Role.THERAPIST)
    response = client.get("/api/measures/alerts")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["public_id"] == str(mine.public_id)
    assert row["patient"] == str(practice_a.patient.public_id)
    assert row["assessment"] == str(mine.assessment.public_id)
    assert row["instrument_code"] == "phq9"
    assert row["status"] == "open" and row["item"] == "9" and row["value"] == 1
    assert row["reason"] and row["level"]
    view = AuditEvent.objects.filter(action="view").latest("id")
    assert view.detail["shown"] == [str(practice_a.patient.public_id)]


def test_the_open_alert_list_keeps_to_a_query_budget(practice_a, django_assert_max_num_queries):
    for _ in range(5):
        _open_alert(practice_a)
    client = practice_a.client_for(Role.NURSE)
    client.get("/api/measures/alerts")
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/measures/alerts").json()) == 5


@pytest.mark.parametrize("role", list(Role))
def test_roles_without_clinical_access_get_403_for_the_alert_list(practice_a, role):
    _open_alert(practice_a)
    response = practice_a.client_for(role).get("/api/measures/alerts")
    if role_may(role, Permission.VIEW_CLINICAL):
        assert response.status_code == 200 and len(response.json()) == 1
    else:
        assert response.status_code == 403
        assert str(practice_a.patient.public_id).encode() not in response.content


def test_acknowledging_an_alert_records_the_action_and_audits_the_change(practice_a):
    alert = _open_alert(practice_a)
    client = practice_a.client_for(Role.THERAPIST)
    response = client.post(_ack_url(alert), ACK, content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["public_id"] == str(alert.public_id)
    assert body["status"] == "acknowledged"
    assert body["action"] == "safety_plan" and body["action_note"] == ACK["note"]
    assert body["acknowledged_at"]
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == practice_a.staff[Role.THERAPIST]
    assert AuditEvent.objects.filter(action="change", object_id=str(alert.public_id)).exists()
    assert client.get("/api/measures/alerts").json() == []


def test_an_alert_acknowledged_twice_answers_409_in_json(practice_a):
    alert = _open_alert(practice_a)
    client = practice_a.client_for(Role.NURSE)
    assert client.post(_ack_url(alert), ACK, content_type=JSON).status_code == 200
    again = client.post(
        _ack_url(alert), {"action": "referral", "note": "Again."}, content_type=JSON
    )
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]
    alert.refresh_from_db()
    assert alert.action == "safety_plan"
    assert AuditEvent.objects.filter(action="change", object_id=str(alert.public_id)).count() == 1


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"action": "safety_plan"}, "note"),
        ({"action": "safety_plan", "note": "   "}, "note"),
        ({"action": "safety_plan", "note": "x" * 2001}, "note"),
        ({"action": "dismissed", "note": "Nothing to do."}, "action"),
        ({"note": "Nothing to do."}, "action"),
    ],
    ids=["missing-note", "blank-note", "long-note", "unknown-action", "missing-action"],
)
def test_an_acknowledgement_without_action_or_note_is_refused_naming_it(practice_a, body, loc):
    alert = _open_alert(practice_a)
    response = practice_a.client_for(Role.NURSE).post(_ack_url(alert), body, content_type=JSON)
    assert response.status_code == 422
    locs = _locs(response)
    assert locs and all(loc in found for found in locs), locs
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN and alert.action_note == ""
    assert not AuditEvent.objects.filter(action="change").exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_roles_that_may_acknowledge_an_alert_can(practice_a, role):
    alert = _open_alert(practice_a)
    response = practice_a.client_for(role).post(_ack_url(alert), ACK, content_type=JSON)
    alert.refresh_from_db()
    if role_may(role, Permission.ACKNOWLEDGE_SAFETY_ALERT):
        assert response.status_code == 200
        assert alert.status == SafetyAlertStatus.ACKNOWLEDGED
    else:
        assert response.status_code == 403
        assert alert.status == SafetyAlertStatus.OPEN


def test_malformed_ids_answer_404_or_422_never_500(practice_a):
    client = practice_a.client_for(Role.NURSE)
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/api/patients/{bad}/assessments").status_code in (404, 422)
        assert client.get(f"/api/patients/{bad}/outcomes").status_code in (404, 422)
        posted = client.post(
            f"/api/patients/{bad}/assessments",
            {"instrument": "phq9", "answers": PHQ9_MODERATE},
            content_type=JSON,
        )
        assert posted.status_code in (404, 422)
        acked = client.post(f"/api/measures/alerts/{bad}/acknowledge", ACK, content_type=JSON)
        assert acked.status_code in (404, 422)
    assert Assessment.objects.count() == 0


# Another practice


@pytest.mark.parametrize("role", list(Role))
def test_every_role_of_another_practice_gets_404_for_every_measures_route(
    practice_a, practice_b, role
):
    _give(practice_a, PHQ9_MODERATE, days_ago=7)
    alert = _open_alert(practice_a)
    client = practice_b.client_for(role)
    valid_assessment = {"instrument": "phq9", "answers": PHQ9_MODERATE}
    requests = [
        ("get", _assessments_url(practice_a), None),
        ("post", _assessments_url(practice_a), valid_assessment),
        ("get", _outcomes_url(practice_a), None),
        ("post", _ack_url(alert), ACK),
    ]
    before = Assessment.objects.count()
    for method, url, body in requests:
        if body is None:
            response = client.get(url)
        else:
            response = getattr(client, method)(url, body, content_type=JSON)
        assert response.status_code == 404, (role, method, url, response.status_code)
        assert response.json() == {"detail": "Not found."}
        assert b"Quillfeather" not in response.content
        assert b"Marigold" not in response.content
    assert Assessment.objects.count() == before
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN
    if role_may(role, Permission.VIEW_CLINICAL):
        listed = client.get("/api/measures/alerts").json()
        assert str(alert.public_id) not in {row["public_id"] for row in listed}
