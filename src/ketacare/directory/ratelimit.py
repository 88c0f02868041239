"""A per-address request budget for the public finder, kept in Django's shared cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

WINDOW_SECONDS = 60
DEFAULT_PER_MINUTE = 60


def per_minute() -> int:
    return int(getattr(settings, "DIRECTORY_FINDER_REQUESTS_PER_MINUTE", DEFAULT_PER_MINUTE))


def over_budget(request: HttpRequest) -> bool:
    """Count this request against its address' budget for the current minute.

    A fixed window keyed by REMOTE_ADDR (behind a proxy, the proxy must set it to the client's
    address). get-then-set may undercount under a race; it is a brake on scraping, not a quota.
    """
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    window = int(time.time()) // WINDOW_SECONDS
    key = f"directory:finder:{address}:{window}"
    cache = caches["public_reads"]
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        return per_minute() < 1
    return cache.incr(key) > per_minute()
