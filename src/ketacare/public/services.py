"""Writes for consultation requests: the visitor's request and the front desk's handling."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.patients.models import Patient
from ketacare.patients.services import patient_register
from ketacare.public.models import ClinicPage, ConsultationRequest, RequestStatus
from ketacare.tenancy.access import Actor, require_permission
from ketacare.tenancy.models import Clinic
from ketacare.tenancy.permissions import Permission

RATE_LIMIT_REQUESTS = 5
RATE_LIMIT_WINDOW_SECONDS = 3600


class RequestRefused(Exception):
    """The request cannot go ahead; the message says why in plain words."""


def rate_limited(ip_address: str) -> bool:
    """Count one attempt for this address; True once it has made too many this hour."""
    key = f"public:consultation-request:{ip_address or 'unknown'}"
    if cache.add(key, 1, RATE_LIMIT_WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RATE_LIMIT_WINDOW_SECONDS)
        return False
    return count > RATE_LIMIT_REQUESTS


@transaction.atomic
def record_request_view(*, actor: Actor, item: ConsultationRequest) -> None:
    """Opening a consultation request shows a person's contact details: audited as a view."""
    record_event(actor=actor, action=AuditAction.VIEW, organisation=item.organisation, obj=item)


def request_consultation(
    *,
    clinic: Clinic,
    name: str,
    email: str,
    phone: str,
    preferred_times: str,
    prescreen_answers: dict[str, Any] | None,
    prescreen_outcome: str,
) -> ConsultationRequest:
    """Store what the visitor asked us to store, for the clinic they chose."""
    if not clinic.publicly_listed:
        raise RequestRefused("That clinic does not take requests through this site.")
    if not email.strip() and not phone.strip():
        raise RequestRefused("Give an e-mail or a phone number so the clinic can reach you.")
    request = ConsultationRequest.objects.create(
        organisation_id=clinic.organisation_id,
        clinic=clinic,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        preferred_times=preferred_times.strip(),
        prescreen_answers=prescreen_answers or {},
        prescreen_outcome=prescreen_outcome,
    )
    # The audit table allows an actor-less event only for what a person submits themselves;
    # SELF_REPORT is the nearest action (a dedicated one would belong to the audit app).
    record_event(
        actor=AnonymousUser(),
        action=AuditAction.SELF_REPORT,
        organisation=clinic.organisation,
        obj=request,
        detail={"submitted": "public consultation request"},
    )
    return request


@transaction.atomic
def mark_request(
    *, actor: Actor, request: ConsultationRequest, status: str, outcome_note: str
) -> ConsultationRequest:
    """Contacted or declined, with the front desk's note."""
    require_permission(actor, Permission.EDIT_PATIENT)
    if status not in (RequestStatus.CONTACTED, RequestStatus.DECLINED):
        raise RequestRefused("A request can only be marked contacted or declined here.")
    if request.status == RequestStatus.CONVERTED:
        raise RequestRefused("This request is already a patient.")
    request.status = status
    request.outcome_note = outcome_note.strip()
    request.handled_by = actor if actor.is_authenticated else None
    request.save(update_fields=["status", "outcome_note", "handled_by", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=request.organisation,
        obj=request,
        changed_fields=["status", "outcome_note", "handled_by"],
    )
    return request


@transaction.atomic
def convert_request_to_patient(
    *,
    actor: Actor,
    request: ConsultationRequest,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: date,
    sex_assigned_at_birth: str,
    status: str,
) -> Patient:
    """Register the person as a patient of the request's organisation and link the two."""
    membership = require_permission(actor, Permission.EDIT_PATIENT)
    if membership.organisation_id != request.organisation_id:
        raise RequestRefused("This request belongs to another organisation.")
    if request.status == RequestStatus.CONVERTED:
        raise RequestRefused("This request is already a patient.")
    if date_of_birth > timezone.localdate():
        raise RequestRefused("The date of birth cannot be in the future.")
    patient = patient_register(
        actor=actor,
        data={
            "legal_first_name": legal_first_name.strip(),
            "legal_last_name": legal_last_name.strip(),
            "date_of_birth": date_of_birth,
            "sex_assigned_at_birth": sex_assigned_at_birth,
            "email": request.email,
            "phone": request.phone,
            "preferred_clinic": request.clinic,
            "status": status,
        },
    )
    request.patient = patient
    request.status = RequestStatus.CONVERTED
    request.handled_by = actor if actor.is_authenticated else None
    request.save(update_fields=["patient", "status", "handled_by", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=request.organisation,
        obj=request,
        patient_public_id=patient.public_id,
        changed_fields=["patient", "status", "handled_by"],
    )
    return patient


# --- Clinic pages (an organisation admin writes them; the public site shows published ones) ---

CLINIC_PAGE_FIELDS = ("clinic", "slug", "title", "summary", "body", "published")


class ClinicPageRefused(Exception):
    """The page cannot be saved; the message says why in plain words."""


def _check_clinic_page(
    *, organisation_id: int, clinic: Clinic, slug: str, exclude: int | None
) -> None:
    if clinic.organisation_id != organisation_id:
        raise ClinicPageRefused("That clinic belongs to another organisation.")
    clash = ClinicPage.objects.filter(clinic=clinic, slug=slug)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ClinicPageRefused("This clinic already has a page at that address (slug).")


@transaction.atomic
def create_clinic_page(
    *,
    actor: Actor,
    clinic: Clinic,
    slug: str,
    title: str,
    summary: str,
    body: str,
    published: bool,
) -> ClinicPage:
    """A new page for one of the organisation's clinics."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    _check_clinic_page(
        organisation_id=membership.organisation_id, clinic=clinic, slug=slug, exclude=None
    )
    page = ClinicPage.objects.create(
        organisation_id=membership.organisation_id,
        clinic=clinic,
        slug=slug,
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        published=published,
    )
    record_event(
        actor=actor, action=AuditAction.CREATE, organisation=membership.organisation, obj=page
    )
    return page


@transaction.atomic
def change_clinic_page(
    *,
    actor: Actor,
    page: ClinicPage,
    clinic: Clinic,
    slug: str,
    title: str,
    summary: str,
    body: str,
    published: bool,
) -> ClinicPage:
    """Edit a page; the audit event names the fields that changed."""
    membership = require_permission(actor, Permission.MANAGE_STAFF)
    if page.organisation_id != membership.organisation_id:
        raise ClinicPageRefused("This page belongs to another organisation.")
    _check_clinic_page(
        organisation_id=membership.organisation_id, clinic=clinic, slug=slug, exclude=page.pk
    )
    new = {
        "clinic": clinic,
        "slug": slug,
        "title": title.strip(),
        "summary": summary.strip(),
        "body": body.strip(),
        "published": published,
    }
    changed = [name for name, value in new.items() if getattr(page, name) != value]
    if not changed:
        return page
    for name in changed:
        setattr(page, name, new[name])
    page.save(update_fields=[*changed, "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        organisation=membership.organisation,
        obj=page,
        changed_fields=changed,
    )
    return page
