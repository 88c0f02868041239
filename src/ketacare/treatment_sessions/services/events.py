"""Adverse events, graded by CTCAE v5.0 [S15]; grade 3 or more opens an incident review in the
same transaction and tells the prescribers (rule 15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical.treatment_day import ctcae_grade, needs_incident_review
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions.models import (
    AdverseEvent,
    AdverseEventOutcome,
    IncidentReview,
    IncidentStatus,
    TreatmentSession,
)
from ketacare.treatment_sessions.services.flow import chart_membership, checked_time, locked

EDITABLE = (
    "event_type",
    "description",
    "onset_at",
    "ctcae_grade",
    "action_taken",
    "outcome",
    "serious",
)


class StaleAdverseEventError(Exception):
    """The adverse event changed since the caller read it."""

    def __init__(self, expected_version: int, current: AdverseEvent, changed: list[str]) -> None:
        self.expected_version = expected_version
        self.current = current
        self.changed_fields = changed
        what = ", ".join(f"{name} is now {getattr(current, name)!s}" for name in changed)
        super().__init__(
            "Someone else changed this adverse event while you were editing it"
            + (f": {what}" if what else "")
            + f" (version {current.version}, you had version {expected_version})."
        )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "event_type" in values:
        cleaned["event_type"] = str(values["event_type"]).strip()[:100]
        if not cleaned["event_type"]:
            errors["event_type"] = ["Say what happened (e.g. vomiting, hypertension)."]
    if "ctcae_grade" in values:
        try:
            cleaned["ctcae_grade"] = int(ctcae_grade(values["ctcae_grade"]))
        except ValueError:
            errors["ctcae_grade"] = ["Choose the CTCAE grade, 1 to 5."]
    if "outcome" in values and values["outcome"] not in AdverseEventOutcome.values:
        errors["outcome"] = ["Choose the outcome."]
    if "serious" in values and not isinstance(values["serious"], bool):
        errors["serious"] = ["Say whether the event is serious."]
    for name in ("description", "action_taken"):
        if name in values:
            cleaned[name] = str(values[name]).strip()[: 4000 if name == "description" else 500]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _open_review(event: AdverseEvent) -> IncidentReview | None:
    if not needs_incident_review(event.ctcae_grade):
        return None
    if IncidentReview.objects.filter(adverse_event=event).exists():
        return None
    review = IncidentReview.objects.create(
        organisation_id=event.organisation_id, adverse_event=event
    )
    from ketacare.treatment_sessions.tasks import notify_incident_review

    transaction.on_commit(lambda: notify_incident_review.enqueue(review.pk))
    return review


@transaction.atomic
def adverse_event_record(
    *,
    actor: Actor,
    session: TreatmentSession,
    event_type: str,
    onset_at: datetime | None,
    ctcae_grade: int,
    outcome: str,
    serious: bool = False,
    description: str = "",
    action_taken: str = "",
) -> AdverseEvent:
    """Record an adverse event; grade 3 or more opens an incident review (rule 15)."""
    membership = chart_membership(actor, session)
    current = locked(session)
    values = _clean(
        {
            "event_type": event_type,
            "ctcae_grade": ctcae_grade,
            "outcome": outcome,
            "serious": serious,
            "description": description,
            "action_taken": action_taken,
        }
    )
    when = checked_time(onset_at, "onset_at", current)
    event = AdverseEvent.objects.create(
        organisation_id=current.organisation_id,
        session=current,
        patient=current.patient,
        onset_at=when,
        recorded_by=membership.user,
        **values,
    )
    review = _open_review(event)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        patient_public_id=current.patient.public_id,
        detail={
            "grade": event.ctcae_grade,
            "serious": event.serious,
            "incident_review": str(review.public_id) if review else None,
        },
    )
    return event


@transaction.atomic
def adverse_event_update(
    *,
    actor: Actor,
    event: AdverseEvent,
    expected_version: int,
    changes: dict[str, Any],
) -> AdverseEvent:
    """Edit an adverse event the user saw at `expected_version`; a stale edit is refused with
    what changed. Raising the grade to 3 or more opens an incident review."""
    membership = require_permission(actor, Permission.CHART_SESSION)
    require_same_organisation(membership, event.organisation_id, "adverse event")
    current = (
        AdverseEvent.objects.select_for_update(of=("self",))
        .select_related("patient", "session")
        .get(pk=event.pk)
    )
    if current.version != expected_version:
        changed = [n for n in EDITABLE if getattr(current, n) != getattr(event, n)]
        raise StaleAdverseEventError(expected_version, current, changed)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: ["This field cannot be changed here."]})
    values = _clean(changes)
    if "onset_at" in values:
        values["onset_at"] = checked_time(values["onset_at"], "onset_at", current.session)
    changed = [n for n, v in values.items() if getattr(current, n) != v]
    before = {n: str(getattr(current, n)) for n in changed}
    for name, value in values.items():
        setattr(current, name, value)
    current.version += 1
    current.save()
    review = _open_review(current)
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=changed,
        detail={
            "before": before,
            "by": membership.user.email,
            "incident_review": str(review.public_id) if review else None,
        },
    )
    return current


@transaction.atomic
def incident_review_close(*, actor: Actor, review: IncidentReview, findings: str) -> IncidentReview:
    """The medical director closes an incident review with the findings."""
    membership = require_permission(actor, Permission.REVIEW_INCIDENT)
    require_same_organisation(membership, review.organisation_id, "incident review")
    current = (
        IncidentReview.objects.select_for_update(of=("self",))
        .select_related("adverse_event__patient")
        .get(pk=review.pk)
    )
    if current.status == IncidentStatus.CLOSED:
        raise ValidationError({"status": ["This review is already closed."]})
    findings = findings.strip()
    if not findings:
        raise ValidationError({"findings": ["Write the review's findings."]})
    current.status = IncidentStatus.CLOSED
    current.findings = findings[:8000]
    current.reviewed_by = membership.user
    current.reviewed_at = timezone.now()
    current.save()
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.adverse_event.patient.public_id,
        changed_fields=["status", "findings"],
    )
    return current
