"""Dosing: the order, the infusion's sequence, esketamine devices, doses, interventions and
bedside observations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.treatment.models import DoseOrder
from ketacare.treatment_sessions import services
from ketacare.treatment_sessions.models import Administration
from tests.treatment_sessions.builders import DAY_START, dosing, nurse, ready_to_dose


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _give(practice, session, kind, **fields):  # type: ignore[no-untyped-def]
    if kind in ("infusion_start", "dose"):
        fields.setdefault("lot_number", "KET-0417")
    return services.administration_record(
        actor=nurse(practice), session=session, kind=kind, **fields
    )


def test_dosing_needs_a_signed_order(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    DoseOrder.objects.filter(plan=session.plan).delete()
    with pytest.raises(ValidationError) as error:
        services.dosing_start(actor=nurse(practice_a), session=session)
    assert "order" in error.value.message_dict


def test_dosing_takes_the_sessions_order(practice_a, clock):
    session = dosing(practice_a, "iv")
    assert session.order == DoseOrder.objects.get(plan=session.plan, session_number=1)


def test_dosing_rejudges_consent_at_the_start(practice_a, clock):
    from ketacare.patients import services as patient_services
    from ketacare.patients.models import Consent

    session = ready_to_dose(practice_a, "iv")
    consent = Consent.objects.get(patient=practice_a.patient, kind="ketamine")
    patient_services.consent_withdraw(actor=nurse(practice_a), consent=consent, reason="No")
    with pytest.raises(ValidationError) as error:
        services.dosing_start(actor=nurse(practice_a), session=session)
    assert "withdrawn" in " ".join(error.value.message_dict["checks"])


def test_an_infusion_runs_in_a_sane_order(practice_a, clock):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "infusion_pause")
    assert "not started" in error.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "infusion_start")
    assert "rate_ml_per_h" in error.value.message_dict
    _give(practice_a, session, "infusion_start", rate_ml_per_h=Decimal(150))
    session.refresh_from_db()
    assert session.first_dose_at == DAY_START
    clock.shift(timedelta(minutes=10))
    _give(practice_a, session, "infusion_pause")
    with pytest.raises(ValidationError):
        _give(practice_a, session, "infusion_rate", rate_ml_per_h=Decimal(100))
    _give(practice_a, session, "infusion_resume", rate_ml_per_h=Decimal(100))
    clock.shift(timedelta(minutes=30))
    _give(practice_a, session, "infusion_stop")
    session.refresh_from_db()
    assert session.state == "monitoring"
    assert session.dosing_ended_at == DAY_START + timedelta(minutes=40)
    with pytest.raises(ValidationError):
        _give(practice_a, session, "infusion_pause")


def test_an_infusion_event_cannot_be_in_the_future(practice_a, clock):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _give(
            practice_a,
            session,
            "infusion_start",
            rate_ml_per_h=Decimal(150),
            given_at=DAY_START + timedelta(minutes=10),
        )
    assert "given_at" in error.value.message_dict


def test_esketamine_devices_five_minutes_apart_up_to_the_order(practice_a, clock):
    session = dosing(practice_a, "esketamine")
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "device", device_number=1)
    assert "lot_number" in error.value.message_dict
    _give(practice_a, session, "device", device_number=1, lot_number="L1")
    clock.shift(timedelta(minutes=4, seconds=59))
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "device", device_number=2, lot_number="L1")
    assert "rest 5 minutes" in error.value.message_dict["given_at"][0]
    clock.shift(timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "device", device_number=3, lot_number="L1")
    assert error.value.message_dict["device_number"] == ["This is device 2."]
    _give(practice_a, session, "device", device_number=2, lot_number="L1")
    session.refresh_from_db()
    assert session.state == "monitoring"  # 56 mg = 2 devices: dosing has ended
    assert session.first_dose_at == DAY_START
    assert Administration.objects.filter(session=session, kind="device").count() == 2


def test_infusion_events_are_refused_for_esketamine(practice_a, clock):
    session = dosing(practice_a, "esketamine")
    with pytest.raises(ValidationError):
        _give(practice_a, session, "infusion_start", rate_ml_per_h=Decimal(10))


def test_interventions_need_the_drug_and_its_dose(practice_a, clock):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "intervention", drug="ondansetron")
    assert "amount" in error.value.message_dict
    row = _give(
        practice_a, session, "intervention", drug="ondansetron", amount=Decimal(4), unit="mg"
    )
    assert row.drug == "ondansetron" and row.amount == Decimal(4)


def test_the_ketamine_is_charted_only_while_dosing(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "infusion_start", rate_ml_per_h=Decimal(150))
    assert "state" in error.value.message_dict


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("sedation_moaas", 0, True),
        ("sedation_moaas", 5, True),
        ("sedation_moaas", 6, False),
        ("dissociation_cadss", 92, True),
        ("dissociation_cadss", 93, False),
        ("dissociation_clinic", 24, True),
        ("dissociation_clinic", 25, False),
        ("nausea", -1, False),
    ],
)
def test_observation_ranges_come_from_the_instruments(practice_a, clock, kind, value, ok):
    session = dosing(practice_a, "iv")
    record = lambda: services.observation_record(  # noqa: E731
        actor=nurse(practice_a), session=session, kind=kind, value=value
    )
    if ok:
        assert record().value == value
    else:
        with pytest.raises(ValidationError) as error:
            record()
        assert "value" in error.value.message_dict


def test_the_ketamine_vial_lot_is_charted_with_the_infusion_start_and_a_dose(practice_a, clock):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _give(practice_a, session, "infusion_start", rate_ml_per_h=Decimal(150), lot_number=" ")
    assert "lot number" in error.value.message_dict["lot_number"][0]
    started = _give(practice_a, session, "infusion_start", rate_ml_per_h=Decimal(150))
    assert started.lot_number == "KET-0417"
