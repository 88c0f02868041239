"""Front desk books a patient's six-session IV induction from the plan, sees the sessions in the
week calendar, tries to move one into a chair that is taken and is told why at the chair field.
The floor board shows who is in each chair.

Screenshots: schedule-week-tablet.png, schedule-week-phone.png, schedule-floor-tablet.png,
schedule-series-tablet.png.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketacare.scheduling import services
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.tenancy.models import Role
from tests.browser.conftest import PageWatch, SignIn, screenshot_dir
from tests.conftest import Practice
from tests.factories import PatientFactory
from tests.scheduling import builders as b
from tests.treatment.builders import active_plan

pytestmark = pytest.mark.browser

SCREENSHOTS = screenshot_dir()
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
TODAY = date(2027, 1, 4)  # a Monday
FIRST = date(2027, 1, 11)  # the series starts the Monday after


def _page(
    browser: Browser, contexts: list[BrowserContext], size: dict[str, int]
) -> tuple[Page, PageWatch]:
    context = browser.new_context(viewport=size, locale="en-US")
    contexts.append(context)
    page = context.new_page()
    watched = PageWatch()
    watched.attach(page)
    return page, watched


def _no_sideways_scroll(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px wider than the screen"


def _floor_today(practice: Practice, chairs: list[Any], iv: Any) -> None:
    """Two patients in today: one checked in in Chair 1, one due in Chair 2 later."""
    desk = practice.staff[Role.FRONT_DESK]
    first, second = (
        PatientFactory(
            organisation=practice.organisation, legal_first_name=n, legal_last_name="Example"
        )
        for n in ("Ash", "Bay")
    )
    here = b.book(practice, iv, b.local(TODAY, time(9)), space=chairs[0], patient=first)
    services.appointment_transition(actor=desk, appointment=here, to="checked_in")
    b.book(practice, iv, b.local(TODAY, time(13)), space=chairs[1], patient=second)


def test_front_desk_books_an_iv_series_and_a_move_into_a_full_chair_is_refused(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    practice_a: Practice,
    sign_in: SignIn,
    time_machine: Any,
) -> None:
    time_machine.move_to(b.local(TODAY, time(10, 30)), tick=True)
    chairs = b.open_clinic(practice_a, chairs=2)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 2)
    plan = active_plan(practice_a)
    _floor_today(practice_a, chairs, iv)
    # Someone else already has Chair 2 on the Wednesday afternoon of the series' first week.
    wednesday = FIRST + timedelta(days=2)
    other = PatientFactory(
        organisation=practice_a.organisation, legal_first_name="Cedar", legal_last_name="Holt"
    )
    b.book(practice_a, iv, b.local(wednesday, time(13)), space=chairs[1], patient=other)

    page, watch = _page(browser, contexts, TABLET)
    sign_in(page, practice_a.staff[Role.FRONT_DESK].email)

    # The series page proposes six sessions on Mon/Wed/Fri at 09:00 in Chair 1.
    page.goto(f"{live_server.url}/plans/{plan.public_id}/series/")
    expect(page.get_by_label("Sessions")).to_have_value("6")
    page.get_by_label("First date").fill(FIRST.isoformat())
    for day in ("Mon", "Wed", "Fri"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Time (clinic's local time)").fill("09:00")
    page.locator("#id_space").select_option(label=f"Chair 1 ({practice_a.clinic.name})")
    page.get_by_role("button", name="Propose the series").click()
    sessions = page.locator("li.session")
    expect(sessions).to_have_count(6)
    expect(sessions.first).to_contain_text("Mon 11 Jan 2027 · 09:00–11:00")
    expect(page.locator("li.session.has-problem")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "schedule-series-tablet.png"), full_page=True)
    page.get_by_role("button", name="Book these 6 sessions").click()
    page.wait_for_url("**/schedule/*/week/**")
    assert Appointment.objects.filter(plan=plan, status=AppointmentStatus.BOOKED).count() == 6

    # The week calendar shows the sessions: three this week, three the next.
    cards = page.locator("article.appt", has_text=practice_a.patient.display_name)
    expect(cards).to_have_count(3)
    expect(page.locator("article.appt")).to_have_count(4)  # and Cedar Holt's
    page.get_by_role("link", name="Next week →").click()
    expect(cards).to_have_count(3)
    page.get_by_role("link", name="← Previous week").click()
    expect(cards).to_have_count(3)

    # Move Wednesday's session into Chair 2 at 13:00: refused, the reason at the chair field.
    wednesday_card = page.locator(f"section[aria-labelledby='day-{wednesday:%Y%m%d}']").locator(
        "article.appt", has_text=practice_a.patient.display_name
    )
    documents = len(watch.documents)
    wednesday_card.get_by_role("link", name="Move").click()
    dialog = page.locator("#dialog-slot [role=dialog]")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Start time").fill("13:00")
    dialog.get_by_label("Chair or room").select_option(label="Chair 2")
    dialog.get_by_role("button", name="Move").click()
    expect(page.locator("#id_space_error")).to_contain_text("Chair 2 is taken")
    assert len(watch.documents) == documents  # the dialog was swapped in place
    assert not Appointment.objects.filter(status=AppointmentStatus.RESCHEDULED).exists()

    # Screenshots of the week: tablet and phone.
    page.goto(f"{live_server.url}/schedule/{practice_a.clinic.public_id}/week/?date={FIRST}")
    page.screenshot(path=str(SCREENSHOTS / "schedule-week-tablet.png"), full_page=True)
    _no_sideways_scroll(page, "week at tablet")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(cards).to_have_count(3)
    page.screenshot(path=str(SCREENSHOTS / "schedule-week-phone.png"), full_page=True)
    _no_sideways_scroll(page, "week at phone width")
    page.set_viewport_size(TABLET)

    # The floor board: who is in each chair and who is next; it refreshes in place.
    page.goto(f"{live_server.url}/schedule/{practice_a.clinic.public_id}/floor/")
    board = page.locator("#floor-board")
    expect(board.locator("[data-chair]").first).to_contain_text("Ash Example")
    expect(board.locator("[data-chair]").first).to_contain_text("Checked in")
    expect(board.locator("[data-chair]").nth(1)).to_contain_text("Free until 13:00")
    expect(board.locator("[data-chair]").nth(1)).to_contain_text("Next: 13:00 Bay Example")
    page.screenshot(path=str(SCREENSHOTS / "schedule-floor-tablet.png"), full_page=True)
    with page.expect_response(lambda r: "/floor/board/" in r.url, timeout=20_000) as polled:
        pass
    assert polled.value.status == 200
    assert not watch.errors, watch.errors
