"""The project's one API object: routers per app, one error handler for every kind of refusal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.measures.api import router as measures_router
from ketacare.measures.services import InvalidTransition
from ketacare.patients.api import router as patients_router
from ketacare.patients.services import StaleEditError
from ketacare.scheduling.api import router as scheduling_router
from ketacare.scheduling.services import StaleAppointmentError
from ketacare.screening.api import router as screening_router
from ketacare.screening.services import StaleAssessmentError
from ketacare.treatment.api import router as treatment_router
from ketacare.treatment.services import StalePlanError
from ketacare.treatment_sessions.api_flow import router as session_flow_router
from ketacare.treatment_sessions.api_monitor import router as monitor_router
from ketacare.treatment_sessions.services import StaleAdverseEventError, StaleSessionError

api = NinjaAPI(
    title="ketacare API",
    version="1",
    auth=django_auth,
    docs_url=None,  # no API docs or schema served (ASVS 13.4.5); the schema is committed in docs/
    openapi_url=None,
    urls_namespace="api",
)
api.add_router("/patients/", patients_router)
api.add_router("/", measures_router)  # full paths in measures/api.py: /measures/..., /patients/...
# Full paths in screening/api.py: /eligibility/..., /patients/{public_id}/eligibility.
api.add_router("/", screening_router)
api.add_router("/", treatment_router)  # full paths in treatment/api.py
api.add_router("/", scheduling_router)  # full paths in scheduling/api.py
api.add_router("/", session_flow_router)  # full paths in treatment_sessions/api_flow.py
api.add_router("/", monitor_router)  # full paths in treatment_sessions/api_monitor.py


def _fields(exc: ValidationError) -> list[dict[str, object]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": " ".join(messages)}
            for field, messages in exc.message_dict.items()
        ]
    return [{"loc": ["body"], "msg": " ".join(exc.messages)}]


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": _fields(exc)}, status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # ninja puts the body parameter's own name in the path; drop it so that schema errors and
    # service errors both read ["body", field].
    detail = [
        {
            "loc": [p for i, p in enumerate(e.get("loc", [])) if not (i == 1 and p == "payload")],
            "msg": e.get("msg", "invalid"),
        }
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    if request.user.is_authenticated:
        record_event(actor=request.user, action=AuditAction.DENIED, detail={"path": request.path})
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Sign in first."}, status=401)


@api.exception_handler(InvalidTransition)
def on_invalid_transition(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


# Every "someone else changed this while you were looking" error answers the same way: 409
# with the message, the fields that changed and the record's current version (and its status
# or state, where it has one).
STALE_ERRORS = (
    StaleEditError,
    StaleAssessmentError,
    StalePlanError,
    StaleAppointmentError,
    StaleSessionError,
    StaleAdverseEventError,
)


def on_stale(request: HttpRequest, exc: Any) -> HttpResponse:
    current = exc.current
    body: dict[str, object] = {
        "detail": str(exc),
        "changed_fields": exc.changed_fields,
        "version": current.version,
    }
    for name in ("status", "state"):
        if hasattr(current, name):
            body[name] = getattr(current, name)
    return api.create_response(request, body, status=409)


for stale_error in STALE_ERRORS:
    api.add_exception_handler(stale_error, on_stale)
