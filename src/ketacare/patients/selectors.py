"""Reads of the patient registry. Every one takes the acting user and is tenant-scoped."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.clinical.age import age_in_years
from ketacare.patients.consent_documents import route_words
from ketacare.patients.models import Consent, ConsentKind, DrugClass, Patient, PatientOwned
from ketacare.patients.sections import SECTIONS, ChartSection
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Membership, Route
from ketacare.tenancy.permissions import Permission, role_may

SEARCH_LIMIT = 50


def name_key(value: str) -> str:
    """Lower-case, accents removed, so 'Zoë' is found by 'zoe'."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def patients_for(
    user: Actor, permission: Permission = Permission.VIEW_PATIENT
) -> QuerySet[Patient]:
    membership = require_permission(user, permission)
    return scoped(Patient.objects.all(), membership)


def get_patient_for(
    user: Actor, public_id: UUID | str, permission: Permission = Permission.VIEW_PATIENT
) -> Patient:
    """The patient, or 404 when not in the user's organisation; 403 when the role may not."""
    queryset = Patient.objects.select_related("organisation", "preferred_clinic")
    return access_object(user, queryset, permission, public_id=public_id)[1]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_MRN = re.compile(r"^[A-Za-z]{0,6}-?\d{1,14}$")


@dataclass(frozen=True)
class SearchQuery:
    """What a search box input means: a date of birth, an MRN, or name prefixes."""

    date_of_birth: date | None = None
    mrn: str | None = None
    name_terms: tuple[str, ...] = ()
    problem: str | None = None


def parse_search(text: str) -> SearchQuery:
    text = text.strip()[:100]
    if not text:
        return SearchQuery()
    try:
        if _ISO_DATE.match(text):
            return SearchQuery(date_of_birth=date.fromisoformat(text))
        if m := _US_DATE.match(text):
            month, day, year = (int(g) for g in m.groups())
            return SearchQuery(date_of_birth=date(year, month, day))
    except ValueError:
        return SearchQuery(problem="That is not a real date. Use YYYY-MM-DD or MM/DD/YYYY.")
    if _MRN.match(text) and any(c.isdigit() for c in text):
        return SearchQuery(mrn=text.upper())
    terms = tuple(t for t in (name_key(p) for p in re.split(r"[\s,]+", text)) if t)[:4]
    return SearchQuery(name_terms=terms)


def search_patients(user: Actor, text: str) -> tuple[SearchQuery, list[Patient]]:
    query = parse_search(text)
    patients = patients_for(user)
    if query.date_of_birth:
        patients = patients.filter(date_of_birth=query.date_of_birth)
    elif query.mrn:
        patients = patients.filter(mrn=query.mrn)
    elif query.name_terms:
        for term in query.name_terms:
            patients = patients.filter(
                Q(last_name_key__startswith=term)
                | Q(first_name_key__startswith=term)
                | Q(preferred_name_key__startswith=term)
            )
    else:
        return query, []
    return query, list(patients.order_by("last_name_key", "first_name_key", "id")[:SEARCH_LIMIT])


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    summary: str
    by: str


@dataclass
class Chart:
    """Everything the chart page shows, fetched in a fixed number of queries."""

    patient: Patient
    age: int
    sections: dict[str, list[Any]] = field(default_factory=dict)
    visible: dict[str, ChartSection] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def allergies(self) -> list[Any]:
        return self.sections.get("allergies", [])

    @property
    def flags(self) -> list[str]:
        """Short warnings for the chart header, in words."""
        flags = []
        meds = [m for m in self.sections.get("medications", []) if m.active]
        for drug_class, label in (
            (DrugClass.BENZODIAZEPINE, "Takes a benzodiazepine"),
            (DrugClass.MAOI, "Takes an MAOI"),
            (DrugClass.STIMULANT, "Takes a stimulant"),
            (DrugClass.OPIOID, "Takes an opioid"),
            (DrugClass.LAMOTRIGINE, "Takes lamotrigine"),
        ):
            if any(m.drug_class == drug_class for m in meds):
                flags.append(label)
        if "contacts" in self.sections and not any(
            c.kind == "escort" for c in self.sections["contacts"]
        ):
            flags.append("No escort on file")
        return flags


def patient_chart(user: Actor, patient: Patient, membership: Membership) -> Chart:
    """The chart of a patient already fetched through `get_patient_for`."""
    today = timezone.localdate()
    chart = Chart(patient=patient, age=age_in_years(patient.date_of_birth, today))
    for slug, section in SECTIONS.items():
        if not role_may(membership.role, section.view_permission):
            continue
        rows: list[PatientOwned] = list(
            section.model._default_manager.filter(
                patient=patient, organisation=patient.organisation_id
            ).select_related("recorded_by")
        )
        chart.sections[slug] = rows
        chart.visible[slug] = section
        for row in rows:
            chart.timeline.append(
                TimelineEntry(
                    when=row.created_at,
                    kind=section.singular.capitalize(),
                    summary=str(row),
                    by=str(row.recorded_by) if row.recorded_by else "",
                )
            )
    chart.timeline.append(
        TimelineEntry(when=patient.created_at, kind="Registered", summary=patient.mrn, by="")
    )
    chart.timeline.sort(key=lambda e: e.when, reverse=True)
    return chart


def section_entries(user: Actor, patient: Patient, section: ChartSection) -> QuerySet[PatientOwned]:
    require_permission(user, section.view_permission)
    return section.model._default_manager.filter(
        patient=patient, organisation=patient.organisation_id
    )


def get_section_entry_for(
    user: Actor, patient: Patient, section: ChartSection, entry_id: UUID | str
) -> PatientOwned:
    try:
        return section.model._default_manager.get(
            patient=patient, organisation=patient.organisation_id, public_id=entry_id
        )
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404("No such entry.") from exc


# ---- Consents ----------------------------------------------------------------------------------


def get_consent_for(user: Actor, patient: Patient, entry_id: UUID | str) -> Consent:
    """A consent of a patient already fetched through `get_patient_for`; 404 otherwise."""
    try:
        return Consent.objects.select_related(
            "patient__organisation",
            "patient__preferred_clinic",
            "witness",
            "prescriber",
            "withdrawn_by",
        ).get(patient=patient, organisation=patient.organisation_id, public_id=entry_id)
    except (Consent.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such consent.") from exc


def _consents(patient: Patient, route: str, kinds: tuple[str, ...]) -> list[Consent]:
    """Newest signature first."""
    return list(
        Consent.objects.filter(
            patient=patient, organisation=patient.organisation_id, route=route, kind__in=kinds
        ).order_by("-signed_at", "-created_at")
    )


def _in_force(consents: list[Consent]) -> Consent | None:
    """The newest consent not withdrawn and signed after the last withdrawal.

    Withdrawing a consent withdraws consent to that treatment: an older copy signed before
    the withdrawal does not bring it back; only a consent signed after it does.
    """
    last_withdrawal = max((c.withdrawn_at for c in consents if c.withdrawn_at), default=None)
    for consent in consents:
        if consent.withdrawn_at is None and (
            last_withdrawal is None or consent.signed_at > last_withdrawal
        ):
            return consent
    return None


def treatment_consent_for(
    patient: Patient, route: str, *, kind: str = ConsentKind.KETAMINE
) -> Consent | None:
    """The patient's treatment consent in force for a route, or None.

    `kind=ConsentKind.ESKETAMINE_REMS` asks for the Spravato REMS enrolment instead (route
    esketamine). Takes a patient already access-checked; reads only.
    """
    if kind == ConsentKind.ESKETAMINE_REMS and route != Route.ESKETAMINE:
        return None
    return _in_force(_consents(patient, route, (kind,)))


def _day(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}"


def _problem(consents: list[Consent], name: str, missing: str) -> str | None:
    in_force = _in_force(consents)
    if in_force is None:
        withdrawals = [(c.withdrawn_at, c) for c in consents if c.withdrawn_at is not None]
        if not withdrawals:
            return missing
        when, latest = max(withdrawals, key=lambda w: w[0])
        return f"{name} withdrawn on {_day(when)}: {latest.withdrawal_reason}"
    if in_force.prescriber_signed_at is None:
        return f"{name} not countersigned by a prescriber"
    return None


def consent_problem(patient: Patient, route: str) -> str | None:
    """Why the patient's consents do not allow treatment by this route, in plain words.

    None when a countersigned treatment consent is in force (and, for esketamine, the Spravato
    REMS enrolment too: the REMS requires the patient's enrolment before treatment, source:
    SPRAVATO REMS [S4, S4b, S4c]). Takes a patient already access-checked; reads only.
    """
    label = route_words(route)
    rows = _consents(patient, route, (ConsentKind.KETAMINE, ConsentKind.ESKETAMINE_REMS))
    problems = [
        _problem(
            [c for c in rows if c.kind == ConsentKind.KETAMINE],
            f"treatment consent for {label}",
            f"no signed treatment consent for {label}",
        )
    ]
    if route == Route.ESKETAMINE:
        problems.append(
            _problem(
                [c for c in rows if c.kind == ConsentKind.ESKETAMINE_REMS],
                "Spravato REMS patient enrolment",
                "no Spravato REMS patient enrolment on file",
            )
        )
    return "; ".join(p for p in problems if p) or None
