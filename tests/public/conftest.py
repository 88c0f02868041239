from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import Practice

WORTH: dict[str, Any] = {
    "seeking": ["depression"],
    "antidepressants_tried": "2",
    "taken_properly": "yes",
    "helped": "no",
    "pregnancy": "not_applicable",
    "blood_pressure": "normal",
    "age": "35",
}


@pytest.fixture(autouse=True)
def _clear_rate_limits(db: Any) -> None:
    cache.clear()


@pytest.fixture
def listed_a(practice_a: Practice) -> Practice:
    practice_a.clinic.publicly_listed = True
    practice_a.clinic.save()
    return practice_a


@pytest.fixture
def listed_b(practice_b: Practice) -> Practice:
    practice_b.clinic.publicly_listed = True
    practice_b.clinic.save()
    return practice_b
