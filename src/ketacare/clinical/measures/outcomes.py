"""Change from baseline: percent change, response, remission, reliable and meaningful change.

Every scale handled here scores higher for worse symptoms, so a fall is an improvement.
Thresholds are compared exactly (in integers or Decimals); only the reported percentage is
rounded, so a 49.96% fall is never mistaken for a 50% response.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketacare.clinical.measures.model import Instrument, OutcomeRules
from ketacare.clinical.measures.scoring import SCORING_VERSION

PERCENT_PLACES = Decimal("0.1")

Score = int | Decimal


class ResponseStatus(StrEnum):
    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    NO_RESPONSE = "no_response"
    NOT_DEFINED = "not_defined"
    NOT_ASSESSABLE = "not_assessable"


class ChangeStatus(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class OutcomeResult:
    instrument_code: str
    instrument_version: str
    scoring_version: str
    subscale: str | None
    baseline: Score
    current: Score
    change: Score
    percent_change: Decimal | None
    response: ResponseStatus
    remission: bool | None
    remission_threshold: int | None
    reliable_change: ChangeStatus | None
    meaningful_change: ChangeStatus | None
    improvement_grade: str | None
    reasons: tuple[str, ...]


def _check_score(name: str, value: object, low: int, high: int, what: str) -> Score:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"The {name} must be a whole number or a Decimal, not {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"The {name} {value} is outside the {what} range {low} to {high}.")
    return value


def _response(
    rules: OutcomeRules, baseline: Score, current: Score, reasons: list[str]
) -> ResponseStatus:
    needed = rules.response_min_fall_percent
    if needed is None:
        reasons.append("The reference defines no response rule for this scale.")
        return ResponseStatus.NOT_DEFINED
    if baseline == 0:
        reasons.append("Response cannot be judged from a baseline of 0.")
        return ResponseStatus.NOT_ASSESSABLE
    fall_x100 = (baseline - current) * 100
    partial = rules.partial_response_min_fall_percent
    if fall_x100 >= needed * baseline:
        reasons.append(f"Fall of at least {needed}% from baseline: response.")
        return ResponseStatus.RESPONSE
    if partial is not None and fall_x100 >= partial * baseline:
        reasons.append(
            f"Fall of at least {partial}% but under {needed}% from baseline: partial response."
        )
        return ResponseStatus.PARTIAL_RESPONSE
    floor = partial if partial is not None else needed
    reasons.append(f"Fall under {floor}% from baseline: no response.")
    return ResponseStatus.NO_RESPONSE


def _remission(
    rules: OutcomeRules,
    current: Score,
    override: int | None,
    range_: tuple[int, int],
    reasons: list[str],
) -> tuple[bool | None, int | None]:
    if override is not None:
        if isinstance(override, bool) or not isinstance(override, int):
            raise ValueError("A remission threshold must be a whole number.")
        if not range_[0] <= override <= range_[1]:
            raise ValueError(
                f"A remission threshold of {override} is outside the range {range_[0]} to "
                f"{range_[1]}."
            )
        documented = {rules.remission_max, *(alt.max for alt in rules.remission_alternatives)}
        status = "a documented threshold" if override in documented else "not documented"
        reasons.append(f"Remission threshold {override} is the organisation's setting ({status}).")
        threshold: int | None = override
    else:
        threshold = rules.remission_max
    if threshold is None:
        reasons.append(
            "The reference defines no remission threshold for this scale; an organisation may "
            "set one."
        )
        return None, None
    remitted = current <= threshold
    reasons.append(
        f"Current score {current} is {'at or below' if remitted else 'above'} the remission "
        f"threshold {threshold}: {'remission' if remitted else 'not in remission'}."
    )
    return remitted, threshold


def _size(change: Score) -> Score:
    return -change if change < 0 else change


def _direction(change: Score, big_enough: bool) -> ChangeStatus:
    if not big_enough:
        return ChangeStatus.UNCHANGED
    return ChangeStatus.IMPROVED if change < 0 else ChangeStatus.WORSENED


def _meaningful(
    rules: OutcomeRules, baseline: Score, change: Score, reasons: list[str]
) -> ChangeStatus | None:
    points = rules.meaningful_change_points
    percent = rules.meaningful_change_percent
    if points is None and percent is None:
        return None
    by_points = points is not None and _size(change) >= points
    by_percent = percent is not None and baseline != 0 and _size(change) * 100 >= percent * baseline
    status = _direction(change, by_points or by_percent)
    limits = " or ".join(
        limit
        for limit in (
            f"{points} points" if points is not None else "",
            f"{percent}% of baseline" if percent is not None else "",
        )
        if limit
    )
    reasons.append(f"Meaningful change needs at least {limits}: {status.value}.")
    return status


def _grade(rules: OutcomeRules, baseline: Score, current: Score, reasons: list[str]) -> str | None:
    if not rules.improvement_grades or baseline == 0:
        return None
    fall_x100 = (baseline - current) * 100
    reached = [
        grade
        for grade in rules.improvement_grades
        if fall_x100 >= grade.min_fall_percent * baseline
    ]
    if not reached:
        smallest = rules.improvement_grades[0].min_fall_percent
        reasons.append(f"Improvement is under {smallest}%, the smallest graded size.")
        return None
    reasons.append(f"Improvement of at least {reached[-1].min_fall_percent}%: {reached[-1].label}.")
    return reached[-1].label


def compare_to_baseline(
    instrument: Instrument,
    baseline_total: Score,
    current_total: Score,
    remission_threshold_override: int | None = None,
    *,
    subscale: str | None = None,
) -> OutcomeResult:
    """Judge the change from `baseline_total` to `current_total` on the instrument's total.

    With `subscale`, judge that subscale instead (the BPI has no total, only its means).
    `remission_threshold_override` is the organisation's remission threshold (at or below).
    """
    if subscale is None:
        if instrument.total_range is None:
            raise ValueError(f"{instrument.short_name} has no total; name a subscale to compare.")
        range_ = instrument.total_range
        rules = instrument.outcomes
        what = f"{instrument.short_name} total"
    else:
        part = instrument.subscale(subscale)
        range_ = (part.range_min, part.range_max)
        rules = part.outcomes
        what = f"{instrument.short_name} {part.name}"
    baseline = _check_score("baseline", baseline_total, *range_, what)
    current = _check_score("current score", current_total, *range_, what)
    reasons = [f"{what}: baseline {baseline}, now {current}."]
    if rules is None:
        rules = OutcomeRules()
        reasons.append(f"The reference gives no change rules for the {what}.")
    else:
        reasons.append(f"Change rules from: {'; '.join(rules.sources)}.")
    change = current - baseline
    percent: Decimal | None = None
    if range_[0] != 0:
        reasons.append("A percent change is not meaningful on a scale that does not start at 0.")
    elif baseline == 0:
        reasons.append("A percent change cannot be taken from a baseline of 0.")
    else:
        exact = Decimal(change) * 100 / Decimal(baseline)
        percent = exact.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
        reasons.append(f"Change {change} ({percent}% of baseline).")
    response = (
        _response(rules, baseline, current, reasons)
        if range_[0] == 0
        else ResponseStatus.NOT_DEFINED
    )
    remission, threshold = _remission(rules, current, remission_threshold_override, range_, reasons)
    reliable: ChangeStatus | None = None
    if rules.reliable_change_points is not None:
        reliable = _direction(change, _size(change) >= rules.reliable_change_points)
        reasons.append(
            f"Reliable change needs at least {rules.reliable_change_points} points: "
            f"{reliable.value}."
        )
    return OutcomeResult(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=SCORING_VERSION,
        subscale=subscale,
        baseline=baseline,
        current=current,
        change=change,
        percent_change=percent,
        response=response,
        remission=remission,
        remission_threshold=threshold,
        reliable_change=reliable,
        meaningful_change=_meaningful(rules, baseline, change, reasons),
        improvement_grade=_grade(rules, baseline, current, reasons),
        reasons=tuple(reasons),
    )
