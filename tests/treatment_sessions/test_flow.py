"""The session's state machine, check-in, optimistic locking and tenancy."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditEvent
from ketacare.scheduling.models import AppointmentStatus
from ketacare.tenancy.models import Role
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import SessionStep
from tests.treatment_sessions.builders import (
    DAY_START,
    checked_in_session,
    dosing,
    in_monitoring,
    nurse,
    ready_to_dose,
    treatment_appointment,
)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def test_check_in_opens_the_session_from_the_booked_appointment(practice_a, clock):
    appointment = treatment_appointment(practice_a, "iv")
    session = services.session_check_in(actor=nurse(practice_a), appointment=appointment)
    assert session.state == "checked_in"
    assert session.route == "iv" and session.plan == appointment.plan
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert SessionStep.objects.filter(session=session, to_state="checked_in").exists()
    assert AuditEvent.objects.filter(object_id=str(session.public_id), action="create").exists()


def test_check_in_refuses_an_appointment_without_an_active_plan(practice_a, clock):
    appointment = treatment_appointment(practice_a, "iv")
    TreatmentPlan.objects.filter(pk=appointment.plan_id).update(status="paused")
    with pytest.raises(ValidationError) as error:
        services.session_check_in(actor=nurse(practice_a), appointment=appointment)
    assert "plan" in error.value.message_dict


def test_check_in_without_escort_is_allowed_but_blocks_dosing(practice_a, clock):
    session = checked_in_session(practice_a, "iv", escort=False)
    services.precheck_run_automatic(actor=nurse(practice_a), session=session)
    codes = [b.code for b in selectors.dosing_blockers(session)]
    assert "transport" in codes
    services.transport_record(
        actor=nurse(practice_a),
        session=session,
        transport_kind="transport",
        escort_name="City Cabs",
        escort_phone="+15125550199",
        no_driving_acknowledged=True,
    )
    assert "transport" not in [b.code for b in selectors.dosing_blockers(session)]


def test_an_illegal_transition_names_the_allowed_ones(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    with pytest.raises(ValidationError) as error:
        services.session_transition(actor=nurse(practice_a), session=session, to="pre_checks")
    assert error.value.message_dict["state"] == [
        "A session in monitoring cannot go to pre_checks; it may go to: recovery, stopped_early."
    ]


def test_stopping_early_needs_a_reason_and_completes_the_appointment(practice_a, clock):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        services.session_transition(actor=nurse(practice_a), session=session, to="stopped_early")
    assert "reason" in error.value.message_dict
    stopped = services.session_transition(
        actor=nurse(practice_a), session=session, to="stopped_early", reason="Vomiting"
    )
    assert stopped.state == "stopped_early" and stopped.ended_at is not None
    stopped.appointment.refresh_from_db()
    assert stopped.appointment.status == AppointmentStatus.COMPLETED


def test_did_not_start_cancels_the_appointment_with_the_reason(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    services.session_transition(
        actor=nurse(practice_a), session=session, to="did_not_start", reason="BP too high today"
    )
    session.appointment.refresh_from_db()
    assert session.appointment.status == AppointmentStatus.CANCELLED
    assert session.appointment.status_reason == "BP too high today"


def test_dosing_moves_the_appointment_in_progress(practice_a, clock):
    session = dosing(practice_a, "iv")
    session.appointment.refresh_from_db()
    assert session.state == "dosing"
    assert session.appointment.status == AppointmentStatus.IN_PROGRESS


def test_a_stale_version_is_refused_showing_what_changed(practice_a, clock):
    session = ready_to_dose(practice_a, "iv")
    seen = session.version
    services.session_transition(
        actor=nurse(practice_a), session=session, to="did_not_start", reason="Felt unwell"
    )
    with pytest.raises(services.StaleSessionError) as error:
        services.session_transition(
            actor=practice_a.staff[Role.PRESCRIBER],
            session=session,
            to="did_not_start",
            reason="again",
            expected_version=seen,
        )
    assert "did not start" in str(error.value)
    assert f"you had version {seen}" in str(error.value)


def test_front_desk_may_not_chart_a_session(practice_a, clock):
    session = checked_in_session(practice_a, "iv")
    with pytest.raises(PermissionDenied):
        services.precheck_run_automatic(actor=practice_a.staff[Role.FRONT_DESK], session=session)


def test_another_organisation_gets_404_from_every_service(practice_a, practice_b, clock):
    session = ready_to_dose(practice_a, "iv")
    outsider = practice_b.staff[Role.PRESCRIBER]
    calls = [
        lambda: services.session_transition(
            actor=outsider, session=session, to="did_not_start", reason="x"
        ),
        lambda: services.precheck_run_automatic(actor=outsider, session=session),
        lambda: services.precheck_record(
            actor=outsider, session=session, code="fasting", values={}
        ),
        lambda: services.precheck_override(
            actor=outsider, check=session.checks.first(), reason="x"
        ),
        lambda: services.dosing_start(actor=outsider, session=session),
        lambda: services.administration_record(
            actor=outsider, session=session, kind="infusion_start"
        ),
        lambda: services.observation_record(
            actor=outsider, session=session, kind="sedation_moaas", value=5
        ),
        lambda: services.adverse_event_record(
            actor=outsider,
            session=session,
            event_type="x",
            onset_at=None,
            ctcae_grade=1,
            outcome="resolved",
        ),
        lambda: services.recovery_score_record(
            actor=outsider, session=session, scale="aldrete", items={}
        ),
        lambda: services.clinically_stable_attest(actor=outsider, session=session),
        lambda: services.escort_present_record(actor=outsider, session=session),
        lambda: services.session_discharge(actor=outsider, session=session),
        lambda: services.transport_record(
            actor=outsider,
            session=session,
            transport_kind="escort",
            escort_name="x",
            escort_phone="1",
            no_driving_acknowledged=True,
        ),
        lambda: services.session_check_in(actor=outsider, appointment=session.appointment),
        lambda: selectors.get_session_for(outsider, session.public_id),
        lambda: selectors.session_timeline(outsider, session.public_id),
    ]
    for call in calls:
        with pytest.raises(Http404):
            call()


def test_the_timeline_reads_the_whole_chart_in_a_fixed_number_of_queries(
    practice_a, clock, django_assert_max_num_queries
):
    session = in_monitoring(practice_a, "iv", clock)
    with django_assert_max_num_queries(12):
        timeline = selectors.session_timeline(nurse(practice_a), session.public_id)
    assert [s.to_state for s in timeline.steps] == [
        "checked_in",
        "pre_checks",
        "dosing",
        "monitoring",
    ]
    assert len(timeline.administrations) == 2 and not timeline.blockers


def test_sessions_on_the_floor_lists_todays_sessions_of_the_clinic(practice_a, practice_b, clock):
    session = checked_in_session(practice_a, "iv")
    rows = selectors.sessions_on_the_floor(nurse(practice_a), practice_a.clinic)
    assert rows == [session]
    assert selectors.sessions_on_the_floor(practice_b.staff[Role.NURSE], practice_a.clinic) == []
