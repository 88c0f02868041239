"""The WSGI front door: a registered monitor's single reading is answered here, before Django's
request handler; every other request goes to Django unchanged.

A monitor posts `POST /api/treatment-sessions/<id>/readings` with `Authorization: Bearer
kcm_...` (H-09) about once a minute per patient, and a gateway in front of a ward of monitors
posts many a second: it is the busiest write of the treatment day. Django's handler would build
a request object, send the request signals, run the middleware stack meant for people
(sessions, CSRF, sign-in, MFA, idle timeout, CSP, htmx) and build a response object, which costs
several times the work of storing the reading. This front does what of that a device's post
needs, and no more:

- the host is checked against ALLOWED_HOSTS, as Django would (400 otherwise);
- in production, a post that did not come over HTTPS goes on to Django, whose SecurityMiddleware
  redirects it, exactly as it would any request (nothing is read or stored);
- the body is read up to DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it);
- `device_readings.reading_post` checks the token, the session, the body and the alert limits
  and stores the reading, its alerts and its audit event together;
- the answer carries the headers SecurityMiddleware would add (nosniff, referrer policy,
  cross-origin opener policy, HSTS over HTTPS in production) and `Cache-Control: no-store`;
- the database connection is looked after as Django's request signals would: a connection
  past CONN_MAX_AGE or broken by an error is closed before and after (only the default
  database is used here).

Anything else, including a member of staff posting the same path with a session cookie, is
Django's. Where this front is not in place (Django's test client, another WSGI set-up), the
API's own view answers a device's post with the same `reading_post`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port, validate_host

from ketacare.audit.context import RequestOrigin
from ketacare.audit.middleware import client_ip
from ketacare.treatment_sessions import device_readings
from ketacare.treatment_sessions.devices import TOKEN_PREFIX

logger = logging.getLogger("django.request")

READING_PATH = re.compile(r"^/api/treatment-sessions/([0-9A-Fa-f-]{32,36})/readings$")
BEARER = f"Bearer {TOKEN_PREFIX}"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class DeviceReadingApp:
    """Wraps Django's WSGI application (ketacare.wsgi)."""

    def __init__(self, django_app: WSGIApp) -> None:
        self.django_app = django_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.django_app(environ, start_response)
        match = READING_PATH.match(environ.get("PATH_INFO", ""))
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if match is None or not authorization.startswith(BEARER):
            return self.django_app(environ, start_response)
        secure = _is_secure(environ)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return self.django_app(environ, start_response)  # SecurityMiddleware redirects it
        status, body = self._answer(environ, match[1], authorization)
        start_response(f"{status} {HTTPStatus(status).phrase}", _headers(len(body), secure))
        return [body]

    def _answer(
        self, environ: dict[str, Any], session_id: str, authorization: str
    ) -> tuple[int, bytes]:
        if not _host_allowed(environ):
            return _json(400, {"detail": "This host is not served here."})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _json(400, {"detail": "Content-Length must be a number of bytes."})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _json(413, {"detail": "A reading is a small JSON object; this body is too big."})
        tidy_connection()
        try:
            answer = device_readings.reading_post(
                token=authorization.removeprefix("Bearer ").strip(),
                session_public_id=session_id,
                body=environ["wsgi.input"].read(length) if length else b"",
                origin=RequestOrigin(
                    ip_address=client_ip(environ.get("REMOTE_ADDR", "")),
                    user_agent=environ.get("HTTP_USER_AGENT", "")[:300],
                ),
            )
        except Exception:  # the monitor keeps its reading and posts it again
            logger.exception("A monitor's reading was not stored")
            return _json(503, {"detail": "The reading was not stored; post it again."})
        finally:
            tidy_connection()
        return _json(answer.status, answer.body)


def tidy_connection() -> None:
    """What Django's request signals do for the one database used here (tests replace it, as
    Django's test client disconnects those signals: a test's transaction must stay open)."""
    connection.close_if_unusable_or_obsolete()


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(body, separators=(",", ":")).encode()


def _is_secure(environ: dict[str, Any]) -> bool:
    header = settings.SECURE_PROXY_SSL_HEADER
    if header is not None:
        name, value = header
        forwarded = environ.get(name)
        if forwarded is not None:
            return bool(forwarded.split(",", 1)[0].strip() == value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def _host_allowed(environ: dict[str, Any]) -> bool:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    return _valid_host(host, tuple(settings.ALLOWED_HOSTS), settings.DEBUG)


@lru_cache(maxsize=64)
def _valid_host(host: str, allowed: tuple[str, ...], debug: bool) -> bool:
    """As HttpRequest.get_host checks it (a monitor's gateway sends the same host each time)."""
    domain, _ = split_domain_port(host)
    if debug and not allowed:
        allowed = (".localhost", "127.0.0.1", "[::1]")
    return bool(domain) and validate_host(domain, allowed)


def _headers(length: int, secure: bool) -> list[tuple[str, str]]:
    """SecurityMiddleware's headers, as it would set them, and this answer's own."""
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(length)),
        ("Cache-Control", "no-store"),
    ]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", str(settings.SECURE_REFERRER_POLICY)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    return headers
