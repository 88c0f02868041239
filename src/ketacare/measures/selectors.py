"""Reads for measurement-based care. Every one takes the acting user and is tenant-scoped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Max, QuerySet, When
from django.utils import timezone

from ketacare.clinical.measures import (
    Instrument,
    OutcomeResult,
    ResponseStatus,
    compare_to_baseline,
    get_instrument,
)
from ketacare.measures.due import Due, DueState, due_status
from ketacare.measures.models import Assessment, MeasureSchedule, SafetyAlert, SafetyAlertStatus
from ketacare.patients.models import Patient
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Clinic, Membership, Organisation
from ketacare.tenancy.permissions import Permission


def remission_override(organisation: Organisation, instrument_code: str) -> int | None:
    value = organisation.settings.get("measures", {}).get("remission", {}).get(instrument_code)
    return int(value) if value is not None else None


@dataclass(frozen=True)
class Point:
    when: datetime
    total: int | None
    band: str
    assessment: Assessment


@dataclass
class InstrumentOutcome:
    """One scale's story for one patient: every score, baseline, latest and the judgement."""

    instrument: Instrument
    points: list[Point] = field(default_factory=list)
    baseline: Assessment | None = None
    latest: Assessment | None = None
    outcome: OutcomeResult | None = None

    @property
    def status_label(self) -> str:
        if self.baseline is None:
            return "No baseline"
        if self.outcome is None:
            return "Baseline only"
        if self.outcome.remission:
            return "Remission"
        return {
            ResponseStatus.RESPONSE: "Response",
            ResponseStatus.PARTIAL_RESPONSE: "Partial response",
            ResponseStatus.NO_RESPONSE: "No response",
        }.get(self.outcome.response, "Not judged")


def patient_assessments(user: Actor, patient: Patient) -> QuerySet[Assessment]:
    require_permission(user, Permission.VIEW_CLINICAL)
    return Assessment.objects.filter(organisation_id=patient.organisation_id, patient=patient)


def patient_outcomes(user: Actor, patient: Patient) -> list[InstrumentOutcome]:
    """All of a patient's scales in one query, oldest first within each scale."""
    rows = patient_assessments(user, patient).order_by("completed_at", "id")
    by_code: dict[str, list[Assessment]] = defaultdict(list)
    for row in rows:
        by_code[row.instrument_code].append(row)
    return [
        _outcome(get_instrument(code), found, patient.organisation)
        for code, found in sorted(by_code.items())
    ]


def _outcome(
    instrument: Instrument, rows: list[Assessment], org: Organisation
) -> InstrumentOutcome:
    story = InstrumentOutcome(instrument=instrument)
    story.points = [Point(r.completed_at, r.total, r.band_label, r) for r in rows]
    complete = [r for r in rows if r.complete and r.total is not None]
    if complete:
        story.baseline = complete[0]
        story.latest = complete[-1]
    if (
        story.baseline is not None
        and story.latest is not None
        and story.latest.pk != story.baseline.pk
        and instrument.total_range is not None
    ):
        story.outcome = compare_to_baseline(
            instrument,
            story.baseline.total,  # type: ignore[arg-type]
            story.latest.total,  # type: ignore[arg-type]
            remission_override(org, instrument.code),
        )
    return story


def open_alerts(
    user: Actor, *, patient: Patient | None = None, clinic: Clinic | None = None
) -> QuerySet[SafetyAlert]:
    """Open alerts, most urgent first: high-risk before the others, then the longest open."""
    membership = require_permission(user, Permission.VIEW_CLINICAL)
    alerts = scoped(SafetyAlert.objects.all(), membership).filter(status=SafetyAlertStatus.OPEN)
    if patient is not None:
        alerts = alerts.filter(patient=patient)
    if clinic is not None:
        alerts = alerts.filter(patient__preferred_clinic=clinic)
    high_risk_first = Case(When(level="high_risk", then=0), default=1)
    return alerts.select_related("patient", "assessment").order_by(high_risk_first, "created_at")


def patient_schedules(user: Actor, patient: Patient) -> QuerySet[MeasureSchedule]:
    membership = require_permission(user, Permission.VIEW_CLINICAL)
    return scoped(MeasureSchedule.objects.filter(patient=patient, active=True), membership)


def get_schedule_for(
    user: Actor, patient: Patient, public_id: object, permission: Permission
) -> MeasureSchedule:
    queryset = MeasureSchedule.objects.filter(patient=patient, active=True).select_related(
        "patient"
    )
    return access_object(user, queryset, permission, public_id=public_id)[1]


def get_alert_for(user: Actor, public_id: object) -> SafetyAlert:
    queryset = SafetyAlert.objects.select_related("patient", "assessment", "acknowledged_by")
    return access_object(user, queryset, Permission.VIEW_CLINICAL, public_id=public_id)[1]


@dataclass(frozen=True)
class DueMeasure:
    schedule: MeasureSchedule
    due: Due


def due_measures(user: Actor, *, clinic: Clinic | None = None) -> list[DueMeasure]:
    """Scheduled scales that are due or overdue, most overdue first. Three queries in all:
    "before each session" scales are due relative to the patient's next booked session."""
    from ketacare.scheduling.selectors import next_treatment_starts

    membership = require_permission(user, Permission.VIEW_PATIENT)
    schedules = scoped(MeasureSchedule.objects.filter(active=True), membership).select_related(
        "patient"
    )
    if clinic is not None:
        schedules = schedules.filter(patient__preferred_clinic=clinic)
    schedules_list = list(schedules)
    last = _last_completed(membership, [s.patient_id for s in schedules_list])
    sessions = next_treatment_starts(user, {s.patient_id for s in schedules_list})
    now = timezone.now()
    found = []
    for schedule in schedules_list:
        due = due_status(
            schedule.frequency,
            last.get((schedule.patient_id, schedule.instrument_code)),
            now,
            next_session_at=sessions.get(schedule.patient_id),
        )
        if due.state != DueState.NOT_DUE:
            found.append(DueMeasure(schedule, due))
    found.sort(key=lambda d: (d.due.state != DueState.OVERDUE, d.due.due_at or now))
    return found


def _last_completed(
    membership: Membership, patient_ids: list[int]
) -> dict[tuple[int, str], datetime]:
    rows = (
        scoped(Assessment.objects.all(), membership)
        .filter(patient_id__in=patient_ids, complete=True)
        .values("patient_id", "instrument_code")
        .annotate(last=Max("completed_at"))
    )
    return {(r["patient_id"], r["instrument_code"]): r["last"] for r in rows}


@dataclass
class ClinicBoard:
    """Patients of a clinic by where they stand on their main scale."""

    groups: dict[str, list[tuple[Patient, InstrumentOutcome]]] = field(default_factory=dict)


BOARD_ORDER = (
    "Remission",
    "Response",
    "Partial response",
    "No response",
    "Baseline only",
    "No baseline",
)


def clinic_board(user: Actor, *, clinic: Clinic | None = None, limit: int = 500) -> ClinicBoard:
    """Each patient's first-scheduled (else most-used) scale, judged against its baseline."""
    membership = require_permission(user, Permission.VIEW_CLINICAL)
    rows = scoped(Assessment.objects.all(), membership).select_related("patient")
    if clinic is not None:
        rows = rows.filter(patient__preferred_clinic=clinic)
    by_patient: dict[int, dict[str, list[Assessment]]] = defaultdict(lambda: defaultdict(list))
    patients: dict[int, Patient] = {}
    for row in rows.order_by("completed_at", "id")[: limit * 50]:
        by_patient[row.patient_id][row.instrument_code].append(row)
        patients[row.patient_id] = row.patient
    board = ClinicBoard(groups={label: [] for label in BOARD_ORDER})
    for patient_id, scales in by_patient.items():
        code = max(scales, key=lambda c: len(scales[c]))
        story = _outcome(get_instrument(code), scales[code], membership.organisation)
        board.groups.setdefault(story.status_label, []).append((patients[patient_id], story))
    # Patients with a scale scheduled but never filled have no baseline yet.
    waiting = scoped(MeasureSchedule.objects.filter(active=True), membership).exclude(
        patient_id__in=list(by_patient)
    )
    if clinic is not None:
        waiting = waiting.filter(patient__preferred_clinic=clinic)
    for schedule in waiting.select_related("patient").order_by("patient_id", "instrument_code"):
        if schedule.patient_id in patients:
            continue
        patients[schedule.patient_id] = schedule.patient
        story = InstrumentOutcome(instrument=get_instrument(schedule.instrument_code))
        board.groups["No baseline"].append((schedule.patient, story))
    return board
