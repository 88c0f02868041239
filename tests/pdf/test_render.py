"""The PDF renderer fetches nothing but data: URIs and our own static files (threat P-11)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from ketacare.pdf import PdfResourceError, StaticOnlyURLFetcher, render_pdf
from ketacare.pdf.render import static_url

SECRET = "TOP-SECRET-FROM-THE-INTRANET"
PASSWD_MARKER = "root:x:0:0"  # the first line of /etc/passwd on any Debian machine


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(PdfReader(BytesIO(pdf)).attachments)


@pytest.fixture
def template_dir(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    """A template directory of our own for hostile documents."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return tmp_path


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def intranet() -> Iterator[tuple[str, list[str]]]:
    """A tiny HTTP server on localhost that would hand out a secret to anyone asking."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def write(template_dir: Path, name: str, body: str) -> str:
    (template_dir / name).write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head>"
        f"<body><h1>Visible heading</h1>{body}</body></html>"
    )
    return name


def test_the_intranet_fixture_really_serves_the_secret(intranet) -> None:  # type: ignore[no-untyped-def]
    """Guard for the tests below: the server answers when asked directly."""
    from urllib.request import urlopen

    base, hits = intranet
    with urlopen(f"{base}/secret", timeout=5) as response:  # noqa: S310 (localhost fixture)
        assert response.read().decode() == SECRET
    assert hits == ["/secret"]


def test_it_refuses_a_local_file_image(template_dir) -> None:  # type: ignore[no-untyped-def]
    name = write(template_dir, "img_file.html", '<img src="file:///etc/passwd" alt="x">')
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pdf(name, {}, fetcher=fetcher)
    assert fetcher.refused == ["file:///etc/passwd"]
    text = pdf_text(pdf)
    assert "Visible heading" in text
    assert PASSWD_MARKER not in text


def test_it_refuses_a_local_file_attachment(template_dir) -> None:  # type: ignore[no-untyped-def]
    name = write(
        template_dir,
        "attach_file.html",
        '<link rel="attachment" href="file:///etc/passwd" title="passwd">'
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
    )
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pdf(name, {}, fetcher=fetcher)
    assert fetcher.refused and set(fetcher.refused) == {"file:///etc/passwd"}
    assert pdf_attachments(pdf) == {}
    assert PASSWD_MARKER.encode() not in pdf
    assert PASSWD_MARKER not in pdf_text(pdf)


def test_it_refuses_the_cloud_metadata_address_in_css(template_dir) -> None:  # type: ignore[no-untyped-def]
    name = write(
        template_dir,
        "css_metadata.html",
        "<style>@import url(http://169.254.169.254/latest/meta-data/iam.css);"
        "h1 { background: url(http://169.254.169.254/latest/meta-data/) }</style>",
    )
    fetcher = StaticOnlyURLFetcher()
    render_pdf(name, {}, fetcher=fetcher)
    assert fetcher.refused
    assert all(url.startswith("http://169.254.169.254/") for url in fetcher.refused)
    assert "http://169.254.169.254/latest/meta-data/" in fetcher.refused


def test_it_never_calls_a_local_http_server(template_dir, intranet) -> None:  # type: ignore[no-untyped-def]
    base, hits = intranet
    name = write(
        template_dir,
        "intranet.html",
        f'<img src="{base}/secret" alt="x">'
        f'<link rel="stylesheet" href="{base}/secret.css">'
        f'<link rel="attachment" href="{base}/secret.txt">'
        f"<style>p {{ background: url({base}/bg) }}</style><p>para</p>",
    )
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pdf(name, {}, fetcher=fetcher)
    assert hits == []
    assert {url.removeprefix(base) for url in fetcher.refused} >= {
        "/secret",
        "/secret.css",
        "/secret.txt",
        "/bg",
    }
    assert SECRET not in pdf_text(pdf)
    assert pdf_attachments(pdf) == {}


def test_a_user_stylesheet_cannot_name_a_file_outside_static() -> None:
    for name in ("../../../../etc/passwd", "/etc/passwd", "ketacare/../../settings.py"):
        with pytest.raises(PdfResourceError):
            render_pdf("treatment_sessions/record_pdf.html", {}, stylesheets=[name])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "https://ketacare-pdf.invalid/etc/passwd",
        "https://ketacare-pdf.invalid/static/%2e%2e/%2e%2e/settings.py",
        "https://ketacare-pdf.invalid/static/ketacare/../../settings.py",
        "https://ketacare-pdf.invalid/static//etc/passwd",
        "https://evil.example/static/ketacare/app.css",
        "http://ketacare-pdf.invalid/static/ketacare/app.css",
        "https://ketacare-pdf.invalid/static/ketacare/no-such-file.css",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url: str) -> None:
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(PermissionError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_data_uris_and_static_files() -> None:
    fetcher = StaticOnlyURLFetcher()
    data = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"hello").decode())
    assert data.read() == b"hello"
    css = fetcher.fetch(static_url("treatment_sessions/print.css"))
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    assert fetcher.served == ["treatment_sessions/print.css"]
    assert fetcher.refused == []


def test_a_pdf_renders_with_our_static_css_and_a_data_image(template_dir) -> None:  # type: ignore[no-untyped-def]
    svg = base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10"/></svg>'
    ).decode()
    name = write(
        template_dir,
        "styled.html",
        "{% load static %}"
        '<link rel="stylesheet" href="{% static "treatment_sessions/print.css" %}">'
        f'<img src="data:image/svg+xml;base64,{svg}" alt="square">',
    )
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pdf(name, {}, fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    assert fetcher.served == ["treatment_sessions/print.css"]
    assert fetcher.refused == []
    # The print stylesheet's page footer is generated content: it is there only if the CSS was
    # loaded and applied.
    assert "Page 1 of 1" in pdf_text(pdf)
