"""Consents: the route they cover, the prescriber's countersignature, withdrawal, printing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.patients import selectors, services
from ketacare.patients.consent_documents import DOCUMENTS, REVIEW_NOTE, document_for
from ketacare.patients.models import Consent, ConsentKind
from ketacare.patients.sections import SECTIONS
from ketacare.tenancy.models import Role, Route
from ketacare.tenancy.permissions import Permission, role_may

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _consent(practice, **data) -> Consent:  # type: ignore[no-untyped-def]
    values = {
        "kind": "ketamine",
        "route": "iv",
        "document_version": "2026.1",
        "signed_at": SIGNED,
        "signed_by_name": "Marigold Quillfeather",
        **data,
    }
    entry = services.chart_entry_add(
        actor=practice.staff[Role.FRONT_DESK],
        patient=practice.patient,
        section=SECTIONS["consents"],
        data=values,
    )
    assert isinstance(entry, Consent)
    return entry


def _countersigned(practice, **data) -> Consent:  # type: ignore[no-untyped-def]
    return services.consent_countersign(
        actor=practice.staff[Role.PRESCRIBER], consent=_consent(practice, **data)
    )


def _url(practice, consent: Consent, action: str) -> str:  # type: ignore[no-untyped-def]
    return f"/patients/{practice.patient.public_id}/consents/{consent.public_id}/{action}/"


def _events(consent: Consent, action: str) -> int:
    return AuditEvent.objects.filter(object_id=str(consent.public_id), action=action).count()


def _form_values(**overrides: str) -> dict[str, str]:
    return {
        "kind": "ketamine",
        "route": "iv",
        "document_version": "2026.1",
        "signed_at": "2026-03-02T09:00",
        "signed_by_name": "Marigold Quillfeather",
        **overrides,
    }


# ---- Route -----------------------------------------------------------------------------------


def test_a_ketamine_consent_without_a_route_is_refused_at_the_field_and_writes_nothing(
    practice_a,
):
    client = practice_a.client_for(Role.FRONT_DESK)
    events = AuditEvent.objects.filter(action="create").count()
    response = client.post(
        f"/patients/{practice_a.patient.public_id}/consents/add/", _form_values(route="")
    )
    assert response.status_code == 200
    assert "route" in response.context["form"].errors
    assert b'id="id_route_error"' in response.content
    assert b"Marigold Quillfeather" in response.content  # what was typed is kept
    assert not Consent.objects.exists()
    assert AuditEvent.objects.filter(action="create").count() == events


def test_the_api_names_the_route_it_refuses(practice_a):
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        f"/api/patients/{practice_a.patient.public_id}/consents",
        {
            "kind": "ketamine",
            "document_version": "2026.1",
            "signed_at": "2026-03-02T15:00:00Z",
            "signed_by_name": "Marigold Quillfeather",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "route"]
    assert not Consent.objects.exists()


def test_the_rems_enrolment_is_always_for_esketamine(practice_a):
    client = practice_a.client_for(Role.FRONT_DESK)
    url = f"/patients/{practice_a.patient.public_id}/consents/add/"
    response = client.post(url, _form_values(kind="esketamine_rems", route=""))
    assert response.status_code == 302
    assert Consent.objects.get().route == Route.ESKETAMINE

    response = client.post(url, _form_values(kind="esketamine_rems", route="iv"))
    assert response.status_code == 200
    assert "esketamine only" in " ".join(response.context["form"].errors["route"])
    assert Consent.objects.count() == 1


def test_a_privacy_notice_names_no_route(practice_a):
    with pytest.raises(ValidationError) as exc:
        _consent(practice_a, kind="privacy_notice", route="iv")
    assert "route" in exc.value.message_dict
    assert not Consent.objects.exists()


# ---- Countersignature ------------------------------------------------------------------------


def test_a_prescriber_countersigns_a_treatment_consent_and_it_is_audited(practice_a):
    consent = _consent(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.post(_url(practice_a, consent, "countersign"))
    assert response.status_code == 302
    assert response["Location"].endswith("#h-consents")
    consent.refresh_from_db()
    assert consent.prescriber == prescriber
    assert consent.prescriber_name == str(prescriber)
    assert consent.prescriber_signed_at is not None
    event = AuditEvent.objects.get(object_id=str(consent.public_id), action="change")
    assert event.changed_fields == ["prescriber", "prescriber_name", "prescriber_signed_at"]
    assert event.patient_public_id == practice_a.patient.public_id
    chart = client.get(f"/patients/{practice_a.patient.public_id}/")
    assert f"Countersigned by {prescriber}".encode() in chart.content


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.THERAPIST, Role.BILLING])
def test_other_roles_may_not_countersign(practice_a, role):
    consent = _consent(practice_a)
    response = practice_a.client_for(role).post(_url(practice_a, consent, "countersign"))
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.prescriber_id is None and consent.prescriber_signed_at is None
    assert _events(consent, "change") == 0


def test_a_consent_is_countersigned_only_once(practice_a):
    consent = _countersigned(practice_a)
    signed_at = consent.prescriber_signed_at
    client = practice_a.client_for(Role.PRESCRIBER)
    response = client.post(_url(practice_a, consent, "countersign"), follow=True)
    assert b"Already countersigned by" in response.content
    consent.refresh_from_db()
    assert consent.prescriber_signed_at == signed_at
    assert _events(consent, "change") == 1


def test_a_privacy_notice_takes_no_countersignature(practice_a):
    consent = _consent(practice_a, kind="privacy_notice", route="")
    with pytest.raises(ValidationError, match="not countersigned"):
        services.consent_countersign(actor=practice_a.staff[Role.PRESCRIBER], consent=consent)
    consent.refresh_from_db()
    assert consent.prescriber_id is None


def test_the_chart_says_what_awaits_a_prescriber(practice_a):
    _consent(practice_a)
    url = f"/patients/{practice_a.patient.public_id}/"
    prescriber_view = practice_a.client_for(Role.PRESCRIBER).get(url)
    assert b"Awaiting prescriber signature" in prescriber_view.content
    assert b"IV infusion (racemic ketamine)" in prescriber_view.content
    assert b">Countersign</button>" in prescriber_view.content
    nurse_view = practice_a.client_for(Role.NURSE).get(url)
    assert b"Awaiting prescriber signature" in nurse_view.content
    assert b">Countersign</button>" not in nurse_view.content
    assert b"Withdraw" in nurse_view.content and b"Print" in nurse_view.content


# ---- Withdrawal ------------------------------------------------------------------------------


def test_a_withdrawal_needs_a_reason_and_writes_nothing_without_one(practice_a):
    consent = _countersigned(practice_a)
    client = practice_a.client_for(Role.FRONT_DESK)
    for reason in ("", "   ", "x" * 301):
        response = client.post(_url(practice_a, consent, "withdraw"), {"reason": reason})
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
        assert b'id="id_reason_error"' in response.content
    consent.refresh_from_db()
    assert consent.withdrawn_at is None and consent.withdrawal_reason == ""
    assert _events(consent, "change") == 1  # the countersignature only
    with pytest.raises(ValidationError) as exc:
        services.consent_withdraw(actor=practice_a.staff[Role.NURSE], consent=consent, reason=" ")
    assert "reason" in exc.value.message_dict


def test_a_withdrawal_is_audited_and_blocks_treatment(practice_a):
    consent = _countersigned(practice_a)
    patient = practice_a.patient
    assert selectors.treatment_consent_for(patient, Route.IV) == consent
    assert selectors.consent_problem(patient, Route.IV) is None

    client = practice_a.client_for(Role.NURSE)
    with time_machine.travel(datetime(2026, 3, 9, 16, 0, tzinfo=UTC), tick=False):
        response = client.post(
            _url(practice_a, consent, "withdraw"), {"reason": "Does not want more infusions."}
        )
        chart = client.get(f"/patients/{patient.public_id}/")
    assert response.status_code == 302
    assert b"Withdrawn on Mar 9, 2026" in chart.content
    consent.refresh_from_db()
    assert consent.withdrawn_by == practice_a.staff[Role.NURSE]
    assert consent.withdrawal_reason == "Does not want more infusions."
    event = AuditEvent.objects.filter(object_id=str(consent.public_id), action="change").last()
    assert event is not None
    assert event.changed_fields == ["withdrawal_reason", "withdrawn_at", "withdrawn_by"]

    assert selectors.treatment_consent_for(patient, Route.IV) is None
    assert selectors.consent_problem(patient, Route.IV) == (
        "treatment consent for IV infusion withdrawn on Mar 9, 2026: Does not want more infusions."
    )


def test_an_older_consent_does_not_outlive_a_later_withdrawal(practice_a):
    older = _countersigned(practice_a, signed_at=datetime(2026, 1, 5, 15, 0, tzinfo=UTC))
    newer = _countersigned(practice_a)
    services.consent_withdraw(
        actor=practice_a.staff[Role.NURSE], consent=newer, reason="Changed their mind."
    )
    assert older.withdrawn_at is None
    assert selectors.treatment_consent_for(practice_a.patient, Route.IV) is None
    assert "withdrawn on" in (selectors.consent_problem(practice_a.patient, Route.IV) or "")
    # A consent signed after the withdrawal puts treatment back on (once countersigned).
    later = _consent(practice_a, signed_at=timezone.now())
    assert selectors.treatment_consent_for(practice_a.patient, Route.IV) == later
    assert selectors.consent_problem(practice_a.patient, Route.IV) == (
        "treatment consent for IV infusion not countersigned by a prescriber"
    )


def test_a_consent_is_withdrawn_only_once(practice_a):
    consent = _consent(practice_a)
    services.consent_withdraw(actor=practice_a.staff[Role.NURSE], consent=consent, reason="First")
    client = practice_a.client_for(Role.NURSE)
    page = client.get(_url(practice_a, consent, "withdraw"))
    assert b"Already withdrawn" in page.content
    response = client.post(_url(practice_a, consent, "withdraw"), {"reason": "Second"})
    assert response.status_code == 200
    assert b"Already withdrawn" in response.content
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "First"
    assert _events(consent, "change") == 1


def test_a_withdrawn_consent_can_be_neither_edited_nor_countersigned(practice_a):
    consent = _consent(practice_a)
    services.consent_withdraw(actor=practice_a.staff[Role.NURSE], consent=consent, reason="No")
    client = practice_a.client_for(Role.NURSE)
    url = f"/patients/{practice_a.patient.public_id}/consents/{consent.public_id}/edit/"
    response = client.post(url, _form_values(document_version="2026.9"))
    assert response.status_code == 200
    assert b"can no longer be changed" in response.content
    consent.refresh_from_db()
    assert consent.document_version == "2026.1"
    with pytest.raises(ValidationError, match="cannot be countersigned"):
        services.consent_countersign(actor=practice_a.staff[Role.PRESCRIBER], consent=consent)
    consent.refresh_from_db()
    assert consent.prescriber_id is None
    assert _events(consent, "change") == 1


def test_the_front_desk_records_a_withdrawal(practice_a):
    consent = _consent(practice_a, kind="telehealth", route="")
    client = practice_a.client_for(Role.FRONT_DESK)
    response = client.post(_url(practice_a, consent, "withdraw"), {"reason": "Prefers visits."})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.BILLING, Role.ORG_ADMIN])
def test_roles_without_the_consent_permission_may_not_withdraw(practice_a, role):
    consent = _consent(practice_a)
    client = practice_a.client_for(role)
    assert client.get(_url(practice_a, consent, "withdraw")).status_code == 403
    assert client.post(_url(practice_a, consent, "withdraw"), {"reason": "x"}).status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_database_refuses_a_half_written_withdrawal_or_signature(practice_a):
    consent = _consent(practice_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(
            prescriber=practice_a.staff[Role.PRESCRIBER], prescriber_name="Dr Example"
        )
    consent.refresh_from_db()
    assert consent.withdrawn_at is None and consent.prescriber_id is None


# ---- What blocks treatment -------------------------------------------------------------------


def test_consent_problem_names_what_is_missing(practice_a):
    patient = practice_a.patient
    assert selectors.consent_problem(patient, Route.IV) == (
        "no signed treatment consent for IV infusion"
    )
    _consent(practice_a, route="im_sc")  # another route does not count
    assert selectors.treatment_consent_for(patient, Route.IV) is None
    consent = _consent(practice_a)
    assert selectors.consent_problem(patient, Route.IV) == (
        "treatment consent for IV infusion not countersigned by a prescriber"
    )
    services.consent_countersign(actor=practice_a.staff[Role.PRESCRIBER], consent=consent)
    assert selectors.consent_problem(patient, Route.IV) is None


def test_esketamine_also_needs_the_rems_enrolment(practice_a):
    patient = practice_a.patient
    _countersigned(practice_a, route="esketamine")
    assert selectors.consent_problem(patient, Route.ESKETAMINE) == (
        "no Spravato REMS patient enrolment on file"
    )
    rems = _consent(practice_a, kind="esketamine_rems", route="")
    assert (
        selectors.treatment_consent_for(patient, Route.ESKETAMINE, kind=ConsentKind.ESKETAMINE_REMS)
        == rems
    )
    assert (
        selectors.treatment_consent_for(patient, Route.IV, kind=ConsentKind.ESKETAMINE_REMS) is None
    )
    assert selectors.consent_problem(patient, Route.ESKETAMINE) == (
        "Spravato REMS patient enrolment not countersigned by a prescriber"
    )
    services.consent_countersign(actor=practice_a.staff[Role.PRESCRIBER], consent=rems)
    assert selectors.consent_problem(patient, Route.ESKETAMINE) is None


def test_consent_problem_lists_every_missing_consent_for_esketamine(practice_a):
    assert selectors.consent_problem(practice_a.patient, Route.ESKETAMINE) == (
        "no signed treatment consent for intranasal esketamine (Spravato); "
        "no Spravato REMS patient enrolment on file"
    )


# ---- Printing --------------------------------------------------------------------------------


def test_the_print_view_shows_the_document_and_is_audited_as_an_export(practice_a):
    consent = _consent(practice_a)
    client = practice_a.client_for(Role.BILLING)  # anyone who may see the patient may print
    response = client.get(_url(practice_a, consent, "print"))
    assert response.status_code == 200
    body = response.content.decode()
    document = document_for("ketamine", "iv")
    assert document is not None
    assert document.title in body
    assert "Someone must take you home." in body
    assert practice_a.organisation.name in body and practice_a.clinic.name in body
    assert "Marigold Quillfeather" in body and practice_a.patient.mrn in body
    assert "May 17, 1980" in body  # date of birth
    assert "Document version 2026.1" in body
    assert "Awaiting prescriber signature" in body
    assert str(practice_a.staff[Role.FRONT_DESK]) in body  # the witness
    assert "Print command" in body
    assert "<script>" not in body and 'style="' not in body
    event = AuditEvent.objects.get(object_id=str(consent.public_id), action="export")
    assert event.patient_public_id == practice_a.patient.public_id


def test_the_print_view_shows_the_prescriber_and_a_withdrawal(practice_a):
    consent = _countersigned(practice_a, document_version="2025.4")
    services.consent_withdraw(
        actor=practice_a.staff[Role.NURSE], consent=consent, reason="Moving away."
    )
    body = practice_a.client_for(Role.NURSE).get(_url(practice_a, consent, "print")).content
    assert str(practice_a.staff[Role.PRESCRIBER]).encode() in body
    assert b"Awaiting prescriber signature" not in body
    assert b"Withdrawn on" in body and b"Moving away." in body
    assert b"signed on document version 2025.4" in body


def test_every_template_says_the_practice_must_replace_it():
    assert ("ketamine", "iv") in DOCUMENTS and ("esketamine_rems", "esketamine") in DOCUMENTS
    for kind in ConsentKind.values:
        assert document_for(kind, "esketamine" if kind == "esketamine_rems" else "") or (
            kind == "ketamine"
        )
    for document in DOCUMENTS.values():
        assert document.version == "2026.1"
        assert document.review_note.startswith(REVIEW_NOTE)
    rems = DOCUMENTS[("esketamine_rems", "esketamine")]
    text = " ".join(p for part in rems.parts for p in (*part.paragraphs, *part.points))
    assert "at least 2 hours" in text and "within 7 days" in text


# ---- Another organisation --------------------------------------------------------------------


NEEDS = {
    "countersign": Permission.SIGN_TREATMENT_DECISION,
    "withdraw": Permission.RECORD_CONSENT,
    "print": Permission.VIEW_PATIENT,
}


@pytest.mark.parametrize("action", ["countersign", "withdraw", "print"])
def test_another_practices_consent_answers_404_for_every_role(practice_a, practice_b, action):
    consent = _consent(practice_a)
    url = _url(practice_a, consent, action)
    # Practice B's own patient with practice A's consent id: still not found.
    crossed = f"/patients/{practice_b.patient.public_id}/consents/{consent.public_id}/{action}/"
    for role in Role:
        client = practice_b.client_for(role)
        for target in (url, crossed):
            for method in ("get", "post"):
                response = getattr(client, method)(target, {"reason": "x"})
                if response.status_code == 405:
                    continue
                # On its own patient a role without the permission is refused first (403):
                # that says nothing about practice A's consent.
                expected = 404 if target == url or role_may(role, NEEDS[action]) else 403
                assert response.status_code == expected, (role, method, target)
                assert b"Quillfeather" not in response.content
    consent.refresh_from_db()
    assert consent.prescriber_id is None and consent.withdrawn_at is None
    assert not AuditEvent.objects.filter(
        object_id=str(consent.public_id), action__in=["change", "export"]
    ).exists()


def test_the_chart_with_many_consents_stays_within_its_query_budget(practice_a):
    for _ in range(12):
        _countersigned(practice_a)
    client = practice_a.client_for(Role.PRESCRIBER)
    url = f"/patients/{practice_a.patient.public_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.content.count(b"Countersigned by") == 12
    assert len(queries) <= 15, [q["sql"] for q in queries]


def test_the_api_takes_null_as_an_empty_route(practice_a):
    response = practice_a.client_for(Role.FRONT_DESK).post(
        f"/api/patients/{practice_a.patient.public_id}/consents",
        {
            "kind": "privacy_notice",
            "route": None,
            "notes": None,
            "document_version": "2026.1",
            "signed_at": "2026-03-02T15:00:00Z",
            "signed_by_name": "Marigold Quillfeather",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["route"] == ""


def test_a_countersigned_consent_cannot_be_edited_under_the_prescribers_name(practice_a):
    from ketacare.patients import services as patient_services
    from ketacare.patients.sections import SECTIONS

    nurse = practice_a.staff[Role.NURSE]
    consent = patient_services.chart_entry_add(
        actor=nurse,
        patient=practice_a.patient,
        section=SECTIONS["consents"],
        data={
            "kind": "ketamine",
            "route": "iv",
            "document_version": "2026.1",
            "signed_at": timezone.now(),
            "signed_by_name": "Marigold Quillfeather",
        },
    )
    patient_services.consent_countersign(actor=practice_a.staff[Role.PRESCRIBER], consent=consent)
    with pytest.raises(ValidationError, match="countersigned"):
        patient_services.chart_entry_update(
            actor=nurse, entry=consent, section=SECTIONS["consents"], data={"route": "im_sc"}
        )


def test_an_api_null_in_an_optional_text_field_means_empty(practice_a, nurse_client):
    response = nurse_client.post(
        f"/api/patients/{practice_a.patient.public_id}/allergies",
        {"substance": "Latex", "reaction": None},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["reaction"] == ""
