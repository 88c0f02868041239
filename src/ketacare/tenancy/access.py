"""The access gate: who the acting staff member is, in which organisation, and may they.

Every tenant-scoped read starts here. Another organisation's record answers 404 (no
existence leak); a missing permission on one's own organisation answers 403.
"""

from __future__ import annotations

from typing import TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from ketacare.accounts.models import User
from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission, role_may

M = TypeVar("M", bound=Model)
Actor = User | AnonymousUser
_NOT_LOOKED_UP = object()


def active_membership(user: Actor) -> Membership | None:
    """The user's active membership, cached on the user object for the request."""
    if not user.is_authenticated:
        return None
    cached = user.__dict__.get("_ketacare_membership", _NOT_LOOKED_UP)
    if cached is not _NOT_LOOKED_UP:
        return cast(Membership | None, cached)
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__isnull=False)
        .first()
    )
    user.__dict__["_ketacare_membership"] = membership
    return membership


def require_membership(user: Actor) -> Membership:
    """Staff only: patients and people without a place in an organisation are refused."""
    membership = active_membership(user)
    if membership is None:
        raise PermissionDenied("This page is for clinic staff.")
    return membership


def require_permission(user: Actor, permission: Permission) -> Membership:
    membership = require_membership(user)
    if not role_may(membership.role, permission):
        raise PermissionDenied(f"Your role may not: {permission.label.lower()}.")
    return membership


def scoped(queryset: QuerySet[M], membership: Membership) -> QuerySet[M]:
    """Restrict any organisation-owned queryset to the membership's organisation."""
    return queryset.filter(organisation_id=membership.organisation_id)


def access_object(
    user: Actor,
    queryset: QuerySet[M],
    permission: Permission,
    **lookup: object,
) -> tuple[Membership, M]:
    """Fetch an organisation-owned object: 404 first when it is not the user's organisation's,
    then 403 when the role may not act on it."""
    membership = require_membership(user)
    try:
        obj = scoped(queryset, membership).get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404("No such record.") from exc
    if not role_may(membership.role, permission):
        raise PermissionDenied(f"Your role may not: {permission.label.lower()}.")
    return membership, obj


def require_same_organisation(
    membership: Membership, organisation_id: int, what: str = "record"
) -> None:
    """A service's second line of defence for an object fetched elsewhere: another
    organisation's object answers as though it did not exist."""
    if organisation_id != membership.organisation_id:
        raise Http404(f"No such {what}.")
