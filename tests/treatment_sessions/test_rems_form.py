"""The esketamine REMS Patient Monitoring Form, built from the chart and due in 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.patients.models import Medication
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import RemsMonitoringForm, VitalSignReading
from tests.treatment_sessions.builders import (
    ALDRETE_FULL,
    DAY,
    DAY_START,
    dosing,
    in_recovery,
    nurse,
)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _reading(session, systolic):  # type: ignore[no-untyped-def]
    VitalSignReading.objects.create(
        organisation=session.organisation,
        session=session,
        taken_at=timezone.now(),
        systolic=systolic,
        diastolic=80,
        heart_rate=70,
        spo2=98,
        source="manual",
    )


def _discharged(practice, clock):  # type: ignore[no-untyped-def]
    session = in_recovery(practice, "esketamine", clock)
    # Taken at home and told to the nurse during monitoring (after the pre-dose screen).
    Medication.objects.create(
        organisation=practice.organisation,
        patient=practice.patient,
        name="Zolpidem",
        drug_class="nonbenzo_hypnotic",
    )
    first = session.first_dose_at
    clock.move_to(first + timedelta(minutes=40))
    _reading(session, 150)
    clock.move_to(first + timedelta(minutes=110))
    _reading(session, 132)
    actor = nurse(practice)
    services.recovery_score_record(
        actor=actor, session=session, scale="aldrete", items=ALDRETE_FULL
    )
    services.clinically_stable_attest(actor=actor, session=session)
    services.escort_present_record(actor=actor, session=session)
    clock.move_to(first + timedelta(minutes=125))
    return services.session_discharge(actor=actor, session=session, ready_to_leave_minutes=95)


def test_discharge_builds_the_form_from_the_chart(practice_a, clock):
    session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    fields = form.fields
    assert form.due_by == DAY + timedelta(days=7)
    assert fields["patient_last_name"] == "Quillfeather"
    assert fields["first_treatment"] is True and fields["patient_enrolled"] is True
    assert fields["concomitant_medications"]["non_benzodiazepine_sedative_hypnotics"] is True
    assert fields["concomitant_medications"]["benzodiazepines"] is False
    assert fields["dose"] == "56 mg" and fields["lot_numbers"] == ["LOT-A1"]
    assert fields["total_minutes_first_device_to_end"] == 125
    assert fields["ready_to_leave_without_2h_rule_minutes"] == 95
    assert fields["bp_before_administration"] == "128/80"
    assert fields["bp_at_40_minutes"] == "150/80"
    assert fields["bp_before_end"] == "132/80"
    assert fields["vitals_acceptable_before_administration"] is True
    assert fields["setting_name"] == practice_a.clinic.name


def test_stopping_early_after_a_device_drafts_the_form(practice_a, clock):
    session = dosing(practice_a, "esketamine")
    services.administration_record(
        actor=nurse(practice_a), session=session, kind="device", device_number=1, lot_number="L9"
    )
    services.session_transition(
        actor=nurse(practice_a), session=session, to="stopped_early", reason="Severe nausea"
    )
    form = RemsMonitoringForm.objects.get(session=session)
    assert form.fields["dose"] == "other (28 mg)"
    assert form.fields["session_ended"] == "stopped_early"


def test_overdue_forms_are_flagged_until_submitted(practice_a, clock):
    session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    user = nurse(practice_a)
    assert not selectors.rems_forms_overdue(user, today=DAY + timedelta(days=7)).exists()
    assert list(selectors.rems_forms_overdue(user, today=DAY + timedelta(days=8))) == [form]
    with pytest.raises(ValidationError):
        services.rems_form_mark_submitted(actor=user, form=form, confirmation=" ")
    services.rems_form_mark_submitted(actor=user, form=form, confirmation="REMS-123")
    assert not selectors.rems_forms_overdue(user, today=DAY + timedelta(days=8)).exists()
