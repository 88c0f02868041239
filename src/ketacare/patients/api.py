"""The registry's JSON API. Same selectors and services as the pages; explicit schemas."""

# No `from __future__ import annotations`: ninja reads the (closure-local) schema annotations.
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.orm import create_schema

from ketacare.patients import selectors, services
from ketacare.patients.models import PatientStatus, SexAssignedAtBirth
from ketacare.patients.sections import SECTIONS, ChartSection
from ketacare.tenancy.permissions import Permission

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


def _entry_out(section: ChartSection, entry: Any) -> dict[str, Any]:
    out = {name: getattr(entry, name) for name in section.fields}
    return {**out, "public_id": entry.public_id, "created_at": entry.created_at}


@router.post("/search", response=list[PatientOut])
def search_patients(request: HttpRequest, payload: SearchIn) -> Any:
    query, patients = selectors.search_patients(request.user, payload.q)
    if query.problem:
        raise ValidationError({"q": [query.problem]})
    services.record_search(actor=request.user, patients=patients)
    return patients


@router.post("/", response={201: PatientOut})
def register_patient(request: HttpRequest, payload: PatientIn) -> Any:
    data = payload.dict()
    data["state"] = data["state"].upper()
    return Status(201, services.patient_register(actor=request.user, data=data))


@router.get("/{public_id}", response=PatientOut)
def get_patient(request: HttpRequest, public_id: UUID) -> Any:
    patient = selectors.get_patient_for(request.user, public_id)
    services.record_chart_view(actor=request.user, patient=patient, sections=["demographics"])
    return patient


@router.put("/{public_id}", response=PatientOut)
def update_patient(request: HttpRequest, public_id: UUID, payload: PatientUpdateIn) -> Any:
    patient = selectors.get_patient_for(request.user, public_id, Permission.EDIT_PATIENT)
    data = payload.dict()
    version = data.pop("version")
    data["state"] = data["state"].upper()
    return services.patient_update(
        actor=request.user, patient=patient, data=data, expected_version=version
    )


def _register_section_routes(section: ChartSection) -> None:
    """One explicit pair of routes per chart section, with schemas made from its fields."""
    entry_in = create_schema(
        section.model, name=f"{section.model.__name__}In", fields=list(section.fields)
    )
    entry_out = create_schema(
        section.model,
        name=f"{section.model.__name__}Out",
        fields=["public_id", *section.fields, "created_at"],
    )

    @router.get(
        f"/{{public_id}}/{section.slug}", response=list[entry_out], url_name=f"list_{section.slug}"
    )
    def list_entries(request: HttpRequest, public_id: UUID) -> Any:
        patient = selectors.get_patient_for(request.user, public_id, section.view_permission)
        entries = list(selectors.section_entries(request.user, patient, section))
        services.record_chart_view(actor=request.user, patient=patient, sections=[section.slug])
        return [_entry_out(section, e) for e in entries]

    @router.post(
        f"/{{public_id}}/{section.slug}", response={201: entry_out}, url_name=f"add_{section.slug}"
    )
    def add_entry(request: HttpRequest, public_id: UUID, payload: entry_in) -> Any:  # type: ignore[valid-type]
        patient = selectors.get_patient_for(request.user, public_id, section.edit_permission)
        data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
        entry = services.chart_entry_add(
            actor=request.user, patient=patient, section=section, data=data
        )
        return Status(201, _entry_out(section, entry))

    list_entries.__name__ = f"list_{section.slug}"
    add_entry.__name__ = f"add_{section.slug}"


for _section in SECTIONS.values():
    _register_section_routes(_section)
