"""Controlled-substance accounting for one treatment session: what was prepared, what the patient
was given, what was wasted in front of a witness, and what is left unaccounted for.

Ketamine and esketamine are Schedule III (reference.md, section 3): every milligram prepared for a
patient is either given or wasted with a witness. This module only does the arithmetic; the
records (who wasted what, witnessed by whom) are the treatment day's. No clinical number is
involved: the figures are the order's and the chart's.

- An infusion's volume is worked out from its charted pump events: the rate (mL/h) over each
  running stretch, from a start or resume to the next pause, rate change or stop. It is never more
  than the bag holds.
- The balance is prepared − given − wasted, to 0.1 mg (the precision a nurse charts a waste to).
  It balances when nothing is left over; what is left is named, never hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketacare.clinical.dosing.quantities import Milligrams, Millilitres, Minutes, MlPerHour

BALANCE_STEP = Decimal("0.1")  # mg: the precision of the accounting, not a clinical threshold
_SECONDS_PER_MINUTE = Decimal(60)


class PumpEvent(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE = "rate"
    STOP = "stop"


RUNS_AFTER = frozenset({PumpEvent.START, PumpEvent.RESUME, PumpEvent.RATE})


@dataclass(frozen=True)
class PumpStep:
    """One charted infusion event: what happened, when, and the rate it set (start, resume and
    rate change carry one)."""

    event: PumpEvent
    at: datetime
    rate: MlPerHour | None = None


def infused_volume(
    steps: Sequence[PumpStep], *, until: datetime, bag: Millilitres | None = None
) -> Millilitres:
    """The volume the pump ran into the patient: each running stretch's rate over its length, up
    to `until` for an infusion still running, and never more than the bag holds."""
    total = Decimal(0)
    ordered = sorted(steps, key=lambda step: step.at)
    for index, step in enumerate(ordered):
        if step.event not in RUNS_AFTER or step.rate is None:
            continue
        end = ordered[index + 1].at if index + 1 < len(ordered) else until
        seconds = Decimal(max((end - step.at).total_seconds(), 0))
        total += step.rate.volume_over(Minutes(seconds / _SECONDS_PER_MINUTE)).ml
    if bag is not None and total > bag.ml:
        total = bag.ml
    return Millilitres(total)


@dataclass(frozen=True)
class Balance:
    """prepared = given + wasted + unaccounted, each to 0.1 mg. `unaccounted` is negative when the
    chart says more was given or wasted than was prepared."""

    prepared: Milligrams
    given: Milligrams
    wasted: Milligrams
    unaccounted_mg: Decimal

    @property
    def balanced(self) -> bool:
        return self.unaccounted_mg == 0

    @property
    def message(self) -> str:
        if self.balanced:
            return (
                f"Accounted for: {self.prepared} prepared = {self.given} given + "
                f"{self.wasted} wasted."
            )
        if self.unaccounted_mg > 0:
            return (
                f"{Milligrams(self.unaccounted_mg)} not accounted for: {self.prepared} prepared, "
                f"{self.given} given, {self.wasted} wasted. Waste what is left, with a witness."
            )
        return (
            f"{Milligrams(-self.unaccounted_mg)} more given and wasted than prepared "
            f"({self.prepared}): check the infusion times and the wastes charted."
        )


def _step(value: Decimal) -> Decimal:
    return value.quantize(BALANCE_STEP, rounding=ROUND_HALF_UP)


def balance(*, prepared: Milligrams, given: Milligrams, wasted: Milligrams) -> Balance:
    """What is left of what was prepared once what was given and what was wasted are taken away."""
    left = _step(prepared.mg) - _step(given.mg) - _step(wasted.mg)
    return Balance(
        prepared=Milligrams(_step(prepared.mg)),
        given=Milligrams(_step(given.mg)),
        wasted=Milligrams(_step(wasted.mg)),
        unaccounted_mg=left,
    )
