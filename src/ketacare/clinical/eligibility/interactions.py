"""The interaction screen: current medicines and alcohol against ketamine (reference.md rule 9).

One finding per interacting class, naming the medicines. Benzodiazepine doses are added up in
diazepam equivalents (entered, or converted with the Ashton table); a total above the
organisation's threshold (default 8 mg/day [S16a]) is flagged for a reduced antidepressant
effect. Every flag is a caution except where noted; none is a contraindication in the sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import (
    DEPRESSIVE_INDICATIONS,
    AlcoholUse,
    Assessment,
    CypEffect,
    DrugClass,
    Medication,
    Route,
)
from ketacare.clinical.eligibility.benzodiazepines import diazepam_equivalent_mg
from ketacare.clinical.eligibility.report import Finding, Severity
from ketacare.clinical.eligibility.thresholds import Thresholds

CAUTION = Severity.CAUTION
INFO = Severity.INFO
cite = sources.cite


def _names(medications: Sequence[Medication]) -> str:
    return ", ".join(m.name for m in medications)


def _mg(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class BenzodiazepineLoad:
    """The total daily diazepam-equivalent dose, and the medicines it could not include."""

    total_mg: Decimal
    unconverted: tuple[Medication, ...]


def benzodiazepine_load(medications: Sequence[Medication]) -> BenzodiazepineLoad:
    total = Decimal(0)
    unconverted: list[Medication] = []
    for medication in medications:
        if medication.diazepam_equivalent_mg_per_day is not None:
            total += Decimal(medication.diazepam_equivalent_mg_per_day)
            continue
        if medication.daily_dose_mg is None:
            unconverted.append(medication)
            continue
        try:
            total += diazepam_equivalent_mg(medication.name, Decimal(medication.daily_dose_mg))
        except ValueError:
            unconverted.append(medication)
    return BenzodiazepineLoad(total_mg=total, unconverted=tuple(unconverted))


def _benzodiazepines(assessment: Assessment, thresholds: Thresholds) -> list[Finding]:
    taken = assessment.taking(DrugClass.BENZODIAZEPINE)
    if not taken:
        return []
    found = [
        Finding(
            "interaction.benzodiazepine_sedation",
            CAUTION,
            f"Benzodiazepine ({_names(taken)}): adds to ketamine's sedation.",
            sources.SPRAVATO_INTERACTIONS,
        )
    ]
    if not assessment.indications & DEPRESSIVE_INDICATIONS and assessment.indications:
        return found  # the reduced-effect evidence is about the antidepressant response
    load = benzodiazepine_load(taken)
    limit = thresholds.benzodiazepine_reduced_effect_above_mg
    rule_id = "interaction.benzodiazepine_reduced_effect"
    total = _mg(load.total_mg)
    if load.total_mg > limit:
        found.append(
            Finding(
                rule_id,
                CAUTION,
                f"Benzodiazepine dose {total} mg/day diazepam-equivalent is above {_mg(limit)} "
                "mg/day, the level that separated non-responders from responders to ketamine's "
                "antidepressant effect.",
                cite(sources.ANDRASHKO_2020, sources.ASHTON_2002),
            )
        )
    elif load.unconverted:
        found.append(
            Finding(
                rule_id,
                CAUTION,
                f"The diazepam-equivalent dose of {_names(load.unconverted)} is unknown (not "
                "entered, and not convertible with the equivalence table), so a dose high "
                f"enough to weaken the antidepressant effect (above {_mg(limit)} mg/day) "
                "cannot be ruled out.",
                cite(sources.ANDRASHKO_2020, sources.ASHTON_2002),
            )
        )
    else:
        found.append(
            Finding(
                rule_id,
                INFO,
                f"Benzodiazepine dose {total} mg/day diazepam-equivalent is not above "
                f"{_mg(limit)} mg/day; benzodiazepines may still blunt or shorten the "
                "antidepressant effect.",
                cite(sources.ANDRADE_INTERACTIONS, sources.BAKKER_2021),
            )
        )
    return found


def _class_flag(
    assessment: Assessment,
    drug_class: DrugClass,
    rule_id: str,
    message: str,
    source: str,
) -> list[Finding]:
    taken = assessment.taking(drug_class)
    if not taken:
        return []
    return [Finding(rule_id, CAUTION, message.format(names=_names(taken)), source)]


_CYP_MESSAGES = {
    CypEffect.CYP3A4_STRONG_INDUCER: (
        "Strong CYP3A4 inducer ({names}): ketamine is cleared partly by CYP3A4, so exposure "
        "and effect may be lower than expected."
    ),
    CypEffect.CYP3A4_STRONG_INHIBITOR: (
        "Strong CYP3A4 inhibitor ({names}): ketamine is cleared partly by CYP3A4, so exposure "
        "and side effects may be higher than expected."
    ),
    CypEffect.CYP2B6_STRONG_INDUCER: (
        "Strong CYP2B6 inducer ({names}): ketamine is cleared mainly by CYP2B6, so exposure and "
        "effect may be lower than expected."
    ),
    CypEffect.CYP2B6_STRONG_INHIBITOR: (
        "Strong CYP2B6 inhibitor ({names}): ketamine is cleared mainly by CYP2B6, so exposure "
        "and side effects may be higher than expected."
    ),
}


def _cyp(assessment: Assessment) -> list[Finding]:
    found: list[Finding] = []
    for effect, message in _CYP_MESSAGES.items():
        taken = assessment.taking_cyp(effect)
        if taken:
            found.append(
                Finding(
                    f"interaction.{effect.value}",
                    CAUTION,
                    message.format(names=_names(taken)),
                    sources.ANDRADE_INTERACTIONS,
                )
            )
    return found


def _alcohol(assessment: Assessment) -> list[Finding]:
    use = assessment.alcohol_use
    rule_id = "interaction.alcohol"
    if use in (AlcoholUse.REGULAR, AlcoholUse.MISUSE):
        return [
            Finding(
                rule_id,
                CAUTION,
                f"Alcohol use ({use.value}): alcohol adds to ketamine's sedation.",
                sources.SPRAVATO_INTERACTIONS,
            )
        ]
    if use is AlcoholUse.OCCASIONAL:
        return [
            Finding(
                rule_id,
                INFO,
                "Occasional alcohol use: advise no alcohol around treatment days, as it adds "
                "to sedation.",
                cite(sources.SPRAVATO_INTERACTIONS, sources.CLINIC_DISCHARGE),
            )
        ]
    if use is AlcoholUse.UNKNOWN:
        return [
            Finding(
                rule_id,
                INFO,
                "Alcohol use is not recorded; ask, as alcohol adds to sedation.",
                sources.SPRAVATO_INTERACTIONS,
            )
        ]
    return []


def interaction_findings(
    assessment: Assessment, thresholds: Thresholds, route: Route
) -> list[Finding]:
    """Interaction flags for `route` (the same on every route, except theophylline, which only
    the racemic label flags)."""
    found = _benzodiazepines(assessment, thresholds)
    found += _class_flag(
        assessment,
        DrugClass.NONBENZO_HYPNOTIC,
        "interaction.nonbenzo_hypnotic",
        "Non-benzodiazepine hypnotic ({names}): adds to ketamine's sedation.",
        cite(sources.SPRAVATO_INTERACTIONS, sources.SPRAVATO_REMS_FORM),
    )
    found += _class_flag(
        assessment,
        DrugClass.OPIOID,
        "interaction.opioid",
        "Opioid ({names}): adds to ketamine's sedation.",
        sources.SPRAVATO_INTERACTIONS,
    )
    found += _class_flag(
        assessment,
        DrugClass.STIMULANT,
        "interaction.stimulant",
        "Psychostimulant ({names}): may add to ketamine's rise in blood pressure.",
        cite(sources.SPRAVATO_INTERACTIONS, sources.SPRAVATO_REMS_FORM),
    )
    found += _class_flag(
        assessment,
        DrugClass.MAOI,
        "interaction.maoi",
        "MAOI ({names}): may add to ketamine's rise in blood pressure (case reports with "
        "tranylcypromine showed no relevant change, but the label flags it).",
        cite(sources.SPRAVATO_INTERACTIONS, sources.BAKKER_2021),
    )
    found += _class_flag(
        assessment,
        DrugClass.LAMOTRIGINE,
        "interaction.lamotrigine",
        "Lamotrigine ({names}): may weaken ketamine's effect (seen in 2 of 5 studies).",
        cite(sources.ANDRADE_INTERACTIONS, sources.BAKKER_2021),
    )
    if route.is_racemic:
        found += _class_flag(
            assessment,
            DrugClass.THEOPHYLLINE,
            "interaction.theophylline",
            "Theophylline or aminophylline ({names}): flagged with ketamine on the racemic "
            "label (probably a lower seizure threshold; check the label wording).",
            sources.KETALAR_LABEL,
        )
    found += _cyp(assessment)
    found += _alcohol(assessment)
    return found
