"""Recovery and discharge scores: the modified Aldrete score and an adapted PADSS.

Both are five-item, 0-2-per-item scores from anaesthesia; neither was designed for
subanaesthetic ketamine, and reference.md section 8 says clinics must adapt them.

Modified Aldrete (1995, pulse oximetry in place of skin colour) [S17, S17a]: activity,
respiration, circulation, consciousness, SpO2; total 10; 9 or more allows discharge from
recovery. A stricter local variant (8 or more with respiration and SpO2 both scoring 2) [S17b]
is available as `ALDRETE_STRICT_VARIANT_THRESHOLD` with `ALDRETE_STRICT_VARIANT_FULL_MARKS`.

Adapted PADSS, and why its threshold has no default:
- PADSS [S18] scores vital signs, activity/mental status, pain-nausea-vomiting, surgical bleeding
  and intake/output (total 10, fit for discharge at 9 or more).
- The modified PADSS [S18a] drops intake/output and scores pain and nausea/vomiting as two items,
  so its five items are vital signs, activity/mental status, pain, nausea/vomiting and surgical
  bleeding (still 10).
- A ketamine clinic has no wound, so surgical bleeding is dropped as well (section 8: clinics must
  adapt the score). It is dropped, not credited: scoring an item nobody assessed as "minimal = 2"
  would hand every patient two free points and hide the change.
- The adapted PADSS therefore has FOUR items and a maximum of 8. S18's 9 is a threshold on a
  10-point scale and cannot apply to an 8-point one, and the reference gives no threshold for
  the adapted form, so `threshold` is a required argument: the organisation sets it (and its
  medical director signs it off). Intake/output stays dropped, as in the modified PADSS
  (ACEP's ketamine guideline does not require oral fluids before discharge [S14a]).

Reassessment: in the PADSS validation study patients were rescored every 30 minutes until they
passed [S18b]; rule 13 applies the same prompt to either score.

Item answers are StrEnum choices (members listed from 2 points down to 0) or the points as an
int 0-2; anything else raises ValueError.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

ALDRETE_SOURCE = "Modified Aldrete score, 1995 [S17, S17a]"
ALDRETE_STRICT_SOURCE = "Modified Aldrete, stricter local variant [S17b]"
PADSS_SOURCE = (
    "PADSS [S18] as modified (pain and nausea/vomiting apart, no intake/output) [S18a], "
    "adapted for ketamine clinics (no surgical bleeding; reference.md section 8)"
)
REASSESSMENT_SOURCE = "PADSS validation: reassessed every 30 min until passing [S18b]; rule 13"
ORGANISATION_SETTING = "organisation setting (reference.md gives no number for this)"

ITEM_MAXIMUM = 2  # source: S17, S18 (each item scored 0-2)
ALDRETE_MAXIMUM = 10  # source: S17 (five items, total 10)
ALDRETE_PASS_THRESHOLD = 9  # source: S17, S17a (9 or more allows discharge from recovery)
ALDRETE_STRICT_VARIANT_THRESHOLD = 8  # source: S17b (8 or more ...)
ADAPTED_PADSS_MAXIMUM = 8  # four items kept of the modified PADSS [S18a], 0-2 each
ALDRETE_WITHIN_MMHG = 20  # source: S17 (within +/-20 mmHg of the pre-anaesthetic level = 2)
ALDRETE_BEYOND_MMHG = 50  # source: S17 (+/-20-50 mmHg = 1; beyond +/-50 mmHg = 0)
PADSS_WITHIN_PERCENT = 20  # source: S18 (within 20 % of pre-op = 2)
PADSS_BEYOND_PERCENT = 40  # source: S18 (20-40 % = 1; more than 40 % = 0)
REASSESSMENT_INTERVAL = timedelta(minutes=30)  # source: S18b


class Scale(StrEnum):
    MODIFIED_ALDRETE = "modified_aldrete"
    ADAPTED_PADSS = "adapted_padss"


class ItemAnswer(StrEnum):
    """Base of every item's choices. Members are declared from 2 points down to 0."""

    @property
    def points(self) -> int:
        return ITEM_MAXIMUM - list(type(self)).index(self)


class AldreteActivity(ItemAnswer):
    MOVES_FOUR_LIMBS = "moves_four_limbs"
    MOVES_TWO_LIMBS = "moves_two_limbs"
    MOVES_NO_LIMBS = "moves_no_limbs"


class AldreteRespiration(ItemAnswer):
    BREATHES_DEEPLY_AND_COUGHS = "breathes_deeply_and_coughs"
    DYSPNOEA_OR_SHALLOW = "dyspnoea_or_shallow"
    APNOEA = "apnoea"


class AldreteCirculation(ItemAnswer):
    """Blood pressure against the pre-dose level (the reference does not say which pressure;
    the clinic chooses, e.g. systolic, and uses it consistently)."""

    WITHIN_20_MMHG = "within_20_mmhg"
    WITHIN_20_TO_50_MMHG = "within_20_to_50_mmhg"
    BEYOND_50_MMHG = "beyond_50_mmhg"


class AldreteConsciousness(ItemAnswer):
    FULLY_AWAKE = "fully_awake"
    ROUSES_WHEN_CALLED = "rouses_when_called"
    NO_RESPONSE = "no_response"


class AldreteSpO2(ItemAnswer):
    ABOVE_92_ON_ROOM_AIR = "above_92_on_room_air"
    NEEDS_OXYGEN_TO_STAY_ABOVE_90 = "needs_oxygen_to_stay_above_90"
    BELOW_90_EVEN_WITH_OXYGEN = "below_90_even_with_oxygen"


class AldreteItem(StrEnum):
    ACTIVITY = "activity"
    RESPIRATION = "respiration"
    CIRCULATION = "circulation"
    CONSCIOUSNESS = "consciousness"
    SPO2 = "spo2"


# source: S17b (respiration and SpO2 must both score 2 in the stricter variant)
ALDRETE_STRICT_VARIANT_FULL_MARKS = frozenset({AldreteItem.RESPIRATION, AldreteItem.SPO2})


class PadssVitalSigns(ItemAnswer):
    """Vital signs against the pre-dose values."""

    WITHIN_20_PERCENT = "within_20_percent"
    WITHIN_20_TO_40_PERCENT = "within_20_to_40_percent"
    BEYOND_40_PERCENT = "beyond_40_percent"


class PadssActivityMentalStatus(ItemAnswer):
    ORIENTED_AND_STEADY_GAIT = "oriented_x3_and_steady_gait"
    ONE_OF_THE_TWO = "oriented_x3_or_steady_gait"
    NEITHER = "neither"


class PadssPain(ItemAnswer):
    MINIMAL = "minimal"
    MODERATE_NEEDS_TREATMENT = "moderate_needs_treatment"
    SEVERE = "severe"


class PadssNauseaVomiting(ItemAnswer):
    MINIMAL = "minimal"
    MODERATE_NEEDS_TREATMENT = "moderate_needs_treatment"
    SEVERE = "severe"


class PadssItem(StrEnum):
    VITAL_SIGNS = "vital_signs"
    ACTIVITY_MENTAL_STATUS = "activity_mental_status"
    PAIN = "pain"
    NAUSEA_VOMITING = "nausea_vomiting"


# Dropped for ketamine clinics, listed so a screen can say what the score leaves out and why.
PADSS_DROPPED_ITEMS: Mapping[str, str] = {
    "surgical_bleeding": "no surgical wound in a ketamine clinic (reference.md section 8)",
    "intake_output": "dropped by the modified PADSS [S18a]",
}

_Answer = TypeVar("_Answer", bound=ItemAnswer)


@dataclass(frozen=True)
class ItemScore:
    item: str
    points: int
    answer: str


@dataclass(frozen=True)
class RecoveryScore:
    """A scored recovery assessment: the total, each item, the threshold and the verdict."""

    scale: Scale
    total: int
    maximum: int
    threshold: int
    passed: bool
    items: tuple[ItemScore, ...]
    reasons: tuple[str, ...]
    source: str

    def points(self, item: str) -> int:
        for scored in self.items:
            if scored.item == item:
                return scored.points
        raise KeyError(item)


def _answer(choices: type[_Answer], given: _Answer | int | str, item: str) -> _Answer:
    """The choice meant by an answer given as a member, its value, or its points (0-2)."""
    if isinstance(given, choices):
        return given
    if isinstance(given, ItemAnswer):
        raise ValueError(f"{item}: {given!r} is an answer to another item.")
    if isinstance(given, bool):
        raise ValueError(f"{item}: a yes/no is not a score; give 0, 1 or 2.")
    if isinstance(given, int):
        if not 0 <= given <= ITEM_MAXIMUM:
            raise ValueError(f"{item}: {given} is not a score; each item scores 0, 1 or 2.")
        return list(choices)[ITEM_MAXIMUM - given]
    if isinstance(given, str):
        try:
            return choices(given)
        except ValueError:
            allowed = ", ".join(choice.value for choice in choices)
            raise ValueError(f"{item}: {given!r} is not one of {allowed}.") from None
    raise ValueError(f"{item}: {given!r} is not an answer.")


def _check_threshold(threshold: int, maximum: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError("The threshold must be a whole number.")
    if not 1 <= threshold <= maximum:
        raise ValueError(f"The threshold must be between 1 and {maximum}, not {threshold}.")


def _label(answer: ItemAnswer) -> str:
    return answer.value.replace("_", " ")


def _score(
    scale: Scale,
    answers: tuple[tuple[str, ItemAnswer], ...],
    maximum: int,
    threshold: int,
    source: str,
    full_marks_required: Collection[str] = (),
) -> RecoveryScore:
    items = tuple(ItemScore(name, answer.points, answer.value) for name, answer in answers)
    total = sum(scored.points for scored in items)
    name = "Modified Aldrete" if scale is Scale.MODIFIED_ALDRETE else "Adapted PADSS"
    short = [scored for scored in items if scored.item in full_marks_required]
    short = [scored for scored in short if scored.points < ITEM_MAXIMUM]
    passed = total >= threshold and not short
    reasons: list[str] = []
    if total >= threshold:
        reasons.append(f"{name} {total}/{maximum} meets the threshold of {threshold} [{source}].")
    else:
        reasons.append(
            f"{name} {total}/{maximum} is below the threshold of {threshold}: not ready for "
            f"discharge; reassess [{source}]."
        )
    reasons.extend(
        f"{scored.item.replace('_', ' ')} must score 2 in this variant but scored "
        f"{scored.points} [{ALDRETE_STRICT_SOURCE}]."
        for scored in short
    )
    reasons.extend(
        f"{item.replace('_', ' ')} scored {answer.points} ({_label(answer)})."
        for item, answer in answers
        if answer.points < ITEM_MAXIMUM
    )
    return RecoveryScore(
        scale=scale,
        total=total,
        maximum=maximum,
        threshold=threshold,
        passed=passed,
        items=items,
        reasons=tuple(reasons),
        source=source,
    )


def modified_aldrete(
    *,
    activity: AldreteActivity | int | str,
    respiration: AldreteRespiration | int | str,
    circulation: AldreteCirculation | int | str,
    consciousness: AldreteConsciousness | int | str,
    spo2: AldreteSpO2 | int | str,
    threshold: int = ALDRETE_PASS_THRESHOLD,  # source: S17, S17a
    full_marks_required: Collection[AldreteItem] = (),
) -> RecoveryScore:
    """Score the modified Aldrete (1995). `full_marks_required` lists items that must score 2
    whatever the total (the S17b variant: threshold 8 with respiration and SpO2 at 2)."""
    _check_threshold(threshold, ALDRETE_MAXIMUM)
    required = {AldreteItem(item).value for item in full_marks_required}
    answers: tuple[tuple[str, ItemAnswer], ...] = (
        ("activity", _answer(AldreteActivity, activity, "activity")),
        ("respiration", _answer(AldreteRespiration, respiration, "respiration")),
        ("circulation", _answer(AldreteCirculation, circulation, "circulation")),
        ("consciousness", _answer(AldreteConsciousness, consciousness, "consciousness")),
        ("spo2", _answer(AldreteSpO2, spo2, "spo2")),
    )
    source = ALDRETE_STRICT_SOURCE if required else ALDRETE_SOURCE
    return _score(Scale.MODIFIED_ALDRETE, answers, ALDRETE_MAXIMUM, threshold, source, required)


def adapted_padss(
    *,
    vital_signs: PadssVitalSigns | int | str,
    activity_mental_status: PadssActivityMentalStatus | int | str,
    pain: PadssPain | int | str,
    nausea_vomiting: PadssNauseaVomiting | int | str,
    threshold: int,  # required: no published threshold for the 8-point adapted form
) -> RecoveryScore:
    """Score the adapted PADSS (four items, maximum 8; see the module docstring)."""
    _check_threshold(threshold, ADAPTED_PADSS_MAXIMUM)
    answers: tuple[tuple[str, ItemAnswer], ...] = (
        (PadssItem.VITAL_SIGNS.value, _answer(PadssVitalSigns, vital_signs, "vital_signs")),
        (
            PadssItem.ACTIVITY_MENTAL_STATUS.value,
            _answer(PadssActivityMentalStatus, activity_mental_status, "activity_mental_status"),
        ),
        (PadssItem.PAIN.value, _answer(PadssPain, pain, "pain")),
        (
            PadssItem.NAUSEA_VOMITING.value,
            _answer(PadssNauseaVomiting, nausea_vomiting, "nausea_vomiting"),
        ),
    )
    score = _score(Scale.ADAPTED_PADSS, answers, ADAPTED_PADSS_MAXIMUM, threshold, PADSS_SOURCE)
    threshold_note = (
        f"Threshold {threshold} of {ADAPTED_PADSS_MAXIMUM} is the organisation's setting "
        f"[{ORGANISATION_SETTING}]."
    )
    return replace(score, reasons=(*score.reasons, threshold_note))


def aldrete_circulation(pre_dose_mmhg: int, current_mmhg: int) -> AldreteCirculation:
    """The circulation item from one pressure now and before the dose: a change of up to 20 mmHg
    scores 2, more than 20 up to 50 scores 1, more than 50 scores 0 [S17]."""
    if pre_dose_mmhg <= 0 or current_mmhg <= 0:
        raise ValueError("Blood pressures must be positive.")
    change = abs(current_mmhg - pre_dose_mmhg)
    if change <= ALDRETE_WITHIN_MMHG:
        return AldreteCirculation.WITHIN_20_MMHG
    if change <= ALDRETE_BEYOND_MMHG:
        return AldreteCirculation.WITHIN_20_TO_50_MMHG
    return AldreteCirculation.BEYOND_50_MMHG


def padss_vital_signs(
    *, pre_dose: Mapping[str, int], current: Mapping[str, int]
) -> PadssVitalSigns:
    """The vital-signs item from the values measured both before the dose and now (e.g.
    {"systolic": 128, "heart_rate": 72}): the largest change decides. Up to 20 % scores 2, more
    than 20 up to 40 % scores 1, more than 40 % scores 0 [S18]."""
    shared = sorted(set(pre_dose) & set(current))
    if not shared:
        raise ValueError("No vital sign was measured both before the dose and now.")
    worst = PadssVitalSigns.WITHIN_20_PERCENT
    for name in shared:
        before, now = pre_dose[name], current[name]
        if before <= 0 or now < 0:
            raise ValueError(f"{name}: the pre-dose value must be positive and now non-negative.")
        change_x100 = abs(now - before) * 100  # compared in whole numbers: 20 % is exactly 20 %
        if change_x100 > PADSS_BEYOND_PERCENT * before:
            return PadssVitalSigns.BEYOND_40_PERCENT
        if change_x100 > PADSS_WITHIN_PERCENT * before:
            worst = PadssVitalSigns.WITHIN_20_TO_40_PERCENT
    return worst


def padss_activity_mental_status(
    *, oriented_x3: bool, steady_gait: bool
) -> PadssActivityMentalStatus:
    """Oriented x3 and steady gait scores 2, one of them 1, neither 0 [S18]."""
    met = int(oriented_x3) + int(steady_gait)
    return list(PadssActivityMentalStatus)[ITEM_MAXIMUM - met]


@dataclass(frozen=True)
class Reassessment:
    """When the recovery score is to be taken again."""

    needed: bool
    due_at: datetime | None
    overdue: bool
    overdue_by: timedelta
    reason: str


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")


def reassessment_due(
    last_scored_at: datetime,
    now: datetime,
    passed: bool,
    interval: timedelta = REASSESSMENT_INTERVAL,  # source: S18b
) -> Reassessment:
    """While the last score is below its threshold, the next one is due `interval` after it;
    it is overdue once `now` is past that time. A passing score needs no reassessment."""
    _require_aware(last_scored_at, "last_scored_at")
    _require_aware(now, "now")
    if interval <= timedelta(0):
        raise ValueError("The reassessment interval must be positive.")
    if last_scored_at > now:
        raise ValueError("The last score is dated after now.")
    if passed:
        return Reassessment(
            needed=False,
            due_at=None,
            overdue=False,
            overdue_by=timedelta(0),
            reason="The last score met its threshold: no reassessment is needed.",
        )
    due_at = last_scored_at + interval
    overdue_by = max(now - due_at, timedelta(0))
    minutes = int(interval.total_seconds() // 60)
    if now > due_at:
        reason = (
            f"Reassessment overdue by {_minutes_text(overdue_by)}: below the threshold, rescore "
            f"every {minutes} min [{REASSESSMENT_SOURCE}]."
        )
    else:
        reason = (
            f"Below the threshold: rescore by {due_at.isoformat()} (every {minutes} min) "
            f"[{REASSESSMENT_SOURCE}]."
        )
    return Reassessment(
        needed=True, due_at=due_at, overdue=now > due_at, overdue_by=overdue_by, reason=reason
    )


def _minutes_text(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"
