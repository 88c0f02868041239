"""Project-level pages: the start page, the health check and the error pages."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.public import views as public_views
from ketacare.tenancy.access import active_membership


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return public_views.home(request)
    if active_membership(request.user) is not None:
        return redirect("patients:search")
    return render(request, "home.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "reachable"})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Touching the session is all it takes: the session middleware notes the activity."""
    return HttpResponse(status=204)


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "Your role does not allow this."
    if request.user.is_authenticated:
        # Refusals are evidence too (who tried what); the path holds only opaque ids.
        record_event(actor=request.user, action=AuditAction.DENIED, detail={"path": request.path})
    return _error(request, 403, "Not allowed", reason)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    return _error(request, 500, "Something went wrong", "The error was logged. Nothing was saved.")
