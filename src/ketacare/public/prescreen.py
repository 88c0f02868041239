"""The public pre-screen: a visitor's answers in, one plain-words outcome with reasons out.

Pure Python: it builds the clinical core's `Assessment` from the answers, lets the eligibility
rules judge it, and turns the findings into sentences a worried person can read. It never
diagnoses; it only says whether a consultation looks like a sensible next step. Work-up items
(blood pressure, rating scales, tests) are the clinic's job and do not change the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ketacare.clinical import eligibility as rules

ADULT_AGE_YEARS = 18  # the clinical guidance describes adults (reference.md section 1, S27)


class Outcome(StrEnum):
    WORTH_A_CONSULTATION = "worth_a_consultation"
    TALK_WITH_YOUR_DOCTOR = "talk_with_your_doctor"
    NOT_NOW = "not_now"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.WORTH_A_CONSULTATION: "Worth a consultation",
    Outcome.TALK_WITH_YOUR_DOCTOR: "Talk with your doctor first",
    Outcome.NOT_NOW: "Probably not the right next step now",
}

SEEKING = {
    "depression": rules.Indication.MAJOR_DEPRESSIVE_DISORDER,
    "bipolar_depression": rules.Indication.BIPOLAR_DEPRESSION,
    "chronic_pain": rules.Indication.CHRONIC_PAIN,
    "anxiety": rules.Indication.OTHER,
    "ptsd": rules.Indication.OTHER,
    "other": rules.Indication.OTHER,
}
TRIAL_OUTCOMES = {
    "no": rules.TrialOutcome.NO_RESPONSE,
    "a_little": rules.TrialOutcome.PARTIAL_RESPONSE,
    "yes": rules.TrialOutcome.RESPONSE,
    "not_tolerated": rules.TrialOutcome.NOT_TOLERATED,
    "not_sure": rules.TrialOutcome.UNKNOWN,
}
PREGNANCY = {
    "pregnant": rules.PregnancyStatus.PREGNANT,
    "maybe": rules.PregnancyStatus.UNKNOWN,
    "no": rules.PregnancyStatus.NOT_PREGNANT,
    "not_applicable": rules.PregnancyStatus.NOT_APPLICABLE,
}
BLOOD_PRESSURE = {
    "normal": frozenset[rules.Condition](),
    "treated": frozenset({rules.Condition.KNOWN_HYPERTENSION}),
    "uncontrolled": frozenset(
        {rules.Condition.UNCONTROLLED_HYPERTENSION, rules.Condition.KNOWN_HYPERTENSION}
    ),
    "not_sure": frozenset[rules.Condition](),
}
CONDITIONS = {
    "psychosis_or_mania": frozenset(
        {rules.Condition.ACTIVE_PSYCHOSIS, rules.Condition.ACTIVE_MANIA}
    ),
    "aneurysm": frozenset({rules.Condition.ANEURYSMAL_VASCULAR_DISEASE}),
    "avm": frozenset({rules.Condition.ARTERIOVENOUS_MALFORMATION}),
    "brain_bleed": frozenset({rules.Condition.INTRACEREBRAL_HAEMORRHAGE_HISTORY}),
    "heart_disease": frozenset({rules.Condition.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE}),
    "stroke": frozenset({rules.Condition.CEREBROVASCULAR_ACCIDENT}),
    "substance_use": frozenset({rules.Condition.ACTIVE_SUBSTANCE_USE_DISORDER}),
    "breastfeeding": frozenset({rules.Condition.BREASTFEEDING}),
}
MEDICINES = {
    "benzodiazepine": rules.DrugClass.BENZODIAZEPINE,
    "maoi": rules.DrugClass.MAOI,
    "stimulant": rules.DrugClass.STIMULANT,
    "opioid": rules.DrugClass.OPIOID,
    "lamotrigine": rules.DrugClass.LAMOTRIGINE,
    "sleeping_pill": rules.DrugClass.NONBENZO_HYPNOTIC,
}

# What a rule's finding means for the visitor, in plain words. Never a diagnosis.
RULE_WORDS = {
    "condition.pregnancy": "Ketamine therapy is not given during pregnancy.",
    "condition.arteriovenous_malformation": (
        "Ketamine raises blood pressure for a while, which is risky with a blood-vessel "
        "problem in the brain (AVM)."
    ),
    "condition.aneurysmal_vascular_disease": (
        "Ketamine raises blood pressure for a while, which is risky with an aneurysm."
    ),
    "condition.intracerebral_haemorrhage_history": (
        "Ketamine raises blood pressure for a while, which is risky after a bleed in the brain."
    ),
    "condition.uncontrolled_hypertension": (
        "Your blood pressure needs to be under control first, because ketamine raises it "
        "for a while."
    ),
    "condition.severe_coronary_or_myocardial_disease": (
        "A serious heart condition needs a doctor's review first, because ketamine makes the "
        "heart work harder for a while."
    ),
    "condition.cerebrovascular_accident": "A past stroke needs a doctor's review first.",
    "condition.active_psychosis": (
        "Ketamine can make psychosis or mania worse. That needs care from your own doctor first."
    ),
    "condition.active_mania": (
        "Ketamine can make psychosis or mania worse. That needs care from your own doctor first."
    ),
    "condition.active_substance_use_disorder": (
        "Ketamine can be misused. A problem with alcohol or drugs right now needs help first."
    ),
    "condition.breastfeeding": (
        "Breastfeeding matters for some forms of ketamine. A clinician will talk it through."
    ),
}
_BENZODIAZEPINE_NOTE = (
    "You take a benzodiazepine. Bring your medicine list: it can make you sleepier and may "
    "weaken the effect of ketamine. Do not stop it on your own."
)
NOTE_WORDS = {
    "interaction.benzodiazepine_sedation": _BENZODIAZEPINE_NOTE,
    "interaction.benzodiazepine_reduced_effect": _BENZODIAZEPINE_NOTE,
    "interaction.maoi": (
        "You take an MAOI. Bring your medicine list: together with ketamine it can raise "
        "blood pressure."
    ),
    "interaction.stimulant": (
        "You take a stimulant. Bring your medicine list: together with ketamine it can raise "
        "blood pressure."
    ),
    "interaction.opioid": (
        "You take an opioid pain medicine. Bring your medicine list: together with ketamine "
        "it can make you sleepier."
    ),
    "interaction.lamotrigine": (
        "You take lamotrigine. Bring your medicine list: it may weaken the effect of ketamine."
    ),
    "interaction.nonbenzo_hypnotic": (
        "You take a sleeping pill. Bring your medicine list: it can make you sleepier."
    ),
    "caution.age_bp_rise": "Your blood pressure will be checked with extra care.",
    "caution.hypertension_bp_rise": (
        "You have high blood pressure. It will be checked before and during each session."
    ),
    "workup.pregnancy_test": "If you could be pregnant, the clinic will ask for a pregnancy test.",
}
_CONDITION_FALLBACK = "Something you told us about your health needs a doctor's review first."
_MEDICINE_FALLBACK = "Bring your medicine list: a clinician will check how it fits with ketamine."


@dataclass(frozen=True)
class Answers:
    """The pre-screen's answers, already checked by the form (codes from the maps above)."""

    seeking: frozenset[str]
    antidepressants_tried: int  # 3 means "three or more"
    taken_properly: str  # "yes" | "no" | "not_sure": long enough at a full dose
    helped: str  # a key of TRIAL_OUTCOMES
    pregnancy: str  # a key of PREGNANCY
    blood_pressure: str  # a key of BLOOD_PRESSURE
    conditions: frozenset[str] = frozenset()
    medicines: frozenset[str] = frozenset()
    age: int = 0


@dataclass(frozen=True)
class PrescreenResult:
    outcome: Outcome
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return self.outcome.label


def to_assessment(answers: Answers, thresholds: rules.Thresholds) -> rules.Assessment:
    """The core's assessment: unknown clinic values (blood pressure, scales) are left unknown."""
    proper = answers.taken_properly == "yes"
    weeks = Decimal(thresholds.trd_full_trial_weeks) if proper else None
    trials = tuple(
        rules.AntidepressantTrial(
            drug=f"antidepressant {number}",
            adequate_dose=proper,
            outcome=TRIAL_OUTCOMES[answers.helped],
            duration_weeks=weeks,
        )
        for number in range(1, answers.antidepressants_tried + 1)
    )
    conditions: set[rules.Condition] = set(BLOOD_PRESSURE[answers.blood_pressure])
    for code in answers.conditions:
        conditions |= CONDITIONS[code]
    return rules.Assessment(
        age_years=answers.age,
        pregnancy=PREGNANCY[answers.pregnancy],
        alcohol_use=rules.AlcoholUse.UNKNOWN,
        plan=rules.PlannedTreatment(serial=True, frequent_high_dose=False),
        indications=frozenset(SEEKING[code] for code in answers.seeking),
        conditions=frozenset(conditions),
        medications=tuple(
            rules.Medication(name=code.replace("_", " "), drug_class=MEDICINES[code])
            for code in sorted(answers.medicines)
        ),
        trials=trials,
    )


def _unique(sentences: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(sentences))


def explain(answers: Answers, report: rules.EligibilityReport) -> PrescreenResult:
    """Turn the core's report into one of three outcomes with reasons in plain words."""
    blocked = [rv for rv in report.routes if rv.verdict is rules.Verdict.NOT_ELIGIBLE]
    condition_findings = [
        f
        for rv in report.routes
        for f in rv.findings
        if f.rule_id.startswith("condition.")
        and f.severity in (rules.Severity.CONTRAINDICATION, rules.Severity.CAUTION)
    ]
    concerns = _unique([RULE_WORDS.get(f.rule_id, _CONDITION_FALLBACK) for f in condition_findings])
    notes = _unique(
        [
            NOTE_WORDS.get(f.rule_id, _MEDICINE_FALLBACK)
            for rv in report.routes
            for f in rv.findings
            if f.rule_id in NOTE_WORDS
            or (f.rule_id.startswith("interaction.") and f.severity is rules.Severity.CAUTION)
        ]
    )
    if blocked and len(blocked) == len(report.routes):
        return PrescreenResult(Outcome.NOT_NOW, concerns, notes)
    if concerns:
        return PrescreenResult(Outcome.TALK_WITH_YOUR_DOCTOR, concerns, notes)
    if answers.age < ADULT_AGE_YEARS:
        reason = "Ketamine therapy has mostly been studied in adults. Your own doctor can advise."
        return PrescreenResult(Outcome.TALK_WITH_YOUR_DOCTOR, (reason,), notes)
    trd = report.trd
    depression = bool(
        {rules.Indication(SEEKING[c]) for c in answers.seeking} & rules.DEPRESSIVE_INDICATIONS
    )
    if depression and trd.adequate_trials < trd.required_trials:
        reason = (
            "Ketamine is usually considered for depression after at least "
            f"{trd.required_trials} medicines, each taken long enough at a full dose, have not "
            f"helped enough. You told us about {trd.adequate_trials} like that. Your own doctor "
            "can help you with the next step."
        )
        return PrescreenResult(Outcome.TALK_WITH_YOUR_DOCTOR, (reason,), notes)
    reasons: list[str] = []
    if depression:
        reasons.append(
            f"You have tried {trd.adequate_trials} medicines for depression without enough "
            "relief. That is when ketamine therapy is usually considered."
        )
    else:
        reasons.append(
            "Ketamine is sometimes used for what you are seeking help with. A clinician can "
            "tell you what the evidence says for you."
        )
    reasons.append(
        "Nothing you told us rules ketamine therapy out. A clinician will check your history "
        "and medicines."
    )
    return PrescreenResult(Outcome.WORTH_A_CONSULTATION, tuple(reasons), notes)


def prescreen(answers: Answers, thresholds: rules.Thresholds | None = None) -> PrescreenResult:
    judged = thresholds if thresholds is not None else rules.Thresholds()
    report = rules.evaluate(to_assessment(answers, judged), judged)
    return explain(answers, report)
