"""A registered monitor's single reading answered before the rest of the middleware stack.

The stack after this point is for people: sessions, CSRF, sign-in, MFA, idle timeout, time
zones, CSP, htmx. A monitor posting with its own bearer token (H-09) uses none of it, and on the
busiest write of the day it would cost several times the work of storing the reading. This
middleware sits right after Django's SecurityMiddleware (whose headers every answer keeps) and
hands exactly that request, `POST /api/treatment-sessions/<id>/readings` with
`Authorization: Bearer kcm_...`, to device_readings.reading_post; everything else goes on down
the stack unchanged, including a member of staff posting the same path with a session cookie.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from ketacare.audit.middleware import origin_of
from ketacare.treatment_sessions import device_readings
from ketacare.treatment_sessions.devices import TOKEN_PREFIX

READING_PATH = re.compile(r"^/api/treatment-sessions/([0-9A-Fa-f-]{32,36})/readings$")
BEARER = f"Bearer {TOKEN_PREFIX}"


class DeviceReadingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        match = READING_PATH.match(request.path_info)
        authorization = request.META.get("HTTP_AUTHORIZATION", "")
        if match is None or not authorization.startswith(BEARER):
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            too_big = device_readings.Answer(
                413, {"detail": "A reading is a small JSON object; this body is too big."}
            )
            return answer_response(too_big)
        answer = device_readings.reading_post(
            token=authorization.removeprefix("Bearer ").strip(),
            session_public_id=match[1],
            body=body,
            origin=origin_of(request),
        )
        return answer_response(answer)


def answer_response(answer: device_readings.Answer) -> JsonResponse:
    """The HTTP answer to a device's post, from here or from the API's own view."""
    response = JsonResponse(answer.body, status=answer.status)
    response["Cache-Control"] = "no-store"
    # As CommonMiddleware would: a known length lets the server send the body as it is rather
    # than in chunks.
    response["Content-Length"] = str(len(response.content))
    return response
