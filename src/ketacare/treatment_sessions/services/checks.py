"""Pre-dose checks: each produces the latest PreCheck row for its code (its history is in the
audit trail). Some are worked out from the record (consent, REMS, rota, scales, medications,
transport); others are entered by the nurse (fasting times, vital signs, pregnancy test, pulse
oximeter). A failed check is overridden only by a prescriber, with a reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.eligibility import Route as EligibilityRoute
from ketacare.clinical.eligibility import Severity
from ketacare.clinical.eligibility.interactions import interaction_findings
from ketacare.clinical.treatment_day import (
    BpGateStatus,
    FastingStatus,
    fasting_check,
    predose_bp_gate,
    validate_reading,
)
from ketacare.measures.models import Assessment as ScaleAssessment
from ketacare.patients.models import ConsentKind, Medication, SexAssignedAtBirth
from ketacare.patients.selectors import consent_problem, treatment_consent_for
from ketacare.scheduling.models import StaffShift
from ketacare.screening import selectors as screening_selectors
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Role, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment import selectors as treatment_selectors
from ketacare.treatment_sessions import selectors
from ketacare.treatment_sessions.models import (
    CheckCode,
    CheckStatus,
    PreCheck,
    ReadingSource,
    SessionState,
    TreatmentSession,
)
from ketacare.treatment_sessions.services.flow import (
    ENDED,
    chart_membership,
    locked,
    move,
    transport_fields,
)

C = CheckCode
# Checks a prescriber may not override: consent and the REMS are legal preconditions.
NOT_OVERRIDABLE = frozenset({C.CONSENT, C.REMS_PATIENT, C.REMS_SITE})
PREGNANCY_RESULTS = ("negative", "positive", "not_applicable")


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str
    values: dict[str, Any]


def _time(values: Mapping[str, Any], name: str) -> datetime | None:
    raw = values.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        moment = raw
    else:
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            raise ValidationError({name: ["Give a date and time (ISO 8601)."]}) from None
    if timezone.is_naive(moment):
        raise ValidationError({name: ["Give the time with its time zone."]})
    if moment > timezone.now() + timedelta(minutes=2):
        raise ValidationError({name: ["That time is in the future."]})
    return moment


def _whole(values: Mapping[str, Any], name: str) -> int | None:
    raw = values.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        raise ValidationError({name: ["Enter a whole number."]})
    try:
        number = int(str(raw))
    except ValueError:
        raise ValidationError({name: ["Enter a whole number."]}) from None
    return number


def _passed(message: str, **values: Any) -> Outcome:
    return Outcome(CheckStatus.PASSED, message, values)


def _failed(message: str, **values: Any) -> Outcome:
    return Outcome(CheckStatus.FAILED, message, values)


def _not_applicable(message: str, **values: Any) -> Outcome:
    return Outcome(CheckStatus.NOT_APPLICABLE, message, values)


# --- worked out from the record ---------------------------------------------------------------


def _consent(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    problem = consent_problem(session.patient, session.route)
    if problem:
        return _failed(f"Cannot treat: {problem}.")
    return _passed("A countersigned treatment consent is in force.")


def _rems_patient(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    enrolment = treatment_consent_for(
        session.patient, session.route, kind=ConsentKind.ESKETAMINE_REMS
    )
    if enrolment is None:
        return _failed("No Spravato REMS patient enrolment on file (S4b).")
    if enrolment.prescriber_signed_at is None:
        return _failed("The REMS patient enrolment is not signed by the prescriber (S4b).")
    return _passed("Enrolled in the Spravato REMS.", consent=str(enrolment.public_id))


def _rems_site(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    if session.clinic.esketamine_rems_certified:
        return _passed(f"{session.clinic.name} is certified under the Spravato REMS.")
    return _failed(
        f"{session.clinic.name} is not marked as certified under the Spravato REMS (S4)."
    )


def _prescriber_on_site(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    if values.get("prescriber_on_site") is True:
        name = str(values.get("prescriber_name", "")).strip()
        if not name:
            raise ValidationError({"prescriber_name": ["Name the prescriber on site."]})
        return _passed(f"Attested: {name} is on site.", prescriber_name=name, entered=True)
    now = timezone.now()
    shift = (
        StaffShift.objects.filter(
            clinic=session.clinic,
            membership__role=Role.PRESCRIBER,
            membership__is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("membership__user")
        .first()
    )
    if shift is None:
        return _failed(
            "No prescriber is on the rota on site now; the REMS needs one during dosing and "
            "monitoring (S4). Put one on the rota or attest who is on site."
        )
    user = shift.membership.user
    return _passed(f"{str(user)} is on the rota on site.", shift=str(shift.public_id))


def _pulse_oximeter(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    available = values.get("available")
    if available is True:
        return _passed("A pulse oximeter is available.", available=True, entered=True)
    if available is False:
        return _failed(
            "No pulse oximeter available: the REMS requires one (S4).",
            available=False,
            entered=True,
        )
    raise ValidationError({"available": ["Say whether a pulse oximeter is available."]})


def _scales(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    codes = [str(c) for c in (session.plan.measures or [])]
    if not codes:
        return _not_applicable("The plan names no rating scales.")
    previous = (
        TreatmentSession.objects.filter(
            patient=session.patient, checked_in_at__lt=session.checked_in_at
        )
        .exclude(pk=session.pk)
        .order_by("-checked_in_at")
        .values_list("checked_in_at", flat=True)
        .first()
    )
    since = previous or session.plan.created_at
    max_age = selectors.day_settings(session.organisation).scales_max_age_days
    if max_age is not None:
        since = max(since, timezone.now() - timedelta(days=max_age))
    done = set(
        ScaleAssessment.objects.filter(
            organisation_id=session.organisation_id,
            patient=session.patient,
            instrument_code__in=codes,
            complete=True,
            completed_at__gte=since,
        ).values_list("instrument_code", flat=True)
    )
    missing = [c for c in codes if c not in done]
    if missing:
        return _failed(
            f"Not done since {timezone.localtime(since):%b %-d %H:%M}: {', '.join(missing)}.",
            missing=missing,
        )
    return _passed(f"Done: {', '.join(codes)}.", done=codes)


def _known_flags(session: TreatmentSession) -> set[str]:
    """Interaction flags already weighed: at the eligibility decision and at an earlier
    session's cleared medication check."""
    known: set[str] = set()
    decision = treatment_selectors.eligible_decision(session.patient, session.route)
    if decision is not None:
        known |= {str(f.get("message", "")) for f in decision.findings}
    earlier = PreCheck.objects.filter(
        session__patient=session.patient,
        code=C.MEDICATIONS,
        status__in=selectors.CLEARED,
    ).exclude(session=session)
    for check in earlier:
        known |= set(check.values.get("flags", []))
    return known


def _medications(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    medications = list(
        Medication.objects.filter(patient=session.patient, organisation_id=session.organisation_id)
    )
    previous = (
        TreatmentSession.objects.filter(
            patient=session.patient, checked_in_at__lt=session.checked_in_at
        )
        .exclude(pk=session.pk)
        .order_by("-checked_in_at")
        .values_list("checked_in_at", flat=True)
        .first()
    )
    changed = [m.name for m in medications if previous is None or m.updated_at > previous]
    decision = treatment_selectors.eligible_decision(session.patient, session.route)
    if decision is None:
        return _failed("No signed eligibility decision for this route to screen against.")
    core = screening_selectors.core_assessment(
        decision.assessment, medications=medications, trials=[], baseline_scale_recorded=True
    )
    thresholds = screening_selectors.thresholds_for(session.organisation)
    findings = interaction_findings(core, thresholds, EligibilityRoute(session.route))
    flags = [f.message for f in findings if f.severity == Severity.CAUTION]
    new = [flag for flag in flags if flag not in _known_flags(session)]
    detail = {"flags": flags, "changed": changed if previous is not None else []}
    if new:
        return _failed("New interaction: " + " ".join(new), **detail, new=new)
    note = f" Changed since the last session: {', '.join(changed)}." if previous and changed else ""
    return _passed("No new interaction since the eligibility decision." + note, **detail)


def _transport(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    if not (session.transport_kind and session.escort_name and session.escort_phone):
        return _failed(
            "Record the escort or arranged transport (name and phone): the patient may "
            "not drive home (rule 11)."
        )
    if session.no_driving_acknowledged_at is None:
        return _failed(
            "The patient has not acknowledged: no driving or hazardous activity until "
            "the next day after a restful sleep (rule 11)."
        )
    return _passed(
        f"{session.get_transport_kind_display()}: {session.escort_name}, {session.escort_phone}; "
        "no-driving acknowledged."
    )


# --- entered by the nurse ---------------------------------------------------------------------


def _fasting(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    times = {
        name: _time(values, name)
        for name in (
            "last_solids_at",
            "last_clear_liquids_at",
            "last_fatty_food_at",
            "last_nasal_steroid_at",
        )
    }
    rules = selectors.day_settings(session.organisation).fasting_rules(session.route)
    result = fasting_check(
        route=session.route,
        last_solids_at=times["last_solids_at"],
        last_clear_liquids_at=times["last_clear_liquids_at"],
        last_fatty_food_at=times["last_fatty_food_at"],
        last_nasal_steroid_at=times["last_nasal_steroid_at"],
        dose_at=timezone.now(),
        rules=rules,
    )
    stored = {k: v.isoformat() for k, v in times.items() if v is not None}
    message = " ".join(r.message for r in result.reasons)
    if result.status is FastingStatus.PASSED:
        return _passed(message, **stored, entered=True)
    return _failed(message, **stored, entered=True)


VITAL_NAMES = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")


def _predose_vitals(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    entered = {name: _whole(values, name) for name in VITAL_NAMES}
    now = timezone.now()
    taken_at: datetime | None = None
    if any(v is not None for v in entered.values()):
        problems = validate_reading(**entered, taken_at=now, now=now)
        if problems:
            raise ValidationError({k: [v] for k, v in problems.items()})
        taken_at = now
        reading: dict[str, int | None] = entered
    else:
        latest = selectors.valid_readings(session).filter(taken_at__lte=now).last()
        if latest is None:
            return _failed("No pre-dose vital signs yet: take BP, heart rate and SpO2.")
        reading = {name: getattr(latest, name) for name in VITAL_NAMES}
        taken_at = latest.taken_at
    missing = [n for n in ("systolic", "diastolic", "heart_rate", "spo2") if reading[n] is None]
    stored = {k: v for k, v in reading.items() if v is not None} | {
        "taken_at": taken_at.isoformat()
    }
    if missing:
        return _failed(f"Pre-dose vital signs lack: {', '.join(missing)}.", **stored)
    systolic, diastolic = int(reading["systolic"] or 0), int(reading["diastolic"] or 0)
    gate = predose_bp_gate(
        session.route,
        systolic,
        diastolic,
        selectors.day_settings(session.organisation).racemic_bp_gate(),
    )
    message = " ".join(r.message for r in gate.reasons)
    if gate.status is BpGateStatus.NEEDS_DECISION:
        return Outcome(CheckStatus.NEEDS_DECISION, message, stored)
    return _passed(message, **stored)


def _pregnancy(session: TreatmentSession, values: Mapping[str, Any]) -> Outcome:
    if session.patient.sex_assigned_at_birth == SexAssignedAtBirth.MALE:
        return _not_applicable("Not applicable (male at birth).")
    result = values.get("result")
    if result not in PREGNANCY_RESULTS:
        raise ValidationError({"result": ["Choose negative, positive or not applicable."]})
    if result == "negative":
        return _passed("Pregnancy test negative.", result=result, entered=True)
    if result == "positive":
        return _failed(
            "Pregnancy test positive: do not dose (S3e, rule 7).", result=result, entered=True
        )
    reason = str(values.get("reason", "")).strip()
    if not reason:
        raise ValidationError({"reason": ["Say why a pregnancy test does not apply."]})
    return _not_applicable(f"Not applicable: {reason}", result=result, reason=reason, entered=True)


Evaluator = Callable[[TreatmentSession, Mapping[str, Any]], Outcome]
EVALUATORS: dict[str, Evaluator] = {
    C.CONSENT: _consent,
    C.REMS_PATIENT: _rems_patient,
    C.REMS_SITE: _rems_site,
    C.PRESCRIBER_ON_SITE: _prescriber_on_site,
    C.PULSE_OXIMETER: _pulse_oximeter,
    C.FASTING: _fasting,
    C.PREDOSE_VITALS: _predose_vitals,
    C.PREGNANCY_TEST: _pregnancy,
    C.MEDICATIONS: _medications,
    C.SCALES: _scales,
    C.TRANSPORT: _transport,
}
# Worked out from the record by `precheck_run_automatic`.
AUTOMATIC = (
    C.CONSENT,
    C.REMS_PATIENT,
    C.REMS_SITE,
    C.PRESCRIBER_ON_SITE,
    C.MEDICATIONS,
    C.SCALES,
    C.TRANSPORT,
    C.PREDOSE_VITALS,
)


def _store(*, actor: Actor, session: TreatmentSession, code: str, outcome: Outcome) -> PreCheck:
    membership = chart_membership(actor, session)
    check, _ = PreCheck.objects.update_or_create(
        session=session,
        code=code,
        defaults={
            "organisation_id": session.organisation_id,
            "status": outcome.status,
            "message": outcome.message[:1000],
            "values": outcome.values,
            "recorded_by": membership.user,
            "recorded_at": timezone.now(),
            "override_reason": "",
            "overridden_by": None,
            "overridden_at": None,
        },
    )
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=session,
        patient_public_id=session.patient.public_id,
        changed_fields=[f"check:{code}"],
        detail={
            "check": code,
            "status": outcome.status,
            "message": outcome.message,
            "values": outcome.values,
        },
    )
    return check


def _outcome(session: TreatmentSession, code: str, values: Mapping[str, Any]) -> Outcome:
    if session.route != Route.ESKETAMINE and code in selectors.ESKETAMINE_ONLY_CHECKS:
        return _not_applicable("Esketamine REMS only.")
    return EVALUATORS[code](session, values)


def _open_for_checks(actor: Actor, session: TreatmentSession) -> None:
    if session.state in ENDED or session.state not in (
        SessionState.CHECKED_IN,
        SessionState.PRE_CHECKS,
    ):
        raise ValidationError(
            {
                "state": [
                    f"Pre-checks are recorded before dosing; the session is in {session.state}."
                ]
            }
        )
    if session.state == SessionState.CHECKED_IN:
        move(actor=actor, session=session, to=SessionState.PRE_CHECKS)


@transaction.atomic
def precheck_record(
    *, actor: Actor, session: TreatmentSession, code: str, values: Mapping[str, Any]
) -> PreCheck:
    """Record one check with what was entered (e.g. fasting times, vital signs, a pregnancy test,
    the pulse oximeter, the prescriber on site) and store its result."""
    chart_membership(actor, session)
    current = locked(session)
    if code not in C.values:
        raise ValidationError({"code": [f"Unknown check {code!r}."]})
    _open_for_checks(actor, current)
    if code == C.TRANSPORT and values:
        changed = transport_fields(
            current,
            transport_kind=str(values.get("transport_kind", "")),
            escort_name=str(values.get("escort_name", "")),
            escort_phone=str(values.get("escort_phone", "")),
            no_driving_acknowledged=values.get("no_driving_acknowledged") is True,
        )
        current.version += 1
        current.save(update_fields=[*changed, "version", "updated_at"])
    outcome = _outcome(current, code, values)
    if code == C.PREDOSE_VITALS and any(_whole(values, n) is not None for n in VITAL_NAMES):
        _baseline_reading(actor, current, outcome)
    return _store(actor=actor, session=current, code=code, outcome=outcome)


def _baseline_reading(actor: Actor, session: TreatmentSession, outcome: Outcome) -> None:
    """Vital signs entered with the check are the session's baseline reading too; they go
    through the one reading service, so they raise the clinic's threshold alerts like any other."""
    from ketacare.treatment_sessions.monitoring import reading_record

    reading_record(
        actor=actor,
        session=session,
        taken_at=datetime.fromisoformat(outcome.values["taken_at"]),
        systolic=outcome.values.get("systolic"),
        diastolic=outcome.values.get("diastolic"),
        heart_rate=outcome.values.get("heart_rate"),
        spo2=outcome.values.get("spo2"),
        respiratory_rate=outcome.values.get("respiratory_rate"),
        source=ReadingSource.MANUAL,
    )


def run_automatic(actor: Actor, session: TreatmentSession) -> list[PreCheck]:
    """Re-evaluate every automatic check of a locked session. An overridden check and one
    entered by hand (an attestation, typed vital signs) are kept."""
    existing = {c.code: c for c in PreCheck.objects.filter(session=session)}
    stored: list[PreCheck] = []
    for code in AUTOMATIC:
        check = existing.get(code)
        if check is not None and (
            check.status == CheckStatus.OVERRIDDEN or check.values.get("entered")
        ):
            continue
        if code == C.PREDOSE_VITALS and check is not None and check.values.get("taken_at"):
            # Re-judge only when a newer reading came in.
            latest = selectors.valid_readings(session).last()
            if latest is None or latest.taken_at.isoformat() == check.values["taken_at"]:
                continue
        stored.append(
            _store(actor=actor, session=session, code=code, outcome=_outcome(session, code, {}))
        )
    if session.route != Route.ESKETAMINE:
        for code in selectors.ESKETAMINE_ONLY_CHECKS:
            if code not in existing:
                stored.append(
                    _store(
                        actor=actor, session=session, code=code, outcome=_outcome(session, code, {})
                    )
                )
    if session.patient.sex_assigned_at_birth == SexAssignedAtBirth.MALE and (
        C.PREGNANCY_TEST not in existing
    ):
        stored.append(
            _store(
                actor=actor,
                session=session,
                code=C.PREGNANCY_TEST,
                outcome=_outcome(session, C.PREGNANCY_TEST, {}),
            )
        )
    return stored


@transaction.atomic
def precheck_run_automatic(*, actor: Actor, session: TreatmentSession) -> list[PreCheck]:
    """Work out every check the record answers (consent, REMS, rota, scales, medications,
    transport, the latest reading), storing each result."""
    chart_membership(actor, session)
    current = locked(session)
    _open_for_checks(actor, current)
    return run_automatic(actor, current)


def refresh_automatic_check(*, actor: Actor, session: TreatmentSession, code: str) -> None:
    """After a change that answers a check (e.g. the transport recorded), re-judge it while
    the session is still before dosing."""
    if session.state not in (SessionState.CHECKED_IN, SessionState.PRE_CHECKS):
        return
    existing = PreCheck.objects.filter(session=session, code=code).first()
    if existing is not None and existing.status == CheckStatus.OVERRIDDEN:
        return
    if existing is None and session.state == SessionState.CHECKED_IN:
        return
    _store(actor=actor, session=session, code=code, outcome=_outcome(session, code, {}))


@transaction.atomic
def precheck_override(*, actor: Actor, check: PreCheck, reason: str) -> PreCheck:
    """A prescriber's documented decision to dose despite a failed check (e.g. the risk-benefit
    decision for a raised pre-dose blood pressure, rule 4)."""
    membership = require_permission(actor, Permission.OVERRIDE_SAFETY_CHECK)
    require_same_organisation(membership, check.organisation_id, "check")
    current = (
        PreCheck.objects.select_for_update(of=("self",))
        .select_related("session__patient")
        .get(pk=check.pk)
    )
    session = current.session
    if session.state not in (SessionState.CHECKED_IN, SessionState.PRE_CHECKS):
        raise ValidationError({"state": ["Checks are overridden before dosing only."]})
    if current.status not in (CheckStatus.FAILED, CheckStatus.NEEDS_DECISION):
        raise ValidationError(
            {
                "status": [
                    f"Only a failed check is overridden; this one is "
                    f"{current.get_status_display().lower()}."
                ]
            }
        )
    if current.code in NOT_OVERRIDABLE or (
        current.code == C.PREGNANCY_TEST and current.values.get("result") == "positive"
    ):
        raise ValidationError({"code": [f"{current.get_code_display()} cannot be overridden."]})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Write the reason for dosing despite this check."]})
    current.status = CheckStatus.OVERRIDDEN
    current.override_reason = reason[:2000]
    current.overridden_by = membership.user
    current.overridden_at = timezone.now()
    current.save(update_fields=["status", "override_reason", "overridden_by", "overridden_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=session,
        patient_public_id=session.patient.public_id,
        changed_fields=[f"check:{current.code}"],
        detail={
            "check": current.code,
            "status": "overridden",
            "reason": reason,
            "was": current.message,
        },
    )
    return current
