"""The access gate: who the acting staff member is, in which organisation, and may they.

Every tenant-scoped read starts here. Another organisation's record answers 404 (no
existence leak); a missing permission on one's own organisation answers 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission, role_may

M = TypeVar("M", bound=Model)


def active_membership(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    """The user's active membership, cached on the user object for the request."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_ketacare_membership", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__isnull=False)
        .first()
    )
    user._ketacare_membership = membership  # type: ignore[union-attr]
    return membership


def require_membership(user: AbstractBaseUser | AnonymousUser) -> Membership:
    """Staff only: patients and people without a place in an organisation are refused."""
    membership = active_membership(user)
    if membership is None:
        raise PermissionDenied("This page is for clinic staff.")
    return membership


def require_permission(
    user: AbstractBaseUser | AnonymousUser, permission: Permission
) -> Membership:
    membership = require_membership(user)
    if not role_may(membership.role, permission):
        raise PermissionDenied(f"Your role may not: {permission.label.lower()}.")
    return membership


def scoped(queryset: QuerySet[M], membership: Membership) -> QuerySet[M]:
    """Restrict any organisation-owned queryset to the membership's organisation."""
    return queryset.filter(organisation_id=membership.organisation_id)


def access_object(
    user: AbstractBaseUser | AnonymousUser,
    queryset: QuerySet[M],
    permission: Permission,
    **lookup: object,
) -> tuple[Membership, M]:
    """Fetch an organisation-owned object: 404 first when it is not the user's organisation's,
    then 403 when the role may not act on it."""
    membership = require_membership(user)
    try:
        obj = scoped(queryset, membership).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404("No such record.") from exc
    if not role_may(membership.role, permission):
        raise PermissionDenied(f"Your role may not: {permission.label.lower()}.")
    return membership, obj
