"""Score one completed (or partly completed) rating instrument.

`score()` takes the instrument and the answers as item id -> value (None for unanswered) and
returns everything a chart needs: the total (or None when incomplete), subscales, band, screen
result, provisional diagnosis, risk level, safety flags, and the reasons behind each.

Rules that hold for every instrument:
- A total is reported only when every item it needs is answered. A subscale may be taken from
  fewer items only where its definition says so (the BPI interference mean).
- Safety items are checked on whatever was answered, complete or not: an endorsed suicide item on
  an unfinished form still raises its alert, and an unanswered safety item is reported as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ketacare.clinical.measures.model import (
    Instrument,
    Item,
    SafetyLevel,
    SafetyRule,
    ScoringMethod,
    SeverityBand,
    Subscale,
    SubscaleMethod,
)

# Bump when any scoring rule in this package changes; every stored score records it.
SCORING_VERSION = "1.0.0"

# Means (BPI) are reported to two decimal places, rounded half up.
MEAN_PLACES = Decimal("0.01")

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class SubscaleScore:
    id: str
    name: str
    value: int | Decimal | None
    answered: int
    complete: bool


@dataclass(frozen=True)
class SafetyFlag:
    rule_id: str
    level: SafetyLevel
    item: str | None
    value: int
    reason: str
    action: str
    source: str


@dataclass(frozen=True)
class ScoreResult:
    instrument_code: str
    instrument_version: str
    scoring_version: str
    complete: bool
    total: int | None
    band: SeverityBand | None
    subscales: dict[str, SubscaleScore]
    safety_flags: tuple[SafetyFlag, ...]
    missing_items: tuple[str, ...]
    unanswered_safety_items: tuple[str, ...]
    reasons: tuple[str, ...]
    screen_positive: bool | None = None
    screen_cutoff: int | None = None
    provisional_diagnosis: bool | None = None
    risk_level: str | None = None
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def needs_safety_review(self) -> bool:
        return bool(self.safety_flags)


def validate_answers(instrument: Instrument, answers: Answers) -> dict[str, int]:
    """The answered items, after refusing unknown items, impossible values and skipped items."""
    known = {item.id for item in instrument.items}
    for item_id in answers:
        if item_id not in known:
            raise ValueError(f"{instrument.short_name}: unknown item '{item_id}'.")
    given: dict[str, int] = {}
    for item in instrument.items:
        value = answers.get(item.id)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"{instrument.short_name} item '{item.id}': the answer must be a whole number, "
                f"not {value!r}."
            )
        if value not in item.values:
            raise ValueError(
                f"{instrument.short_name} item '{item.id}': {value} is not an allowed answer "
                f"({item.min_value} to {item.max_value})."
            )
        condition = item.enabled_when
        if condition is not None and given.get(condition.item) != condition.equals:
            raise ValueError(
                f"{instrument.short_name} item '{item.id}' is asked only when item "
                f"'{condition.item}' is answered {condition.equals}; it cannot hold an answer here."
            )
        given[item.id] = value
    return given


def _is_asked(item: Item, given: Mapping[str, int]) -> bool:
    condition = item.enabled_when
    return condition is None or given.get(condition.item) == condition.equals


def _relaxed_items(instrument: Instrument) -> set[str]:
    """Items that a subscale lets go unanswered (either-or groups, partial means)."""
    relaxed: set[str] = set()
    for subscale in instrument.subscales:
        for group in subscale.either_or_groups:
            relaxed.update(group)
        if subscale.min_answered is not None:
            relaxed.update(subscale.items)
    return relaxed


def _score_subscale(
    subscale: Subscale, given: Mapping[str, int], reasons: list[str]
) -> tuple[SubscaleScore, list[str]]:
    """The subscale score, and the items still needed to complete it."""
    answered = [given[item_id] for item_id in subscale.items if item_id in given]
    grouped = {item_id for group in subscale.either_or_groups for item_id in group}
    missing = [
        item_id for item_id in subscale.items if item_id not in given and item_id not in grouped
    ]
    for group in subscale.either_or_groups:
        if not any(item_id in given for item_id in group):
            missing.extend(group)
    if subscale.min_answered is not None:
        missing = []
        if len(answered) < subscale.min_answered:
            missing = [item_id for item_id in subscale.items if item_id not in given]
    value: int | Decimal | None = None
    if not missing:
        if subscale.method is SubscaleMethod.SUM:
            value = sum(answered)
        elif subscale.method is SubscaleMethod.MAX:
            value = max(answered)
        else:
            mean = Decimal(sum(answered)) / Decimal(len(answered))
            value = mean.quantize(MEAN_PLACES, rounding=ROUND_HALF_UP)
        used = f"{len(answered)} of {len(subscale.items)} items"
        if subscale.min_answered is not None and len(answered) < len(subscale.items):
            reasons.append(
                f"{subscale.name} is the mean of the {used} answered; the instrument allows a "
                f"mean from at least {subscale.min_answered} (source: {subscale.source})."
            )
    else:
        reasons.append(f"{subscale.name} not scored: items {missing} unanswered.")
    score = SubscaleScore(
        id=subscale.id,
        name=subscale.name,
        value=value,
        answered=len(answered),
        complete=not missing,
    )
    return score, missing


def _safety_flags(
    instrument: Instrument, given: Mapping[str, int], reasons: list[str]
) -> tuple[list[SafetyFlag], list[str]]:
    flags: list[SafetyFlag] = []
    unanswered: list[str] = []
    for rule in instrument.safety_rules:
        if rule.item is None:
            flag = _total_safety_flag(instrument, rule, given)
            if flag is not None:
                flags.append(flag)
            continue
        item = instrument.item(rule.item)
        if not _is_asked(item, given):
            continue
        value = given.get(rule.item)
        if value is None:
            unanswered.append(rule.item)
            reasons.append(
                f"Safety item '{rule.item}' ({item.construct}) is unanswered, so risk on it "
                "has not been assessed."
            )
        elif rule.is_met_by(value):
            flags.append(
                SafetyFlag(
                    rule_id=rule.id,
                    level=rule.level,
                    item=rule.item,
                    value=value,
                    reason=f"Item '{rule.item}' ({item.construct}) answered {value}: "
                    f"{rule.message}",
                    action=rule.action,
                    source=rule.source,
                )
            )
    return flags, sorted(set(unanswered), key=unanswered.index)


def _total_safety_flag(
    instrument: Instrument, rule: SafetyRule, given: Mapping[str, int]
) -> SafetyFlag | None:
    # Items are never negative, so the sum of what is answered is a floor for the full total:
    # a threshold it already reaches holds however the form is finished.
    floor = sum(given[item.id] for item in instrument.items if item.scored and item.id in given)
    if not rule.is_met_by(floor):
        return None
    return SafetyFlag(
        rule_id=rule.id,
        level=rule.level,
        item=None,
        value=floor,
        reason=f"Answered items add up to {floor}: {rule.message}",
        action=rule.action,
        source=rule.source,
    )


def _total(
    instrument: Instrument,
    given: Mapping[str, int],
    subscales: Mapping[str, SubscaleScore],
) -> int | None:
    if instrument.scoring_method is ScoringMethod.SUM_OF_ITEMS:
        return sum(given[item.id] for item in instrument.items if item.scored)
    if instrument.scoring_method is ScoringMethod.SUM_OF_SUBSCALES:
        return sum(int(score.value or 0) for score in subscales.values())
    return None


def _screen(
    instrument: Instrument, total: int | None, cutoff: int | None, reasons: list[str]
) -> tuple[bool | None, int | None]:
    rule = instrument.screen_cutoff
    if rule is None:
        if cutoff is not None:
            raise ValueError(f"{instrument.short_name} has no screening cut-off to set.")
        return None, None
    if cutoff is not None and cutoff not in rule.allowed:
        raise ValueError(
            f"{instrument.short_name}: cut-off {cutoff} is not one the reference supports "
            f"({', '.join(str(value) for value in rule.allowed)})."
        )
    chosen = rule.default if cutoff is None else cutoff
    if chosen is None:
        reasons.append(
            f"No screening cut-off is set; the organisation must choose one of "
            f"{', '.join(str(value) for value in rule.allowed)} (source: {rule.source})."
        )
        return None, None
    if total is None:
        return None, chosen
    positive = total >= chosen
    reasons.append(
        f"Total {total} is {'at or above' if positive else 'below'} the cut-off {chosen}: "
        f"{rule.positive_label if positive else 'negative screen'} (source: {rule.source})."
    )
    return positive, chosen


def _diagnosis(
    instrument: Instrument, given: Mapping[str, int], complete: bool, reasons: list[str]
) -> bool | None:
    rule = instrument.diagnosis_rule
    if rule is None:
        return None
    if not complete:
        reasons.append(f"{rule.name}: not assessed, the form is incomplete.")
        return None
    shortfalls = []
    for subscale_id, needed in rule.minimum_endorsed:
        subscale = instrument.subscale(subscale_id)
        endorsed = sum(1 for item_id in subscale.items if given[item_id] >= rule.endorsed_at_least)
        if endorsed < needed:
            shortfalls.append(f"{subscale.name} {endorsed} of {needed} needed")
    met = not shortfalls
    detail = "every cluster has enough" if met else "; ".join(shortfalls)
    reasons.append(
        f"{rule.name}: {'met' if met else 'not met'} (items rated {rule.endorsed_at_least} or "
        f"more count as endorsed; {detail}) (source: {rule.source})."
    )
    return met


def _risk_level(
    instrument: Instrument, given: Mapping[str, int], complete: bool, reasons: list[str]
) -> str | None:
    if not instrument.risk_levels or not complete:
        return None
    for level in instrument.risk_levels:
        endorsed = [item_id for item_id in level.any_endorsed if given.get(item_id, 0) > 0]
        if endorsed or not level.any_endorsed:
            why = f"items {endorsed} endorsed" if endorsed else "no listed item endorsed"
            reasons.append(
                f"Risk level {level.label} ({why}) (source: {instrument.risk_levels_source})."
            )
            return level.code
    return None


def score(
    instrument: Instrument, answers: Answers, *, screen_cutoff: int | None = None
) -> ScoreResult:
    """Score `answers` (item id -> value, None when unanswered) on `instrument`.

    `screen_cutoff` overrides the instrument's default positive-screen threshold; it must be one
    the reference supports (for the PCL-5 there is no default, so it must be given to screen).
    """
    given = validate_answers(instrument, answers)
    reasons: list[str] = []
    relaxed = _relaxed_items(instrument)
    missing = [
        item.id
        for item in instrument.items
        if item.scored
        and _is_asked(item, given)
        and item.id not in given
        and item.id not in relaxed
    ]
    subscales: dict[str, SubscaleScore] = {}
    for subscale in instrument.subscales:
        subscale_score, still_needed = _score_subscale(subscale, given, reasons)
        subscales[subscale.id] = subscale_score
        missing.extend(item_id for item_id in still_needed if item_id not in missing)
    missing.sort(key=[item.id for item in instrument.items].index)
    complete = not missing
    total = _total(instrument, given, subscales) if complete else None
    band = None
    if total is not None:
        band = instrument.band_for(total)
        low, high = instrument.total_range or (total, total)
        reasons.append(f"{instrument.short_name} total {total} (possible range {low} to {high}).")
        if band is not None:
            reasons.append(
                f"Total {total} lies in {band.min} to {band.max}: {band.label} "
                f"(source: {instrument.bands_source})."
            )
    elif instrument.has_total:
        reasons.append(
            f"No total: items {missing} are unanswered and {instrument.short_name} has no "
            "rule that allows scoring with missing items."
        )
    screen_positive, cutoff = _screen(instrument, total, screen_cutoff, reasons)
    diagnosis = _diagnosis(instrument, given, complete, reasons)
    risk_level = _risk_level(instrument, given, complete, reasons)
    flags, unanswered_safety = _safety_flags(instrument, given, reasons)
    reasons.extend(flag.reason for flag in flags)
    return ScoreResult(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        scoring_version=SCORING_VERSION,
        complete=complete,
        total=total,
        band=band,
        subscales=subscales,
        safety_flags=tuple(flags),
        missing_items=tuple(missing),
        unanswered_safety_items=tuple(unanswered_safety),
        reasons=tuple(reasons),
        screen_positive=screen_positive,
        screen_cutoff=cutoff,
        provisional_diagnosis=diagnosis,
        risk_level=risk_level,
        answers=given,
    )
