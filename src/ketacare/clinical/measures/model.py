"""What a rating instrument is: items, answers, scoring, bands, safety and outcome rules.

Every clinical number held here is loaded from a definition file under `definitions/`, where it
carries its source. These classes only describe the shape; `scoring.py` and `outcomes.py` apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Rater(StrEnum):
    SELF = "self"
    CLINICIAN = "clinician"
    CLINICIAN_OR_SELF = "clinician_or_self"
    OBSERVER = "observer"


class LicenceStatus(StrEnum):
    FREE_TO_REPRODUCE = "free_to_reproduce"
    PUBLIC_DOMAIN = "public_domain"
    GENERIC = "generic"
    LICENSED = "licensed"
    UNCONFIRMED = "unconfirmed"


class ScoringMethod(StrEnum):
    SUM_OF_ITEMS = "sum_of_items"
    SUM_OF_SUBSCALES = "sum_of_subscales"
    NO_TOTAL = "no_total"


class SubscaleMethod(StrEnum):
    SUM = "sum"
    MAX = "max"
    MEAN = "mean"


class SafetyLevel(StrEnum):
    HIGH_RISK = "high_risk"
    ALERT = "alert"
    SEDATION = "sedation"
    NOTICE = "notice"


@dataclass(frozen=True)
class AnswerOption:
    """One allowed answer. `label` is None where the wording is licensed and not shipped."""

    value: int
    label: str | None = None
    loinc: str | None = None


@dataclass(frozen=True)
class EnableCondition:
    """An item is asked only when another item holds a given value (skip logic)."""

    item: str
    equals: int


@dataclass(frozen=True)
class Item:
    """One question. `text` is None where the wording is licensed: a clinic fills that slot."""

    id: str
    construct: str
    options: tuple[AnswerOption, ...]
    text: str | None = None
    loinc: str | None = None
    scored: bool = True
    enabled_when: EnableCondition | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def min_value(self) -> int:
        return min(self.values)

    @property
    def max_value(self) -> int:
        return max(self.values)


@dataclass(frozen=True)
class SeverityBand:
    """An inclusive range of totals and its name."""

    min: int
    max: int
    code: str
    label: str

    def contains(self, total: int) -> bool:
        return self.min <= total <= self.max


@dataclass(frozen=True)
class RemissionAlternative:
    """Another remission threshold the reference documents, for an organisation to choose."""

    max: int
    source: str


@dataclass(frozen=True)
class ImprovementGrade:
    """A named size of improvement, reached at `min_fall_percent` or more."""

    min_fall_percent: int
    label: str


@dataclass(frozen=True)
class OutcomeRules:
    """Change-from-baseline rules. A None field means the reference defines no such rule."""

    response_min_fall_percent: int | None = None
    partial_response_min_fall_percent: int | None = None
    remission_max: int | None = None
    remission_alternatives: tuple[RemissionAlternative, ...] = ()
    reliable_change_points: Decimal | None = None
    meaningful_change_points: Decimal | None = None
    meaningful_change_percent: int | None = None
    improvement_grades: tuple[ImprovementGrade, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subscale:
    """A named score from some items: their sum, highest value, or mean.

    `either_or_groups`: within each group one answer is enough (the rest count as unanswered, not
    as missing). `min_answered`: a mean may be taken from this many answered items.
    """

    id: str
    name: str
    items: tuple[str, ...]
    method: SubscaleMethod
    range_min: int
    range_max: int
    either_or_groups: tuple[tuple[str, ...], ...] = ()
    min_answered: int | None = None
    loinc: str | None = None
    outcomes: OutcomeRules | None = None
    source: str | None = None


@dataclass(frozen=True)
class SafetyRule:
    """Raise a flag when an item (or, with `item` None, the running total) crosses a threshold."""

    id: str
    item: str | None
    level: SafetyLevel
    message: str
    action: str
    source: str
    at_least: int | None = None
    at_most: int | None = None

    def is_met_by(self, value: int) -> bool:
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.at_most is not None and value > self.at_most)


@dataclass(frozen=True)
class ScreenCutoff:
    """A positive-screen threshold: a total at or above it screens positive.

    With `default` None the reference gives no single value, so the clinic must choose one.
    """

    allowed: tuple[int, ...]
    default: int | None
    positive_label: str
    source: str


@dataclass(frozen=True)
class DiagnosisRule:
    """A provisional diagnosis from counts of endorsed items per subscale."""

    name: str
    endorsed_at_least: int
    minimum_endorsed: tuple[tuple[str, int], ...]
    source: str


@dataclass(frozen=True)
class RiskLevel:
    """A risk level reached when any of `any_endorsed` is answered above zero; checked in order."""

    code: str
    label: str
    any_endorsed: tuple[str, ...]


@dataclass(frozen=True)
class Licence:
    status: LicenceStatus
    item_text_included: bool
    note: str
    holder: str | None = None
    notice: str | None = None


@dataclass(frozen=True)
class Instrument:
    """One version of one rating instrument, as loaded from its definition file."""

    code: str
    version: str
    short_name: str
    name: str
    rater: Rater
    items: tuple[Item, ...]
    scoring_method: ScoringMethod
    licence: Licence
    sources: tuple[str, ...]
    recall_period: str | None = None
    instructions: str | None = None
    total_range: tuple[int, int] | None = None
    severity_bands: tuple[SeverityBand, ...] = ()
    bands_source: str | None = None
    subscales: tuple[Subscale, ...] = ()
    safety_rules: tuple[SafetyRule, ...] = ()
    outcomes: OutcomeRules | None = None
    screen_cutoff: ScreenCutoff | None = None
    diagnosis_rule: DiagnosisRule | None = None
    risk_levels: tuple[RiskLevel, ...] = ()
    risk_levels_source: str | None = None
    loinc_panel: str | None = None
    loinc_result: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def has_total(self) -> bool:
        return self.scoring_method is not ScoringMethod.NO_TOTAL

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.short_name} has no item '{item_id}'.")

    def subscale(self, subscale_id: str) -> Subscale:
        for subscale in self.subscales:
            if subscale.id == subscale_id:
                return subscale
        raise KeyError(f"{self.short_name} has no subscale '{subscale_id}'.")

    def band_for(self, total: int) -> SeverityBand | None:
        for band in self.severity_bands:
            if band.contains(total):
                return band
        return None
