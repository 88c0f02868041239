"""The esketamine REMS Patient Monitoring Form, built from the chart and due in 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.patients.models import Medication
from ketacare.tenancy.models import Role
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
    with pytest.raises(ValidationError, match="Confirm the answers"):
        services.rems_form_mark_submitted(actor=user, form=form, confirmation="REMS-123")
    _review(user, form)
    with pytest.raises(ValidationError):
        services.rems_form_mark_submitted(actor=user, form=form, confirmation=" ")
    services.rems_form_mark_submitted(actor=user, form=form, confirmation="REMS-123")
    assert not selectors.rems_forms_overdue(user, today=DAY + timedelta(days=8)).exists()


def _review(user, form, **answers):  # type: ignore[no-untyped-def]
    values = {"vitals_acceptable_before_end": True, "respiratory_depression": False,
              "ready_to_leave_without_2h_rule_minutes": 95} | answers  # fmt: skip
    return services.rems_form_review(actor=user, form=form, **values)


def test_the_chart_only_suggests_three_answers_until_a_clinician_confirms_them(practice_a, clock):
    session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    # Suggested from the chart: BP fell from 150 at 40 min to 132 at the end; no respiratory
    # event charted; 95 minutes typed at discharge.
    assert services.rems_suggestions(form) == {
        "vitals_acceptable_before_end": True,
        "respiratory_depression": False,
        "ready_to_leave_without_2h_rule_minutes": 95,
    }
    user = nurse(practice_a)
    # The nurse knows better: a brief desaturation needed a chin lift (not charted as an event).
    reviewed = _review(user, form, respiratory_depression=True,
                       ready_to_leave_without_2h_rule_minutes=100)  # fmt: skip
    assert reviewed.fields["respiratory_depression"] is True
    assert reviewed.fields["ready_to_leave_without_2h_rule_minutes"] == 100
    assert reviewed.fields["reviewed"]["by"] == user.get_full_name()
    event = AuditEvent.objects.filter(action=AuditAction.CHANGE, object_id=str(form.pk)).last()
    assert event is not None
    assert event.detail["suggested"]["respiratory_depression"] is False
    assert event.detail["confirmed"]["respiratory_depression"] is True
    # A redraft from the chart (while unsubmitted) keeps what the clinician confirmed.
    services.rems_form_build(actor=user, session=session)
    form.refresh_from_db()
    assert form.fields["respiratory_depression"] is True and form.fields["reviewed"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"vitals_acceptable_before_end": None}, "vitals_acceptable_before_end"),
        ({"respiratory_depression": "yes"}, "respiratory_depression"),
        ({"ready_to_leave_without_2h_rule_minutes": 0}, "ready_to_leave_without_2h_rule_minutes"),
        (
            {"ready_to_leave_without_2h_rule_minutes": True},
            "ready_to_leave_without_2h_rule_minutes",
        ),  # fmt: skip
        (
            {"ready_to_leave_without_2h_rule_minutes": 1441},
            "ready_to_leave_without_2h_rule_minutes",
        ),  # fmt: skip
    ],
)
def test_each_reviewed_answer_is_required_and_checked(practice_a, clock, answers, field):
    session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    with pytest.raises(ValidationError) as refused:
        _review(nurse(practice_a), form, **answers)
    assert field in refused.value.message_dict
    form.refresh_from_db()
    assert "reviewed" not in form.fields


def test_only_charting_staff_of_the_practice_review_and_not_after_submission(
    practice_a, practice_b, clock
):
    session = _discharged(practice_a, clock)
    form = RemsMonitoringForm.objects.get(session=session)
    with pytest.raises(PermissionDenied):
        _review(practice_a.staff[Role.FRONT_DESK], form)
    with pytest.raises(Http404):
        _review(practice_b.staff[Role.NURSE], form)
    user = nurse(practice_a)
    _review(user, form)
    services.rems_form_mark_submitted(actor=user, form=form, confirmation="REMS-9")
    with pytest.raises(ValidationError, match="already submitted"):
        _review(user, form, respiratory_depression=True)
