"""What the eligibility rules read: one structured assessment of a patient, in plain values.

The Django apps build an `Assessment` from the chart (problem list, medications, prior trials,
vital signs, results); the rules never look anything up themselves. Codes are StrEnums so that a
stored string ("arteriovenous_malformation") converts with `Condition(value)` and an unknown one
is a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ketacare.clinical.age import MAX_PLAUSIBLE_AGE_YEARS


class Route(StrEnum):
    """How ketamine would be given (the same ids as the app's Route choices)."""

    IV = "iv"
    IM_SC = "im_sc"
    ESKETAMINE = "esketamine"
    INTRANASAL_COMPOUNDED = "intranasal_compounded"
    SUBLINGUAL_ORAL = "sublingual_oral"
    TOPICAL = "topical"

    @property
    def is_racemic(self) -> bool:
        """Every route but intranasal esketamine gives racemic ketamine."""
        return self is not Route.ESKETAMINE


class Condition(StrEnum):
    """A condition recorded at assessment that an eligibility rule looks at.

    Record the most specific code that applies; codes do not imply one another except where a
    rule says so (e.g. uncontrolled hypertension also counts as known hypertension).
    """

    # On the esketamine label's contraindication list [S3f].
    ANEURYSMAL_VASCULAR_DISEASE = "aneurysmal_vascular_disease"  # aorta, intracranial, peripheral
    ARTERIOVENOUS_MALFORMATION = "arteriovenous_malformation"
    INTRACEREBRAL_HAEMORRHAGE_HISTORY = "intracerebral_haemorrhage_history"
    ESKETAMINE_HYPERSENSITIVITY = "esketamine_hypersensitivity"  # or to an excipient
    KETAMINE_HYPERSENSITIVITY = "ketamine_hypersensitivity"
    # A clinician's judgement that a blood-pressure rise would be a serious hazard [S12, S3].
    BP_RISE_SERIOUS_HAZARD = "bp_rise_serious_hazard"
    # Racemic guideline and label contraindications [S2a, S12].
    UNCONTROLLED_CARDIOVASCULAR_DISEASE = "uncontrolled_cardiovascular_disease"
    SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE = "severe_coronary_or_myocardial_disease"
    UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"
    CEREBROVASCULAR_ACCIDENT = "cerebrovascular_accident"
    CEREBRAL_TRAUMA = "cerebral_trauma"
    ECLAMPSIA_OR_PRE_ECLAMPSIA = "eclampsia_or_pre_eclampsia"
    ACTIVE_PSYCHOSIS = "active_psychosis"
    ACTIVE_MANIA = "active_mania"
    SEVERE_HEPATIC_DISEASE = "severe_hepatic_disease"
    MODERATE_HEPATIC_DISEASE = "moderate_hepatic_disease"
    RAISED_INTRACRANIAL_PRESSURE = "raised_intracranial_pressure"
    RAISED_INTRAOCULAR_PRESSURE = "raised_intraocular_pressure"
    ACTIVE_SUBSTANCE_USE_DISORDER = "active_substance_use_disorder"
    BREASTFEEDING = "breastfeeding"
    # Cautions and work-up triggers.
    KNOWN_HYPERTENSION = "known_hypertension"  # controlled or not
    CARDIOVASCULAR_RISK = "cardiovascular_risk"  # suspected or high: needs a baseline ECG
    LIVER_RISK = "liver_risk"  # e.g. chronic hepatitis: needs liver tests


class PregnancyStatus(StrEnum):
    PREGNANT = "pregnant"
    NOT_PREGNANT = "not_pregnant"  # established (by a test or otherwise) at this assessment
    UNKNOWN = "unknown"  # could be pregnant and not yet established: a test is required
    NOT_APPLICABLE = "not_applicable"  # cannot become pregnant


class DrugClass(StrEnum):
    """The classes the interaction screen looks at; the first six match the app's DrugClass."""

    BENZODIAZEPINE = "benzodiazepine"
    MAOI = "maoi"
    STIMULANT = "stimulant"  # amphetamines, methylphenidate, modafinil, armodafinil
    LAMOTRIGINE = "lamotrigine"
    OPIOID = "opioid"
    OTHER = "other"
    NONBENZO_HYPNOTIC = "nonbenzo_hypnotic"  # e.g. zolpidem, zopiclone
    THEOPHYLLINE = "theophylline"  # theophylline or aminophylline


class CypEffect(StrEnum):
    """A medicine's strong effect on the enzymes that clear ketamine (CYP2B6 and CYP3A4) [S7]."""

    CYP3A4_STRONG_INDUCER = "cyp3a4_strong_inducer"
    CYP3A4_STRONG_INHIBITOR = "cyp3a4_strong_inhibitor"
    CYP2B6_STRONG_INDUCER = "cyp2b6_strong_inducer"
    CYP2B6_STRONG_INHIBITOR = "cyp2b6_strong_inhibitor"


class AlcoholUse(StrEnum):
    NONE = "none"
    OCCASIONAL = "occasional"
    REGULAR = "regular"
    MISUSE = "misuse"  # counts as a liver risk for the liver-test rule [S2a]
    UNKNOWN = "unknown"


class Indication(StrEnum):
    MAJOR_DEPRESSIVE_DISORDER = "major_depressive_disorder"
    MDD_WITH_ACUTE_SUICIDAL_IDEATION = "mdd_with_acute_suicidal_ideation"
    BIPOLAR_DEPRESSION = "bipolar_depression"
    CHRONIC_PAIN = "chronic_pain"
    OTHER = "other"


DEPRESSIVE_INDICATIONS = frozenset(
    {
        Indication.MAJOR_DEPRESSIVE_DISORDER,
        Indication.MDD_WITH_ACUTE_SUICIDAL_IDEATION,
        Indication.BIPOLAR_DEPRESSION,
    }
)


class TrialOutcome(StrEnum):
    """How a prior antidepressant trial ended (the same ids as the app's TrialOutcome)."""

    NO_RESPONSE = "no_response"
    PARTIAL_RESPONSE = "partial_response"
    RESPONSE = "response"
    REMISSION = "remission"
    NOT_TOLERATED = "not_tolerated"
    UNKNOWN = "unknown"


class WorkupResult(StrEnum):
    NOT_DONE = "not_done"
    NORMAL = "normal"
    ABNORMAL = "abnormal"


class PregnancyTestResult(StrEnum):
    NOT_DONE = "not_done"
    NEGATIVE = "negative"
    POSITIVE = "positive"


def _finite_decimal(name: str, value: object, *, positive: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"The {name} must be a Decimal, not {value!r}.")
    number = Decimal(value)
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise ValueError(f"The {name} {value} is not a valid value.")
    return number


@dataclass(frozen=True)
class BloodPressure:
    """A seated baseline reading in mmHg."""

    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        for name, value in (("systolic", self.systolic_mmhg), ("diastolic", self.diastolic_mmhg)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 350:
                raise ValueError(f"A {name} pressure of {value!r} mmHg is not a valid reading.")
        if self.diastolic_mmhg >= self.systolic_mmhg:
            raise ValueError("The diastolic pressure must be below the systolic pressure.")

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg"


@dataclass(frozen=True)
class Medication:
    """A medicine the patient takes now.

    For a benzodiazepine give `diazepam_equivalent_mg_per_day` (as the registry stores it), or
    its generic `name` and `daily_dose_mg` for conversion with the Ashton table; when both are
    given, the entered equivalent is used.
    """

    name: str
    drug_class: DrugClass = DrugClass.OTHER
    daily_dose_mg: Decimal | None = None
    diazepam_equivalent_mg_per_day: Decimal | None = None
    cyp: frozenset[CypEffect] = frozenset()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("A medication needs a name.")
        object.__setattr__(self, "drug_class", DrugClass(self.drug_class))
        object.__setattr__(self, "cyp", frozenset(CypEffect(code) for code in self.cyp))
        if self.daily_dose_mg is not None:
            _finite_decimal("daily dose in mg", self.daily_dose_mg, positive=False)
        if self.diazepam_equivalent_mg_per_day is not None:
            if self.drug_class is not DrugClass.BENZODIAZEPINE:
                raise ValueError(
                    f"{self.name}: a diazepam-equivalent dose only applies to a benzodiazepine."
                )
            _finite_decimal(
                "diazepam-equivalent dose", self.diazepam_equivalent_mg_per_day, positive=False
            )


@dataclass(frozen=True)
class AntidepressantTrial:
    """A prior antidepressant trial: give `duration_weeks`, or both `start_date` and `end_date`
    (an ongoing trial ends on the assessment day), or neither when the length is unknown."""

    drug: str
    adequate_dose: bool
    outcome: TrialOutcome
    current_episode: bool = True
    duration_weeks: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None

    def __post_init__(self) -> None:
        if not self.drug.strip():
            raise ValueError("An antidepressant trial needs the drug's name.")
        object.__setattr__(self, "outcome", TrialOutcome(self.outcome))
        dated = self.start_date is not None or self.end_date is not None
        if self.duration_weeks is not None and dated:
            raise ValueError(
                f"{self.drug}: give the trial's length in weeks or its dates, not both."
            )
        if self.duration_weeks is not None:
            _finite_decimal("trial length in weeks", self.duration_weeks, positive=False)
        if (
            self.start_date is not None
            and self.end_date is not None
            and self.end_date < self.start_date
        ):
            raise ValueError(f"{self.drug}: the trial ends before it starts.")

    @property
    def weeks(self) -> Decimal | None:
        """The trial's length in weeks (exact, from days / 7 when dated), None when unknown."""
        if self.duration_weeks is not None:
            return Decimal(self.duration_weeks)
        if self.start_date is None or self.end_date is None:
            return None
        return Decimal((self.end_date - self.start_date).days) / Decimal(7)


@dataclass(frozen=True)
class PlannedTreatment:
    """What the prescriber intends, as far as the rules need it.

    `frequent_high_dose` is the prescriber's judgement: reference.md (Cohen 2018) asks for liver
    tests before "frequent high-dose infusions" but gives no frequency or dose that defines it,
    and a single mg/kg cut-off could not serve routes whose bioavailability differs several-fold.
    """

    serial: bool  # a series of treatments rather than a single one
    frequent_high_dose: bool


@dataclass(frozen=True)
class WorkupResults:
    ecg: WorkupResult = WorkupResult.NOT_DONE
    liver_function_tests: WorkupResult = WorkupResult.NOT_DONE
    pregnancy_test: PregnancyTestResult = PregnancyTestResult.NOT_DONE
    baseline_depression_scale_recorded: bool = False  # a baseline MADRS or PHQ-9

    def __post_init__(self) -> None:
        object.__setattr__(self, "ecg", WorkupResult(self.ecg))
        object.__setattr__(self, "liver_function_tests", WorkupResult(self.liver_function_tests))
        object.__setattr__(self, "pregnancy_test", PregnancyTestResult(self.pregnancy_test))


@dataclass(frozen=True)
class Assessment:
    """One patient's eligibility assessment.

    Give `weight_kg` and `height_cm`, or `bmi` when only the index is known, not both.
    """

    age_years: int
    pregnancy: PregnancyStatus
    alcohol_use: AlcoholUse
    plan: PlannedTreatment
    indications: frozenset[Indication] = frozenset()
    conditions: frozenset[Condition] = frozenset()
    medications: tuple[Medication, ...] = ()
    trials: tuple[AntidepressantTrial, ...] = ()
    blood_pressure: BloodPressure | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    bmi: Decimal | None = None
    workup: WorkupResults = field(default_factory=WorkupResults)

    def __post_init__(self) -> None:
        age = self.age_years
        if isinstance(age, bool) or not isinstance(age, int):
            raise ValueError(f"The age must be a whole number of years, not {age!r}.")
        if not 0 <= age <= MAX_PLAUSIBLE_AGE_YEARS:
            raise ValueError(f"An age of {age} years is not plausible.")
        object.__setattr__(self, "pregnancy", PregnancyStatus(self.pregnancy))
        object.__setattr__(self, "alcohol_use", AlcoholUse(self.alcohol_use))
        object.__setattr__(self, "indications", frozenset(Indication(i) for i in self.indications))
        object.__setattr__(self, "conditions", frozenset(Condition(c) for c in self.conditions))
        object.__setattr__(self, "medications", tuple(self.medications))
        object.__setattr__(self, "trials", tuple(self.trials))
        for name in ("weight_kg", "height_cm", "bmi"):
            value = getattr(self, name)
            if value is not None:
                _finite_decimal(name.replace("_", " "), value, positive=True)
        if self.bmi is not None and (self.weight_kg is not None and self.height_cm is not None):
            raise ValueError("Give the weight and height or the BMI, not both.")

    @property
    def body_mass_index(self) -> Decimal | None:
        """BMI in kg/m², exact (not rounded), or None when it cannot be known."""
        if self.bmi is not None:
            return Decimal(self.bmi)
        if self.weight_kg is None or self.height_cm is None:
            return None
        metres = Decimal(self.height_cm) / 100
        return Decimal(self.weight_kg) / (metres * metres)

    def taking(self, drug_class: DrugClass) -> tuple[Medication, ...]:
        return tuple(m for m in self.medications if m.drug_class is drug_class)

    def taking_cyp(self, effect: CypEffect) -> tuple[Medication, ...]:
        return tuple(m for m in self.medications if effect in m.cyp)

    def has(self, *conditions: Condition) -> bool:
        """Whether any of `conditions` is recorded."""
        return not self.conditions.isdisjoint(conditions)
