"""Registering, editing and searching patients through the staff pages and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Medication, Patient
from ketacare.patients.sections import SECTIONS
from ketacare.patients.services import chart_entry_add
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db

VALID = {
    "legal_first_name": "Ivy",
    "legal_last_name": "Fernhollow",
    "date_of_birth": "1985-04-02",
    "sex_assigned_at_birth": "female",
    "status": "lead",
}


def _nothing_written(before_patients: int, before_events: int) -> None:
    assert Patient.objects.count() == before_patients
    assert AuditEvent.objects.filter(action="create").count() == before_events


def test_front_desk_registers_a_patient_and_gets_the_next_mrn(practice_a):
    client = practice_a.client_for(Role.FRONT_DESK)
    response = client.post("/patients/new/", VALID)
    assert response.status_code == 302
    patient = Patient.objects.get(legal_last_name="Fernhollow")
    assert response["Location"] == f"/patients/{patient.public_id}/"
    assert patient.organisation == practice_a.organisation
    assert patient.mrn == "000001"
    assert AuditEvent.objects.filter(action="create", patient_public_id=patient.public_id).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "in the future"),
        ("date_of_birth", "1850-01-01", "older than"),
        ("date_of_birth", "1990-02-30", "valid date"),
        ("legal_last_name", "x" * 101, "at most 100"),
        ("zip_code", "6046", "ZIP"),
        ("phone", "call me maybe", "phone number"),
        ("email", "not-an-email", "valid email"),
        ("state", "Illinois", "at most 2"),
        ("sex_assigned_at_birth", "robot", "valid choice"),
        ("legal_first_name", "", "required"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_writes_nothing(practice_a, field, value, message):
    client = practice_a.client_for(Role.FRONT_DESK)
    before = (Patient.objects.count(), AuditEvent.objects.filter(action="create").count())
    response = client.post("/patients/new/", {**VALID, field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message.lower() in " ".join(form.errors[field]).lower()
    assert f'id="id_{field}_error"'.encode() in response.content
    assert b"Fernhollow" in response.content or field == "legal_last_name"  # input is kept
    _nothing_written(*before)


def test_a_duplicate_mrn_is_refused_at_the_field(practice_a):
    client = practice_a.client_for(Role.FRONT_DESK)
    before = (Patient.objects.count(), AuditEvent.objects.filter(action="create").count())
    response = client.post("/patients/new/", {**VALID, "mrn": practice_a.patient.mrn.lower()})
    assert response.status_code == 200
    assert "another patient" in " ".join(response.context["form"].errors["mrn"]).lower()
    _nothing_written(*before)


def test_the_same_mrn_is_fine_in_another_practice(practice_a, practice_b):
    client = practice_b.client_for(Role.FRONT_DESK)
    response = client.post("/patients/new/", {**VALID, "mrn": practice_a.patient.mrn})
    assert response.status_code == 302


def test_a_tampered_uuid_answers_404(practice_a, nurse_client):
    good = str(practice_a.patient.public_id)
    for bad in (good[:-1] + ("0" if good[-1] != "0" else "1"), "not-a-uuid", good + "0"):
        assert nurse_client.get(f"/patients/{bad}/").status_code == 404
        assert nurse_client.get(f"/api/patients/{bad}").status_code in (404, 422)


def test_a_stale_edit_is_refused_and_shows_what_changed(practice_a):
    patient = practice_a.patient
    desk = practice_a.client_for(Role.FRONT_DESK)
    nurse = practice_a.client_for(Role.NURSE)
    form_values = {
        **VALID,
        "legal_first_name": "Marigold",
        "legal_last_name": "Quillfeather",
        "date_of_birth": "1980-05-17",
        "mrn": patient.mrn,
        "version": patient.version,
    }
    # Two people open the edit form; the first saves a new phone number.
    assert (
        desk.post(
            f"/patients/{patient.public_id}/edit/", {**form_values, "phone": "(555) 010-1111"}
        ).status_code
        == 302
    )
    # The second saves from the old version: refused, nothing overwritten, the change named.
    response = nurse.post(
        f"/patients/{patient.public_id}/edit/", {**form_values, "phone": "(555) 010-2222"}
    )
    assert response.status_code == 200
    assert b"someone else changed this record" in response.content
    assert b"Phone" in response.content
    patient.refresh_from_db()
    assert patient.phone == "(555) 010-1111"
    assert patient.version == 2


def test_search_finds_by_name_prefix_mrn_and_date_of_birth(practice_a, nurse_client):
    for query in ("quill", "Marigold Quill", practice_a.patient.mrn, "1980-05-17", "05/17/1980"):
        response = nurse_client.post("/patients/", {"q": query})
        assert b"Quillfeather" in response.content, query


def test_search_ignores_accents_and_case(practice_a, nurse_client):
    Patient.objects.filter(pk=practice_a.patient.pk).update(
        legal_last_name="Zoë-Quill", last_name_key="zoe-quill"
    )
    response = nurse_client.post("/patients/", {"q": "ZOË"})
    assert b"Zo\xc3\xab-Quill" in response.content


def test_an_impossible_date_in_search_is_explained(nurse_client):
    response = nurse_client.post("/patients/", {"q": "2020-02-31"})
    assert b"not a real date" in response.content


def test_search_uses_post_so_names_never_appear_in_urls(nurse_client):
    response = nurse_client.get("/patients/?q=Quillfeather")
    assert b"Quillfeather" not in response.content


def _chart_with_entries(practice, count: int) -> None:  # type: ignore[no-untyped-def]
    Medication.objects.bulk_create(
        Medication(
            organisation=practice.organisation,
            patient=practice.patient,
            name=f"Medicine {i}",
            drug_class="other",
        )
        for i in range(count)
    )


@pytest.mark.parametrize("entries", [2, 60])
def test_the_chart_stays_within_its_query_budget(practice_a, nurse_client, entries):
    _chart_with_entries(practice_a, entries)
    url = f"/patients/{practice_a.patient.public_id}/"
    nurse_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = nurse_client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 15, [q["sql"] for q in queries]


def test_search_results_stay_within_their_query_budget(practice_a, nurse_client):
    from tests.factories import PatientFactory

    PatientFactory.create_batch(
        30, organisation=practice_a.organisation, legal_last_name="Quillon", last_name_key="quillon"
    )
    nurse_client.get("/patients/")
    with CaptureQueriesContext(connection) as queries:
        response = nurse_client.post("/patients/", {"q": "quil"})
    assert response.content.count(b'class="name"') == 31
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_the_chart_shows_header_flags_and_a_timeline(practice_a, nurse_client):
    nurse = practice_a.staff[Role.NURSE]
    chart_entry_add(
        actor=nurse,
        patient=practice_a.patient,
        section=SECTIONS["allergies"],
        data={"substance": "Sulfa drugs", "reaction": "rash", "severity": "moderate"},
    )
    chart_entry_add(
        actor=nurse,
        patient=practice_a.patient,
        section=SECTIONS["medications"],
        data={
            "name": "Clonazepam",
            "drug_class": "benzodiazepine",
            "diazepam_equivalent_mg_per_day": "20",
            "active": True,
        },
    )
    response = nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    assert b"Sulfa drugs" in response.content
    assert b"Takes a benzodiazepine" in response.content
    assert b"No escort on file" in response.content
    assert b"Timeline" in response.content and b"Clonazepam" in response.content


def test_a_benzodiazepine_needs_its_diazepam_equivalent(practice_a, nurse_client):
    url = f"/patients/{practice_a.patient.public_id}/medications/add/"
    response = nurse_client.post(url, {"name": "Lorazepam", "drug_class": "benzodiazepine"})
    assert response.status_code == 200
    assert b"diazepam-equivalent" in response.content
    assert not Medication.objects.exists()


def test_an_entry_dated_in_the_future_is_refused(practice_a, nurse_client):
    url = f"/patients/{practice_a.patient.public_id}/trials/add/"
    future = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = nurse_client.post(
        url,
        {
            "kind": "antidepressant",
            "name": "Sertraline",
            "start_date": future,
            "outcome": "unknown",
        },
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors


def test_the_api_names_the_field_it_refuses(practice_a):
    client = practice_a.client_for(Role.FRONT_DESK)
    before = Patient.objects.count()
    response = client.post(
        "/api/patients/", {**VALID, "date_of_birth": "2999-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "date_of_birth"]
    response = client.post(
        "/api/patients/", {**VALID, "legal_last_name": "y" * 300}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "legal_last_name" in response.json()["detail"][0]["loc"]
    assert Patient.objects.count() == before


def test_the_api_registers_updates_and_refuses_a_stale_version(practice_a):
    client = practice_a.client_for(Role.FRONT_DESK)
    created = client.post("/api/patients/", VALID, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    url = f"/api/patients/{body['public_id']}"
    update = {**VALID, "pronouns": "she/her", "version": body["version"]}
    assert client.put(url, update, content_type="application/json").status_code == 200
    stale = client.put(url, {**update, "pronouns": "they/them"}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["changed_fields"] == ["pronouns"]


def test_the_api_adds_a_medication_with_a_schema_named_error(practice_a, nurse_client):
    url = f"/api/patients/{practice_a.patient.public_id}/medications"
    ok = nurse_client.post(
        url, {"name": "Sertraline", "drug_class": "other"}, content_type="application/json"
    )
    assert ok.status_code == 201 and ok.json()["name"] == "Sertraline"
    bad = nurse_client.post(
        url, {"name": "Lorazepam", "drug_class": "benzodiazepine"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert Medication.objects.count() == 1


def test_the_timeline_shows_times_in_the_practices_time_zone(practice_a, nurse_client):
    practice_a.organisation.time_zone = "America/Chicago"
    practice_a.organisation.save()
    Patient.objects.filter(pk=practice_a.patient.pk).update(
        created_at=datetime(2026, 7, 1, 15, 5, tzinfo=UTC)
    )
    response = nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    assert b"Jul 1, 2026 10:05 CDT" in response.content
