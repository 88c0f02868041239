"""Where the visitor is: a US ZIP code or "City, ST", turned into coordinates offline.

The coordinates come from the `zipcodes` package (GeoNames data, CC BY 4.0: the finder page
credits it). Its latitude and longitude are strings; input it cannot parse raises ValueError,
which becomes a clear message here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import zipcodes

ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
CITY_STATE_RE = re.compile(r"^(?P<city>[A-Za-z][A-Za-z .'-]{0,60}),\s*(?P<state>[A-Za-z]{2})$")
NEAR_EXAMPLE = 'a 5-digit ZIP code such as 60465, or a city and state such as "Palos Hills, IL"'


class PlaceInputInvalid(ValueError):
    """The text is neither a ZIP code nor "City, ST" (answered with 400)."""


class PlaceNotFound(LookupError):
    """Well-formed, but not a place the offline ZIP data knows (answered with 200)."""


@dataclass(frozen=True)
class Place:
    label: str  # "60465 (Palos Hills, IL)" or "Palos Hills, IL"
    latitude: float
    longitude: float


def resolve_place(text: str) -> Place:
    """The coordinates of a ZIP code or a "City, ST" (the centroid of its ZIP codes)."""
    near = " ".join(text.split())
    if ZIP_RE.match(near):
        return _zip_place(near[:5])
    if near.isdigit() or re.fullmatch(r"[\d-]+", near):
        raise PlaceInvalidZip(near)
    match = CITY_STATE_RE.match(near)
    if not match:
        raise PlaceInputInvalid(f"Enter {NEAR_EXAMPLE}.")
    return _city_place(match["city"].strip(), match["state"].upper())


class PlaceInvalidZip(PlaceInputInvalid):
    def __init__(self, value: str) -> None:
        super().__init__(
            f"A ZIP code has five digits (you entered {len(value)} characters). "
            f"Enter {NEAR_EXAMPLE}."
        )


def _zip_place(zip_code: str) -> Place:
    try:
        matches = zipcodes.matching(zip_code)
    except ValueError as exc:  # the package's own format check
        raise PlaceInputInvalid(f"Enter {NEAR_EXAMPLE}.") from exc
    if not matches:
        raise PlaceNotFound(
            f"We could not find the ZIP code {zip_code}. Check it, or try a nearby one."
        )
    row = matches[0]
    return Place(
        label=f"{zip_code} ({row['city']}, {row['state']})",
        latitude=float(row["lat"]),
        longitude=float(row["long"]),
    )


def _city_place(city: str, state: str) -> Place:
    rows = zipcodes.filter_by(city=city, state=state) or zipcodes.filter_by(
        city=city.title(), state=state
    )
    if not rows:
        raise PlaceNotFound(
            f"We could not find {city}, {state}. Check the spelling, or enter a ZIP code."
        )
    lats = [float(r["lat"]) for r in rows]
    lons = [float(r["long"]) for r in rows]
    return Place(
        label=f"{rows[0]['city']}, {state}",
        latitude=sum(lats) / len(lats),
        longitude=sum(lons) / len(lons),
    )
