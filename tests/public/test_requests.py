"""Consultation requests from the public, and the front desk's queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.test import Client

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.patients.models import Patient
from ketacare.public.forms import SIGNING_SALT, sign_answers
from ketacare.public.models import ConsultationRequest, RequestStatus
from ketacare.public.services import RATE_LIMIT_REQUESTS
from ketacare.tenancy.models import Role
from tests.conftest import Practice
from tests.public.conftest import WORTH

pytestmark = pytest.mark.django_db


def _body(practice: Practice, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "Rowan Test",
        "email": "rowan@example.org",
        "phone": "",
        "clinic": str(practice.clinic.public_id),
        "preferred_times": "weekday mornings",
        "consent": "on",
        "website": "",
        "answers": "",
    }
    body.update(changes)
    return body


def _request(practice: Practice, **changes: Any) -> ConsultationRequest:
    response = Client().post("/consultation/request/", _body(practice, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return ConsultationRequest.objects.get()


def test_a_visitor_requests_a_consultation(listed_a: Practice) -> None:
    response = Client().post("/consultation/request/", _body(listed_a), follow=True)
    assert response.redirect_chain[-1][0] == "/consultation/thanks/"
    html = response.content.decode()
    assert "988" in html and "911" in html and "will contact you" in html
    item = ConsultationRequest.objects.get()
    assert item.organisation == listed_a.organisation and item.clinic == listed_a.clinic
    assert item.status == RequestStatus.NEW and item.prescreen_answers == {}


def test_the_request_carries_signed_prescreen_answers(listed_a: Practice) -> None:
    start = Client().post(
        "/consultation/request/", {"answers": sign_answers(WORTH), "from_prescreen": "1"}
    )
    assert start.status_code == 200 and "pre-screen answers will be sent" in start.content.decode()
    item = _request(listed_a, answers=sign_answers(WORTH))
    assert item.prescreen_outcome == "worth_a_consultation"
    assert item.prescreen_answers["antidepressants_tried"] == "2"


def test_the_clinic_can_be_chosen_from_the_query(listed_a: Practice) -> None:
    html = Client().get(f"/consultation/request/?clinic={listed_a.clinic.public_id}").content
    assert f'value="{listed_a.clinic.public_id}" selected'.encode() in html
    assert Client().get("/consultation/request/?clinic=not-a-uuid").status_code == 200


def _refused(practice: Practice, status: int = 400, **changes: Any) -> str:
    response = Client().post("/consultation/request/", _body(practice, **changes))
    assert response.status_code == status
    assert ConsultationRequest.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    return str(response.content.decode())


def test_the_honeypot_refuses_a_bot(listed_a: Practice) -> None:
    assert "could not be sent" in _refused(listed_a, website="http://spam.example")


def test_a_request_without_email_or_phone_is_refused_at_the_fields(listed_a: Practice) -> None:
    html = _refused(listed_a, email="", phone="")
    assert 'id="id_email_error"' in html and 'id="id_phone_error"' in html
    assert 'value="Rowan Test"' in html  # the input is kept


def test_consent_is_required(listed_a: Practice) -> None:
    assert "Please tick this box" in _refused(listed_a, consent="")


def test_tampered_signed_answers_are_refused(listed_a: Practice) -> None:
    token = sign_answers(WORTH)
    assert "take the pre-screen again" in _refused(listed_a, answers=token[:-3] + "abc")
    forged = signing.dumps({**WORTH, "age": "999"}, salt=SIGNING_SALT)
    assert "could not be read" in _refused(listed_a, answers=forged)
    assert "take the pre-screen again" in _refused(listed_a, answers="garbage")


def test_an_unlisted_or_unknown_clinic_is_refused(practice_a: Practice) -> None:
    assert "Choose one of the clinics" in _refused(practice_a)
    assert "Choose one of the clinics" in _refused(practice_a, clinic="nonsense")


def test_a_phone_alone_is_enough_and_bad_phones_are_refused(listed_a: Practice) -> None:
    assert "digits" in _refused(listed_a, email="", phone="call me maybe")
    assert _request(listed_a, email="", phone="+1 (312) 555-0100").phone == "+1 (312) 555-0100"


def test_the_rate_limit_refuses_a_sixth_request_in_an_hour(listed_a: Practice) -> None:
    client = Client()
    for _ in range(RATE_LIMIT_REQUESTS):
        assert client.post("/consultation/request/", _body(listed_a)).status_code == 302
    response = client.post("/consultation/request/", _body(listed_a))
    assert response.status_code == 429
    assert "too many requests" in response.content.decode()
    assert ConsultationRequest.objects.count() == RATE_LIMIT_REQUESTS


# --- Staff queue ---


def test_anonymous_visitors_are_sent_to_sign_in_for_the_queue(listed_a: Practice) -> None:
    item = _request(listed_a)
    for url in ("/consultation/requests/", f"/consultation/requests/{item.public_id}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    response = Client().post(f"/consultation/requests/{item.public_id}/convert", {})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_front_desk_sees_new_requests_first_and_the_view_is_audited(listed_a: Practice) -> None:
    old = _request(listed_a, name="Old Contacted")
    old.status = RequestStatus.CONTACTED
    old.save()
    new = ConsultationRequest.objects.create(
        organisation=listed_a.organisation, clinic=listed_a.clinic, name="Fresh New", email="a@b.co"
    )
    response = listed_a.client_for(Role.FRONT_DESK).get("/consultation/requests/")
    assert response.status_code == 200
    assert [r.public_id for r in response.context["rows"]] == [new.public_id, old.public_id]
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_front_desk_marks_a_request_contacted_with_a_note(listed_a: Practice) -> None:
    item = _request(listed_a)
    client = listed_a.client_for(Role.FRONT_DESK)
    url = f"/consultation/requests/{item.public_id}/mark"
    assert client.post(url, {"status": "converted"}).status_code == 400  # not from this form
    response = client.post(url, {"status": "contacted", "outcome_note": "Left a voicemail"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RequestStatus.CONTACTED and item.outcome_note == "Left a voicemail"
    assert item.handled_by == listed_a.staff[Role.FRONT_DESK]
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, object_id=str(item.public_id))


def test_front_desk_converts_a_request_into_a_patient(listed_a: Practice) -> None:
    item = _request(listed_a, answers=sign_answers(WORTH), phone="312-555-0100")
    client = listed_a.client_for(Role.FRONT_DESK)
    detail = client.get(f"/consultation/requests/{item.public_id}/")
    assert detail.status_code == 200 and 'value="Rowan"' in detail.content.decode()
    bad = client.post(
        f"/consultation/requests/{item.public_id}/convert",
        {"legal_first_name": "Rowan", "legal_last_name": "Test", "date_of_birth": "not a date",
         "sex_assigned_at_birth": "female", "status": "lead"},
    )  # fmt: skip
    assert bad.status_code == 400 and 'id="id_date_of_birth_error"' in bad.content.decode()
    response = client.post(
        f"/consultation/requests/{item.public_id}/convert",
        {"legal_first_name": "Rowan", "legal_last_name": "Test", "date_of_birth": "1988-04-02",
         "sex_assigned_at_birth": "female", "status": "consultation"},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    patient = Patient.objects.get(pk=item.patient_id)
    assert response.url == f"/patients/{patient.public_id}/"
    assert item.status == RequestStatus.CONVERTED
    assert patient.organisation == listed_a.organisation
    assert patient.email == "rowan@example.org" and patient.status == "consultation"
    assert patient.preferred_clinic == listed_a.clinic
    events = AuditEvent.objects.filter(patient_public_id=patient.public_id)
    assert {e.action for e in events} >= {AuditAction.CREATE, AuditAction.CHANGE}
    again = client.post(
        f"/consultation/requests/{item.public_id}/convert",
        {"legal_first_name": "Rowan", "legal_last_name": "Test", "date_of_birth": "1988-04-02",
         "sex_assigned_at_birth": "female", "status": "lead"},
    )  # fmt: skip
    assert (
        again.status_code == 400 and Patient.objects.filter(email="rowan@example.org").count() == 1
    )


def test_a_future_birth_date_is_refused(listed_a: Practice) -> None:
    item = _request(listed_a)
    response = listed_a.client_for(Role.FRONT_DESK).post(
        f"/consultation/requests/{item.public_id}/convert",
        {"legal_first_name": "R", "legal_last_name": "T", "date_of_birth": "2999-01-01",
         "sex_assigned_at_birth": "female", "status": "lead"},
    )  # fmt: skip
    assert response.status_code == 400 and "future" in response.content.decode()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_another_organisations_request_is_a_404_for_every_role(
    listed_a: Practice, practice_b: Practice, role: str
) -> None:
    item = _request(listed_a)
    client = practice_b.client_for(role)
    base = f"/consultation/requests/{item.public_id}/"
    assert client.get(base).status_code == 404
    assert client.post(base + "mark", {"status": "declined"}).status_code == 404
    assert client.post(base + "convert", {}).status_code == 404
    item.refresh_from_db()
    assert item.status == RequestStatus.NEW and item.patient is None
    if client.get("/consultation/requests/").status_code == 200:
        assert b"Rowan Test" not in client.get("/consultation/requests/").content


def test_roles_without_edit_patient_are_refused_the_queue(listed_a: Practice) -> None:
    assert listed_a.client_for(Role.THERAPIST).get("/consultation/requests/").status_code == 403
    assert listed_a.client_for(Role.BILLING).get("/consultation/requests/").status_code == 403
