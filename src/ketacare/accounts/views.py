"""The org admin's staff list, with deactivation."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.services import staff_deactivate
from ketacare.tenancy.access import access_object, require_permission, scoped
from ketacare.tenancy.models import Membership
from ketacare.tenancy.permissions import Permission


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    admin = require_permission(request.user, Permission.MANAGE_STAFF)
    members = (
        scoped(Membership.objects.all(), admin).select_related("user").prefetch_related("clinics")
    )
    return render(request, "accounts/staff_list.html", {"members": members})


@require_POST
def deactivate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _, member = access_object(
        request.user,
        Membership.objects.select_related("user"),
        Permission.MANAGE_STAFF,
        public_id=public_id,
    )
    if member.user_id == request.user.pk:
        messages.error(request, "You cannot deactivate your own account.")
    else:
        staff_deactivate(actor=request.user, membership=member)
        messages.success(request, f"{member.user} can no longer sign in; their sessions ended.")
    return redirect("staff:list")
