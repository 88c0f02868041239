"""A visitor (not signed in, no account) finds the nearest ketamine clinic by ZIP code."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import zipcodes
from playwright.sync_api import Page, expect

from ketacare.tenancy.models import Clinic
from tests.browser.conftest import PageWatch, screenshot_dir
from tests.factories import ClinicFactory, OrganisationFactory

pytestmark = pytest.mark.browser

CLINICS = (
    # name, street, city, state, ZIP, routes, conditions, REMS, prices
    (
        "Lakeside — Palos Hills",
        "10400 S Roberts Rd, Suite 120",
        "Palos Hills",
        "IL",
        "60465",
        ["iv", "esketamine", "im_sc"],
        ["depression", "anxiety", "ptsd"],
        True,
        [
            {"service": "IV infusion", "price_usd": 450},
            {"service": "IM injection", "price_usd": 350},
        ],
    ),
    (
        "Lakeside — Naperville",
        "1200 E Ogden Ave",
        "Naperville",
        "IL",
        "60563",
        ["iv", "esketamine"],
        ["depression", "chronic_pain"],
        False,
        [{"service": "IV infusion", "price_usd": 475}],
    ),
    (
        "North Shore Ketamine",
        "800 Green Bay Rd",
        "Evanston",
        "IL",
        "60201",
        ["iv"],
        ["depression", "ptsd"],
        False,
        [],
    ),
    (
        "Lakeside — Milwaukee",
        "700 N Water St",
        "Milwaukee",
        "WI",
        "53202",
        ["sublingual_oral", "topical"],
        ["chronic_pain"],
        False,
        [{"service": "Sublingual programme, per month", "price_usd": 250}],
    ),
)


def _make_clinics() -> list[Clinic]:
    q = Decimal("0.000001")
    made = []
    for index, (name, street, city, state, zip_code, routes, conditions, rems, prices) in enumerate(
        CLINICS
    ):
        place = zipcodes.matching(zip_code)[0]
        made.append(
            ClinicFactory(
                organisation=OrganisationFactory(name=f"Practice {index}"),
                name=name,
                address_line1=street,
                city=city,
                state=state,
                zip_code=zip_code,
                latitude=Decimal(place["lat"]).quantize(q),
                longitude=Decimal(place["long"]).quantize(q),
                routes_offered=routes,
                conditions_treated=conditions,
                esketamine_rems_certified=rems,
                published_prices=prices,
                insurance_policy="Superbill provided for out-of-network reimbursement",
                hours={
                    **{d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                    "sat": ["09:00", "13:00"],
                },
                publicly_listed=True,
            )
        )
    return made


def test_a_visitor_finds_the_palos_hills_clinic_first_for_60465(
    page: Page, live_server: Any, watch: PageWatch
) -> None:
    palos = _make_clinics()[0]
    shots = screenshot_dir()

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/clinics/")
    expect(page).to_have_title("Find a ketamine clinic near you · ketacare")
    page.get_by_label("ZIP code or city, state").fill("60465")
    page.get_by_label("Within (miles)").fill("100")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/clinics/?near=60465*")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Clinics near 60465 (Palos Hills, IL)"
    )
    first = page.locator(".clinic-list > li").first
    expect(first.get_by_role("heading", level=3)).to_have_text("Lakeside — Palos Hills")
    expect(first.locator(".distance")).to_have_text(re.compile(r"under 0\.1 mi"))
    expect(first).to_contain_text("REMS certified for esketamine")
    second = page.locator(".clinic-list > li").nth(1)
    expect(second.locator(".distance")).to_have_text(re.compile(r"\d+\.\d mi"))
    page.screenshot(path=str(shots / "finder-desktop.png"), full_page=False)

    # A filter is a plain GET form: no JavaScript needed.
    page.get_by_label("Treatment route").select_option("sublingual_oral")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".clinic-list > li h3")).to_have_text(["Lakeside — Milwaukee"])

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/clinics/?near=60465&within=50")
    expect(page.locator(".clinic-list > li h3").first).to_have_text("Lakeside — Palos Hills")
    page.screenshot(path=str(shots / "finder-phone.png"), full_page=False)

    page.locator(".clinic-list > li").first.get_by_role("link", name="Clinic details").click()
    page.wait_for_url(f"**/clinics/{palos.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lakeside — Palos Hills")
    consult = page.locator("#main").get_by_role("link", name="Request a consultation")
    expect(consult).to_have_attribute("href", f"/consultation/request/?clinic={palos.public_id}")

    assert watch.errors == []
    assert watch.failed == []
