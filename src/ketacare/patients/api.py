"""The registry's JSON API. Same selectors and services as the pages; explicit schemas."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from ketacare.patients import selectors, services
from ketacare.patients.models import PatientStatus, SexAssignedAtBirth
from ketacare.patients.sections import SECTIONS
from ketacare.tenancy.access import require_membership

router = Router(tags=["patients"])


class PatientIn(Schema):
    mrn: str = Field("", max_length=20)
    legal_first_name: str = Field(..., min_length=1, max_length=100)
    legal_middle_name: str = Field("", max_length=100)
    legal_last_name: str = Field(..., min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    pronouns: str = Field("", max_length=40)
    date_of_birth: date
    sex_assigned_at_birth: SexAssignedAtBirth
    gender_identity: str = Field("", max_length=60)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=2)
    zip_code: str = Field("", max_length=10)
    status: PatientStatus = PatientStatus.LEAD


class PatientUpdateIn(PatientIn):
    version: int


class PatientOut(Schema):
    public_id: UUID
    mrn: str
    legal_first_name: str
    legal_middle_name: str
    legal_last_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: date
    sex_assigned_at_birth: str
    gender_identity: str
    email: str
    phone: str
    city: str
    state: str
    zip_code: str
    status: str
    version: int


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=100)


class EntryOut(Schema):
    public_id: UUID
    section: str
    summary: str
    fields: dict[str, str | int | bool | Decimal | date | datetime | None]
    created_at: datetime


def _entry_out(slug: str, entry: Any) -> dict[str, Any]:
    section = SECTIONS[slug]
    return {
        "public_id": entry.public_id,
        "section": slug,
        "summary": str(entry),
        "fields": {name: getattr(entry, name) for name in section.fields},
        "created_at": entry.created_at,
    }


def _section(slug: str) -> Any:
    if slug not in SECTIONS:
        raise Http404("No such part of the record.")
    return SECTIONS[slug]


@router.post("/search", response=list[PatientOut])
def search_patients(request: HttpRequest, payload: SearchIn) -> Any:
    query, patients = selectors.search_patients(request.user, payload.q)
    if query.problem:
        from django.core.exceptions import ValidationError

        raise ValidationError({"q": [query.problem]})
    services.record_search(actor=request.user, patients=patients)
    return patients


@router.post("/", response={201: PatientOut})
def register_patient(request: HttpRequest, payload: PatientIn) -> Any:
    data = payload.dict()
    data["state"] = data["state"].upper()
    return 201, services.patient_register(actor=request.user, data=data)


@router.get("/{public_id}", response=PatientOut)
def get_patient(request: HttpRequest, public_id: UUID) -> Any:
    patient = selectors.get_patient_for(request.user, public_id)
    services.record_chart_view(actor=request.user, patient=patient, sections=["demographics"])
    return patient


@router.put("/{public_id}", response=PatientOut)
def update_patient(request: HttpRequest, public_id: UUID, payload: PatientUpdateIn) -> Any:
    from ketacare.tenancy.permissions import Permission

    patient = selectors.get_patient_for(request.user, public_id, Permission.EDIT_PATIENT)
    data = payload.dict()
    version = data.pop("version")
    data["state"] = data["state"].upper()
    return services.patient_update(
        actor=request.user, patient=patient, data=data, expected_version=version
    )


@router.get("/{public_id}/{section}", response=list[EntryOut])
def list_entries(request: HttpRequest, public_id: UUID, section: str) -> Any:
    part = _section(section)
    patient = selectors.get_patient_for(request.user, public_id, part.view_permission)
    entries = list(selectors.section_entries(request.user, patient, part))
    services.record_chart_view(actor=request.user, patient=patient, sections=[section])
    require_membership(request.user)
    return [_entry_out(section, e) for e in entries]


@router.post("/{public_id}/{section}", response={201: EntryOut})
def add_entry(request: HttpRequest, public_id: UUID, section: str, payload: dict[str, Any]) -> Any:
    from ketacare.patients.forms import section_form_class

    part = _section(section)
    patient = selectors.get_patient_for(request.user, public_id, part.edit_permission)
    form = section_form_class(part)(data=payload)
    if not form.is_valid():
        from django.core.exceptions import ValidationError

        raise ValidationError(
            form.errors.get_json_data()
            and {k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()}
        )
    entry = services.chart_entry_add(
        actor=request.user, patient=patient, section=part, data=form.cleaned_data
    )
    return 201, _entry_out(section, entry)
