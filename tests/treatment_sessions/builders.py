"""A treatment day ready at each step, for the flow tests and the tablet screens' tests.

Run every builder under a frozen clock (time_machine) at `DAY_START` or later, e.g.

    with time_machine.travel(DAY_START, tick=False) as clock:
        session = ready_to_dose(practice_a, route="esketamine")
        dosing_start(actor=nurse(practice_a), session=session)

- `treatment_appointment(practice, route)`: an active plan with a signed order, and a booked
  treatment appointment (chair, nurse; for esketamine a prescriber on the rota).
- `checked_in_session(practice, route)`: the patient checked in, escort recorded.
- `ready_to_dose(practice, route)`: every pre-check passed (nothing blocks dosing).
- `dosing(practice, route)`: dosing started, nothing given yet.
- `in_monitoring(practice, route, clock)`: the whole dose given (IV infusion 40 min; esketamine
  56 mg, two devices 5 min apart), the session in monitoring.
- `in_recovery(...)`: moved on to recovery.
Durations and the ratio are this test practice's own settings, not clinical facts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ketacare.measures import services as measure_services
from ketacare.patients import services as patient_services
from ketacare.patients.sections import SECTIONS
from ketacare.tenancy.models import Role, Route
from ketacare.treatment import selectors as treatment_selectors
from ketacare.treatment import services as treatment_services
from ketacare.treatment_sessions import services
from ketacare.treatment_sessions.models import CheckCode, TreatmentSession
from tests.scheduling import builders as sched
from tests.treatment import builders as plans

# A Wednesday, 09:00 in Chicago: inside the test clinic's hours.
DAY = date(2026, 12, 2)
DAY_START = datetime.combine(DAY, time(9, 0), tzinfo=sched.CHICAGO)
ESKETAMINE = "intranasal_esketamine_trd"
PHQ9_NONE = {str(i): 0 for i in range(1, 10)}


def nurse(practice):  # type: ignore[no-untyped-def]
    return practice.staff[Role.NURSE]


def prescriber(practice):  # type: ignore[no-untyped-def]
    return practice.staff[Role.PRESCRIBER]


def _rems_enrolment(practice) -> None:  # type: ignore[no-untyped-def]
    consent = patient_services.chart_entry_add(
        actor=nurse(practice),
        patient=practice.patient,
        section=SECTIONS["consents"],
        data={
            "kind": "esketamine_rems",
            "route": "esketamine",
            "document_version": "2026.1",
            "signed_at": timezone.now(),
            "signed_by_name": "Patient",
        },
    )
    patient_services.consent_countersign(actor=prescriber(practice), consent=consent)


def active_plan(practice, route: str = Route.IV):  # type: ignore[no-untyped-def]
    """An active plan for the route, with a signed order for session 1."""
    if route == Route.IV:
        plan = plans.active_plan(practice)
        treatment_services.order_sign(actor=prescriber(practice), plan=plan, request=plans.dose())
        return plan
    plans.sign_decision(practice, route=Route.ESKETAMINE)
    plans.consent_to_iv(practice, route="esketamine")
    _rems_enrolment(practice)
    plan = plans.draft_plan(practice, protocol_code=ESKETAMINE)
    treatment_services.plan_transition(actor=nurse(practice), plan=plan, to="active")
    plan.refresh_from_db()
    request = treatment_selectors.DoseRequest(
        dose=Decimal(56),
        dose_unit="mg",
        concentration_mg_per_ml=Decimal(140),
        concentration_salt_form="base",
        bag_volume_ml=None,
        duration_minutes=None,
    )
    treatment_services.order_sign(actor=prescriber(practice), plan=plan, request=request)
    return plan


def treatment_appointment(practice, route: str = Route.IV):  # type: ignore[no-untyped-def]
    chairs = sched.open_clinic(practice)
    sched.set_ratio(practice, 2)
    plan = active_plan(practice, route)
    if route == Route.ESKETAMINE:
        sched.on_rota(practice, Role.PRESCRIBER, DAY)
        kind = sched.esketamine_type(practice)
    else:
        kind = sched.iv_type(practice)
    starts = timezone.now().astimezone(sched.CHICAGO)
    return sched.book(practice, kind, starts, space=chairs[0], plan=plan, session_number=1)


def checked_in_session(practice, route: str = Route.IV, escort: bool = True) -> TreatmentSession:  # type: ignore[no-untyped-def]
    appointment = treatment_appointment(practice, route)
    transport = (
        {
            "transport_kind": "escort",
            "escort_name": "Rowan Quillfeather",
            "escort_phone": "+15125550100",
            "no_driving_acknowledged": True,
        }
        if escort
        else {}
    )
    return services.session_check_in(actor=nurse(practice), appointment=appointment, **transport)


def record_scales(practice) -> None:  # type: ignore[no-untyped-def]
    measure_services.assessment_record(
        actor=nurse(practice), patient=practice.patient, instrument_code="phq9", answers=PHQ9_NONE
    )


def fasting_values(route: str) -> dict[str, str]:
    """Fasting times that meet the defaults: solids 8 h ago, clear liquids 3 h ago."""
    now = timezone.now()
    return {
        "last_solids_at": (now - timedelta(hours=8)).isoformat(),
        "last_clear_liquids_at": (now - timedelta(hours=3)).isoformat(),
    }


def pass_entered_checks(practice, session: TreatmentSession, systolic: int = 128) -> None:  # type: ignore[no-untyped-def]
    actor = nurse(practice)
    services.precheck_record(
        actor=actor, session=session, code=CheckCode.FASTING, values=fasting_values(session.route)
    )
    services.precheck_record(
        actor=actor,
        session=session,
        code=CheckCode.PREDOSE_VITALS,
        values={
            "systolic": systolic,
            "diastolic": 80,
            "heart_rate": 72,
            "spo2": 98,
            "respiratory_rate": 14,
        },
    )
    services.precheck_record(
        actor=actor, session=session, code=CheckCode.PREGNANCY_TEST, values={"result": "negative"}
    )
    if session.route == Route.ESKETAMINE:
        services.precheck_record(
            actor=actor, session=session, code=CheckCode.PULSE_OXIMETER, values={"available": True}
        )


def ready_to_dose(practice, route: str = Route.IV) -> TreatmentSession:  # type: ignore[no-untyped-def]
    session = checked_in_session(practice, route)
    record_scales(practice)
    services.precheck_run_automatic(actor=nurse(practice), session=session)
    pass_entered_checks(practice, session)
    session.refresh_from_db()
    return session


def dosing(practice, route: str = Route.IV) -> TreatmentSession:  # type: ignore[no-untyped-def]
    session = ready_to_dose(practice, route)
    return services.dosing_start(actor=nurse(practice), session=session)


def give_whole_dose(practice, session: TreatmentSession, clock) -> TreatmentSession:  # type: ignore[no-untyped-def]
    """IV: start at 10 mL/h... stop 40 min later. Esketamine: two devices 5 min apart."""
    actor = nurse(practice)
    if session.route == Route.IV:
        services.administration_record(
            actor=actor, session=session, kind="infusion_start", rate_ml_per_h=Decimal(150),
            lot_number="KET-0417",
        )  # fmt: skip
        clock.shift(timedelta(minutes=40))
        services.administration_record(actor=actor, session=session, kind="infusion_stop")
    else:
        services.administration_record(
            actor=actor, session=session, kind="device", device_number=1, lot_number="LOT-A1"
        )
        clock.shift(timedelta(minutes=5))
        services.administration_record(
            actor=actor, session=session, kind="device", device_number=2, lot_number="LOT-A1"
        )
    session.refresh_from_db()
    return session


def in_monitoring(practice, route: str, clock) -> TreatmentSession:  # type: ignore[no-untyped-def]
    return give_whole_dose(practice, dosing(practice, route), clock)


def in_recovery(practice, route: str, clock) -> TreatmentSession:  # type: ignore[no-untyped-def]
    session = in_monitoring(practice, route, clock)
    return services.session_transition(actor=nurse(practice), session=session, to="recovery")


ALDRETE_FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
