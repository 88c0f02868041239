"""The idle warning appears before the sign-out and "Stay signed in" keeps the session."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIn
from tests.conftest import Practice

pytestmark = pytest.mark.browser


def test_the_idle_warning_shows_and_staying_signed_in_hides_it(
    page: Page, live_server: Any, practice_a: Practice, sign_in: SignIn
) -> None:
    practice_a.organisation.idle_timeout_minutes = 5
    practice_a.organisation.save()
    page.clock.install()
    sign_in(page, practice_a.staff["nurse"].email)
    expect(page).to_have_url(re.compile(r"/patients/$"))
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    page.clock.run_for(int(timedelta(minutes=3, seconds=5).total_seconds() * 1000))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("signed out in two minutes")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
