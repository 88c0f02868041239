"""Playwright against pytest-django's live server, driving the system (Debian) Chromium.

Browsers are never downloaded: when /usr/bin/chromium is missing every test here is skipped.
Run with `make test-browser` (or `pytest -m browser -p no:xdist`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache, caches
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response

from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_DIR = Path(__file__).parent
TOTP_PERIOD = 30

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: browser tests need system Chromium")
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: browser tests need system Chromium")
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": args}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The live server answers a page and its htmx polls from several threads at once. SQLite's
    default test database is in memory with a shared cache, where a second writer gets "table
    is locked" at once; a file (WAL, with a busy timeout) makes it wait its turn instead."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(settings.VAR_DIR) / "test-browser-live.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls in these tests
    # are ordinary synchronous code, so Django's async-safety guard is relaxed here only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _cache_table(live_server: Any) -> None:
    """The database cache holds allauth's rate limits and used TOTP codes.

    The live server makes every test transactional; make sure the table exists and that no
    used code or rate-limit counter leaks from one test into the next.
    """
    call_command("createcachetable", verbosity=0)
    cache.clear()
    caches["public_reads"].clear()


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


def current_totp(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows now, waiting out the last seconds of a period.

    The server accepts only the current period (MFA_TOTP_TOLERANCE = 0), so a code computed
    just before the period rolls over would be refused by the time it is submitted.
    """
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 4:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def wrong_totp(secret: str = TEST_TOTP_SECRET) -> str:
    right = current_totp(secret)
    return f"{(int(right) + 1) % 1_000_000:06d}"


@dataclass
class PageWatch:
    """What a page said on its console and which documents it loaded."""

    errors: list[str] = field(default_factory=list)
    documents: list[Response] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.request.method} {response.url}")
        if response.request.resource_type == "document":
            self.documents.append(response)


@pytest.fixture
def watch(page: Page) -> PageWatch:
    watched = PageWatch()
    watched.attach(page)
    return watched


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens itself (a viewport each), closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


DUPLICATE_IDS = """() => {
  const seen = new Set(), twice = [];
  document.querySelectorAll("[id]").forEach((el) => {
    if (seen.has(el.id)) { twice.push(el.id); }
    seen.add(el.id);
  });
  return twice;
}"""


def duplicate_ids(page: Page) -> list[str]:
    """Ids used more than once on the page (a label would name the wrong field)."""
    return list(page.evaluate(DUPLICATE_IDS))


SignIn = Callable[..., None]


@pytest.fixture
def sign_in(live_server: Any) -> SignIn:
    """Sign a member of staff in through the real forms: e-mail and password, then TOTP."""

    def _sign_in(page: Page, email: str, *, code: str | None = None) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(TEST_PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/accounts/2fa/authenticate/**")
        page.locator("input[name=code]").fill(code or current_totp())
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()

    return _sign_in


def screenshot_dir() -> Path:
    """docs/screenshots when refreshing the documentation (`make screenshots`), else var/.

    Every browser run takes the pictures (so a broken page still fails), but only a deliberate
    refresh rewrites the committed ones.
    """
    root = Path(__file__).resolve().parents[2]
    if os.environ.get("KETACARE_SCREENSHOTS") == "docs":
        return root / "docs" / "screenshots"
    folder = root / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
