"""Controlled-substance waste: what the pump gave against what was prepared, the rest wasted by a
nurse in front of a witness who confirms it with their own password; every refusal at its field
and nothing half-written."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.models import Role, Route
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import Administration, DrugWaste, TreatmentSession
from tests.factories import TEST_PASSWORD
from tests.treatment_sessions import builders as day
from tests.treatment_sessions.test_documents import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(day.DAY_START, tick=False) as traveller:
        yield traveller


def _stopped_early(practice, clock, minutes: int = 32):  # type: ignore[no-untyped-def]
    """40 mg in a 100 mL bag at 150 mL/h, stopped after `minutes` (the patient asked to stop)."""
    session = day.dosing(practice, Route.IV)
    nurse = day.nurse(practice)
    services.administration_record(
        actor=nurse, session=session, kind="infusion_start", rate_ml_per_h=Decimal(150),
        lot_number="KET-0417",
    )  # fmt: skip
    clock.shift(timedelta(minutes=minutes))
    services.administration_record(actor=nurse, session=session, kind="infusion_stop")
    session.refresh_from_db()
    return session


def _waste(practice, session, **changes):  # type: ignore[no-untyped-def]
    values = {
        "actor": day.nurse(practice), "session": session, "witness": day.prescriber(practice),
        "amount_mg": "8", "volume_ml": "20", "lot_number": "KET-0417", "method": "stopped_early",
    } | changes  # fmt: skip
    return services.waste_record(**values)


def test_a_whole_infusion_balances_with_nothing_to_waste(practice_a, clock):
    session = day.in_monitoring(practice_a, Route.IV, clock)
    balance = services.session_balance(session, timezone.now())
    assert balance is not None and balance.balanced
    assert balance.message == "Accounted for: 40 mg prepared = 40 mg given + 0 mg wasted."


def test_an_infusion_stopped_early_leaves_the_rest_to_waste_with_a_witness(practice_a, clock):
    session = _stopped_early(practice_a, clock)  # 80 mL of 100: 32 mg given
    before = services.session_balance(session, timezone.now())
    assert before is not None and before.unaccounted_mg == Decimal("8.0")
    assert before.message.startswith("8 mg not accounted for")

    waste = _waste(practice_a, session)
    after = services.session_balance(session, timezone.now())
    assert after is not None and after.balanced
    assert (waste.amount_mg, waste.volume_ml, waste.lot_number) == (Decimal(8), Decimal(20),
                                                                   "KET-0417")  # fmt: skip
    assert waste.recorded_by == day.nurse(practice_a)
    assert waste.witnessed_by == day.prescriber(practice_a)
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="treatment_sessions.DrugWaste"
    )
    assert event.patient_public_id == session.patient.public_id
    assert event.detail["amount_mg"] == "8.0"
    assert event.detail["witnessed_by"] == day.prescriber(practice_a).get_full_name()


@pytest.mark.parametrize(
    ("witness_role", "message"),
    [
        (None, "not right"),
        ("self", "someone other than"),
        (Role.FRONT_DESK, "nurse or prescriber of this practice"),
        ("other practice", "nurse or prescriber of this practice"),
    ],
)
def test_the_witness_is_another_licensed_member_of_the_practice(
    practice_a, practice_b, clock, witness_role, message
):
    session = _stopped_early(practice_a, clock)
    witness = {
        None: None,
        "self": day.nurse(practice_a),
        Role.FRONT_DESK: practice_a.staff[Role.FRONT_DESK],
        "other practice": practice_b.staff[Role.NURSE],
    }[witness_role]
    with pytest.raises(ValidationError) as refused:
        _waste(practice_a, session, witness=witness)
    assert message in " ".join(refused.value.message_dict["witness_email"])
    assert not DrugWaste.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount_mg": "0"}, "amount_mg", "greater than zero"),
        ({"amount_mg": "lots"}, "amount_mg", "Give a number"),
        ({"amount_mg": "41"}, "amount_mg", "more than was prepared"),
        ({"lot_number": "  "}, "lot_number", "lot number"),
        ({"method": "flushed"}, "method", "Choose how"),
        ({"method": "other", "note": ""}, "note", "Say what happened"),
        ({"volume_ml": "-3"}, "volume_ml", "greater than zero"),
    ],
)
def test_a_bad_entry_is_refused_at_its_field_and_nothing_is_written(
    practice_a, clock, changes, field, message
):
    session = _stopped_early(practice_a, clock)
    with pytest.raises(ValidationError) as refused:
        _waste(practice_a, session, **changes)
    assert message in " ".join(refused.value.message_dict[field])
    assert not DrugWaste.objects.exists()
    assert not AuditEvent.objects.filter(object_type="treatment_sessions.DrugWaste").exists()


def test_no_more_than_was_prepared_is_wasted_and_an_overcount_is_flagged(practice_a, clock):
    session = _stopped_early(practice_a, clock, minutes=20)  # 20 mg given, 20 mg left
    _waste(practice_a, session, amount_mg="15")
    with pytest.raises(ValidationError, match="25 mg of 40 mg"):
        _waste(practice_a, session, amount_mg="26")  # more than the bag ever held
    _waste(practice_a, session, amount_mg="6")  # possible, but one more than the chart leaves
    balance = services.session_balance(session, timezone.now())
    assert balance is not None and balance.unaccounted_mg == Decimal("-1.0")
    assert balance.message.startswith("1 mg more given and wasted than prepared")


def _post(client, session, **changes):  # type: ignore[no-untyped-def]
    data = {"amount_mg": "8", "volume_ml": "20", "lot_number": "KET-0417",
            "method": "stopped_early", "witness_email": "", "witness_password": TEST_PASSWORD,
            } | changes  # fmt: skip
    return client.post(reverse("treatment_sessions:waste", args=[session.public_id]), data)


def test_the_screen_checks_the_witness_password_and_keeps_nothing_on_a_refusal(practice_a, clock):
    session = _stopped_early(practice_a, clock)
    client = practice_a.client_for(Role.NURSE)
    witness = day.prescriber(practice_a).email
    page = client.get(reverse("treatment_sessions:dosing", args=[session.public_id]))
    assert "8 mg not accounted for" in page.content.decode()
    assert 'value="KET-0417"' in page.content.decode()  # the infusion's lot, filled in

    wrong = _post(client, session, witness_email=witness, witness_password="not-the-password")
    assert wrong.status_code == 422
    assert "The witness&#x27;s e-mail or password is not right." in wrong.content.decode()
    assert TEST_PASSWORD not in wrong.content.decode()  # a password is never sent back
    assert not DrugWaste.objects.exists()

    done = _post(client, session, witness_email=witness)
    assert done.status_code == 302
    assert DrugWaste.objects.get().witnessed_by == day.prescriber(practice_a)
    page = client.get(reverse("treatment_sessions:dosing", args=[session.public_id]))
    assert "Accounted for: 40 mg prepared = 32 mg given + 8 mg wasted." in page.content.decode()


def test_repeated_wrong_witness_passwords_lock_the_witness_account(practice_a, clock):
    session = _stopped_early(practice_a, clock)
    client = practice_a.client_for(Role.NURSE)
    witness = day.prescriber(practice_a).email
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(client, session, witness_email=witness, witness_password="guess")
    locked = _post(client, session, witness_email=witness)  # the right password, too late
    assert locked.status_code == 422
    assert "locked after repeated wrong passwords" in locked.content.decode()
    assert not DrugWaste.objects.exists()


def test_front_desk_may_not_chart_a_waste(practice_a, clock):
    session = _stopped_early(practice_a, clock)
    refused = _post(practice_a.client_for(Role.FRONT_DESK), session,
                    witness_email=day.prescriber(practice_a).email)  # fmt: skip
    assert refused.status_code == 403
    assert not DrugWaste.objects.exists()


def test_the_session_record_shows_the_balance_and_each_witnessed_waste(practice_a, clock):
    session = _stopped_early(practice_a, clock)
    _waste(practice_a, session)
    record = practice_a.client_for(Role.NURSE).get(
        reverse("treatment_sessions:record_pdf", args=[session.public_id])
    )
    text = pdf_text(record.content)
    assert "Controlled substance" in text
    assert "Accounted for: 40 mg prepared = 32 mg given + 8 mg wasted." in text
    assert "Infusion stopped early" in text
    assert "Witnessed the waste of 8.0 mg" in text and "Wasted 8.0 mg" in text
    assert day.prescriber(practice_a).get_full_name() in text


def test_the_floor_board_says_what_is_left_to_waste_until_it_is(practice_a, clock):
    session = _stopped_early(practice_a, clock)
    due = selectors.due_next(session, timezone.now())
    assert due is not None and due.text.endswith("8 mg of ketamine to waste, with a witness")
    _waste(practice_a, session)
    due = selectors.due_next(session, timezone.now())
    assert due is None or "to waste" not in due.text


def test_the_api_takes_a_witnessed_waste_and_names_the_field_it_refuses(practice_a, practice_b,
                                                                        clock):  # fmt: skip
    session = _stopped_early(practice_a, clock)
    client = practice_a.client_for(Role.NURSE)
    url = f"/api/treatment-sessions/{session.public_id}/wastes"
    body = {"amount_mg": "8", "lot_number": "KET-0417", "method": "stopped_early",
            "witness_email": day.prescriber(practice_a).email,
            "witness_password": "not-the-password"}  # fmt: skip
    wrong = client.post(url, body, content_type="application/json")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "witness_email"]
    assert "not-the-password" not in wrong.content.decode()
    assert not DrugWaste.objects.exists()
    done = client.post(url, body | {"witness_password": TEST_PASSWORD},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 201
    assert str(DrugWaste.objects.get().public_id) == done.json()["public_id"]
    theirs = practice_b.client_for(Role.NURSE).post(url, body, content_type="application/json")
    assert theirs.status_code == 404


def _log(client, day=None):  # type: ignore[no-untyped-def]
    url = reverse("treatment_sessions:controlled_substances")
    return client.get(url, {"day": (day or day_local()).isoformat()})


def day_local():  # type: ignore[no-untyped-def]
    return timezone.localdate(timezone=day.DAY_START.tzinfo)


def test_the_days_log_flags_what_does_not_add_up_and_shows_no_other_practice(
    practice_a, practice_b, clock
):
    _stopped_early(practice_b, clock)  # another practice's session, never shown
    stopped = _stopped_early(practice_a, clock)
    page = _log(practice_a.client_for(Role.NURSE)).content.decode()
    assert "1 not accounted for" in page and 'class="flagged"' in page
    assert page.count('id="log-') == 1 and f"log-{stopped.public_id}" in page
    assert "KET-0417" in page  # the vial's lot
    event = AuditEvent.objects.filter(detail__report="controlled_substances").get()
    assert event.detail["shown"] == [str(stopped.patient.public_id)]
    _waste(practice_a, stopped)
    page = _log(practice_a.client_for(Role.NURSE)).content.decode()
    assert "not accounted for" not in page and 'class="flagged"' not in page
    assert "Accounted for: 40 mg prepared = 32 mg given + 8 mg wasted." in page
    assert "8 mg at" in page and "8 mg wasted in all" in page


def _another_session_like(session):  # type: ignore[no-untyped-def]
    """A copy of the session, its appointment and its charted ketamine (rows only; the log just
    reads them)."""
    appointment = Appointment.objects.get(pk=session.appointment_id)
    appointment.pk, appointment.public_id = None, uuid.uuid4()
    appointment.save(force_insert=True)
    copy = TreatmentSession.objects.get(pk=session.pk)
    copy.pk, copy.public_id, copy.appointment = None, uuid.uuid4(), appointment
    copy.save(force_insert=True)
    for row in Administration.objects.filter(session=session):
        row.pk, row.session = None, copy
        row.save(force_insert=True)
    return copy


def test_the_log_reads_in_a_fixed_number_of_queries_however_many_sessions(practice_a, clock):
    session = _stopped_early(practice_a, clock, minutes=20)
    with CaptureQueriesContext(connection) as one:
        page = _log(practice_a.client_for(Role.NURSE))
    assert page.content.decode().count('id="log-') == 1
    for _ in range(3):
        _waste(practice_a, session, amount_mg="5")
    for _ in range(2):
        _another_session_like(session)
    with CaptureQueriesContext(connection) as three:
        page = _log(practice_a.client_for(Role.NURSE))
    assert page.content.decode().count('id="log-') == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_a_day_that_is_not_a_date_shows_today(practice_a, clock):
    client = practice_a.client_for(Role.NURSE)
    response = client.get(reverse("treatment_sessions:controlled_substances"), {"day": "soon"})
    assert response.status_code == 200
    assert "Wednesday, Dec 2, 2026" in response.content.decode()
