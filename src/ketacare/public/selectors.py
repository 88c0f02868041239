"""Reads for the public site and the front desk's request queue (tenant-scoped)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.public.models import ClinicPage, ConsultationRequest, RequestStatus
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Clinic
from ketacare.tenancy.permissions import Permission


def listed_clinics() -> QuerySet[Clinic]:
    """Clinics that chose to appear on the public site."""
    return Clinic.objects.filter(publicly_listed=True).select_related("organisation")


def request_queue(user: Actor) -> list[ConsultationRequest]:
    """The organisation's requests, new ones first, then newest first; the viewing is audited."""
    membership = require_permission(user, Permission.EDIT_PATIENT)
    queryset = scoped(ConsultationRequest.objects.all(), membership)
    rows: list[ConsultationRequest] = list(
        queryset.select_related("clinic", "handled_by", "patient")
        .annotate(
            is_new=Case(
                When(status=RequestStatus.NEW, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_new", "-created_at")[:200]
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        organisation=membership.organisation,
        detail={"consultation_requests": [str(r.public_id) for r in rows]},
    )
    return rows


def get_request_for(user: Actor, public_id: object) -> ConsultationRequest:
    """One request of the user's organisation: 404 for anyone else's, 403 without permission."""
    queryset = ConsultationRequest.objects.select_related("clinic", "handled_by", "patient")
    return access_object(user, queryset, Permission.EDIT_PATIENT, public_id=public_id)[1]


def clinic_pages_for(user: Actor) -> QuerySet[ClinicPage]:
    """The pages of the organisation's clinics, for an organisation admin."""
    membership = require_permission(user, Permission.MANAGE_STAFF)
    return scoped(ClinicPage.objects.select_related("clinic"), membership).order_by(
        "clinic__name", "title"
    )


def page_clinics_for(user: Actor) -> QuerySet[Clinic]:
    """The clinics an organisation admin may write pages for."""
    membership = require_permission(user, Permission.MANAGE_STAFF)
    return scoped(Clinic.objects.all(), membership).order_by("name")


def get_clinic_page_for(user: Actor, public_id: object) -> ClinicPage:
    """One page of the user's organisation: 404 for anyone else's, 403 without permission."""
    queryset = ClinicPage.objects.select_related("clinic")
    return access_object(user, queryset, Permission.MANAGE_STAFF, public_id=public_id)[1]


def published_clinic_page(clinic_id: UUID | str, slug: str) -> ClinicPage:
    """A published page of a publicly listed clinic, or 404."""
    page = (
        ClinicPage.objects.select_related("clinic")
        .filter(
            clinic__public_id=clinic_id,
            clinic__publicly_listed=True,
            slug=slug,
            published=True,
        )
        .first()
    )
    if page is None:
        raise Http404("No such page.")
    return page


def published_clinic_pages() -> QuerySet[ClinicPage]:
    """Every published page of a publicly listed clinic (for the sitemap and clinic listing)."""
    return (
        ClinicPage.objects.filter(published=True, clinic__publicly_listed=True)
        .select_related("clinic")
        .order_by("clinic__name", "title")
    )
