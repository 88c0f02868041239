"""Pre-dose fasting (nil by mouth) and, for esketamine, the nasal steroid/decongestant gap.

Defaults by route (rule 10; every one editable per clinic):
- esketamine: no food for 2 h, no liquids for 30 min, nasal corticosteroid or decongestant at
  least 1 h before [S3, S3c];
- IV and IM/SC: solids 6 h (8 h after fried or fatty food or meat), clear liquids 2 h [S19, S20a].
- Other routes (oral/sublingual, compounded intranasal, topical): the reference gives no rule,
  so there is no default; the clinic configures one or the check reports "not configured".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ketacare.clinical.treatment_day import sources
from ketacare.clinical.treatment_day.model import (
    Reason,
    Route,
    require_aware,
    route_of,
    whole_minutes_up,
)


@dataclass(frozen=True)
class FastingRules:
    """Shortest gap before the dose for each kind of intake; None means no rule for it."""

    solids: timedelta | None
    clear_liquids: timedelta | None
    fatty_food: timedelta | None = None
    nasal_steroid_or_decongestant: timedelta | None = None
    source: str = sources.ORGANISATION_SETTING

    def __post_init__(self) -> None:
        for name in ("solids", "clear_liquids", "fatty_food", "nasal_steroid_or_decongestant"):
            gap = getattr(self, name)
            if gap is not None and gap < timedelta(0):
                raise ValueError(f"The fasting gap for {name.replace('_', ' ')} is negative.")


ESKETAMINE_FASTING = FastingRules(
    solids=timedelta(hours=2),  # source: S3, S3c (no food for >= 2 h)
    clear_liquids=timedelta(minutes=30),  # source: S3, S3c (no liquids for >= 30 min)
    nasal_steroid_or_decongestant=timedelta(hours=1),  # source: S3 (>= 1 h before dosing)
    source=f"{sources.SPRAVATO_FASTING}; {sources.SPRAVATO_NASAL}",
)
IV_IM_FASTING = FastingRules(
    solids=timedelta(hours=6),  # source: rule 10, S19 (light meal 6 h), S20a (solids 6 h)
    clear_liquids=timedelta(hours=2),  # source: rule 10, S19, S20a (clear liquids 2 h)
    fatty_food=timedelta(hours=8),  # source: rule 10, S19 (fried/fatty food or meat >= 8 h)
    source=sources.IV_IM_FASTING,
)


def default_fasting_rules(route: Route | str) -> FastingRules | None:
    """The reference's default for a route, or None where it gives none."""
    match route_of(route):
        case Route.ESKETAMINE:
            return ESKETAMINE_FASTING
        case Route.IV | Route.IM_SC:
            return IV_IM_FASTING
        case _:
            return None


class FastingStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class FastingResult:
    status: FastingStatus
    reasons: tuple[Reason, ...]

    @property
    def passed(self) -> bool:
        return self.status is FastingStatus.PASSED


def _gap_check(
    *,
    what: str,
    code: str,
    last_at: datetime | None,
    required: timedelta | None,
    dose_at: datetime,
    source: str,
    missing_fails: bool,
) -> Reason | None:
    if required is None:
        return None
    if last_at is None:
        if not missing_fails:
            return None
        return Reason(
            f"fasting.{code}_not_recorded",
            f"The time of the last {what} is not recorded; record it before dosing.",
            source,
        )
    require_aware(last_at, f"last {what} time")
    elapsed = dose_at - last_at
    if elapsed >= required:
        return None
    short = whole_minutes_up(required - elapsed)
    return Reason(
        f"fasting.{code}_too_recent",
        f"Last {what} {_span(elapsed)} before the dose; the rule is at least {_span(required)}: "
        f"{short} min short.",
        source,
    )


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 0:
        return f"{-minutes} min after (not before)"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{minutes} min"


def fasting_check(
    *,
    route: Route | str,
    last_solids_at: datetime | None,
    last_clear_liquids_at: datetime | None,
    dose_at: datetime,
    rules: FastingRules | None = None,
    last_fatty_food_at: datetime | None = None,
    last_nasal_steroid_at: datetime | None = None,
) -> FastingResult:
    """Check the fasting gaps before `dose_at`. `rules` defaults to the route's reference
    default; a missing solids or liquids time fails (rule 10 asks for both to be recorded), while
    no fatty-food or nasal-steroid time means none was taken. Each failure names the rule and the
    minutes short."""
    require_aware(dose_at, "dose_at")
    route = route_of(route)
    chosen = rules if rules is not None else default_fasting_rules(route)
    if chosen is None:
        return FastingResult(
            FastingStatus.NOT_CONFIGURED,
            (
                Reason(
                    "fasting.not_configured",
                    f"No fasting rule is configured for the route {route.value}; the "
                    "reference gives none, so the clinic must set one.",
                    sources.ORGANISATION_SETTING,
                ),
            ),
        )
    checks = (
        _gap_check(
            what="solid food",
            code="solids",
            last_at=last_solids_at,
            required=chosen.solids,
            dose_at=dose_at,
            source=chosen.source,
            missing_fails=True,
        ),
        _gap_check(
            what="fried or fatty food",
            code="fatty_food",
            last_at=last_fatty_food_at,
            required=chosen.fatty_food,
            dose_at=dose_at,
            source=chosen.source,
            missing_fails=False,
        ),
        _gap_check(
            what="clear liquid",
            code="clear_liquids",
            last_at=last_clear_liquids_at,
            required=chosen.clear_liquids,
            dose_at=dose_at,
            source=chosen.source,
            missing_fails=True,
        ),
        _gap_check(
            what="nasal corticosteroid or decongestant",
            code="nasal_steroid",
            last_at=last_nasal_steroid_at,
            required=chosen.nasal_steroid_or_decongestant,
            dose_at=dose_at,
            source=chosen.source,
            missing_fails=False,
        ),
    )
    failures = tuple(reason for reason in checks if reason is not None)
    if failures:
        return FastingResult(FastingStatus.FAILED, failures)
    return FastingResult(
        FastingStatus.PASSED,
        (Reason("fasting.passed", "Every fasting gap is met.", chosen.source),),
    )
