"""The audit trail: written with every change and view, sealed into chains, tamper-evident."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ketacare.audit.chain import seal_pending_events, verify_chains
from ketacare.audit.models import AuditEvent, AuditSeal
from ketacare.patients import services
from ketacare.patients.sections import SECTIONS
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db


def test_opening_a_chart_records_who_saw_which_patient_from_where(practice_a, nurse_client):
    nurse_client.get(
        f"/patients/{practice_a.patient.public_id}/",
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="TabletBrowser/1.0",
    )
    event = AuditEvent.objects.get(action="view", patient_public_id=practice_a.patient.public_id)
    assert event.actor == practice_a.staff[Role.NURSE]
    assert event.actor_role == Role.NURSE
    assert event.organisation == practice_a.organisation
    assert event.ip_address == "203.0.113.9"
    assert event.user_agent == "TabletBrowser/1.0"
    assert event.object_type == "patients.Patient"
    assert event.object_id == str(practice_a.patient.public_id)


def test_a_change_records_which_fields_changed_but_not_their_values(practice_a):
    patient = practice_a.patient
    services.patient_update(
        actor=practice_a.staff[Role.FRONT_DESK],
        patient=patient,
        data={"phone": "(555) 010-7777", "pronouns": "she/her"},
        expected_version=patient.version,
    )
    event = AuditEvent.objects.get(action="change", patient_public_id=patient.public_id)
    assert event.changed_fields == ["phone", "pronouns"]
    assert "7777" not in str(event.content())


def test_a_search_records_which_patients_were_shown(practice_a, nurse_client):
    nurse_client.post("/patients/", {"q": "Quillfeather"})
    event = AuditEvent.objects.get(action="search")
    assert event.detail == {"shown": [str(practice_a.patient.public_id)]}


def test_an_api_read_is_audited(practice_a, nurse_client):
    nurse_client.get(f"/api/patients/{practice_a.patient.public_id}/medications")
    assert AuditEvent.objects.filter(
        action="view", patient_public_id=practice_a.patient.public_id
    ).exists()


def test_a_failed_write_leaves_no_audit_event(practice_a):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017,PT011
        services.chart_entry_add(
            actor=practice_a.staff[Role.NURSE],
            patient=practice_a.patient,
            section=SECTIONS["problems"],
            data={"icd10_code": "not a code", "description": "x"},
        )
    assert AuditEvent.objects.count() == before


def test_sealing_links_each_organisation_into_its_own_chain(practice_a, practice_b):
    practice_a.client_for(Role.NURSE).get(f"/patients/{practice_a.patient.public_id}/")
    practice_b.client_for(Role.NURSE).get(f"/patients/{practice_b.patient.public_id}/")
    assert seal_pending_events() == AuditEvent.objects.count()
    chains = set(AuditSeal.objects.values_list("chain", flat=True))
    assert f"org-{practice_a.organisation.pk}" in chains
    assert f"org-{practice_b.organisation.pk}" in chains
    report = verify_chains()
    assert report.ok
    assert all(c.pending == 0 for c in report.chains)


def test_unsealed_events_are_reported_as_pending_not_valid(practice_a, nurse_client, capsys):
    nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    report = verify_chains()
    chain = next(c for c in report.chains if c.chain == f"org-{practice_a.organisation.pk}")
    assert chain.sealed == 0 and chain.pending >= 1
    call_command("verify_audit")
    assert "0 sealed events valid" in capsys.readouterr().out


class _BehindTheAppsBack:
    """Acts as an attacker with superuser database access would: with triggers switched off."""

    def __enter__(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")

    def __exit__(self, *exc: object) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def _tamper(event_id: int, **changes: object) -> None:
    with _BehindTheAppsBack():
        AuditEvent.objects.filter(pk=event_id).update(**changes)


def test_verify_audit_names_the_first_event_that_was_changed(practice_a, nurse_client):
    for _ in range(3):
        nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    seal_pending_events()
    call_command("verify_audit")  # intact
    victim = AuditEvent.objects.filter(action="view").order_by("id")[1]
    _tamper(victim.pk, ip_address="198.51.100.1")
    with pytest.raises(CommandError, match=f"event {victim.pk}"):
        call_command("verify_audit")


def test_verify_audit_notices_a_deleted_event(practice_a, nurse_client):
    for _ in range(3):
        nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    seal_pending_events()
    seals = list(AuditSeal.objects.filter(chain=f"org-{practice_a.organisation.pk}"))
    middle = seals[1]
    with _BehindTheAppsBack():
        AuditSeal.objects.filter(pk=middle.pk).delete()
    assert not verify_chains().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_on_the_audit_table(practice_a, nurse_client):
    nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    seal_pending_events()
    event = AuditEvent.objects.first()
    for statement in (
        "UPDATE audit_auditevent SET ip_address = '192.0.2.1' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
        "UPDATE audit_auditseal SET hash = 'x' WHERE event_id = %s",
        "DELETE FROM audit_auditseal WHERE event_id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])


def test_an_org_admin_browses_the_trail_by_patient_and_by_user(practice_a, nurse_client):
    nurse_client.get(f"/patients/{practice_a.patient.public_id}/")
    admin = practice_a.client_for(Role.ORG_ADMIN)
    by_patient = admin.get(f"/audit/?patient={practice_a.patient.public_id}")
    assert by_patient.status_code == 200
    assert practice_a.staff[Role.NURSE].full_name.encode() in by_patient.content
    by_user = admin.get(f"/audit/?user={practice_a.staff[Role.NURSE].public_id}")
    assert b"Viewed" in by_user.content
    nobody = admin.get(f"/audit/?user={practice_a.staff[Role.BILLING].public_id}")
    assert b"Viewed" not in nobody.content


def test_the_trail_never_shows_another_organisations_events(practice_a, practice_b):
    practice_b.client_for(Role.NURSE).get(f"/patients/{practice_b.patient.public_id}/")
    page = practice_a.client_for(Role.ORG_ADMIN).get(
        f"/audit/?patient={practice_b.patient.public_id}"
    )
    assert page.status_code == 200
    assert b"Brightwater" not in page.content
    assert b"No events." in page.content


def test_a_refusal_is_recorded(practice_a):
    billing = practice_a.client_for(Role.BILLING)
    assert billing.get(f"/patients/{practice_a.patient.public_id}/edit/").status_code == 403
    assert (
        billing.get(f"/api/patients/{practice_a.patient.public_id}/medications").status_code == 403
    )
    assert (
        AuditEvent.objects.filter(action="denied", actor=practice_a.staff[Role.BILLING]).count()
        == 2
    )
