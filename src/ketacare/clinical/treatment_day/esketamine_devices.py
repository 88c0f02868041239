"""Spacing between esketamine devices: rest 5 minutes after each 28 mg device [S3a].

The numbers are those of the dosing engine (ketacare.clinical.dosing.esketamine), reused here so
there is one definition; the day-1 dose and the 84-after-56 rule live there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketacare.clinical.dosing.esketamine import DEVICE_DOSE, MIN_GAP_BETWEEN_DEVICES
from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import Reason, require_aware, whole_minutes_up

__all__ = ["DEVICE_DOSE", "MIN_GAP_BETWEEN_DEVICES", "DeviceSpacing", "device_spacing_check"]


@dataclass(frozen=True)
class DeviceSpacing:
    ok: bool
    gap: timedelta
    earliest_at: datetime
    reason: Reason


def device_spacing_check(previous_device_at: datetime, this_device_at: datetime) -> DeviceSpacing:
    """Whether a device was (or may be) given at `this_device_at`, at least 5 minutes after the
    previous one. A gap of exactly 5 minutes is allowed."""
    require_aware(previous_device_at, "previous_device_at")
    require_aware(this_device_at, "this_device_at")
    if this_device_at < previous_device_at:
        raise ValueError("This device is dated before the previous one.")
    gap = this_device_at - previous_device_at
    earliest = previous_device_at + MIN_GAP_BETWEEN_DEVICES
    if gap >= MIN_GAP_BETWEEN_DEVICES:
        reason = Reason(
            "device_spacing.ok",
            f"{int(gap.total_seconds() // 60)} min after the previous {DEVICE_DOSE} device.",
            sources.SPRAVATO_DEVICE,
        )
        return DeviceSpacing(True, gap, earliest, reason)
    short = whole_minutes_up(MIN_GAP_BETWEEN_DEVICES - gap)
    reason = Reason(
        "device_spacing.too_soon",
        f"Only {int(gap.total_seconds())} s after the previous device; rest 5 minutes after "
        f"each device: wait {short} more min (until {earliest.isoformat()}).",
        sources.SPRAVATO_DEVICE,
    )
    return DeviceSpacing(False, gap, earliest, reason)
