"""Recovery scores, the clinician's attestation, the escort, and the discharge gate."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketacare.scheduling.models import AppointmentStatus
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import VitalSignReading
from ketacare.treatment_sessions.tasks import send_discharge_instructions
from tests.treatment_sessions.builders import (
    ALDRETE_FULL,
    DAY_START,
    in_monitoring,
    in_recovery,
    nurse,
    prescriber,
)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _reading(session, systolic, diastolic=80):  # type: ignore[no-untyped-def]
    return VitalSignReading.objects.create(
        organisation=session.organisation,
        session=session,
        taken_at=timezone.now(),
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=70,
        spo2=98,
        source="manual",
    )


def _ready_but_for_time(practice, session, clock):  # type: ignore[no-untyped-def]
    actor = nurse(practice)
    _reading(session, 150)
    clock.shift(timedelta(minutes=5))
    _reading(session, 138)
    services.recovery_score_record(
        actor=actor, session=session, scale="aldrete", items=ALDRETE_FULL
    )
    services.clinically_stable_attest(actor=actor, session=session)
    services.escort_present_record(actor=actor, session=session)


def _first_device_plus(session, clock, minutes):  # type: ignore[no-untyped-def]
    clock.move_to(session.first_dose_at + timedelta(minutes=minutes))


def test_esketamine_discharge_refused_at_100_minutes_and_allowed_at_120(
    practice_a, clock, django_capture_on_commit_callbacks
):
    session = in_recovery(practice_a, "esketamine", clock)
    _ready_but_for_time(practice_a, session, clock)
    _first_device_plus(session, clock, 100)
    with pytest.raises(ValidationError) as error:
        services.session_discharge(actor=nurse(practice_a), session=session)
    assert error.value.message_dict["discharge"] == [
        f"Observation must last at least 120 min after the first device: 20 min to go (until "
        f"{(session.first_dose_at + timedelta(minutes=120)).isoformat()})."
    ]
    _first_device_plus(session, clock, 120)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.session_discharge(
            actor=nurse(practice_a), session=session, ready_to_leave_minutes=90
        )
    assert done.state == "discharged" and done.discharged_by == nurse(practice_a)
    done.appointment.refresh_from_db()
    assert done.appointment.status == AppointmentStatus.COMPLETED


def test_discharge_lists_every_unmet_condition(practice_a, clock):
    session = in_recovery(practice_a, "esketamine", clock)
    _first_device_plus(session, clock, 121)
    with pytest.raises(ValidationError) as error:
        services.session_discharge(actor=nurse(practice_a), session=session)
    unmet = " ".join(error.value.message_dict["discharge"])
    assert "clinically stable" in unmet
    assert "blood pressure is falling" in unmet
    assert "No recovery score" in unmet
    assert "escort" in unmet


def test_rising_bp_keeps_an_esketamine_patient_in_monitoring(practice_a, clock):
    session = in_recovery(practice_a, "esketamine", clock)
    _ready_but_for_time(practice_a, session, clock)
    _reading(session, 145)
    _first_device_plus(session, clock, 130)
    with pytest.raises(ValidationError) as error:
        services.session_discharge(actor=nurse(practice_a), session=session)
    assert error.value.message_dict["discharge"] == [
        "Blood pressure is not falling: keep monitoring."
    ]


@pytest.mark.parametrize(("total_items", "passes"), [(9, True), (8, False)])
def test_aldrete_threshold_9_by_default(practice_a, clock, total_items, passes):
    session = in_monitoring(practice_a, "iv", clock)
    items = (
        dict(ALDRETE_FULL, activity=1)
        if total_items == 9
        else dict(ALDRETE_FULL, activity=1, spo2=1)
    )
    score = services.recovery_score_record(
        actor=nurse(practice_a), session=session, scale="aldrete", items=items
    )
    assert (score.total, score.threshold, score.passed) == (total_items, 9, passes)


def test_the_organisation_may_set_the_aldrete_threshold(practice_a, clock):
    services.treatment_day_settings_set(
        actor=prescriber(practice_a), values={"aldrete_threshold": 10}
    )
    session = in_monitoring(practice_a, "iv", clock)
    score = services.recovery_score_record(
        actor=nurse(practice_a), session=session, scale="aldrete", items=dict(ALDRETE_FULL, spo2=1)
    )
    assert score.threshold == 10 and not score.passed


def test_padss_needs_the_organisations_threshold(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    items = {"vital_signs": 2, "activity_mental_status": 2, "pain": 2, "nausea_vomiting": 1}
    with pytest.raises(ValidationError) as error:
        services.recovery_score_record(
            actor=nurse(practice_a), session=session, scale="padss", items=items
        )
    assert "scale" in error.value.message_dict
    services.treatment_day_settings_set(actor=prescriber(practice_a), values={"padss_threshold": 7})
    score = services.recovery_score_record(
        actor=nurse(practice_a), session=session, scale="padss", items=items
    )
    assert (score.total, score.passed) == (7, True)


def test_a_bad_score_item_is_refused(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    with pytest.raises(ValidationError) as error:
        services.recovery_score_record(
            actor=nurse(practice_a),
            session=session,
            scale="aldrete",
            items=dict(ALDRETE_FULL, spo2=3),
        )
    assert "items" in error.value.message_dict


def test_reassessment_is_due_30_minutes_after_a_failing_score(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    services.recovery_score_record(
        actor=nurse(practice_a),
        session=session,
        scale="aldrete",
        items=dict(ALDRETE_FULL, activity=0, spo2=0),
    )
    clock.shift(timedelta(minutes=31))
    due = selectors.reassessment_due(session)
    assert due is not None and due.needed and due.overdue


def test_iv_discharge_needs_the_practice_minimum_observation(practice_a, clock):
    session = in_recovery(practice_a, "iv", clock)
    actor = nurse(practice_a)
    services.recovery_score_record(
        actor=actor, session=session, scale="aldrete", items=ALDRETE_FULL
    )
    services.clinically_stable_attest(actor=actor, session=session)
    services.escort_present_record(actor=actor, session=session)
    with pytest.raises(ValidationError) as error:
        services.session_discharge(actor=actor, session=session)
    assert "No minimum observation time is set for iv" in error.value.message_dict["discharge"][0]
    services.treatment_day_settings_set(
        actor=prescriber(practice_a), values={"minimum_observation_minutes": {"iv": 60}}
    )
    clock.move_to(session.first_dose_at + timedelta(minutes=59))
    with pytest.raises(ValidationError):
        services.session_discharge(actor=actor, session=session)
    clock.move_to(session.first_dose_at + timedelta(minutes=60))
    assert services.session_discharge(actor=actor, session=session).state == "discharged"


def test_discharge_only_from_recovery(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    with pytest.raises(ValidationError) as error:
        services.session_discharge(actor=nurse(practice_a), session=session)
    assert "state" in error.value.message_dict


def test_discharge_instructions_go_to_the_patient_once(
    practice_a, clock, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "ketacare.messaging.sms.MemorySmsBackend"
    practice_a.patient.email = "marigold@example.org"
    practice_a.patient.save()
    session = in_recovery(practice_a, "iv", clock)
    services.treatment_day_settings_set(
        actor=prescriber(practice_a), values={"minimum_observation_minutes": {"iv": 60}}
    )
    actor = nurse(practice_a)
    services.recovery_score_record(
        actor=actor, session=session, scale="aldrete", items=ALDRETE_FULL
    )
    services.clinically_stable_attest(actor=actor, session=session)
    services.escort_present_record(actor=actor, session=session)
    clock.move_to(session.first_dose_at + timedelta(minutes=60))
    with django_capture_on_commit_callbacks(execute=True):
        services.session_discharge(actor=actor, session=session)
    assert DBTaskResult.objects.filter(args_kwargs__args=[session.pk]).exists()
    send_discharge_instructions.func(session.pk)
    send_discharge_instructions.func(session.pk)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Wait until tomorrow, after a restful night's sleep" in body
    assert practice_a.clinic.phone in body and "988" in body and "911" in body
    assert "ketamine" not in body.lower()
    session.refresh_from_db()
    assert session.instructions_sent_at is not None


def test_escort_present_needs_an_escort_recorded(practice_a, clock):
    from tests.treatment_sessions.builders import checked_in_session

    session = checked_in_session(practice_a, "iv", escort=False)
    with pytest.raises(ValidationError) as error:
        services.escort_present_record(actor=nurse(practice_a), session=session)
    assert "escort" in error.value.message_dict
