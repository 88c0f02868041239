"""Pre-dose checks: each gate at its threshold, the override by a prescriber only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.patients import services as patient_services
from ketacare.patients.models import Consent, Medication
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import PreCheck
from tests.treatment_sessions.builders import (
    DAY_START,
    checked_in_session,
    nurse,
    prescriber,
    ready_to_dose,
)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _record(practice, session, code, **values):  # type: ignore[no-untyped-def]
    return services.precheck_record(
        actor=nurse(practice), session=session, code=code, values=values
    )


def _ago(**delta) -> str:  # type: ignore[no-untyped-def]
    return (timezone.now() - timedelta(**delta)).isoformat()


def test_a_ready_session_has_no_blockers_and_iv_skips_the_rems_checks(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    assert selectors.dosing_blockers(session) == []
    assert PreCheck.objects.get(session=session, code="rems_site").status == "not_applicable"


def test_every_missing_check_is_a_blocker(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    codes = {b.code for b in selectors.dosing_blockers(session)}
    assert codes == {
        "consent",
        "rems_patient",
        "rems_site",
        "prescriber_on_site",
        "pulse_oximeter",
        "fasting",
        "predose_vitals",
        "pregnancy_test",
        "medications",
        "scales",
        "transport",
    }


def test_dosing_with_a_blocker_is_refused_naming_it(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    with pytest.raises(ValidationError) as error:
        services.dosing_start(actor=nurse(practice_a), session=session)
    messages = " ".join(error.value.message_dict["checks"])
    assert "Fasting times: not recorded yet." in messages
    assert "Pre-session rating scales done" in messages


@pytest.mark.parametrize(
    ("route", "solids", "liquids", "status"),
    [
        ("iv", {"hours": 6}, {"hours": 2}, "passed"),
        ("iv", {"hours": 5, "minutes": 59}, {"hours": 2}, "failed"),
        ("iv", {"hours": 6}, {"hours": 1, "minutes": 59}, "failed"),
        ("esketamine", {"hours": 2}, {"minutes": 30}, "passed"),
        ("esketamine", {"hours": 2}, {"minutes": 29}, "failed"),
    ],
)
def test_fasting_at_its_thresholds(practice_a, clock, route, solids, liquids, status):
    session = checked_in_session(practice_a, route)
    check = _record(
        practice_a,
        session,
        "fasting",
        last_solids_at=_ago(**solids),
        last_clear_liquids_at=_ago(**liquids),
    )
    assert check.status == status


def test_esketamine_nasal_steroid_less_than_an_hour_before_fails(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    check = _record(
        practice_a,
        session,
        "fasting",
        last_solids_at=_ago(hours=3),
        last_clear_liquids_at=_ago(hours=1),
        last_nasal_steroid_at=_ago(minutes=59),
    )
    assert check.status == "failed" and "nasal" in check.message


def test_clinic_fasting_rules_override_the_defaults_and_are_audited(practice_a, clock):
    services.treatment_day_settings_set(
        actor=prescriber(practice_a),
        values={"fasting": {"iv": {"solids_minutes": 180, "clear_liquids_minutes": 60}}},
    )
    assert AuditEvent.objects.filter(
        action="settings_change", detail__has_key="treatment_day"
    ).exists()
    session = checked_in_session(practice_a, "iv")
    check = _record(
        practice_a,
        session,
        "fasting",
        last_solids_at=_ago(hours=3),
        last_clear_liquids_at=_ago(hours=1),
    )
    assert check.status == "passed"


def test_nurse_may_not_change_treatment_day_settings(practice_a):
    with pytest.raises(PermissionDenied):
        services.treatment_day_settings_set(actor=nurse(practice_a), values={})


def test_bad_settings_name_the_field(practice_a):
    with pytest.raises(ValidationError) as error:
        services.treatment_day_settings_set(
            actor=prescriber(practice_a), values={"aldrete_threshold": 11}
        )
    assert "aldrete_threshold" in error.value.message_dict


@pytest.mark.parametrize(
    ("systolic", "diastolic", "status"),
    [(140, 90, "passed"), (141, 90, "needs_decision"), (140, 91, "needs_decision")],
)
def test_esketamine_predose_bp_gate_at_140_over_90(practice_a, clock, systolic, diastolic, status):
    session = checked_in_session(practice_a, "esketamine")
    check = _record(
        practice_a,
        session,
        "predose_vitals",
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=70,
        spo2=98,
    )
    assert check.status == status
    assert session.readings.count() == 1  # the baseline reading is charted too


def test_predose_vitals_need_bp_heart_rate_and_spo2(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    check = _record(practice_a, session, "predose_vitals", systolic=120, diastolic=80)
    assert check.status == "failed" and "heart_rate" in check.message


def test_an_impossible_vital_sign_is_refused_at_its_field(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _record(
            practice_a,
            session,
            "predose_vitals",
            systolic=120,
            diastolic=80,
            spo2=140,
            heart_rate=70,
        )
    assert "spo2" in error.value.message_dict
    assert not PreCheck.objects.filter(session=session, code="predose_vitals").exists()


def test_raised_bp_is_overridden_by_a_prescriber_only_with_a_reason(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    check = _record(
        practice_a, session, "predose_vitals", systolic=150, diastolic=85, heart_rate=70, spo2=98
    )
    with pytest.raises(PermissionDenied):
        services.precheck_override(actor=nurse(practice_a), check=check, reason="ok")
    with pytest.raises(ValidationError) as error:
        services.precheck_override(actor=prescriber(practice_a), check=check, reason="  ")
    assert "reason" in error.value.message_dict
    done = services.precheck_override(
        actor=prescriber(practice_a), check=check, reason="Benefit outweighs a short rise."
    )
    assert done.status == "overridden" and done.overridden_by == prescriber(practice_a)
    assert "predose_vitals" not in {b.code for b in selectors.dosing_blockers(session)}


def test_consent_cannot_be_overridden(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    consent = Consent.objects.get(patient=practice_a.patient, kind="ketamine")
    patient_services.consent_withdraw(
        actor=nurse(practice_a), consent=consent, reason="Changed mind"
    )
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    check = PreCheck.objects.get(session=session, code="consent")
    assert check.status == "failed" and "withdrawn" in check.message
    with pytest.raises(ValidationError):
        services.precheck_override(actor=prescriber(practice_a), check=check, reason="x")


def test_rems_checks_follow_the_site_rota_and_enrolment(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    status = dict(PreCheck.objects.filter(session=session).values_list("code", "status"))
    assert status["rems_patient"] == "passed"
    assert status["rems_site"] == "passed"
    assert status["prescriber_on_site"] == "passed"
    practice_a.clinic.esketamine_rems_certified = False
    practice_a.clinic.save()
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code="rems_site").status == "failed"


def test_no_prescriber_on_the_rota_fails_unless_one_is_attested(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    clock.shift(timedelta(hours=10))  # after the prescriber's shift ends at 18:00
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code="prescriber_on_site").status == "failed"
    check = _record(
        practice_a, session, "prescriber_on_site", prescriber_on_site=True, prescriber_name="Dr Ash"
    )
    assert check.status == "passed"
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code="prescriber_on_site").status == "passed"


def test_no_pulse_oximeter_fails(practice_a, clock):
    session = checked_in_session(practice_a, "esketamine")
    assert _record(practice_a, session, "pulse_oximeter", available=False).status == "failed"


def test_pregnancy_test(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    assert _record(practice_a, session, "pregnancy_test", result="positive").status == "failed"
    with pytest.raises(ValidationError):
        _record(practice_a, session, "pregnancy_test", result="not_applicable")
    check = _record(
        practice_a, session, "pregnancy_test", result="not_applicable", reason="Post-hysterectomy"
    )
    assert check.status == "not_applicable"


def test_pregnancy_test_does_not_apply_to_a_male_patient(practice_a, clock):
    practice_a.patient.sex_assigned_at_birth = "male"
    practice_a.patient.save()
    session = checked_in_session(practice_a, "iv")
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code="pregnancy_test").status == "not_applicable"


def test_a_new_interacting_medicine_fails_the_medication_check(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code="medications").status == "passed"
    Medication.objects.create(
        organisation=practice_a.organisation,
        patient=practice_a.patient,
        name="Tranylcypromine",
        drug_class="maoi",
    )
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    check = PreCheck.objects.get(session=session, code="medications")
    assert check.status == "failed" and "MAOI (Tranylcypromine)" in check.message


def test_scales_must_be_done_since_the_plan_started(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    check = PreCheck.objects.get(session=session, code="scales")
    assert check.status == "failed" and "phq9" in check.message


def test_each_check_result_is_audited(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    events = AuditEvent.objects.filter(object_id=str(session.public_id))
    assert any(e.detail.get("check") == "fasting" for e in events)


def test_checks_are_closed_once_dosing_starts(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    services.dosing_start(actor=nurse(practice_a), session=session)
    with pytest.raises(ValidationError):
        _record(practice_a, session, "pregnancy_test", result="negative")
