"""Every number the eligibility rules use, with its default, its source and its allowed range.

An organisation overrides any of them with `Thresholds.with_overrides(...)` (the Django side
stores and audits the override). Where reference.md gives no number, the setting has no default
(None) and the rule that needs it reports that it could not be judged until the organisation sets
it. The allowed ranges only refuse typing errors; they are not clinical limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ketacare.clinical.eligibility import sources


class ThresholdError(ValueError):
    """An organisation's threshold setting cannot be used."""


class Kind(StrEnum):
    WHOLE = "whole number"
    DECIMAL = "decimal"


@dataclass(frozen=True)
class ThresholdSetting:
    """How one threshold is described to an administrator and checked when overridden."""

    name: str
    kind: Kind
    unit: str
    meaning: str
    source: str
    minimum: Decimal
    maximum: Decimal
    default: int | Decimal | None

    @property
    def required(self) -> bool:
        """True when the reference gives no default, so the organisation must set a value."""
        return self.default is None


def _spec(
    *, kind: Kind, unit: str, allowed: tuple[str, str], source: str, meaning: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "unit": unit,
        "low": Decimal(allowed[0]),
        "high": Decimal(allowed[1]),
        "source": source,
        "meaning": meaning,
    }


_NO_SOURCE = sources.ORGANISATION_SETTING


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind the eligibility rules; see `settings()` for each one's description."""

    # source: Gaynes 2020 [S21]; operational TRD definition [S21a]
    trd_min_adequate_trials: int = field(
        default=2,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="trials",
            allowed=("1", "10"),
            source=sources.cite(sources.GAYNES_2020, sources.TRD_OPERATIONAL),
            meaning="Failed adequate antidepressant trials in the current episode needed for "
            "TRD (major depressive disorder).",
        ),
    )
    # source: Gaynes 2020 [S21] (bipolar depression most often requires one failure)
    trd_min_adequate_trials_bipolar: int = field(
        default=1,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="trials",
            allowed=("1", "10"),
            source=sources.GAYNES_2020,
            meaning="Failed adequate trials needed for TRD when the indication is bipolar "
            "depression.",
        ),
    )
    # source: operational TRD definition [S21a] (minimum trial length 4-6 weeks: lower end)
    trd_min_trial_weeks: Decimal = field(
        default=Decimal("4"),
        metadata=_spec(
            kind=Kind.DECIMAL,
            unit="weeks",
            allowed=("1", "52"),
            source=sources.TRD_OPERATIONAL,
            meaning="Shortest trial that counts as adequate (the lower end of the 4-6-week range).",
        ),
    )
    # source: operational TRD definition [S21a] (upper end of the 4-6-week range)
    trd_full_trial_weeks: Decimal = field(
        default=Decimal("6"),
        metadata=_spec(
            kind=Kind.DECIMAL,
            unit="weeks",
            allowed=("1", "52"),
            source=sources.TRD_OPERATIONAL,
            meaning="Trials at least this long meet every definition in the range; shorter "
            "counted trials are reported as borderline.",
        ),
    )
    # source: Andrashko 2020 [S16a] (above 8 mg/day diazepam-equivalent)
    benzodiazepine_reduced_effect_above_mg: Decimal = field(
        default=Decimal("8"),
        metadata=_spec(
            kind=Kind.DECIMAL,
            unit="mg/day diazepam-equivalent",
            allowed=("0", "200"),
            source=sources.ANDRASHKO_2020,
            meaning="A total benzodiazepine dose above this is flagged for a reduced "
            "antidepressant effect.",
        ),
    )
    # source: 741-infusion series [S25c] (larger blood-pressure rises from age 50)
    bp_rise_caution_age_years: int = field(
        default=50,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="years",
            allowed=("0", "125"),
            source=sources.BP_741_INFUSIONS,
            meaning="From this age a larger blood-pressure rise is expected (a caution).",
        ),
    )
    # source: Spravato label [S3, S3c] (SBP > 140 or DBP > 90 as a general guide)
    esketamine_bp_review_systolic_above_mmhg: int = field(
        default=140,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="mmHg",
            allowed=("80", "250"),
            source=sources.SPRAVATO_BP,
            meaning="Esketamine: a baseline systolic pressure above this needs a risk-benefit "
            "review.",
        ),
    )
    # source: Spravato label [S3, S3c]
    esketamine_bp_review_diastolic_above_mmhg: int = field(
        default=90,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="mmHg",
            allowed=("40", "150"),
            source=sources.SPRAVATO_BP,
            meaning="Esketamine: a baseline diastolic pressure above this needs a risk-benefit "
            "review.",
        ),
    )
    # No default: reference.md marks every racemic baseline-BP figure (e.g. 140/90) UNCONFIRMED.
    racemic_bp_review_systolic_above_mmhg: int | None = field(
        default=None,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="mmHg",
            allowed=("80", "250"),
            source=_NO_SOURCE,
            meaning="Racemic routes: a baseline systolic pressure above this is a caution. "
            "Required setting: the reference has no confirmed figure.",
        ),
    )
    racemic_bp_review_diastolic_above_mmhg: int | None = field(
        default=None,
        metadata=_spec(
            kind=Kind.WHOLE,
            unit="mmHg",
            allowed=("40", "150"),
            source=_NO_SOURCE,
            meaning="Racemic routes: a baseline diastolic pressure above this is a caution. "
            "Required setting: the reference has no confirmed figure.",
        ),
    )
    # No default: reference.md gives no BMI limits.
    bmi_caution_below: Decimal | None = field(
        default=None,
        metadata=_spec(
            kind=Kind.DECIMAL,
            unit="kg/m²",
            allowed=("10", "80"),
            source=_NO_SOURCE,
            meaning="A BMI below this is a caution. Required setting: the reference gives no "
            "limit.",
        ),
    )
    bmi_caution_above: Decimal | None = field(
        default=None,
        metadata=_spec(
            kind=Kind.DECIMAL,
            unit="kg/m²",
            allowed=("10", "80"),
            source=_NO_SOURCE,
            meaning="A BMI above this is a caution. Required setting: the reference gives no "
            "limit.",
        ),
    )

    def __post_init__(self) -> None:
        for setting in self.settings():
            _check(setting, getattr(self, setting.name))
        if self.trd_min_trial_weeks > self.trd_full_trial_weeks:
            raise ThresholdError(
                f"trd_min_trial_weeks ({self.trd_min_trial_weeks}) cannot be longer than "
                f"trd_full_trial_weeks ({self.trd_full_trial_weeks})."
            )
        low, high = self.bmi_caution_below, self.bmi_caution_above
        if low is not None and high is not None and low >= high:
            raise ThresholdError(
                f"bmi_caution_below ({low}) must be lower than bmi_caution_above ({high})."
            )

    @classmethod
    def settings(cls) -> tuple[ThresholdSetting, ...]:
        """Every threshold with its unit, meaning, source, allowed range and default."""
        return tuple(
            ThresholdSetting(
                name=f.name,
                kind=f.metadata["kind"],
                unit=f.metadata["unit"],
                meaning=f.metadata["meaning"],
                source=f.metadata["source"],
                minimum=f.metadata["low"],
                maximum=f.metadata["high"],
                default=f.default,  # type: ignore[arg-type]  # every field has a plain default
            )
            for f in fields(cls)
        )

    @classmethod
    def setting(cls, name: str) -> ThresholdSetting:
        for setting in cls.settings():
            if setting.name == name:
                return setting
        known = ", ".join(s.name for s in cls.settings())
        raise ThresholdError(f"There is no threshold called {name!r}. Known thresholds: {known}.")

    def with_overrides(self, overrides: Mapping[str, object]) -> Thresholds:
        """A copy with the organisation's `overrides` applied (name -> value).

        Refuses unknown names, values of the wrong kind (a float, a fraction of a whole
        number), values outside the allowed range, and None for a setting that has a default.
        Strings are accepted ("8.5"), as settings arrive from forms and JSON.
        """
        changes: dict[str, Any] = {
            name: _parse(self.setting(name), value) for name, value in overrides.items()
        }
        return replace(self, **changes)

    def overrides(self) -> dict[str, int | Decimal | None]:
        """The settings that differ from the defaults, for the audit trail."""
        return {
            s.name: getattr(self, s.name)
            for s in self.settings()
            if getattr(self, s.name) != s.default
        }


def _parse(setting: ThresholdSetting, value: object) -> int | Decimal | None:
    if value is None:
        if not setting.required:
            raise ThresholdError(
                f"{setting.name} cannot be cleared: it has a sourced default of "
                f"{setting.default} {setting.unit}."
            )
        return None
    wrong_kind = ThresholdError(
        f"{setting.name} must be a {setting.kind.value} in {setting.unit}, not {value!r}."
    )
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise wrong_kind from None
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        raise wrong_kind
    if not number.is_finite():
        raise ThresholdError(f"{setting.name} must be a finite number, not {value!r}.")
    if setting.kind is Kind.WHOLE:
        if number != number.to_integral_value():
            raise ThresholdError(f"{setting.name} must be a whole number, not {value!r}.")
        parsed: int | Decimal = int(number)
    else:
        parsed = number
    _check(setting, parsed)
    return parsed


def _check(setting: ThresholdSetting, value: object) -> None:
    if value is None:
        if not setting.required:
            raise ThresholdError(f"{setting.name} needs a value.")
        return
    expected = int if setting.kind is Kind.WHOLE else Decimal
    if isinstance(value, bool) or not isinstance(value, expected):
        raise ThresholdError(
            f"{setting.name} must be a {setting.kind.value} in {setting.unit}, not {value!r}."
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise ThresholdError(f"{setting.name} must be a finite number, not {value!r}.")
    if not setting.minimum <= value <= setting.maximum:
        raise ThresholdError(
            f"{setting.name} = {value} {setting.unit} is outside the allowed range "
            f"{setting.minimum} to {setting.maximum}."
        )
