"""The public clinic finder and clinic pages."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
import zipcodes
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from ketacare.directory.places import PlaceInputInvalid, PlaceNotFound, resolve_place
from ketacare.tenancy.models import Clinic
from tests.factories import ClinicFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
FINDER = "/clinics/"


def _coords(zip_code: str) -> dict[str, Decimal]:
    row = zipcodes.matching(zip_code)[0]
    q = Decimal("0.000001")
    return {
        "latitude": Decimal(row["lat"]).quantize(q),
        "longitude": Decimal(row["long"]).quantize(q),
    }


def _clinic(name: str, zip_code: str, city: str, state: str, **extra: Any) -> Clinic:
    fields: dict[str, Any] = {
        "name": name,
        "zip_code": zip_code,
        "city": city,
        "state": state,
        "publicly_listed": True,
        "routes_offered": ["iv"],
        "conditions_treated": ["depression"],
        "hours": {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "published_prices": [{"service": "IV infusion", "price_usd": 450}],
        "insurance_policy": "Superbill provided for out-of-network reimbursement",
        **_coords(zip_code),
        **extra,
    }
    return ClinicFactory(**fields)


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()
    caches["public_reads"].clear()


@pytest.fixture
def clinics() -> dict[str, Clinic]:
    lakeside = OrganisationFactory(name="Lakeside")
    other = OrganisationFactory(name="Other practice")
    return {
        "palos": _clinic(
            "Lakeside — Palos Hills",
            "60465",
            "Palos Hills",
            "IL",
            organisation=lakeside,
            routes_offered=["iv", "esketamine"],
            conditions_treated=["depression", "ptsd"],
            esketamine_rems_certified=True,
        ),
        "naperville": _clinic(
            "Lakeside — Naperville",
            "60563",
            "Naperville",
            "IL",
            organisation=lakeside,
            routes_offered=["iv", "esketamine"],
            conditions_treated=["depression", "anxiety"],
        ),
        "milwaukee": _clinic(
            "Other — Milwaukee",
            "53202",
            "Milwaukee",
            "WI",
            organisation=other,
            routes_offered=["sublingual_oral"],
            conditions_treated=["chronic_pain"],
        ),
        "hidden": _clinic(
            "Unlisted — Oak Lawn",
            "60453",
            "Oak Lawn",
            "IL",
            organisation=other,
            publicly_listed=False,
        ),
        "portland": _clinic("Other — Portland", "97201", "Portland", "OR", organisation=other),
    }


def _names(html: str) -> list[str]:
    return re.findall(r'<h3 id="clinic-[^"]+"><a href="[^"]+">([^<]+)</a>', html)


def test_60465_lists_the_palos_hills_clinic_first_with_its_distance(
    clinics, client: Client
) -> None:
    response = client.get(FINDER, {"near": "60465", "within": 100})
    html = response.content.decode()
    assert response.status_code == 200
    assert _names(html) == ["Lakeside — Palos Hills", "Lakeside — Naperville", "Other — Milwaukee"]
    assert "under 0.1 mi" in html
    assert re.search(r"\b(1[7-9]|2[0-3])\.\d mi\b", html)  # Naperville, about 20 miles
    assert "Clinics near 60465 (Palos Hills, IL)" in html
    assert "REMS certified for esketamine" in html
    assert "Superbill provided" in html and "$450" in html
    assert "https://www.openstreetmap.org/?mlat=41.70040&amp;mlon=-87.82630" in html
    assert f"/consultation/request/?clinic={clinics['palos'].public_id}" in html
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in html
    assert "GeoNames" in html


def test_the_radius_limits_the_results(clinics, client: Client) -> None:
    response = client.get(FINDER, {"near": "60465", "within": 5})
    assert _names(response.content.decode()) == ["Lakeside — Palos Hills"]


def test_a_city_and_state_finds_the_same_clinics(clinics, client: Client) -> None:
    response = client.get(FINDER, {"near": "palos hills, il", "within": 30})
    assert response.status_code == 200
    assert _names(response.content.decode()) == ["Lakeside — Palos Hills", "Lakeside — Naperville"]


def test_the_route_filter_keeps_only_clinics_offering_the_route(clinics, client: Client) -> None:
    html = client.get(FINDER, {"near": "60465", "within": 500, "route": "sublingual_oral"}).content
    assert _names(html.decode()) == ["Other — Milwaukee"]


def test_the_condition_filter_keeps_only_clinics_treating_it(clinics, client: Client) -> None:
    html = client.get(FINDER, {"near": "60465", "within": 500, "condition": "anxiety"}).content
    assert _names(html.decode()) == ["Lakeside — Naperville"]


def test_unlisted_clinics_never_appear(clinics, client: Client) -> None:
    html = client.get(FINDER, {"near": "60453", "within": 500}).content.decode()
    assert "Unlisted" not in html
    assert "Lakeside — Palos Hills" in html


def test_the_results_show_nothing_but_public_clinic_data(clinics, client: Client) -> None:
    org = clinics["palos"].organisation
    org.settings = {"secret_marker": "INTERNAL-ONLY-7731"}
    org.save()
    html = client.get(FINDER, {"near": "60465"}).content.decode()
    assert "INTERNAL-ONLY-7731" not in html
    assert "Chair" not in html


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("6046", "A ZIP code has five digits"),
        ("ABCDE", "Enter a 5-digit ZIP code"),
        ("<script>alert(1)</script>", "Enter a 5-digit ZIP code"),
        ("604651", "A ZIP code has five digits"),
        ("x" * 200, "Ensure this value has at most 80 characters"),
    ],
)
def test_a_malformed_place_is_a_400_with_a_clear_message(
    clinics, client: Client, near: str, message: str
) -> None:
    response = client.get(FINDER, {"near": near})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "<script>alert" not in html


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("99999", "We could not find the ZIP code 99999"),
        ("Nowhereville, ZZ", "We could not find Nowhereville, ZZ"),
    ],
)
def test_an_unknown_place_is_a_200_with_a_clear_message(
    clinics, client: Client, near: str, message: str
) -> None:
    response = client.get(FINDER, {"near": near})
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("within", ["0", "501", "100000", "-5", "ten", "1e9"])
def test_an_absurd_radius_is_refused_with_a_clear_message(clinics, client: Client, within) -> None:
    response = client.get(FINDER, {"near": "60465", "within": within})
    assert response.status_code == 400
    assert "miles" in response.content.decode()
    assert "Lakeside" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"route": "'; DROP TABLE clinic;--"}, "Choose a route from the list."),
        ({"condition": "<b>x</b>"}, "Choose a condition from the list."),
        ({"route": ["iv", "esketamine"]}, ""),
    ],
)
def test_tampered_filters_never_cause_a_500(clinics, client: Client, params, message) -> None:
    response = client.get(FINDER, {"near": "60465", **params})
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert "<b>x</b>" not in response.content.decode()


def test_the_empty_finder_is_a_form(client: Client) -> None:
    response = client.get(FINDER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Find a ketamine clinic near you · ketacare</title>" in html
    assert '<meta name="description" content="Find a ketamine therapy clinic' in html
    assert "<script" not in html  # works without JavaScript; nothing for CSP to block


def test_the_finder_is_rate_limited_per_address(clinics, settings) -> None:
    settings.DIRECTORY_FINDER_REQUESTS_PER_MINUTE = 3
    visitor = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert visitor.get(FINDER, {"near": "60465"}).status_code == 200
    refused = visitor.get(FINDER, {"near": "60465"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Please wait a minute" in refused.content.decode()
    assert Client(REMOTE_ADDR="203.0.113.10").get(FINDER).status_code == 200


def test_the_clinic_page_shows_the_clinic_and_its_structured_data(clinics, client: Client) -> None:
    clinic = clinics["palos"]
    response = client.get(reverse("directory:clinic", args=[clinic.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Lakeside — Palos Hills, Palos Hills, IL · ketacare</title>" in html
    assert '<meta name="description" content="Lakeside — Palos Hills in Palos Hills, IL' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@type"] == "MedicalClinic"
    assert data["address"]["postalCode"] == "60465"
    assert data["geo"]["latitude"] == pytest.approx(41.7004)
    assert data["openingHours"] == ["Mo-Fr 08:00-17:00"]
    assert f"/consultation/request/?clinic={clinic.public_id}" in html


def test_the_structured_data_cannot_be_broken_out_of(clinics, client: Client) -> None:
    clinic = clinics["palos"]
    clinic.name = "Evil </script><script>alert(1)</script>"
    clinic.save()
    html = client.get(reverse("directory:clinic", args=[clinic.public_id])).content.decode()
    assert "<script>alert(1)" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block and json.loads(block.group(1))["name"] == clinic.name


def test_an_unlisted_clinic_page_is_a_404(clinics, client: Client) -> None:
    response = client.get(reverse("directory:clinic", args=[clinics["hidden"].public_id]))
    assert response.status_code == 404
    assert "Oak Lawn" not in response.content.decode()
    assert client.get(f"/clinics/{uuid.uuid4()}/").status_code == 404


def test_a_javascript_website_is_never_a_link(clinics, client: Client) -> None:
    clinic = clinics["palos"]
    clinic.website = "javascript:alert(1)"
    clinic.save()
    html = client.get(reverse("directory:clinic", args=[clinic.public_id])).content.decode()
    assert "javascript:" not in html


def test_the_finder_page_answers_in_a_bounded_number_of_queries(
    clinics, client: Client, django_assert_max_num_queries
) -> None:
    # The bounding-box rows and the shown clinics (the rate-limit counter costs no query):
    # constant, whatever the radius.
    with django_assert_max_num_queries(3):
        client.get(FINDER, {"near": "60465", "within": 500})


def test_resolve_place_maps_zipcodes_errors_to_clear_ones() -> None:
    with pytest.raises(PlaceInputInvalid):
        resolve_place("12")
    with pytest.raises(PlaceNotFound):
        resolve_place("00000")
    assert resolve_place("60465-1234").label == "60465 (Palos Hills, IL)"


def test_a_repeated_search_is_served_as_rendered_without_a_query(
    clinics, client: Client, django_assert_num_queries
) -> None:
    first = client.get(FINDER, {"near": "60465", "within": 50})
    with django_assert_num_queries(0):
        again = client.get(FINDER, {"near": "60465", "within": 50})
    assert again.status_code == 200 and again.content == first.content
    assert "Content-Security-Policy" in again


def test_a_refused_search_is_never_stored(client: Client) -> None:
    assert client.get(FINDER, {"near": "6046"}).status_code == 400
    assert client.get(FINDER, {"near": "6046"}).status_code == 400
