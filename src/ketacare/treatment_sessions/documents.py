"""Printable documents of a treatment session: the session record and the esketamine REMS
Patient Monitoring Form, each a PDF rendered through `ketacare.pdf` and audited as an export.

Thin in the house's sense: it gathers the chart (fixed number of queries), arranges it for the
template and renders; it computes no clinical judgement. The readings chart is a plain line
chart of what was measured, drawn on the server as SVG."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.patients.models import SexAssignedAtBirth
from ketacare.pdf import render_pdf
from ketacare.tenancy.access import (
    Actor,
    access_object,
    require_membership,
    require_same_organisation,
)
from ketacare.tenancy.models import Membership, Route
from ketacare.tenancy.permissions import Permission, role_may
from ketacare.treatment.models import DoseOrder
from ketacare.treatment_sessions.charts import vitals_chart_svg
from ketacare.treatment_sessions.models import (
    AdministrationKind,
    AdverseEvent,
    CheckStatus,
    RemsMonitoringForm,
    SessionState,
    TreatmentSession,
    VitalSignReading,
)
from ketacare.treatment_sessions.monitoring import VitalSeries
from ketacare.treatment_sessions.services.dosing import session_order
from ketacare.treatment_sessions.services.rems import REVIEW_KEY, REVIEWED_ANSWERS, rems_fields
from ketacare.treatment_sessions.services.waste import balance_of

PRINT_CSS = "treatment_sessions/print.css"
RECORD_TEMPLATE = "treatment_sessions/record_pdf.html"
REMS_TEMPLATE = "treatment_sessions/rems_form_pdf.html"
# Either permission opens a session's documents: the nurse or prescriber who charts it, or a
# clinician who reads the record (a therapist).
DOCUMENT_PERMISSIONS = (Permission.CHART_SESSION, Permission.VIEW_CLINICAL)


# --- access ------------------------------------------------------------------------------------


def _document_permission(membership: Membership) -> Permission:
    for permission in DOCUMENT_PERMISSIONS:
        if role_may(membership.role, permission):
            return permission
    return DOCUMENT_PERMISSIONS[0]  # access_object answers 403 with its words


def _chart_queryset() -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.select_related(
        "organisation",
        "clinic",
        "patient",
        "appointment",
        "plan",
        "order",
        "order__signed_by",
        "space",
        "checked_in_by",
        "clinically_stable_by",
        "discharged_by",
    ).prefetch_related(
        Prefetch("steps__by"),
        Prefetch("checks__recorded_by"),
        Prefetch("checks__overridden_by"),
        Prefetch("administrations__recorded_by"),
        Prefetch("observations__recorded_by"),
        Prefetch(
            "readings",
            queryset=VitalSignReading.objects.select_related("recorded_by").order_by(
                "taken_at", "pk"
            ),
        ),
        Prefetch(
            "adverse_events",
            queryset=AdverseEvent.objects.select_related(
                "recorded_by", "incident_review", "incident_review__reviewed_by"
            ).order_by("onset_at", "pk"),
        ),
        Prefetch("recovery_scores__scored_by"),
    )


def session_for_document(actor: Actor, public_id: UUID | str) -> TreatmentSession:
    """The session with its whole chart: 404 for another organisation's (or no) session, 403
    for a role that neither charts sessions nor reads the clinical record."""
    membership = require_membership(actor)
    return access_object(
        actor, _chart_queryset(), _document_permission(membership), public_id=public_id
    )[1]


def _require_document_access(actor: Actor, session: TreatmentSession) -> Membership:
    """Second line of defence for a session fetched elsewhere."""
    membership = require_membership(actor)
    require_same_organisation(membership, session.organisation_id, "session")
    if not any(role_may(membership.role, p) for p in DOCUMENT_PERMISSIONS):
        raise PermissionDenied("Your role may not open treatment-session records.")
    return membership


# --- the readings chart ------------------------------------------------------------------------

# The live chart (charts.py) is styled by the app's stylesheet; a PDF image carries its own.
_CHART_STYLE = (
    "<style>"
    "text{font-family:'DejaVu Sans',sans-serif;font-size:10px;fill:#5b6776}"
    ".frame{fill:#fbfcfd;stroke:#c9d2dc;stroke-width:.75}"
    ".grid{stroke:#e3e8ed;stroke-width:.6}"
    ".panel-label{font-weight:bold;fill:#3c4856}"
    ".line polyline{fill:none;stroke-width:1.6}"
    ".systolic polyline{stroke:#a01919}.systolic circle{fill:#a01919}"
    ".diastolic polyline{stroke:#d9730d;stroke-dasharray:4 2}.diastolic circle{fill:#d9730d}"
    ".heart-rate polyline{stroke:#284e80}.heart-rate circle{fill:#284e80}"
    ".spo2 polyline{stroke:#1c6b36}.spo2 circle{fill:#1c6b36}"
    ".respiratory-rate polyline{stroke:#6b3fa0}.respiratory-rate circle{fill:#6b3fa0}"
    "</style>"
)
CHART_LEGEND = (
    ("#a01919", "Systolic BP (mmHg)"),
    ("#d9730d", "Diastolic BP (mmHg)"),
    ("#284e80", "Heart rate (/min)"),
    ("#1c6b36", "SpO\u2082 (%)"),
    ("#6b3fa0", "Respiratory rate (/min)"),
)


def readings_chart(readings: list[VitalSignReading], zone: ZoneInfo) -> str | None:
    """The monitoring chart (charts.vitals_chart_svg) of the valid readings as a `data:` image
    for the PDF, or None with fewer than two readings."""
    valid = [r for r in readings if not r.struck_reason]
    if len(valid) < 2:
        return None
    series = VitalSeries(
        times=[r.taken_at for r in valid],
        systolic=[r.systolic for r in valid],
        diastolic=[r.diastolic for r in valid],
        heart_rate=[r.heart_rate for r in valid],
        spo2=[r.spo2 for r in valid],
        respiratory_rate=[r.respiratory_rate for r in valid],
    )
    svg = vitals_chart_svg(series, title="Vital signs during the session", zone=zone)
    # A standalone SVG document needs its namespace; the style goes in as its first child.
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    opening_end = svg.index(">") + 1
    svg = svg[:opening_end] + _CHART_STYLE + svg[opening_end:]
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- arranging the record ------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    what: str
    name: str
    role: str
    at: datetime | None


def plain(value: Decimal | None) -> str:
    """A stored quantity as written on a chart: no trailing zeros ("0.5", "150", "0.4")."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _order_numbers(order: DoseOrder | None) -> dict[str, str]:
    if order is None:
        return {}
    return {
        "dose_mg": plain(order.dose_mg),
        "strength": plain(order.strength_percent),
        "concentration": plain(order.concentration_mg_per_ml),
        "volume_ml": plain(order.volume_ml),
        "rate": plain(order.rate_ml_per_h),
        "duration": plain(order.duration_minutes),
        "bag": plain(order.bag_volume_ml),
        "requested_dose": plain(order.requested_dose),
    }


def _minutes_after(at: datetime | None, origin: datetime | None) -> int | None:
    if at is None or origin is None:
        return None
    return int((at - origin).total_seconds() // 60)


def _roles(session: TreatmentSession, user_ids: set[int]) -> dict[int, str]:
    rows = Membership.objects.filter(
        organisation_id=session.organisation_id, user_id__in=user_ids
    ).only("user_id", "role")
    return {m.user_id: m.get_role_display() for m in rows}


def _signatures(session: TreatmentSession, chart: dict[str, Any]) -> list[Signature]:
    """Who recorded each part of the chart, first time each did it, and who discharged."""
    entries: list[tuple[str, Any, datetime | None]] = [
        ("Checked the patient in", session.checked_in_by, session.checked_in_at)
    ]
    if session.order is not None:
        entries.append(("Signed the dose order", session.order.signed_by, session.order.signed_at))
    groups = (
        ("Pre-dose checks", chart["checks"], "recorded_by", "recorded_at"),
        ("Dose and interventions", chart["administrations"], "recorded_by", "given_at"),
        ("Vital signs", chart["readings"], "recorded_by", "taken_at"),
        ("Observations", chart["observations"], "recorded_by", "observed_at"),
        ("Adverse events", chart["adverse_events"], "recorded_by", "onset_at"),
        ("Recovery scores", chart["recovery_scores"], "scored_by", "scored_at"),
    )
    for label, rows, who, when in groups:
        seen: set[int] = set()
        for row in rows:
            user = getattr(row, who)
            if user is not None and user.pk not in seen:
                seen.add(user.pk)
                entries.append((label, user, getattr(row, when)))
    for waste in chart["wastes"]:
        entries.append((f"Wasted {waste.amount_mg} mg", waste.recorded_by, waste.wasted_at))
        entries.append((f"Witnessed the waste of {waste.amount_mg} mg", waste.witnessed_by,
                        waste.wasted_at))  # fmt: skip
    for check in chart["checks"]:
        if check.overridden_by is not None:
            entries.append(
                (f"Overrode: {check.get_code_display()}", check.overridden_by, check.overridden_at)
            )
    if session.clinically_stable_by is not None:
        entries.append(
            ("Judged clinically stable", session.clinically_stable_by, session.clinically_stable_at)
        )
    if session.discharged_by is not None:
        entries.append(("Discharged the patient", session.discharged_by, session.ended_at))
    roles = _roles(session, {user.pk for _, user, _ in entries})
    return [Signature(what, str(user), roles.get(user.pk, ""), at) for what, user, at in entries]


def session_record_context(session: TreatmentSession, *, generated_by: Actor) -> dict[str, Any]:
    zone = ZoneInfo(session.clinic.time_zone)
    readings = list(session.readings.all())
    chart: dict[str, Any] = {
        "steps": list(session.steps.all()),
        "checks": list(session.checks.all()),
        "administrations": list(session.administrations.all()),
        "observations": list(session.observations.all()),
        "readings": readings,
        "adverse_events": list(session.adverse_events.all()),
        "recovery_scores": list(session.recovery_scores.all()),
        "wastes": list(session.wastes.select_related("recorded_by", "witnessed_by")),
    }
    origin = session.first_dose_at
    lots = sorted({a.lot_number for a in chart["administrations"] if a.lot_number})
    mg_given = [
        a.amount
        for a in chart["administrations"]
        if a.kind in (AdministrationKind.DEVICE, AdministrationKind.DOSE)
        and a.amount is not None
        and a.unit == "mg"
    ]
    given_mg = sum(mg_given, Decimal(0)) if mg_given else None
    devices = [a for a in chart["administrations"] if a.kind == AdministrationKind.DEVICE]
    overrides = [c for c in chart["checks"] if c.status == CheckStatus.OVERRIDDEN]
    return {
        "session": session,
        "patient": session.patient,
        "clinic": session.clinic,
        "order": session.order,
        "numbers": _order_numbers(session.order),
        "zone": zone,
        "zone_name": session.clinic.time_zone,
        "is_esketamine": session.route == Route.ESKETAMINE,
        "discharged": session.state == SessionState.DISCHARGED,
        "origin": origin,
        **chart,
        "reading_rows": [
            {"reading": r, "minute": _minutes_after(r.taken_at, origin)} for r in readings
        ],
        "administration_rows": [
            {"item": a, "minute": _minutes_after(a.given_at, origin)}
            for a in chart["administrations"]
        ],
        "chart_uri": readings_chart(readings, zone),
        "chart_legend": CHART_LEGEND,
        "lots": lots,
        "given_mg": given_mg,
        "devices": devices,
        "overrides": overrides,
        "balance": balance_of(
            session,
            session.order or session_order(session),
            chart["administrations"],
            chart["wastes"],
            session.ended_at or timezone.now(),
        ),
        "total_minutes": _minutes_after(session.ended_at, origin),
        "signatures": _signatures(session, chart),
        "generated_at": timezone.now(),
        "generated_by": str(generated_by),
    }


# --- the documents ---------------------------------------------------------------------------


@transaction.atomic
def _audit_export(actor: Actor, session: TreatmentSession, document: str, **detail: Any) -> None:
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        organisation=session.organisation,
        obj=session,
        patient_public_id=session.patient.public_id,
        detail={"format": "pdf", "document": document, **detail},
    )


def session_record_pdf(*, actor: Actor, session: TreatmentSession) -> bytes:
    """The session's full record as a PDF; the export is audited once it has rendered."""
    _require_document_access(actor, session)
    pdf = render_pdf(
        RECORD_TEMPLATE,
        session_record_context(session, generated_by=actor),
        stylesheets=[PRINT_CSS],
    )
    _audit_export(actor, session, "session_record", state=session.state)
    return pdf


INSTRUCTIONS_TEMPLATE = "treatment_sessions/discharge_instructions_pdf.html"


def discharge_instructions_pdf(*, actor: Actor, session: TreatmentSession) -> bytes:
    """The sheet handed to the patient and their escort at discharge: the same words as the
    message sent to the patient (no dose, no diagnosis), in large print."""
    from ketacare.clinical.treatment_day import DISCHARGE_INSTRUCTIONS
    from ketacare.treatment_sessions.tasks import WHOM_TO_CALL

    _require_document_access(actor, session)
    zone = ZoneInfo(session.clinic.time_zone)
    context = {
        "session": session,
        "patient_name": session.patient.display_name,
        "clinic": session.clinic,
        "day": timezone.localtime(session.ended_at or timezone.now(), zone),
        "instructions": DISCHARGE_INSTRUCTIONS,
        "whom_to_call": WHOM_TO_CALL.format(phone=session.clinic.phone),
    }
    pdf = render_pdf(INSTRUCTIONS_TEMPLATE, context, stylesheets=[PRINT_CSS])
    _audit_export(actor, session, "discharge_instructions")
    return pdf


class NotAnEsketamineSession(Exception):
    """Only an esketamine session has a REMS Patient Monitoring Form."""


# The form's questions in its order (source: S4a, S4b; Janssen 11/2021 version), each naming
# its answer in `RemsMonitoringForm.fields` (built by services.recovery.rems_fields) and how
# to show it.
REMS_FORM_QUESTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Patient", "First name", "patient_first_name", "text"),
    ("Patient", "Last name", "patient_last_name", "text"),
    ("Patient", "Date of birth", "patient_date_of_birth", "date"),
    ("Patient", "Sex", "patient_sex", "sex"),
    ("Patient", "Is this the patient's first treatment?", "first_treatment", "yes_no"),
    ("Patient", "If so, is the patient enrolled in the REMS?", "patient_enrolled", "yes_no"),
    ("Concomitant medications", "Benzodiazepines",
     "concomitant_medications.benzodiazepines", "yes_no"),
    ("Concomitant medications", "Non-benzodiazepine sedative hypnotics",
     "concomitant_medications.non_benzodiazepine_sedative_hypnotics", "yes_no"),
    ("Concomitant medications", "Psychostimulants",
     "concomitant_medications.psychostimulants", "yes_no"),
    ("Concomitant medications", "Monoamine oxidase inhibitors (MAOIs)",
     "concomitant_medications.maois", "yes_no"),
    ("Concomitant medications", "Opioids (named in the manufacturer's video)",
     "concomitant_medications.opioids", "yes_no"),
    ("Monitoring provider", "Name", "monitoring_provider_name", "text"),
    ("Monitoring provider", "Phone", "monitoring_provider_phone", "text"),
    ("Monitoring provider", "Email", "monitoring_provider_email", "text"),
    ("Setting", "Name", "setting_name", "text"),
    ("Setting", "Address", "setting_address", "text"),
    ("Session", "Treatment date", "treatment_date", "date"),
    ("Session", "Dose (56 mg / 84 mg / other)", "dose", "text"),
    ("Session", "Lot number(s)", "lot_numbers", "list"),
    ("Session", "Total minutes from the first device to the end of monitoring "
     "(at least 2 hours)", "total_minutes_first_device_to_end", "minutes"),
    ("Session", "Without the 2-hour requirement, when would the patient have been ready to "
     "leave (minutes from the start)?", "ready_to_leave_without_2h_rule_minutes", "minutes"),
    ("Vital signs", "In an acceptable range before administration?",
     "vitals_acceptable_before_administration", "yes_no"),
    ("Vital signs", "In an acceptable range before the end of the session?",
     "vitals_acceptable_before_end", "yes_no"),
    ("Vital signs", "Blood pressure before administration", "bp_before_administration", "bp"),
    ("Vital signs", "Blood pressure at about 40 minutes", "bp_at_40_minutes", "bp"),
    ("Vital signs", "Blood pressure before the end of the session", "bp_before_end", "bp"),
    ("Events during the session", "Sedation", "sedation", "yes_no"),
    ("Events during the session", "Dissociation", "dissociation", "yes_no"),
    ("Events during the session", "Respiratory depression", "respiratory_depression", "yes_no"),
    ("Events during the session", "Other adverse events", "other_adverse_events", "list"),
)  # fmt: skip


def _field(fields: Mapping[str, Any], path: str) -> Any:
    value: Any = fields
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def rems_answer(value: Any, shape: str) -> str:
    """An answer as written on the form; "" where the chart holds none."""
    if value is None or value == "":
        return ""
    if shape == "yes_no":
        return "Yes" if value is True else "No" if value is False else str(value)
    if shape == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%m/%d/%Y")
        except ValueError:
            return str(value)
    if shape == "sex":
        return (
            str(SexAssignedAtBirth(value).label)
            if value in SexAssignedAtBirth.values
            else str(value)
        )
    if shape == "list":
        items = [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
        return ", ".join(items) if items else "None"
    if shape == "minutes":
        return f"{value} min"
    if shape == "bp":
        return f"{value} mmHg"
    return str(value)


def rems_form_pdf(*, actor: Actor, session: TreatmentSession) -> bytes:
    """A pre-filled copy of the REMS Patient Monitoring Form, to transcribe into the REMS portal
    or onto the official form for fax: the stored form's fields (as drafted at discharge, or as
    submitted), else, before discharge, the fields as the chart stands now."""
    _require_document_access(actor, session)
    if session.route != Route.ESKETAMINE:
        raise NotAnEsketamineSession()
    form = RemsMonitoringForm.objects.filter(session=session).select_related("submitted_by").first()
    fields = form.fields if form is not None and form.fields else rems_fields(session, None)
    reviewed = fields.get(REVIEW_KEY)
    rows = [
        {
            "section": section,
            "question": question,
            "answer": rems_answer(_field(fields, key), shape),
            "suggested": not reviewed and key in REVIEWED_ANSWERS,
        }
        for section, question, key, shape in REMS_FORM_QUESTIONS
    ]
    context = {
        "session": session,
        "patient": session.patient,
        "clinic": session.clinic,
        "form": form,
        "rows": rows,
        "reviewed": reviewed,
        "zone": ZoneInfo(session.clinic.time_zone),
        "generated_at": timezone.now(),
        "generated_by": str(actor),
    }
    pdf = render_pdf(REMS_TEMPLATE, context, stylesheets=[PRINT_CSS])
    _audit_export(actor, session, "rems_monitoring_form")
    return pdf
