"""Great-circle distances for the clinic finder (geography, not a clinical number)."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_MILES = 3958.7613  # mean Earth radius (IUGG), 6371.0088 km
MILES_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_MILES / 180


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in miles between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude rectangle that contains every point within a radius of a centre."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(lat: float, lon: float, miles: float) -> BoundingBox:
    """The smallest lat/long box holding the circle of `miles` around (lat, lon).

    A cheap SQL prefilter; the exact distance is checked afterwards. Near a pole, or when the
    circle is wider than the longitude span allows, the box covers every longitude.
    """
    d_lat = miles / MILES_PER_DEGREE_LATITUDE
    min_lat, max_lat = max(-90.0, lat - d_lat), min(90.0, lat + d_lat)
    # The widest longitude span of the circle is at the latitude of its tangent points:
    # asin(sin(r) / cos(lat)), with r the angular radius.
    angular = miles / EARTH_RADIUS_MILES
    cos_lat = math.cos(math.radians(lat))
    if max_lat >= 90.0 or min_lat <= -90.0 or math.sin(angular) >= cos_lat:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    d_lon = math.degrees(math.asin(math.sin(angular) / cos_lat))
    return BoundingBox(min_lat, max_lat, lon - d_lon, lon + d_lon)
