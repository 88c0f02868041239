"""Reads for the treatment day: the organisation's treatment-day settings, what still blocks
dosing, a session's timeline, the floor today, open incident reviews and overdue REMS forms.
Every read that takes a user is tenant-scoped; another organisation's session answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ketacare.clinical import recovery as recovery_rules
from ketacare.clinical.dosing.accounting import Balance
from ketacare.clinical.treatment_day import (
    FastingRules,
    VitalGates,
    default_fasting_rules,
)
from ketacare.clinical.treatment_day import sources as day_sources
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Clinic, Organisation, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions.models import (
    AdverseEvent,
    CheckCode,
    CheckStatus,
    DrugWaste,
    IncidentReview,
    IncidentStatus,
    PreCheck,
    RecoveryScore,
    RemsFormStatus,
    RemsMonitoringForm,
    SessionState,
    TreatmentSession,
    VitalSignReading,
)

SETTINGS_KEY = "treatment_day"
ESKETAMINE_ONLY_CHECKS = frozenset(
    {
        CheckCode.REMS_PATIENT,
        CheckCode.REMS_SITE,
        CheckCode.PRESCRIBER_ON_SITE,
        CheckCode.PULSE_OXIMETER,
    }
)
CLEARED = frozenset({CheckStatus.PASSED, CheckStatus.NOT_APPLICABLE, CheckStatus.OVERRIDDEN})
ON_THE_FLOOR = (
    SessionState.CHECKED_IN,
    SessionState.PRE_CHECKS,
    SessionState.DOSING,
    SessionState.MONITORING,
    SessionState.RECOVERY,
)
# source: S4a, S4b (the REMS Patient Monitoring Form is submitted within 7 days)
REMS_FORM_DUE_DAYS = 7


# --- the organisation's treatment-day settings --------------------------------------------------


@dataclass(frozen=True)
class DaySettings:
    """The organisation's treatment-day settings: each one either a cited default or a value the
    clinic must set (reference.md gives no number for it)."""

    raw: dict[str, Any]

    def fasting_rules(self, route: str) -> FastingRules | None:
        """The clinic's fasting rules for a route, or the reference default (rule 10)."""
        stored = self.raw.get("fasting", {}).get(route)
        if not stored:
            return default_fasting_rules(route)

        def gap(name: str) -> timedelta | None:
            value = stored.get(name)
            return timedelta(minutes=int(value)) if value is not None else None

        return FastingRules(
            solids=gap("solids_minutes"),
            clear_liquids=gap("clear_liquids_minutes"),
            fatty_food=gap("fatty_food_minutes"),
            nasal_steroid_or_decongestant=gap("nasal_steroid_minutes"),
            source=day_sources.ORGANISATION_SETTING,
        )

    def racemic_bp_gate(self) -> VitalGates | None:
        stored = self.raw.get("racemic_bp_gate")
        if not stored:
            return None
        return VitalGates(
            systolic_above=stored.get("systolic_above"),
            diastolic_above=stored.get("diastolic_above"),
        )

    def minimum_observation_minutes(self, route: str) -> int | None:
        """The practice's minimum observation for a route (required for every route but
        esketamine, whose label minimum of 120 min applies anyway)."""
        value = self.raw.get("minimum_observation_minutes", {}).get(route)
        return int(value) if value is not None else None

    @property
    def aldrete_threshold(self) -> int:
        value = self.raw.get("aldrete_threshold")
        # source: S17, S17a (a modified Aldrete of 9 or more allows discharge); rule 13
        return int(value) if value is not None else recovery_rules.ALDRETE_PASS_THRESHOLD

    @property
    def padss_threshold(self) -> int | None:
        """No default: the reference gives none for the 8-point adapted PADSS."""
        value = self.raw.get("padss_threshold")
        return int(value) if value is not None else None

    @property
    def scales_max_age_days(self) -> int | None:
        value = self.raw.get("scales_max_age_days")
        return int(value) if value is not None else None


def day_settings(organisation: Organisation) -> DaySettings:
    stored = organisation.settings.get(SETTINGS_KEY, {}) if organisation.settings else {}
    return DaySettings(dict(stored) if isinstance(stored, dict) else {})


# --- pre-checks -------------------------------------------------------------------------------


def required_checks(route: str) -> tuple[str, ...]:
    """The checks a session of this route needs before dosing (REMS checks for esketamine)."""
    return tuple(
        code
        for code in CheckCode.values
        if route == Route.ESKETAMINE or code not in ESKETAMINE_ONLY_CHECKS
    )


@dataclass(frozen=True)
class Blocker:
    code: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


def dosing_blockers(session: TreatmentSession) -> list[Blocker]:
    """Every required check not passed, not applicable or overridden (a missing one included).
    Takes a session already fetched through the access gate."""
    latest = {check.code: check for check in PreCheck.objects.filter(session=session)}
    blockers: list[Blocker] = []
    for code in required_checks(session.route):
        label = CheckCode(code).label
        check = latest.get(code)
        if check is None:
            blockers.append(Blocker(code, label, "not recorded yet."))
        elif check.status not in CLEARED:
            blockers.append(Blocker(code, label, check.message or check.get_status_display()))
    return blockers


# --- readings ---------------------------------------------------------------------------------


def valid_readings(session: TreatmentSession) -> QuerySet[VitalSignReading]:
    """The session's readings in time order, without those struck through."""
    return VitalSignReading.objects.filter(session=session, struck_reason="").order_by(
        "taken_at", "pk"
    )


def blood_pressure_not_rising(session: TreatmentSession) -> bool | None:
    """Esketamine discharge (rule 6, S3): is the blood pressure falling or stable? The last two
    pressures after the first device are compared; None until there are two."""
    if session.first_dose_at is None:
        return None
    pressures = list(
        valid_readings(session)
        .filter(
            taken_at__gte=session.first_dose_at,
            systolic__isnull=False,
            diastolic__isnull=False,
        )
        .values_list("systolic", "diastolic")
    )
    if len(pressures) < 2:
        return None
    (before_sys, before_dia), (last_sys, last_dia) = pressures[-2], pressures[-1]
    return bool((last_sys or 0) <= (before_sys or 0) and (last_dia or 0) <= (before_dia or 0))


# --- recovery ---------------------------------------------------------------------------------


def latest_recovery_score(session: TreatmentSession) -> RecoveryScore | None:
    return RecoveryScore.objects.filter(session=session).order_by("-scored_at", "-pk").first()


def reassessment_due(
    session: TreatmentSession, now: datetime | None = None
) -> recovery_rules.Reassessment | None:
    """When the recovery score is due again (every 30 min while below threshold, S18b);
    None before the first score."""
    score = latest_recovery_score(session)
    if score is None:
        return None
    moment = now or timezone.now()
    return recovery_rules.reassessment_due(
        score.scored_at, max(moment, score.scored_at), score.passed
    )


# --- access and lists -------------------------------------------------------------------------


def get_session_for(
    user: Actor, public_id: UUID | str, permission: Permission = Permission.CHART_SESSION
) -> TreatmentSession:
    """404 across organisations, then 403 for a role that may not."""
    queryset = TreatmentSession.objects.select_related(
        "patient", "clinic", "appointment", "plan", "order", "space", "organisation"
    )
    return access_object(user, queryset, permission, public_id=public_id)[1]


def get_adverse_event_for(
    user: Actor, public_id: UUID | str, permission: Permission = Permission.CHART_SESSION
) -> AdverseEvent:
    queryset = AdverseEvent.objects.select_related("session", "patient")
    return access_object(user, queryset, permission, public_id=public_id)[1]


def get_incident_review_for(user: Actor, public_id: UUID | str) -> IncidentReview:
    queryset = IncidentReview.objects.select_related("adverse_event", "adverse_event__session")
    return access_object(user, queryset, Permission.REVIEW_INCIDENT, public_id=public_id)[1]


@dataclass(frozen=True)
class Timeline:
    session: TreatmentSession
    steps: list[Any]
    checks: list[Any]
    administrations: list[Any]
    observations: list[Any]
    readings: list[Any]
    adverse_events: list[Any]
    recovery_scores: list[Any]
    blockers: list[Blocker]


def session_timeline(user: Actor, public_id: UUID | str) -> Timeline:
    """The whole chart of one session, in a fixed number of queries."""
    membership = require_permission(user, Permission.CHART_SESSION)
    queryset = (
        scoped(TreatmentSession.objects.all(), membership)
        .select_related("patient", "clinic", "appointment", "plan", "order", "space")
        .prefetch_related(
            Prefetch("steps"),
            Prefetch("checks"),
            Prefetch("administrations"),
            Prefetch("observations"),
            Prefetch("readings"),
            Prefetch(
                "adverse_events", queryset=AdverseEvent.objects.select_related("incident_review")
            ),
            Prefetch("recovery_scores"),
        )
    )
    session = access_object(user, queryset, Permission.CHART_SESSION, public_id=public_id)[1]
    checks = list(session.checks.all())
    cleared = {c.code for c in checks if c.status in CLEARED}
    by_code = {c.code: c for c in checks}
    blockers = [
        Blocker(
            code,
            CheckCode(code).label,
            (by_code[code].message if code in by_code else "not recorded yet."),
        )
        for code in required_checks(session.route)
        if code not in cleared
    ]
    return Timeline(
        session=session,
        steps=list(session.steps.all()),
        checks=checks,
        administrations=list(session.administrations.all()),
        observations=list(session.observations.all()),
        readings=list(session.readings.all()),
        adverse_events=list(session.adverse_events.all()),
        recovery_scores=list(session.recovery_scores.all()),
        blockers=blockers,
    )


def sessions_on_the_floor(user: Actor, clinic: Clinic, day: date | None = None) -> list[Any]:
    """The clinic's sessions checked in on a day (local time), those still open first."""
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    if clinic.organisation_id != membership.organisation_id:
        return []
    zone = ZoneInfo(clinic.time_zone)
    local_day = day or timezone.localtime(timezone.now(), zone).date()
    start = datetime.combine(local_day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    rows = list(
        scoped(TreatmentSession.objects.all(), membership)
        .filter(clinic=clinic, checked_in_at__gte=start, checked_in_at__lt=end)
        .select_related("patient", "space", "appointment")
        .order_by("checked_in_at")
    )
    return sorted(rows, key=lambda s: s.state not in ON_THE_FLOOR)


def open_incident_reviews(user: Actor) -> QuerySet[IncidentReview]:
    membership = require_permission(user, Permission.REVIEW_INCIDENT)
    return (
        scoped(IncidentReview.objects.all(), membership)
        .filter(status=IncidentStatus.OPEN)
        .select_related("adverse_event", "adverse_event__session", "adverse_event__patient")
        .order_by("opened_at")
    )


def rems_forms_overdue(user: Actor, today: date | None = None) -> QuerySet[RemsMonitoringForm]:
    """REMS Patient Monitoring Forms not submitted by their due date (7 days, S4a/S4b)."""
    membership = require_permission(user, Permission.CHART_SESSION)
    return (
        scoped(RemsMonitoringForm.objects.all(), membership)
        .filter(status=RemsFormStatus.DRAFT, due_by__lt=today or timezone.localdate())
        .select_related("session", "session__patient", "session__clinic")
        .order_by("due_by")
    )


def rems_forms_open(user: Actor) -> QuerySet[RemsMonitoringForm]:
    membership = require_permission(user, Permission.CHART_SESSION)
    return (
        scoped(RemsMonitoringForm.objects.all(), membership)
        .filter(status=RemsFormStatus.DRAFT)
        .select_related("session", "session__patient")
        .order_by("due_by")
    )


@dataclass(frozen=True)
class DueNext:
    """What the floor board says is due next for a patient on the treatment day."""

    text: str
    overdue: bool = False


def due_next(session: TreatmentSession, now: datetime) -> DueNext | None:
    """The next thing a nurse owes this patient, in the clinic's time: clearing the
    pre-checks, the next vital signs (rule 12; esketamine BP window, rule 6) or the next
    recovery score (every 30 min while below threshold, S18b); once dosing is over, ketamine
    still to waste with a witness. A few queries per patient in treatment; the board shows a
    handful of chairs."""
    due = _due_next(session, now)
    if session.state not in (SessionState.MONITORING, SessionState.RECOVERY):
        return due
    from ketacare.treatment_sessions.services.waste import session_balance

    balance = session_balance(session, now)
    if balance is None or balance.unaccounted_mg <= 0:
        return due
    left = f"{balance.unaccounted_mg.normalize():f} mg of ketamine to waste, with a witness"
    if due is None:
        return DueNext(left)
    return DueNext(f"{due.text} · {left}", overdue=due.overdue)


def _due_next(session: TreatmentSession, now: datetime) -> DueNext | None:
    from ketacare.clinical.treatment_day import CadenceStatus
    from ketacare.treatment_sessions.monitoring import vitals_status

    zone = ZoneInfo(session.clinic.time_zone)
    if session.state in (SessionState.CHECKED_IN, SessionState.PRE_CHECKS):
        blockers = dosing_blockers(session)
        if blockers:
            return DueNext(f"Pre-checks: {len(blockers)} to clear before dosing")
        return DueNext("Ready to dose")
    if session.state in (SessionState.DOSING, SessionState.MONITORING):
        due = vitals_status(session, now).due
        if due is None or due.next_due_at is None:
            return None
        at = timezone.localtime(due.next_due_at, zone)
        if due.status is CadenceStatus.OVERDUE:
            return DueNext(f"Vitals OVERDUE: were due {at:%H:%M}", overdue=True)
        return DueNext(f"Vitals due {at:%H:%M}")
    if session.state == SessionState.RECOVERY:
        again = reassessment_due(session, now)
        if again is None:
            return DueNext("Recovery score to take")
        if not again.needed or again.due_at is None:
            return DueNext("Recovery score passed: discharge when ready")
        at = timezone.localtime(again.due_at, zone)
        if again.overdue:
            return DueNext(f"Recovery score OVERDUE (due {at:%H:%M})", overdue=True)
        return DueNext(f"Recovery score again at {at:%H:%M}")
    return None


# --- the controlled-substance log ------------------------------------------------------------


@dataclass(frozen=True)
class LoggedSession:
    """One session of the day's controlled-substance log: its balance (racemic routes), the lots
    its doses came from, and each witnessed waste."""

    session: TreatmentSession
    balance: Balance | None
    lots: list[str]
    wastes: list[DrugWaste]

    @property
    def unbalanced(self) -> bool:
        return self.balance is not None and not self.balance.balanced


def controlled_substance_day(user: Actor, start: datetime, end: datetime) -> list[LoggedSession]:
    """Every session of the user's organisation checked in between `start` and `end` that was
    dosed or had ketamine wasted, the ones that do not add up first. A fixed number of queries,
    however many sessions."""
    from ketacare.treatment_sessions.services.waste import balance_of, ketamine_lots

    membership = require_permission(user, Permission.CHART_SESSION)
    sessions = (
        scoped(TreatmentSession.objects.all(), membership)
        .filter(checked_in_at__gte=start, checked_in_at__lt=end)
        .filter(Q(first_dose_at__isnull=False) | Q(wastes__isnull=False))
        .distinct()
        .select_related("patient", "order", "clinic")
        .prefetch_related(
            "administrations",
            Prefetch(
                "wastes",
                queryset=DrugWaste.objects.select_related("recorded_by", "witnessed_by"),
            ),
        )
        .order_by("checked_in_at", "pk")
    )
    now = timezone.now()
    rows = []
    for session in sessions:
        given = list(session.administrations.all())
        wastes = list(session.wastes.all())
        rows.append(
            LoggedSession(
                session=session,
                balance=balance_of(session, session.order, given, wastes, now),
                lots=ketamine_lots(given),
                wastes=wastes,
            )
        )
    return sorted(rows, key=lambda row: not row.unbalanced)
