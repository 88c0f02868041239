"""Django template → HTML → PDF with WeasyPrint, behind a deny-by-default URL fetcher.

An HTML-to-PDF renderer is a browser without a sandbox: left to itself it follows
`<img src="file:///etc/passwd">`, `<link rel="attachment" href=…>` and CSS `url(http://…)`, so a
chart note could read the server's files or reach the cloud metadata service into a PDF (threat
P-11; WeasyPrint advisories GHSA-983w, GHSA-jf6q / CVE-2026-55073). Every resource WeasyPrint
wants goes through `StaticOnlyURLFetcher`, which serves only:

* `data:` URIs (inline images, such as a chart drawn on the server), and
* the project's own static files, addressed under STATIC_URL and resolved by the staticfiles
  finders (a relative name such as ``treatment_sessions/print.css``, never a filesystem path).

Everything else (file:, http:, https: to anywhere, ftp:, other schemes, traversal) is refused and
remembered in `fetcher.refused`. Redirects are never followed: nothing is fetched over a network.
Stylesheets given to `render_pdf` are static names loaded through the same fetcher; the renderer
is never handed a filename (WeasyPrint opens filenames itself, bypassing any fetcher), and no
caller-supplied attachments are accepted (`<link rel="attachment">` also goes through the
fetcher).
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import (  # type: ignore[import-untyped]
    URLFetcher,
    URLFetcherResponse,
    URLFetchingError,
)

logger = logging.getLogger(__name__)

# The document's base URL. `.invalid` never resolves (RFC 2606), and the fetcher answers this
# origin itself from the staticfiles finders: a request to it never leaves the process.
PDF_ORIGIN = "https://ketacare-pdf.invalid"
PDF_BASE_URL = f"{PDF_ORIGIN}/"


class PdfResourceError(Exception):
    """A stylesheet the code asked for could not be loaded (a programming error, not input)."""


def _static_prefix() -> str:
    """STATIC_URL's path ("/static/"), even when STATIC_URL is an absolute CDN address."""
    path = urlsplit(str(settings.STATIC_URL)).path or "/"
    if not path.startswith("/"):
        path = "/" + path
    return path if path.endswith("/") else path + "/"


def static_url(name: str) -> str:
    """The address under which the fetcher serves the static file `name`."""
    return urljoin(PDF_BASE_URL, _static_prefix() + quote(name))


def _static_name(url: str) -> str | None:
    """The static file's relative name if `url` is one of ours, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.netloc != urlsplit(PDF_ORIGIN).netloc:
        return None
    prefix = _static_prefix()
    if not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path[len(prefix) :])
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if posixpath.normpath(name) != name or ".." in name.split("/"):
        return None
    return name


def _find_static(name: str) -> Path | None:
    found = finders.find(name)
    if isinstance(found, list):  # find(all=True) shape; not asked for, but be strict
        found = found[0] if found else None
    if not found:
        return None
    path = Path(found)
    return path if path.is_file() else None


class StaticOnlyURLFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's fetcher, narrowed to `data:` URIs and the project's static files.

    `refused` lists every URL it turned down and `served` every static name it answered, so a
    test (or a log) can show exactly what the renderer asked for."""

    def __init__(self) -> None:
        # allowed_protocols covers the parent's own machinery (used here for data: only);
        # no redirect handler, and a short timeout although nothing goes to a network.
        super().__init__(
            timeout=1, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False
        )
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        name = _static_name(url)
        path = _find_static(name) if name is not None else None
        if name is None or path is None:
            self.refused.append(url)
            logger.warning("PDF renderer refused to fetch %s", url[:200])
            raise PermissionError(f"Refused by the PDF renderer: {url[:200]}")
        self.served.append(name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def render_html(template_name: str, context: Mapping[str, Any]) -> str:
    return render_to_string(template_name, dict(context))


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    stylesheets: Sequence[str] = (),
    fetcher: StaticOnlyURLFetcher | None = None,
) -> bytes:
    """Render a Django template to a PDF.

    `stylesheets` are static names (``"treatment_sessions/print.css"``) added as user
    stylesheets; templates may also `<link>` them with `{% static %}`. Pass your own `fetcher`
    to inspect what was served and refused."""
    fetcher = fetcher or StaticOnlyURLFetcher()
    sheets = []
    for name in stylesheets:
        try:
            sheets.append(CSS(url=static_url(name), url_fetcher=fetcher))
        except URLFetchingError as exc:
            raise PdfResourceError(f"Stylesheet {name!r} is not a static file.") from exc
    html = render_html(template_name, context)
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=sheets, attachments=None)
    return pdf
