"""The dose calculation: weight, dose, rounding, volume, pump rate and every check, with the
inputs and formula lines that reached them, so a second clinician can redo it by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from ketacare.clinical.dosing import sources
from ketacare.clinical.dosing.esketamine import (
    EsketamineRegimen,
    GivenDose,
    check_esketamine_session,
    device_offsets,
    devices_for,
)
from ketacare.clinical.dosing.findings import (
    Finding,
    FindingCode,
    Override,
    Severity,
    blocks_in,
    warnings_in,
)
from ketacare.clinical.dosing.protocols import (
    DoseBasis,
    Limit,
    Protocol,
    ProtocolNotConfigured,
    Route,
    SaltForm,
    evidence_grade,
    magnitude,
    pain_indication,
)
from ketacare.clinical.dosing.quantities import (
    Dose,
    MgPerKg,
    MgPerKgPerHour,
    MgPerMl,
    Milligrams,
    Millilitres,
    Minutes,
    MlPerHour,
    PercentStrength,
)
from ketacare.clinical.units import KG_PER_LB, Weight, WeightUnit, weight_in_kg

_T = TypeVar("_T")

# source: pharmacokinetics.md conventions, MW base 237.7 / HCl 274.2 (1 mg HCl = 0.867 mg base)
BASE_PER_HYDROCHLORIDE = Decimal("237.7") / Decimal("274.2")


@dataclass(frozen=True)
class RecordedWeight:
    """The latest weight as entered (kg or lb) and the day it was measured."""

    value: Decimal
    unit: WeightUnit
    recorded_on: date


@dataclass(frozen=True)
class Concentration:
    """The strength of what is drawn up or infused, and whether it is labelled as salt or base."""

    per_ml: MgPerMl
    expressed_as: SaltForm


@dataclass(frozen=True)
class DoseCalculation:
    protocol_key: str
    inputs: tuple[tuple[str, str], ...]
    formula: tuple[str, ...]
    weight: Weight | None
    requested: Dose
    total: Milligrams  # as the protocol expresses it (see salt_form)
    salt_form: SaltForm
    salt_statement: str
    total_as_labelled: Milligrams  # in the form the concentration is labelled in
    dose_per_kg: MgPerKg | None
    duration: Minutes | None
    volume: Millilitres | None
    rate: MlPerHour | None
    dose_rate: MgPerKgPerHour | None
    devices: int | None
    warnings: tuple[Finding, ...]
    blocks: tuple[Finding, ...]
    override: Override | None

    @property
    def blocked(self) -> bool:
        """True when a block stands: there is one and no override was recorded."""
        return bool(self.blocks) and self.override is None

    @property
    def orderable(self) -> bool:
        return not self.blocked


class _Sheet:
    """Collects the inputs, formula lines and findings while a calculation runs."""

    def __init__(self) -> None:
        self.inputs: list[tuple[str, str]] = []
        self.lines: list[str] = []
        self.findings: list[Finding] = []

    def block(self, code: FindingCode, message: str, source: str) -> None:
        self.findings.append(Finding(code, Severity.BLOCK, message, source))

    def warn(self, code: FindingCode, message: str, source: str) -> None:
        self.findings.append(Finding(code, Severity.WARNING, message, source))

    def info(self, code: FindingCode, message: str, source: str) -> None:
        self.findings.append(Finding(code, Severity.INFO, message, source))


def _present(value: _T | None, name: str) -> _T:
    """A value the earlier checks guarantee; a None here is a programming error."""
    if value is None:
        raise ProtocolNotConfigured(f"{name} is missing.")
    return value


def round_to_step(amount: Milligrams, step: Milligrams) -> Milligrams:
    """To the nearest measurable amount (half up): 41.3 mg with a 0.5 mg step -> 41.5 mg."""
    steps = (amount.mg / step.mg).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Milligrams(steps * step.mg)


def calculate(
    protocol: Protocol,
    patient_weight: RecordedWeight | None,
    today: date,
    requested: Dose,
    concentration: Concentration | None,
    bag_volume: Millilitres | None,
    override: Override | None = None,
    *,
    max_weight_age_days: int,
    duration: Minutes | None = None,
    prior_doses: Sequence[GivenDose] = (),
    esketamine_history: Sequence[GivenDose] | None = None,
    previous_dose: Dose | None = None,
    indication: str | None = None,
) -> DoseCalculation:
    """Calculate one order. `max_weight_age_days` has no default: reference.md gives no number,
    so each clinic sets it. `previous_dose` (the dose before this one, in the protocol's unit)
    checks the titration step; `indication` shows the evidence grade of an IV pain protocol.
    Raises for a protocol not yet configured or an input of the wrong kind; everything clinical
    comes back as a warning or a block with its source."""
    missing = protocol.missing_settings()
    if missing:
        raise ProtocolNotConfigured(f"{protocol.key}: set {', '.join(missing)} first.")
    basis = protocol.dose_basis
    if basis is DoseBasis.STRENGTH:
        raise ValueError("Topical strength is checked with check_topical_strength().")
    if not basis.accepts(requested):
        raise TypeError(f"{protocol.key} is dosed in {basis}, not {type(requested).__name__}.")
    if max_weight_age_days < 0:
        raise ValueError("max_weight_age_days cannot be negative.")
    sheet = _Sheet()
    sheet.inputs += [("protocol", protocol.name), ("today", today.isoformat())]
    sheet.inputs.append(("requested dose", str(requested)))
    if previous_dose is not None:
        if not basis.accepts(previous_dose):
            raise TypeError(f"The previous dose must be in {basis}, like the requested one.")
        sheet.inputs.append(("previous dose", str(previous_dose)))
    if protocol.graded_by_indication:
        _evidence_grade(sheet, indication)

    weight = _weight(sheet, protocol, patient_weight, today, max_weight_age_days)
    duration = duration if duration is not None else protocol.duration
    if duration is not None:
        if duration.minutes == 0:
            raise ValueError("A duration must be greater than zero.")
        sheet.inputs.append(("duration", str(duration)))
    if basis is DoseBasis.PER_KG_PER_HOUR and duration is None:
        raise ValueError(f"{protocol.key} needs an infusion duration.")

    ordered = _ordered_amount(sheet, requested, weight, duration)
    step = _present(protocol.rounding_step, "rounding_step")
    total = round_to_step(ordered, step)
    if total != ordered:
        sheet.lines.append(f"rounded to the {step} step: {ordered} -> {total}")
        sheet.info(
            FindingCode.ROUNDED,
            f"Rounded from {ordered} to {total} (step {step}).",
            protocol.source if basis is DoseBasis.DEVICES else sources.ORGANISATION_SETTING,
        )
    if total.mg == 0:
        sheet.block(FindingCode.ROUNDS_TO_ZERO, "The dose rounds to 0 mg.", sources.RULE_1)

    delivered = _delivered(requested, total, weight, duration)
    _check_limits(sheet, protocol, requested, delivered)
    _check_titration_step(sheet, protocol, requested, previous_dose)
    _check_session_and_cumulative(sheet, protocol, total, today, prior_doses)
    _check_duration(sheet, protocol, total, duration)

    salt_form = _present(protocol.salt_form, "salt_form")
    labelled_total, salt_statement = _salt(sheet, protocol, salt_form, total, concentration)

    volume = rate = None
    if concentration is not None:
        sheet.inputs.append(
            ("concentration", f"{concentration.per_ml} ({concentration.expressed_as})")
        )
        volume = labelled_total.volume_at(concentration.per_ml)
        sheet.lines.append(f"volume = {labelled_total} ÷ {concentration.per_ml} = {volume}")
        if duration is not None and protocol.route is Route.IV_INFUSION:
            rate = volume.rate_over(duration)
            sheet.lines.append(f"rate = {volume} × 60 min/h ÷ {duration} = {rate}")
    if bag_volume is not None:
        sheet.inputs.append(("bag volume", str(bag_volume)))
        if volume is not None and volume > bag_volume:
            sheet.block(
                FindingCode.BAG_TOO_SMALL,
                f"The dose needs {volume} but the bag holds {bag_volume}.",
                sources.ORGANISATION_SETTING,
            )

    dose_per_kg = dose_rate = None
    if weight is not None:
        dose_per_kg = total.per_kg(weight.kg)
        sheet.lines.append(f"dose per kg = {total} ÷ {weight} = {dose_per_kg}")
        if duration is not None:
            dose_rate = dose_per_kg.over(duration)
            sheet.lines.append(f"dose rate = {dose_per_kg} × 60 min/h ÷ {duration} = {dose_rate}")

    devices = None
    if basis is DoseBasis.DEVICES:
        devices = _esketamine(sheet, protocol, total, today, esketamine_history)

    if protocol.notes:
        for note in protocol.notes:
            sheet.warn(FindingCode.UNAPPROVED_PRODUCT, note, protocol.notes_source)

    findings = tuple(sheet.findings)
    blocks = blocks_in(findings)
    if override is not None:
        sheet.inputs.append(("override", override.reason))
    return DoseCalculation(
        protocol_key=protocol.key,
        inputs=tuple(sheet.inputs),
        formula=tuple(sheet.lines),
        weight=weight,
        requested=requested,
        total=total,
        salt_form=salt_form,
        salt_statement=salt_statement,
        total_as_labelled=labelled_total,
        dose_per_kg=dose_per_kg,
        duration=duration,
        volume=volume,
        rate=rate,
        dose_rate=dose_rate,
        devices=devices,
        warnings=warnings_in(findings),
        blocks=blocks,
        override=override,
    )


def _weight(
    sheet: _Sheet,
    protocol: Protocol,
    recorded: RecordedWeight | None,
    today: date,
    max_age_days: int,
) -> Weight | None:
    if recorded is None:
        if protocol.dose_basis.uses_weight:
            raise ValueError(f"{protocol.key} is weight-based: a recorded weight is required.")
        return None
    weight = weight_in_kg(recorded.value, recorded.unit)  # converted once, here
    sheet.inputs.append(
        ("weight", f"{recorded.value} {recorded.unit} on {recorded.recorded_on.isoformat()}")
    )
    if recorded.unit is WeightUnit.LB:
        sheet.lines.append(
            f"weight = {recorded.value} lb × {KG_PER_LB} kg/lb = {weight} (to 0.1 kg) "
            f"[{sources.NIST_POUND}]"
        )
    sheet.lines.append(f"weight basis: {protocol.weight_basis} = {weight}")
    if protocol.dose_basis.uses_weight:
        age = (today - recorded.recorded_on).days
        if age < 0:
            sheet.block(
                FindingCode.WEIGHT_IN_FUTURE,
                "The weight is dated after today: re-weigh.",
                sources.ORGANISATION_SETTING,
            )
        elif age > max_age_days:
            sheet.block(
                FindingCode.WEIGHT_STALE,
                f"The latest weight is {age} days old (limit {max_age_days} days): re-weigh.",
                sources.ORGANISATION_SETTING,
            )
    return weight


def _ordered_amount(
    sheet: _Sheet, requested: Dose, weight: Weight | None, duration: Minutes | None
) -> Milligrams:
    if isinstance(requested, MgPerKg):
        amount = requested.for_weight(_present(weight, "weight").kg)
        sheet.lines.append(f"dose = {requested} × {weight} = {amount}")
        return amount
    if isinstance(requested, MgPerKgPerHour):
        amount = requested.for_weight_over(
            _present(weight, "weight").kg, _present(duration, "duration")
        )
        sheet.lines.append(f"dose = {requested} × {weight} × {duration} ÷ 60 min/h = {amount}")
        return amount
    sheet.lines.append(f"dose = {requested} (fixed)")
    return requested


def _delivered(
    requested: Dose, total: Milligrams, weight: Weight | None, duration: Minutes | None
) -> Dose:
    """The rounded dose in the protocol's own unit, which is what the limits are checked on."""
    if isinstance(requested, MgPerKg):
        return total.per_kg(_present(weight, "weight").kg)
    if isinstance(requested, MgPerKgPerHour):
        return total.per_kg(_present(weight, "weight").kg).over(_present(duration, "duration"))
    return total


def _check_limits(sheet: _Sheet, protocol: Protocol, requested: Dose, delivered: Dose) -> None:
    # The worse of what was asked for and what rounding makes of it.
    value = max(magnitude(requested), magnitude(delivered))
    hard, soft = protocol.hard_limit, protocol.soft_max
    if hard is not None and hard.exceeded_by(value):
        sheet.block(
            FindingCode.AT_OR_ABOVE_HARD_LIMIT,
            f"{_shown(requested, delivered)} is {hard.describe()}: blocked.",
            hard.source,
        )
    elif soft is not None and soft.exceeded_by(value):
        sheet.warn(
            FindingCode.ABOVE_SOFT_MAX,
            f"{_shown(requested, delivered)} is above {soft.dose}.",
            soft.source,
        )
    low = min(magnitude(requested), magnitude(delivered))
    if protocol.soft_min is not None and low < magnitude(protocol.soft_min.dose):
        sheet.warn(
            FindingCode.BELOW_SOFT_MIN,
            f"{_shown(requested, delivered)} is below {protocol.soft_min.dose}.",
            protocol.soft_min.source,
        )
    studied = protocol.studied_range
    if studied is not None and not magnitude(studied.low) <= value <= magnitude(studied.high):
        sheet.warn(
            FindingCode.OUTSIDE_REPORTED_RANGE,
            f"{_shown(requested, delivered)} is outside the studied {studied.low}-{studied.high}.",
            studied.source,
        )
    if protocol.titration_steps and requested not in protocol.titration_steps:
        steps = ", ".join(str(s) for s in protocol.titration_steps)
        sheet.warn(
            FindingCode.OFF_TITRATION_STEP,
            f"{requested} is not a titration step ({steps}).",
            protocol.titration_source,
        )


def _check_titration_step(
    sheet: _Sheet, protocol: Protocol, requested: Dose, previous: Dose | None
) -> None:
    """Loo 2016 titrated up one 0.1 mg/kg step at a time [S11]: warn when the dose goes up by
    more than one step from the previous dose. The source does not limit a reduction, and above
    the last step (e.g. SC 0.5-0.9 mg/kg, KADS [S11a]) it gives no step, so neither is checked."""
    steps = protocol.titration_steps
    if not steps or previous is None:
        return
    before, now = magnitude(previous), magnitude(requested)
    top = magnitude(steps[-1])
    if before >= top or now <= before:
        return
    # The next step up from the previous dose: the first step above it.
    next_step = next(s for s in steps if magnitude(s) > before)
    if now > magnitude(next_step):
        sheet.warn(
            FindingCode.TITRATION_JUMP,
            f"{requested} is more than one titration step above the previous dose {previous}; "
            f"the next step is {next_step}.",
            protocol.titration_source,
        )


def _evidence_grade(sheet: _Sheet, indication: str | None) -> None:
    """Rule 2: show the grade for the chosen indication (none is shown without one)."""
    if indication is None or not indication.strip():
        return
    grade, source = evidence_grade(indication)
    sheet.inputs.append(("indication", indication))
    named = pain_indication(indication)
    label = named.value if named is not None else f"{indication} (not one Cohen 2018 names)"
    sheet.info(FindingCode.EVIDENCE_GRADE, f"Evidence grade for {label}: {grade}.", source)


def _shown(requested: Dose, delivered: Dose) -> str:
    return str(requested) if requested == delivered else f"{requested} (delivered {delivered})"


def _check_session_and_cumulative(
    sheet: _Sheet,
    protocol: Protocol,
    total: Milligrams,
    today: date,
    prior_doses: Sequence[GivenDose],
) -> None:
    cap: Limit | None = protocol.session_max
    if cap is not None and cap.exceeded_by(total.mg):
        sheet.block(
            FindingCode.ABOVE_SESSION_MAX,
            f"{total} is above the per-session maximum {cap.dose}.",
            cap.source,
        )
    cumulative = protocol.cumulative_limit
    if cumulative is None:
        return
    since = today - timedelta(days=cumulative.window_days - 1)
    earlier = [GivenDose(*g) for g in prior_doses]
    given = sum((g.dose.mg for g in earlier if since <= g.on <= today), Decimal(0))
    running = Milligrams(given) + total
    sheet.lines.append(
        f"cumulative over {cumulative.window_days} days = {Milligrams(given)} + {total} = {running}"
    )
    if running > cumulative.max_total:
        sheet.block(
            FindingCode.ABOVE_CUMULATIVE_LIMIT,
            f"{running} in {cumulative.window_days} days is above {cumulative.max_total}.",
            cumulative.source,
        )


def _check_duration(
    sheet: _Sheet, protocol: Protocol, total: Milligrams, duration: Minutes | None
) -> None:
    if duration is None:
        return
    if protocol.min_duration is not None and duration < protocol.min_duration:
        sheet.warn(
            FindingCode.SHORTER_THAN_MINIMUM_DURATION,
            f"{duration} is shorter than the minimum {protocol.min_duration}.",
            protocol.min_duration_source,
        )
    short_total = protocol.guideline_min_total is not None and total < protocol.guideline_min_total
    short_time = (
        protocol.guideline_min_duration is not None and duration <= protocol.guideline_min_duration
    )
    if short_total or short_time:
        sheet.warn(
            FindingCode.BELOW_GUIDELINE_RANGE,
            f"Below guideline range (total ≥{protocol.guideline_min_total} over "
            f">{protocol.guideline_min_duration}): {total} over {duration}.",
            sources.RULE_2,
        )


def _salt(
    sheet: _Sheet,
    protocol: Protocol,
    salt_form: SaltForm,
    total: Milligrams,
    concentration: Concentration | None,
) -> tuple[Milligrams, str]:
    statement = f"Dose expressed as {protocol.drug} {salt_form} [{protocol.salt_source}]."
    if concentration is None or concentration.expressed_as is salt_form:
        return total, statement
    if salt_form is SaltForm.HYDROCHLORIDE:
        labelled = Milligrams(total.mg * BASE_PER_HYDROCHLORIDE)
        factor = "× 237.7/274.2"
    else:
        labelled = Milligrams(total.mg / BASE_PER_HYDROCHLORIDE)
        factor = "× 274.2/237.7"
    sheet.lines.append(
        f"{total} {salt_form} {factor} = {labelled} {concentration.expressed_as} "
        f"[{sources.SALT_VS_BASE}]"
    )
    sheet.warn(
        FindingCode.SALT_CONVERTED,
        f"The protocol doses {salt_form} but the concentration is labelled as "
        f"{concentration.expressed_as}: {total} {salt_form} = {labelled} "
        f"{concentration.expressed_as}. Check the product label.",
        sources.SALT_VS_BASE,
    )
    return labelled, (
        f"{statement} Concentration labelled as {concentration.expressed_as}; "
        f"converted to {labelled} {concentration.expressed_as}."
    )


def _esketamine(
    sheet: _Sheet,
    protocol: Protocol,
    total: Milligrams,
    today: date,
    history: Sequence[GivenDose] | None,
) -> int | None:
    if history is None:
        raise ValueError("Esketamine needs the session history (an empty one for day 1).")
    sheet.inputs.append(("earlier sessions", str(len(history))))
    sheet.findings.extend(
        check_esketamine_session(
            history,
            today,
            total,
            allow_28_mg=protocol.allow_28_mg,
            regimen=protocol.esketamine_regimen or EsketamineRegimen.TRD,
        )
    )
    try:
        devices = devices_for(total)
    except ValueError:
        return None
    offsets = ", ".join(str(o) for o in device_offsets(total))
    sheet.lines.append(f"devices = {total} ÷ 28 mg = {devices}; start at {offsets}")
    return devices


@dataclass(frozen=True)
class TopicalCheck:
    strength: PercentStrength
    mg_per_gram: Decimal
    findings: tuple[Finding, ...]


def check_topical_strength(protocol: Protocol, strength: PercentStrength) -> TopicalCheck:
    """A cream's strength against the clinic's maximum (reference.md gives none)."""
    missing = protocol.missing_settings()
    if missing:
        raise ProtocolNotConfigured(f"{protocol.key}: set {', '.join(missing)} first.")
    findings: list[Finding] = []
    cap = protocol.max_strength
    if cap is not None and cap.exceeded_by(strength.percent):
        findings.append(
            Finding(
                FindingCode.ABOVE_MAX_STRENGTH,
                Severity.BLOCK,
                f"{strength} is above the maximum strength {cap.dose}.",
                cap.source,
            )
        )
    # 1 % w/w = 1 g per 100 g = 10 mg per gram.
    return TopicalCheck(strength, strength.percent * 10, tuple(findings))
