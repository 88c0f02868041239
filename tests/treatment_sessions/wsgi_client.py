"""Posts to the WSGI front door (as ketacare.wsgi.application) as a server would call it: a real
environ, a real body stream, the real database. Only the connection tidying between requests is
left out, as Django's own test client leaves it out, so that the test's transaction stays open."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from ketacare.treatment_sessions import device_wsgi


@dataclass
class WsgiAnswer:
    status_code: int
    headers: dict[str, str]
    content: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.content)

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]


class WsgiClient:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(device_wsgi, "tidy_connection", lambda: None)

    def post(
        self, url: str, body: bytes, headers: dict[str, str], scheme: str = "http"
    ) -> WsgiAnswer:
        parts = urlsplit(url)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "443" if scheme == "https" else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "testserver",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.url_scheme": scheme,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        started: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
            started["status"] = int(status.split()[0])
            started["headers"] = response_headers

        # What goes on to Django would close the test's connection at its start and end: the
        # test client disconnects the same receiver.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            # Built as ketacare.wsgi builds it, for each post: Django reads settings such as
            # SECURE_SSL_REDIRECT when its middleware is loaded, and tests override them.
            application = device_wsgi.DeviceReadingApp(WSGIHandler())
            chunks = application(environ, start_response)
            content = b"".join(chunks)
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        header_map = {k.lower(): v for k, v in started["headers"]}
        cookies = {
            v.split("=", 1)[0]: v for k, v in started["headers"] if k.lower() == "set-cookie"
        }
        return WsgiAnswer(started["status"], header_map, content, cookies)
