"""Contraindications and condition cautions, route by route.

Each recorded condition has one rule (`condition.<code>`) whose effect differs between
intranasal esketamine and the racemic routes. The esketamine label's list [S3f] blocks
esketamine; the racemic guideline and label [S2a, S12] block the racemic routes. Where only the
other product's sources name a condition, the route gets a caution so the prescriber judges it,
rather than silence or an unsourced block.

The racemic label's limits apply to every racemic route, topical included (reference.md,
section 1); the topical route also carries an information note on its low absorption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import (
    Assessment,
    Condition,
    PregnancyStatus,
    PregnancyTestResult,
    Route,
)
from ketacare.clinical.eligibility.report import Finding, Severity

CI = Severity.CONTRAINDICATION
CAUTION = Severity.CAUTION
cite = sources.cite


@dataclass(frozen=True)
class Effect:
    severity: Severity
    message: str
    source: str


@dataclass(frozen=True)
class ConditionRule:
    racemic: Effect | None
    esketamine: Effect | None

    def effect_for(self, route: Route) -> Effect | None:
        return self.racemic if route.is_racemic else self.esketamine


def _bp_hazard_caution(what: str) -> Effect:
    return Effect(
        CAUTION,
        f"{what}: ketamine raises blood pressure, and the racemic label rules it out wherever a "
        "rise would be a serious hazard. The prescriber must judge that hazard for this patient "
        "(the esketamine label contraindicates this condition outright).",
        cite(sources.KETALAR_LABEL, sources.SPRAVATO_CONTRAINDICATIONS),
    )


def _esketamine_bp_caution(what: str) -> Effect:
    return Effect(
        CAUTION,
        f"{what}: the esketamine label asks the prescriber to weigh the short-term rise in "
        "blood pressure against the benefit, and not to dose if the rise would be a serious "
        "risk.",
        sources.SPRAVATO_BP,
    )


def _esketamine_label(what: str) -> Effect:
    return Effect(
        CI,
        f"{what} is on the esketamine label's contraindication list.",
        sources.SPRAVATO_CONTRAINDICATIONS,
    )


def _uk_smpc(what: str) -> Effect:
    return Effect(
        CI,
        f"{what} is a contraindication in the UK racemic ketamine SmPC.",
        sources.KETALAR_UK_SMPC,
    )


RULES: Mapping[Condition, ConditionRule] = MappingProxyType(
    {
        Condition.ANEURYSMAL_VASCULAR_DISEASE: ConditionRule(
            racemic=_bp_hazard_caution("Aneurysmal vascular disease"),
            esketamine=_esketamine_label(
                "Aneurysmal vascular disease (aortic, intracranial or peripheral)"
            ),
        ),
        Condition.ARTERIOVENOUS_MALFORMATION: ConditionRule(
            racemic=_bp_hazard_caution("Arteriovenous malformation"),
            esketamine=_esketamine_label("An arteriovenous malformation"),
        ),
        Condition.INTRACEREBRAL_HAEMORRHAGE_HISTORY: ConditionRule(
            racemic=Effect(
                CI,
                "A past intracerebral haemorrhage is a cerebrovascular accident, which the UK "
                "racemic ketamine SmPC lists as a contraindication.",
                sources.KETALAR_UK_SMPC,
            ),
            esketamine=_esketamine_label("A past intracerebral haemorrhage"),
        ),
        Condition.ESKETAMINE_HYPERSENSITIVITY: ConditionRule(
            racemic=Effect(
                CI,
                "Racemic ketamine is half esketamine, so a known esketamine hypersensitivity "
                "falls under the racemic label's hypersensitivity contraindication.",
                cite(sources.KETALAR_LABEL, sources.RACEMIC_IS_HALF_ESKETAMINE),
            ),
            esketamine=_esketamine_label("Hypersensitivity to esketamine or an excipient"),
        ),
        Condition.KETAMINE_HYPERSENSITIVITY: ConditionRule(
            racemic=Effect(
                CI,
                "Known hypersensitivity to ketamine is a contraindication on the racemic label.",
                sources.KETALAR_LABEL,
            ),
            esketamine=_esketamine_label("Hypersensitivity to ketamine"),
        ),
        Condition.BP_RISE_SERIOUS_HAZARD: ConditionRule(
            racemic=Effect(
                CI,
                "A rise in blood pressure has been judged a serious hazard for this patient; the "
                "racemic label rules ketamine out in that case.",
                sources.KETALAR_LABEL,
            ),
            esketamine=Effect(
                CI,
                "A rise in blood pressure has been judged a serious hazard for this patient; the "
                "esketamine label says not to dose in that case.",
                sources.SPRAVATO_BP,
            ),
        ),
        Condition.UNCONTROLLED_CARDIOVASCULAR_DISEASE: ConditionRule(
            racemic=Effect(
                CI,
                "Poorly controlled cardiovascular disease is a contraindication in the racemic "
                "ketamine guideline.",
                sources.COHEN_2018,
            ),
            esketamine=_esketamine_bp_caution("Poorly controlled cardiovascular disease"),
        ),
        Condition.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE: ConditionRule(
            racemic=_uk_smpc("Severe coronary or myocardial disease"),
            esketamine=_esketamine_bp_caution("Severe coronary or myocardial disease"),
        ),
        Condition.UNCONTROLLED_HYPERTENSION: ConditionRule(
            racemic=Effect(
                CI,
                "Uncontrolled hypertension: a further rise in blood pressure would be a serious "
                "hazard, which rules out racemic ketamine.",
                cite(sources.KETALAR_LABEL, sources.COHEN_2018),
            ),
            esketamine=_esketamine_bp_caution("Uncontrolled hypertension"),
        ),
        Condition.CEREBROVASCULAR_ACCIDENT: ConditionRule(
            racemic=_uk_smpc("A cerebrovascular accident"),
            esketamine=_esketamine_bp_caution("A past cerebrovascular accident"),
        ),
        Condition.CEREBRAL_TRAUMA: ConditionRule(
            racemic=_uk_smpc("Cerebral trauma"),
            esketamine=Effect(
                CAUTION,
                "Cerebral trauma: the esketamine label says not to dose if a rise in blood or "
                "intracranial pressure would be a serious risk; the prescriber must judge it.",
                sources.SPRAVATO_BP,
            ),
        ),
        Condition.ECLAMPSIA_OR_PRE_ECLAMPSIA: ConditionRule(
            racemic=_uk_smpc("Eclampsia or pre-eclampsia"),
            esketamine=Effect(
                CI,
                "Eclampsia or pre-eclampsia: esketamine is not recommended in pregnancy, and a "
                "rise in blood pressure would be a serious risk.",
                cite(sources.SPRAVATO_INTERACTIONS, sources.SPRAVATO_BP),
            ),
        ),
        Condition.ACTIVE_PSYCHOSIS: ConditionRule(
            racemic=Effect(
                CI,
                "Active psychosis is a contraindication in the racemic ketamine guideline.",
                sources.COHEN_2018,
            ),
            esketamine=Effect(
                CAUTION,
                "Active psychosis: the esketamine sources here do not address it, but the "
                "racemic guideline rules ketamine out and the evidence for depression is in "
                "patients without psychotic features.",
                cite(sources.COHEN_2018, sources.SANACORA_SUMMARY),
            ),
        ),
        Condition.ACTIVE_MANIA: ConditionRule(
            racemic=Effect(
                CI,
                "Active mania: excluded for racemic ketamine by clinic policy (no guideline "
                "source in the reference; needs medical-director sign-off).",
                sources.UNCONFIRMED_MANIA,
            ),
            esketamine=Effect(
                CAUTION,
                "Active mania: no esketamine source in the reference; the clinic excludes it for "
                "racemic ketamine, so the prescriber must judge it.",
                sources.UNCONFIRMED_MANIA,
            ),
        ),
        Condition.SEVERE_HEPATIC_DISEASE: ConditionRule(
            racemic=Effect(
                CI,
                "Severe hepatic disease: the racemic ketamine guideline says to avoid ketamine.",
                sources.COHEN_2018,
            ),
            esketamine=Effect(
                CAUTION,
                "Severe hepatic disease: the reference holds no esketamine guidance; the racemic "
                "guideline says to avoid ketamine, so the prescriber must judge it.",
                sources.COHEN_2018,
            ),
        ),
        Condition.MODERATE_HEPATIC_DISEASE: ConditionRule(
            racemic=Effect(
                CAUTION,
                "Moderate hepatic disease: use only with caution and liver monitoring.",
                sources.COHEN_2018,
            ),
            esketamine=Effect(
                CAUTION,
                "Moderate hepatic disease: the racemic guideline asks for caution and liver "
                "monitoring; the reference holds no esketamine guidance.",
                sources.COHEN_2018,
            ),
        ),
        Condition.RAISED_INTRACRANIAL_PRESSURE: ConditionRule(
            racemic=Effect(
                CI,
                "Raised intracranial pressure: the racemic guideline says not to use ketamine "
                "(or only at low dose with extreme caution, which needs a prescriber override).",
                sources.COHEN_2018,
            ),
            esketamine=Effect(
                CI,
                "Raised intracranial pressure: the esketamine label says not to dose when a "
                "rise in intracranial pressure would be a serious risk.",
                sources.SPRAVATO_BP,
            ),
        ),
        Condition.RAISED_INTRAOCULAR_PRESSURE: ConditionRule(
            racemic=Effect(
                CI,
                "Raised intraocular pressure: the racemic guideline says not to use ketamine "
                "(or only at low dose with extreme caution, which needs a prescriber override).",
                sources.COHEN_2018,
            ),
            esketamine=Effect(
                CAUTION,
                "Raised intraocular pressure: ketamine can raise eye pressure and the racemic "
                "guideline advises against it; the reference holds no esketamine guidance.",
                cite(sources.KETALAR_LABEL, sources.COHEN_2018),
            ),
        ),
        Condition.BREASTFEEDING: ConditionRule(
            racemic=Effect(
                CAUTION,
                "Breastfeeding: the reference holds no racemic ketamine guidance; the esketamine "
                "label advises against use while breastfeeding.",
                sources.SPRAVATO_INTERACTIONS,
            ),
            esketamine=Effect(
                CI,
                "Breastfeeding: the esketamine label does not recommend use while breastfeeding.",
                sources.SPRAVATO_INTERACTIONS,
            ),
        ),
    }
)


def _substance_use(assessment: Assessment, route: Route) -> Finding | None:
    if Condition.ACTIVE_SUBSTANCE_USE_DISORDER not in assessment.conditions:
        return None
    rule_id = f"condition.{Condition.ACTIVE_SUBSTANCE_USE_DISORDER.value}"
    if not route.is_racemic:
        return Finding(
            rule_id,
            CAUTION,
            "Active substance use disorder: the esketamine label asks for an assessment of "
            "abuse and misuse risk before prescribing and monitoring throughout.",
            sources.SPRAVATO_LABEL,
        )
    if assessment.plan.serial:
        return Finding(
            rule_id,
            CI,
            "Active substance use disorder: the racemic guideline rules out a series of "
            "treatments.",
            sources.COHEN_2018,
        )
    return Finding(
        rule_id,
        CAUTION,
        "Active substance use disorder: a single treatment only, with precautions and "
        "monitoring for misuse; a series is ruled out.",
        sources.COHEN_2018,
    )


def is_pregnant(assessment: Assessment) -> bool:
    """Pregnant when recorded so or when a pregnancy test is positive (either is enough)."""
    return (
        assessment.pregnancy is PregnancyStatus.PREGNANT
        or assessment.workup.pregnancy_test is PregnancyTestResult.POSITIVE
    )


def _pregnancy(assessment: Assessment, route: Route) -> Finding | None:
    if not is_pregnant(assessment):
        return None
    basis = (
        "The pregnancy test is positive"
        if assessment.workup.pregnancy_test is PregnancyTestResult.POSITIVE
        else "The patient is pregnant"
    )
    if route.is_racemic:
        return Finding(
            "condition.pregnancy",
            CI,
            f"{basis}: pregnancy is a contraindication in the racemic ketamine guideline.",
            sources.COHEN_2018,
        )
    return Finding(
        "condition.pregnancy",
        CI,
        f"{basis}: the esketamine label does not recommend use in pregnancy.",
        sources.SPRAVATO_INTERACTIONS,
    )


def condition_findings(assessment: Assessment, route: Route) -> list[Finding]:
    """The contraindications and condition cautions for `route`."""
    found: list[Finding] = []
    for condition in sorted(assessment.conditions):
        rule = RULES.get(condition)
        effect = rule.effect_for(route) if rule is not None else None
        if effect is not None:
            found.append(
                Finding(
                    f"condition.{condition.value}", effect.severity, effect.message, effect.source
                )
            )
    for extra in (_substance_use(assessment, route), _pregnancy(assessment, route)):
        if extra is not None:
            found.append(extra)
    return found
