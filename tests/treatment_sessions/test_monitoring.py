"""Vital-sign services: readings, batches, alerts, strikes, the cadence timer and the chart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.clinical.treatment_day import CadenceStatus
from ketacare.tenancy.models import Role, Route
from ketacare.treatment_sessions import charts, monitoring
from ketacare.treatment_sessions.models import (
    SessionState,
    VitalSignAlert,
    VitalSignReading,
)
from tests.treatment_sessions.monitoring_builders import monitoring_session

pytestmark = pytest.mark.django_db


def _ago(minutes: float):  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def session(practice_a):  # type: ignore[no-untyped-def]
    return monitoring_session(practice_a, first_dose_at=_ago(30))


def _record(practice, session, **values):  # type: ignore[no-untyped-def]
    fields = {"taken_at": _ago(1), "systolic": 128, "diastolic": 82, "heart_rate": 74, "spo2": 98}
    return monitoring.reading_record(
        actor=practice.staff[Role.NURSE], session=session, **(fields | values)
    )


def test_a_reading_is_stored_and_audited_once(practice_a, session):
    reading = _record(practice_a, session)
    assert VitalSignReading.objects.get().pk == reading.pk
    events = AuditEvent.objects.filter(object_type="treatment_sessions.VitalSignReading")
    assert [(e.action, e.object_id, e.patient_public_id) for e in events] == [
        (AuditAction.CREATE, str(reading.pk), practice_a.patient.public_id)
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"spo2": 140}, "spo2"),
        ({"heart_rate": 0}, "heart_rate"),
        ({"systolic": 80, "diastolic": 95}, "systolic"),
        ({"taken_at": timezone.now() + timedelta(hours=1)}, "taken_at"),
        ({"systolic": None, "diastolic": None, "heart_rate": None, "spo2": None}, "reading"),
        ({"source": "device"}, "device_id"),
    ],
)
def test_impossible_values_are_refused_at_their_field(practice_a, session, values, field):
    with pytest.raises(ValidationError) as refused:
        _record(practice_a, session, **values)
    assert field in refused.value.message_dict
    assert not VitalSignReading.objects.exists()
    assert not AuditEvent.objects.filter(object_type="treatment_sessions.VitalSignReading").exists()


def test_a_discharged_session_takes_no_readings(practice_a, session):
    session.state = SessionState.DISCHARGED
    session.save()
    with pytest.raises(ValidationError) as refused:
        _record(practice_a, session)
    assert "takes no more readings" in refused.value.message_dict["session"][0]


def test_only_charting_roles_of_the_organisation_record(practice_a, practice_b, session):
    with pytest.raises(PermissionDenied):
        monitoring.reading_record(
            actor=practice_a.staff[Role.FRONT_DESK], session=session, taken_at=_ago(1), spo2=97
        )
    with pytest.raises(Http404):
        monitoring.reading_record(
            actor=practice_b.staff[Role.NURSE], session=session, taken_at=_ago(1), spo2=97
        )
    with pytest.raises(Http404):
        monitoring.monitored_session_for(practice_b.staff[Role.NURSE], session.public_id)
    assert not VitalSignReading.objects.exists()


def test_a_repeated_device_timestamp_is_stored_once(practice_a, session):
    at = _ago(2)
    first = _record(practice_a, session, taken_at=at, source="device", device_id="mon-1")
    with pytest.raises(monitoring.DuplicateReadingError) as repeat:
        _record(practice_a, session, taken_at=at, source="device", device_id="mon-1")
    assert repeat.value.existing.pk == first.pk
    assert VitalSignReading.objects.count() == 1
    # the same time from another device, or typed by hand, is another reading
    _record(practice_a, session, taken_at=at, source="device", device_id="mon-2")
    _record(practice_a, session, taken_at=at)
    _record(practice_a, session, taken_at=at)
    assert VitalSignReading.objects.count() == 4


def _batch(count: int, device: str = "mon-1", start: float = 60, **values):  # type: ignore[no-untyped-def]
    return [
        monitoring.ReadingIn(
            taken_at=_ago(start) + timedelta(minutes=i),
            device_id=device,
            **({"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98} | values),
        )
        for i in range(count)
    ]


def test_a_batch_counts_accepted_and_duplicate_readings(practice_a, session):
    nurse = practice_a.staff[Role.NURSE]
    first = _batch(10)
    result = monitoring.readings_ingest(actor=nurse, session=session, readings=first)
    assert (result.accepted, result.duplicates) == (10, 0)
    again = first[5:] + _batch(3, start=50) + first[:1]  # 6 already stored, 3 new
    result = monitoring.readings_ingest(actor=nurse, session=session, readings=again)
    assert (result.accepted, result.duplicates) == (3, 6)
    assert VitalSignReading.objects.count() == 13
    twice = _batch(2, start=30)
    inside = twice + twice
    result = monitoring.readings_ingest(actor=nurse, session=session, readings=inside)
    assert (result.accepted, result.duplicates) == (2, 2)
    events = AuditEvent.objects.filter(object_type="treatment_sessions.TreatmentSession")
    assert events.count() == 3  # one event per batch, not per reading
    assert events.first().detail["vital_sign_readings"] == 2


def test_one_bad_reading_refuses_the_whole_batch_naming_index_and_field(practice_a, session):
    readings = _batch(6)
    readings[3] = _batch(1, start=20, spo2=140)[0]
    readings[5] = _batch(1, start=10, heart_rate=0)[0]
    with pytest.raises(monitoring.ReadingsRefused) as refused:
        monitoring.readings_ingest(
            actor=practice_a.staff[Role.NURSE], session=session, readings=readings
        )
    assert [(i, name) for i, name, _ in refused.value.problems] == [
        (3, "spo2"),
        (5, "heart_rate"),
    ]
    assert not VitalSignReading.objects.exists()


def test_thresholds_are_set_by_a_prescriber_and_audited(practice_a):
    prescriber = practice_a.staff[Role.PRESCRIBER]
    monitoring.alert_thresholds_set(
        actor=prescriber, values={"systolic_above": 180, "diastolic_above": "110", "spo2_below": 92}
    )
    practice_a.organisation.refresh_from_db()
    limits = monitoring.alert_thresholds(practice_a.organisation)
    assert (limits.systolic_above, limits.diastolic_above, limits.spo2_below) == (180, 110, 92)
    assert "heart_rate_above" in limits.unset()
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGE)
    assert event.detail["vital_alerts"]["to"]["systolic_above"] == 180
    with pytest.raises(PermissionDenied):
        monitoring.alert_thresholds_set(
            actor=practice_a.staff[Role.NURSE], values={"systolic_above": 170}
        )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"spo2_below": 140}, "spo2_below"),
        ({"systolic_above": "high"}, "systolic_above"),
        ({"pulse_above": 100}, "pulse_above"),
        ({"heart_rate_below": 120, "heart_rate_above": 100}, "__all__"),
    ],
)
def test_impossible_thresholds_change_nothing(practice_a, values, field):
    with pytest.raises(ValidationError) as refused:
        monitoring.alert_thresholds_set(actor=practice_a.staff[Role.PRESCRIBER], values=values)
    assert field in refused.value.message_dict
    practice_a.organisation.refresh_from_db()
    assert "vital_alerts" not in practice_a.organisation.settings


def test_a_reading_beyond_a_limit_raises_an_alert_until_acknowledged(practice_a, session):
    monitoring.alert_thresholds_set(
        actor=practice_a.staff[Role.PRESCRIBER], values={"systolic_above": 180, "spo2_below": 92}
    )
    session.organisation.refresh_from_db()
    _record(practice_a, session, systolic=150)
    assert not VitalSignAlert.objects.exists()
    high = _record(practice_a, session, systolic=192, spo2=90)
    alerts = list(monitoring.open_alerts(session))
    assert {(a.reading_id, a.code) for a in alerts} == {
        (high.pk, "alert.systolic_above"),
        (high.pk, "alert.spo2_below"),
    }
    with pytest.raises(ValidationError) as refused:
        monitoring.vital_alert_acknowledge(
            actor=practice_a.staff[Role.NURSE], alert=alerts[0], note=" "
        )
    assert "note" in refused.value.message_dict
    done = monitoring.vital_alert_acknowledge(
        actor=practice_a.staff[Role.NURSE], alert=alerts[0], note="Rechecked; prescriber told."
    )
    assert done.acknowledged_by == practice_a.staff[Role.NURSE]
    assert len(monitoring.open_alerts(session)) == 1
    assert AuditEvent.objects.filter(object_type="treatment_sessions.VitalSignAlert").count() == 1


def test_a_batch_reading_beyond_a_limit_raises_its_alert(practice_a, session):
    monitoring.alert_thresholds_set(
        actor=practice_a.staff[Role.PRESCRIBER], values={"heart_rate_above": 130}
    )
    session.organisation.refresh_from_db()
    readings = _batch(4)
    readings[2] = _batch(1, start=57, heart_rate=145)[0]
    result = monitoring.readings_ingest(
        actor=practice_a.staff[Role.NURSE], session=session, readings=readings
    )
    assert result.alerts == 1
    alert = VitalSignAlert.objects.get()
    assert (alert.reading.heart_rate, alert.code) == (145, "alert.heart_rate_above")


def test_a_struck_reading_stays_on_record_but_leaves_the_chart(practice_a, session):
    wrong = _record(practice_a, session, taken_at=_ago(3), heart_rate=190)
    _record(practice_a, session, taken_at=_ago(2), heart_rate=72)
    with pytest.raises(ValidationError):
        monitoring.reading_strike(actor=practice_a.staff[Role.NURSE], reading=wrong, reason="")
    monitoring.reading_strike(
        actor=practice_a.staff[Role.NURSE], reading=wrong, reason="Probe on the wrong patient"
    )
    assert VitalSignReading.objects.count() == 2
    assert monitoring.reading_series(session).heart_rate == [72]
    with pytest.raises(ValidationError):
        monitoring.reading_strike(actor=practice_a.staff[Role.NURSE], reading=wrong, reason="x")
    event = AuditEvent.objects.get(action=AuditAction.CHANGE)
    assert event.changed_fields == ["struck_reason"]


def test_an_iv_reading_missed_by_more_than_five_minutes_is_overdue(practice_a):
    now = timezone.now()
    session = monitoring_session(practice_a, first_dose_at=now - timedelta(minutes=40))
    _record(practice_a, session, taken_at=now - timedelta(minutes=45))  # baseline
    _record(practice_a, session, taken_at=now - timedelta(minutes=20))
    status = monitoring.vitals_status(session, now)
    assert status.due.status is CadenceStatus.OVERDUE  # due at -10 min, grace to -5 min
    assert status.due.next_due_at == now - timedelta(minutes=10)
    assert status.overdue
    on_time = monitoring.vitals_status(session, now - timedelta(minutes=6))
    assert on_time.due.status is CadenceStatus.DUE
    # an oxygen-only reading does not reset the blood-pressure timer
    _record(practice_a, session, taken_at=now - timedelta(minutes=1), systolic=None,
            diastolic=None, heart_rate=None, spo2=97)  # fmt: skip
    assert monitoring.vitals_status(session, now).overdue


def test_after_the_infusion_the_timer_is_every_fifteen_minutes(practice_a):
    now = timezone.now()
    session = monitoring_session(
        practice_a, first_dose_at=now - timedelta(minutes=60),
        dosing_ended_at=now - timedelta(minutes=20),
    )  # fmt: skip
    _record(practice_a, session, taken_at=now - timedelta(minutes=12))
    status = monitoring.vitals_status(session, now)
    assert status.due.status is CadenceStatus.NOT_YET_DUE
    assert status.due.next_due_at == now + timedelta(minutes=3)


def test_esketamine_blood_pressure_is_due_between_35_and_45_minutes(practice_a):
    now = timezone.now()
    first = now - timedelta(minutes=38)
    session = monitoring_session(practice_a, route=Route.ESKETAMINE, first_dose_at=first)
    _record(practice_a, session, taken_at=first - timedelta(minutes=5))
    status = monitoring.vitals_status(session, now)
    assert status.due.status is CadenceStatus.DUE
    assert status.esketamine_window == (
        first + timedelta(minutes=35),
        first + timedelta(minutes=45),
    )
    _record(practice_a, session, taken_at=now - timedelta(minutes=1))
    after = monitoring.vitals_status(session, now)
    assert after.due.status is CadenceStatus.NO_TIMER  # the clinic set no interval after 40 min
    missed = monitoring.vitals_status(
        monitoring_session(
            practice_a, route=Route.ESKETAMINE, first_dose_at=now - timedelta(minutes=50),
            hour=13, patient=_other_patient(practice_a),
        ),
        now,
    )  # fmt: skip
    assert missed.due.status is CadenceStatus.OVERDUE


def _other_patient(practice):  # type: ignore[no-untyped-def]
    from tests.factories import PatientFactory

    return PatientFactory(organisation=practice.organisation)


def test_the_banner_names_age_hypertension_and_early_infusions(practice_a):
    from ketacare.patients.models import Problem

    patient = practice_a.patient
    today = timezone.localdate()
    patient.date_of_birth = date(today.year - 61, 1, 1)
    patient.save()
    session = monitoring_session(practice_a, first_dose_at=_ago(10))
    codes = [r.code for r in monitoring.vitals_status(session, timezone.now()).caution]
    assert codes == ["caution.age", "caution.early_infusion"]
    Problem.objects.create(
        organisation=practice_a.organisation, patient=patient, icd10_code="I10",
        description="Essential hypertension",
    )  # fmt: skip
    codes = [r.code for r in monitoring.vitals_status(session, timezone.now()).caution]
    assert "caution.hypertension" in codes


def test_the_series_and_the_chart_show_the_readings(practice_a, session):
    _record(practice_a, session, taken_at=_ago(20), systolic=140, diastolic=90, heart_rate=88)
    _record(practice_a, session, taken_at=_ago(10), systolic=None, diastolic=None, spo2=95)
    series = monitoring.reading_series(session)
    assert series.systolic == [140, None]
    assert series.spo2 == [98, 95]
    svg = charts.vitals_chart_svg(series, title="Vital signs <Marigold>")
    assert svg.startswith("<svg")
    assert "&lt;Marigold&gt;" in svg and "<Marigold>" not in svg
    assert 'class="line heart-rate"' in svg
    assert "style=" not in svg  # the CSP allows no inline style
    assert charts.vitals_chart_svg(monitoring.VitalSeries([], [], [], [], [], [])).startswith(
        "<svg"
    )
