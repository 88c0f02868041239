"""The treatment-day tablet screens through the Django test client: who may see them, what they
show in each phase, errors at the field with nothing stored, the prescriber-only override, and a
stale edit shown in the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ketacare.tenancy.models import Role
from ketacare.treatment_sessions import monitoring, services
from ketacare.treatment_sessions.models import (
    AdverseEvent,
    CheckCode,
    IncidentReview,
    Observation,
    PreCheck,
    TreatmentSession,
    VitalSignReading,
)
from tests.treatment_sessions.builders import (
    ALDRETE_FULL,
    DAY_START,
    checked_in_session,
    in_monitoring,
    in_recovery,
    nurse,
    prescriber,
    treatment_appointment,
)

TABS = ("session", "prechecks", "dosing", "monitor", "recovery")
NOT_CHARTING = (Role.FRONT_DESK, Role.BILLING, Role.THERAPIST, Role.ORG_ADMIN)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def url(name: str, session: TreatmentSession, *args: object) -> str:
    return reverse(f"treatment_sessions:{name}", args=[session.public_id, *args])


@pytest.mark.parametrize("role", [Role.NURSE, Role.PRESCRIBER])
def test_every_screen_renders_for_those_who_chart(practice_a, clock, role):
    session = in_monitoring(practice_a, "iv", clock)
    client = practice_a.client_for(role)
    for tab in TABS:
        response = client.get(url(tab, session))
        assert response.status_code == 200, tab
        assert b"Marigold Quillfeather" in response.content
    page = client.get(url("monitor", session)).content.decode()
    assert 'inputmode="numeric"' in page
    assert "vitals-chart" in page
    assert 'aria-current="step"' in page and ">Monitoring<" in page


@pytest.mark.parametrize("role", NOT_CHARTING)
def test_roles_that_do_not_chart_are_refused(practice_a, clock, role):
    session = checked_in_session(practice_a, "iv")
    client = practice_a.client_for(role)
    for tab in TABS:
        assert client.get(url(tab, session)).status_code == 403, tab
    assert client.get(url("monitor_live", session)).status_code == 403
    assert client.post(url("precheck_run", session)).status_code == 403
    check_in = reverse("treatment_sessions:check_in", args=[session.appointment.public_id])
    assert client.get(check_in).status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_another_organisations_session_is_not_found_for_every_role(
    practice_a, practice_b, clock, role
):
    session = checked_in_session(practice_a, "iv")
    client = practice_b.client_for(role)
    for tab in TABS:
        assert client.get(url(tab, session)).status_code == 404, tab
    assert client.get(url("monitor_live", session)).status_code == 404
    assert client.post(url("reading", session), {"systolic": 120}).status_code == 404
    assert client.post(url("discharge", session)).status_code == 404
    check_in = reverse("treatment_sessions:check_in", args=[session.appointment.public_id])
    assert client.get(check_in).status_code == 404


def test_check_in_from_the_appointment_opens_the_session(practice_a, clock):
    appointment = treatment_appointment(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    check_in = reverse("treatment_sessions:check_in", args=[appointment.public_id])
    page = client.get(check_in)
    assert page.status_code == 200 and b"no driving" in page.content.lower()
    response = client.post(
        check_in,
        {"transport_kind": "escort", "escort_name": "Rowan Q", "escort_phone": "+15125550100",
         "no_driving_acknowledged": "on"},
    )  # fmt: skip
    session = TreatmentSession.objects.get(appointment=appointment)
    assert response.status_code == 302 and response["Location"] == url("prechecks", session)
    assert session.escort_name == "Rowan Q" and session.no_driving_acknowledged_at is not None
    # A second visit goes to the session instead of checking in twice.
    assert client.get(check_in)["Location"] == url("prechecks", session)


def test_a_half_given_escort_is_refused_at_the_field_and_nothing_is_stored(practice_a, clock):
    appointment = treatment_appointment(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    check_in = reverse("treatment_sessions:check_in", args=[appointment.public_id])
    response = client.post(check_in, {"transport_kind": "escort", "escort_name": "Rowan Q"})
    assert response.status_code == 422
    assert "Give a phone number" in response.content.decode()
    assert not TreatmentSession.objects.filter(appointment=appointment).exists()


def test_start_dosing_lists_each_blocker(practice_a, clock):
    session = checked_in_session(practice_a, "iv", escort=False)
    client = practice_a.client_for(Role.NURSE)
    before = client.get(url("prechecks", session)).content.decode()
    assert "Run the automatic checks first" in before and 'id="start-dosing"' not in before
    client.post(url("precheck_run", session))
    session.refresh_from_db()
    response = client.post(url("dosing_start", session), {"version": session.version})
    assert response.status_code == 422
    refusal = response.content.decode().split("Dosing cannot start")[1].split("</ul>")[0]
    assert "Escort or transport and no-driving acknowledgement" in refusal
    assert "Fasting times" in refusal
    session.refresh_from_db()
    assert session.state == "pre_checks"


def test_bad_vital_signs_in_a_check_are_shown_at_the_field(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    client = practice_a.client_for(Role.NURSE)
    response = client.post(
        url("precheck_record", session, CheckCode.PREDOSE_VITALS),
        {"systolic": "abc", "diastolic": "80"},
    )
    assert response.status_code == 422
    assert 'class="field has-error"' in response.content.decode()
    assert not PreCheck.objects.filter(session=session, code=CheckCode.PREDOSE_VITALS).exists()
    assert not VitalSignReading.objects.filter(session=session).exists()


def test_only_a_prescriber_sees_the_override(practice_a, clock):
    session = checked_in_session(practice_a, "iv", escort=False)
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    assert PreCheck.objects.get(session=session, code=CheckCode.TRANSPORT).status == "failed"
    as_nurse = practice_a.client_for(Role.NURSE).get(url("prechecks", session)).content.decode()
    as_prescriber = (
        practice_a.client_for(Role.PRESCRIBER).get(url("prechecks", session)).content.decode()
    )
    assert "Override this check" not in as_nurse
    assert "Override this check" in as_prescriber
    # The nurse cannot override by posting either.
    override = url("precheck_override", session, CheckCode.TRANSPORT)
    assert practice_a.client_for(Role.NURSE).post(override, {"reason": "x"}).status_code == 403


def test_an_override_needs_a_reason(practice_a, clock):
    session = checked_in_session(practice_a, "iv", escort=False)
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    client = practice_a.client_for(Role.PRESCRIBER)
    override = url("precheck_override", session, CheckCode.TRANSPORT)
    response = client.post(override, {"reason": ""})
    assert response.status_code == 422
    assert PreCheck.objects.get(session=session, code=CheckCode.TRANSPORT).status == "failed"
    ok = client.post(override, {"reason": "Escort on the phone, arriving 11:00"})
    assert ok.status_code == 302
    assert PreCheck.objects.get(session=session, code=CheckCode.TRANSPORT).status == "overridden"


def test_a_reading_is_saved_in_place_and_a_bad_one_stored_nowhere(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    client = practice_a.client_for(Role.NURSE)
    before = VitalSignReading.objects.filter(session=session).count()
    response = client.post(
        url("reading", session),
        {"systolic": "138", "diastolic": "86", "heart_rate": "92", "spo2": "97",
         "respiratory_rate": "14", "tab": "monitor"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Trigger"] == "vitals-saved"
    assert "Saved" in response.content.decode() and 'value="138"' in response.content.decode()
    assert VitalSignReading.objects.filter(session=session).count() == before + 1
    bad = client.post(
        url("reading", session), {"systolic": "80", "diastolic": "120", "tab": "monitor"}, **HTMX
    )
    assert bad.status_code == 200
    assert "has-error" in bad.content.decode() or "error-box" in bad.content.decode()
    assert VitalSignReading.objects.filter(session=session).count() == before + 1


def test_overdue_vitals_are_said_in_words(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    clock.shift(timedelta(minutes=45))
    live = practice_a.client_for(Role.NURSE).get(url("monitor_live", session)).content.decode()
    assert "OVERDUE by" in live and "overdue" in live


def test_a_hypertensive_reading_raises_an_alert_that_is_acknowledged(practice_a, clock):
    monitoring.alert_thresholds_set(
        actor=prescriber(practice_a), values={"systolic_above": 180, "diastolic_above": 110}
    )
    session = in_monitoring(practice_a, "iv", clock)
    client = practice_a.client_for(Role.NURSE)
    client.post(url("reading", session), {"systolic": "186", "diastolic": "112"}, **HTMX)
    live = client.get(url("monitor_live", session)).content.decode()
    assert "Acknowledge" in live
    alert = session.vital_alerts.first()
    ack = url("alert_acknowledge", session, alert.public_id)
    assert "What was done" in client.post(ack, {"note": ""}, **HTMX).content.decode()
    client.post(ack, {"note": "Rechecked, called the prescriber"}, **HTMX)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_observations_and_a_grade_3_adverse_event_open_an_incident_review(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    client = practice_a.client_for(Role.NURSE)
    client.post(url("observation", session), {"kind": "sedation_moaas", "value": "4"}, **HTMX)
    assert Observation.objects.filter(session=session, kind="sedation_moaas", value=4).exists()
    bad = client.post(url("observation", session), {"kind": "sedation_moaas", "value": "9"})
    assert bad.status_code == 422 and Observation.objects.filter(session=session).count() == 1
    refused = client.post(url("adverse_event", session), {"event_type": "", "ctcae_grade": "9"})
    assert refused.status_code == 422 and not AdverseEvent.objects.exists()
    response = client.post(
        url("adverse_event", session),
        {"event_type": "Hypertension", "ctcae_grade": "3", "outcome": "resolved"},
        **HTMX,
    )
    assert "incident review was opened" in response.content.decode()
    assert IncidentReview.objects.filter(adverse_event__session=session).exists()


def test_discharge_lists_every_unmet_reason_then_goes_through(practice_a, clock):
    session = in_recovery(practice_a, "esketamine", clock)
    client = practice_a.client_for(Role.NURSE)
    refused = client.post(url("discharge", session), {"version": session.version})
    page = refused.content.decode()
    assert refused.status_code == 422 and "Discharge refused" in page
    assert page.count("<li>") >= 3
    session.refresh_from_db()
    assert session.state == "recovery"
    services.recovery_score_record(
        actor=nurse(practice_a), session=session, scale="aldrete", items=ALDRETE_FULL
    )
    clock.shift(timedelta(minutes=120))
    client = practice_a.client_for(Role.NURSE)  # signed out while idle for two hours
    for name in ("attest_stable", "escort_present"):
        session.refresh_from_db()
        assert client.post(url(name, session), {"version": session.version}).status_code == 302
    session.refresh_from_db()
    for minutes_ago, systolic in ((10, 140), (0, 130)):
        monitoring.reading_record(
            actor=nurse(practice_a), session=session,
            taken_at=timezone.now() - timedelta(minutes=minutes_ago),
            systolic=systolic, diastolic=80, heart_rate=70, spo2=98,
        )  # fmt: skip
    ok = client.post(url("discharge", session), {"version": session.version})
    session.refresh_from_db()
    assert ok.status_code == 302 and session.state == "discharged"
    done = client.get(url("recovery", session)).content.decode()
    assert "Discharged" in done and "no driving" in done
    assert url("record_pdf", session) in done and url("rems_form_pdf", session) in done


def test_a_stale_move_shows_what_changed_instead_of_failing(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    seen = session.version
    other = practice_a.client_for(Role.PRESCRIBER)
    other.post(url("transition", session), {"to": "recovery", "version": seen})
    client = practice_a.client_for(Role.NURSE)
    response = client.post(url("transition", session), {"to": "recovery", "version": seen})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this session" in page and "recovery" in page


def test_a_device_too_soon_is_refused_with_the_time_it_is_allowed(practice_a, clock):
    from tests.treatment_sessions.builders import dosing

    session = dosing(practice_a, "esketamine")
    client = practice_a.client_for(Role.NURSE)
    first = client.post(url("device", session), {"device_number": "1", "lot_number": "LOT-A1"})
    assert first.status_code == 302, first.content.decode()[-2000:]
    clock.shift(timedelta(minutes=2))
    again = client.post(url("device", session), {"device_number": "2", "lot_number": "LOT-A1"})
    page = again.content.decode()
    assert again.status_code == 422
    assert "wait 3 more min (until 09:05)" in page and "Device 2 allowed from 09:05:00" in page
    assert session.administrations.filter(kind="device").count() == 1


def test_the_live_chart_reads_in_the_clinics_own_time(practice_a):
    # A reading at 09:00 in Chicago is 15:00 UTC in January: the axis must say 09:00.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.treatment_sessions.monitoring_builders import monitoring_session

    chicago = ZoneInfo("America/Chicago")
    with time_machine.travel(datetime(2027, 1, 13, 9, 20, tzinfo=chicago), tick=False):
        session = monitoring_session(practice_a, first_dose_at=timezone.now())
        for minutes in (0, 10):
            monitoring.reading_record(
                actor=practice_a.staff[Role.NURSE],
                session=session,
                taken_at=timezone.now() - timedelta(minutes=20 - minutes),
                systolic=128,
                diastolic=82,
            )
        page = practice_a.client_for(Role.NURSE).get(
            reverse("treatment_sessions:monitor_live", args=[session.public_id])
        )
    chart = page.content.decode()
    assert ">09:00<" in chart
    assert ">15:00<" not in chart
