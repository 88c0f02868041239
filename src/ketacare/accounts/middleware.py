"""Session rules every request passes through: idle and absolute timeouts, MFA for staff,
and no caching of anything a signed-in person sees."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from ketacare.tenancy.access import active_membership

LAST_SEEN_KEY = "ketacare_last_seen"
SIGNED_IN_AT_KEY = "ketacare_signed_in_at"
MFA_SEEN_KEY = "ketacare_mfa_enrolled"
# Writing the session on every request costs a query; a minute of slack is harmless.
LAST_SEEN_RESOLUTION_SECONDS = 60


def idle_timeout_seconds(request: HttpRequest) -> int:
    membership = active_membership(request.user)
    minutes = (
        membership.organisation.idle_timeout_minutes
        if membership
        else settings.KETACARE_IDLE_TIMEOUT_DEFAULT_MINUTES
    )
    return min(minutes, settings.KETACARE_IDLE_TIMEOUT_MAX_MINUTES) * 60


def _is_api(request: HttpRequest | None = None, *, path: str = "") -> bool:
    return (request.path if request is not None else path).startswith("/api/")


BACKGROUND_HEADER = "X-Ketacare-Background"


class SessionLifetimeMiddleware:
    """Signs a person out after the organisation's idle timeout or the absolute lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT_KEY, now)
            last_seen = session.get(LAST_SEEN_KEY, now)
            absolute = settings.KETACARE_SESSION_ABSOLUTE_HOURS * 3600
            if now - last_seen > idle_timeout_seconds(request) or now - signed_in_at > absolute:
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": "Your session has ended."}, status=401)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # A screen refreshing itself (the floor board, the live vitals chart) is not a
            # person at the keyboard: it must not hold the session open past the idle timeout.
            background = request.headers.get(BACKGROUND_HEADER) == "1"
            if not background and (
                now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS or LAST_SEEN_KEY not in session
            ):
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


MFA_EXEMPT_PREFIXES = (
    "/accounts/", "/static/", "/healthz", "/r/", "/clinics/", "/sitemap.xml",
    "/learn/", "/prescreen/", "/consultation/request/", "/consultation/thanks/",
    "/ical/", "/escort/",
)  # fmt: skip
# Pages anyone may open without signing in. Everything else is default-deny.
PUBLIC_PATHS = ("/", "/healthz", "/sitemap.xml")
# /r/ is the patient's single-use questionnaire link: the token is the key, no sign-in.
# /ical/ (calendar feeds) and /escort/ (escort confirmations) are tokenised the same way.
# The public site (the staff queue, /consultation/requests/, is deliberately not public).
PUBLIC_PREFIXES = (
    "/accounts/", "/static/", "/r/", "/clinics/",
    "/learn/", "/prescreen/", "/consultation/request/", "/consultation/thanks/",
    "/ical/", "/escort/",
)  # fmt: skip


def _bearer_api_request(request: HttpRequest) -> bool:
    """An API call carrying a bearer token (a registered bedside monitor). It goes on to the
    API, whose every endpoint authenticates: those that accept a device token check it, the
    rest require a signed-in session and answer 401 as this middleware would."""
    return _is_api(request) and request.headers.get("Authorization", "")[:7].lower() == "bearer "


class SignInRequiredMiddleware:
    """Default deny: a visitor who has not signed in reaches only the public pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (
            not request.user.is_authenticated
            and path not in PUBLIC_PATHS
            and not path.startswith(PUBLIC_PREFIXES)
            and not _bearer_api_request(request)
        ):
            if _is_api(path=request.path):
                return JsonResponse({"detail": "Sign in first."}, status=401)
            return redirect(f"{reverse('account_login')}?next={path}")
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    """Staff who have not enrolled TOTP reach nothing but the enrolment and sign-out pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "kind", "staff") != "patient"
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not request.session.get(MFA_SEEN_KEY)
        ):
            if not is_mfa_enabled(user):
                if _is_api(request):
                    return JsonResponse(
                        {"detail": "Set up two-factor authentication before using the API."},
                        status=403,
                    )
                return redirect("mfa_activate_totp")
            request.session[MFA_SEEN_KEY] = True
        return self.get_response(request)


class OrganisationTimeZoneMiddleware:
    """Times are stored in UTC and shown in the practice's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = active_membership(request.user)
        if membership is None:
            return self.get_response(request)
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            return self.get_response(request)


class NoStoreMiddleware:
    """Health information must not linger in browser or proxy caches (ASVS 14.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(("/accounts/", "/api/")):
            response["Cache-Control"] = "no-store"
            response["Vary"] = ", ".join(
                v for v in (response.get("Vary"), "Cookie", "HX-Request") if v
            )
        return response
