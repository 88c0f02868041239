"""The haversine distance and the bounding box behind the finder's SQL prefilter."""

from __future__ import annotations

import random

import pytest
import zipcodes

from ketacare.directory.geo import bounding_box, haversine_miles


def _zip(code: str) -> tuple[float, float]:
    row = zipcodes.matching(code)[0]
    return float(row["lat"]), float(row["long"])


def test_a_point_is_zero_miles_from_itself() -> None:
    assert haversine_miles(41.7004, -87.8263, 41.7004, -87.8263) == 0.0


def test_it_is_symmetric() -> None:
    a, b = (41.7004, -87.8263), (45.5, -122.67)
    assert haversine_miles(*a, *b) == pytest.approx(haversine_miles(*b, *a))


def test_one_degree_of_latitude_is_about_69_miles() -> None:
    assert haversine_miles(40.0, -90.0, 41.0, -90.0) == pytest.approx(69.09, abs=0.05)


def test_new_york_to_los_angeles_is_about_2450_miles() -> None:
    # JFK (40.6413, -73.7781) to LAX (33.9416, -118.4085): 2,475 statute miles great-circle.
    assert haversine_miles(40.6413, -73.7781, 33.9416, -118.4085) == pytest.approx(2475, rel=0.005)


def test_palos_hills_to_naperville_zip_centres_are_about_20_miles_apart() -> None:
    assert haversine_miles(*_zip("60465"), *_zip("60563")) == pytest.approx(20, abs=3)


def test_every_point_within_the_radius_lies_in_the_bounding_box() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        miles = rng.choice([1, 10, 50, 500])
        box = bounding_box(lat, lon, miles)
        p_lat, p_lon = lat + rng.uniform(-8, 8), lon + rng.uniform(-10, 10)
        if haversine_miles(lat, lon, p_lat, p_lon) <= miles:
            assert box.min_lat <= p_lat <= box.max_lat
            assert box.min_lon <= p_lon <= box.max_lon


def test_near_a_pole_the_box_covers_every_longitude() -> None:
    box = bounding_box(89.9, 10.0, 50)
    assert (box.min_lon, box.max_lon) == (-180.0, 180.0)
