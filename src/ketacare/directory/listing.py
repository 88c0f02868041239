"""What the public may see of a clinic: a plain view-model built from the listed fields only.

Templates get these objects, never a Clinic row, so nothing internal (organisation settings,
staff, spaces) can leak into a public page by a template edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from ketacare.tenancy.models import Clinic, ConditionTreated, Route

# Fields the finder reads; everything on a public page comes from these.
PUBLIC_FIELDS = (
    "public_id",
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "routes_offered",
    "conditions_treated",
    "esketamine_rems_certified",
    "published_prices",
    "insurance_policy",
    "website",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SCHEMA_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")  # schema.org openingHours
CONSULTATION_REQUEST_PATH = "/consultation/request/"


@dataclass(frozen=True)
class Price:
    service: str
    price_usd: int


@dataclass(frozen=True)
class PublicClinic:
    public_id: UUID
    name: str
    street: str
    city: str
    state: str
    zip_code: str
    address_lines: tuple[str, ...]
    phone: str
    latitude: float | None
    longitude: float | None
    hours: tuple[str, ...]
    schema_hours: tuple[str, ...]
    routes: tuple[str, ...]
    conditions: tuple[str, ...]
    offers_esketamine: bool
    esketamine_rems_certified: bool
    prices: tuple[Price, ...]
    insurance_policy: str
    website: str
    distance_miles: float | None = None

    @property
    def map_url(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
        query = urlencode({"mlat": lat, "mlon": lon})
        return f"https://www.openstreetmap.org/?{query}#map=15/{lat}/{lon}"

    @property
    def consultation_url(self) -> str:
        return f"{CONSULTATION_REQUEST_PATH}?{urlencode({'clinic': str(self.public_id)})}"

    @property
    def lowest_price(self) -> Price | None:
        return min(self.prices, key=lambda p: p.price_usd) if self.prices else None

    @property
    def distance_label(self) -> str:
        if self.distance_miles is None:
            return ""
        if self.distance_miles < 0.1:
            return "under 0.1 mi"
        return f"{self.distance_miles:.1f} mi"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _labels(values: Any, choices: type[Route] | type[ConditionTreated]) -> tuple[str, ...]:
    known = dict(choices.choices)
    return tuple(known[v] for v in values or [] if v in known)


def opening_hours(
    hours: Any, labels: tuple[str, ...] = DAY_LABELS, dash: str = "–"
) -> tuple[str, ...]:
    """{"mon": ["08:00", "17:00"], ...} as lines, consecutive days with equal hours joined:
    ("Mon–Fri 08:00–17:00", "Sat 09:00–13:00")."""
    if not isinstance(hours, dict):
        return ()
    runs: list[tuple[str, str, str]] = []  # first day, last day, hours
    previous: str | None = None
    for key, label in zip(WEEKDAYS, labels, strict=True):
        span = hours.get(key)
        well_formed = isinstance(span, list) and len(span) == 2
        text = (
            f"{span[0]}{dash}{span[1]}" if well_formed and all(_is_hhmm(s) for s in span) else None
        )
        if text is not None and text == previous and runs:
            runs[-1] = (runs[-1][0], label, text)
        elif text is not None:
            runs.append((label, label, text))
        previous = text
    return tuple(f"{a}{dash}{b} {t}" if a != b else f"{a} {t}" for a, b, t in runs)


def _is_hhmm(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 5
        and value[2] == ":"
        and value.replace(":", "").isdigit()
    )


def _prices(raw: Any) -> tuple[Price, ...]:
    prices = []
    for item in raw or []:
        if isinstance(item, dict) and isinstance(item.get("service"), str):
            amount = item.get("price_usd")
            if isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
                prices.append(Price(item["service"], amount))
    return tuple(prices)


def public_clinic(clinic: Clinic, distance_miles: float | None = None) -> PublicClinic:
    lines = [clinic.address_line1]
    if clinic.address_line2:
        lines.append(clinic.address_line2)
    lines.append(f"{clinic.city}, {clinic.state} {clinic.zip_code}")
    routes = clinic.routes_offered or []
    return PublicClinic(
        public_id=clinic.public_id,
        name=clinic.name,
        street=", ".join(lines[:-1]),
        city=clinic.city,
        state=clinic.state,
        zip_code=clinic.zip_code,
        address_lines=tuple(lines),
        phone=clinic.phone,
        latitude=_float(clinic.latitude),
        longitude=_float(clinic.longitude),
        hours=opening_hours(clinic.hours),
        schema_hours=opening_hours(clinic.hours, SCHEMA_DAYS, "-"),
        routes=_labels(routes, Route),
        conditions=_labels(clinic.conditions_treated, ConditionTreated),
        offers_esketamine=Route.ESKETAMINE in routes,
        esketamine_rems_certified=clinic.esketamine_rems_certified,
        prices=_prices(clinic.published_prices),
        insurance_policy=clinic.insurance_policy,
        # Only web addresses: a "javascript:" value typed past validation never becomes a link.
        website=clinic.website if clinic.website.startswith(("https://", "http://")) else "",
        distance_miles=distance_miles,
    )


def structured_data(clinic: PublicClinic, url: str) -> dict[str, Any]:
    """schema.org MedicalClinic for the clinic page (rendered by the `jsonld` filter)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": clinic.name,
        "url": url,
        "telephone": clinic.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": clinic.street,
            "addressLocality": clinic.city,
            "addressRegion": clinic.state,
            "postalCode": clinic.zip_code,
            "addressCountry": "US",
        },
        "availableService": [{"@type": "MedicalTherapy", "name": route} for route in clinic.routes],
    }
    if clinic.latitude is not None and clinic.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": clinic.latitude,
            "longitude": clinic.longitude,
        }
    if clinic.schema_hours:
        data["openingHours"] = list(clinic.schema_hours)
    if clinic.website:
        data["sameAs"] = clinic.website
    return data
