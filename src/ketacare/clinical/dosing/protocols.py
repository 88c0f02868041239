"""Dosing protocols as data: route, indication, dose basis, default, warn and block limits,
duration, rounding step and schedule settings, each number with its source.

Where ../shared/clinical/reference.md gives no number (a rounding step, a hard limit for
sublingual ketamine, ...) the field is None in the shipped protocol and named in `required`;
`calculate` refuses such a protocol (`ProtocolNotConfigured`) until the organisation sets the
value with `Protocol.configure(...)`. Nothing here is a number the reference does not give.

Body-weight basis: reference.md names only actual body weight (rule 1: "0.5 mg/kg (actual body
weight)") and gives no ideal or adjusted body-weight formula, so `WeightBasis` has one member.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from ketacare.clinical.dosing import sources
from ketacare.clinical.dosing.esketamine import EsketamineRegimen
from ketacare.clinical.dosing.quantities import (
    Dose,
    MgPerKg,
    MgPerKgPerHour,
    Milligrams,
    Minutes,
    PercentStrength,
)


class ProtocolNotConfigured(ValueError):
    """A protocol setting the reference gives no number for has not been set by the clinic."""


class Drug(StrEnum):
    RACEMIC_KETAMINE = "racemic ketamine"
    ESKETAMINE = "esketamine"


class Route(StrEnum):
    IV_INFUSION = "intravenous infusion"
    IV_BOLUS = "intravenous bolus"
    INTRAMUSCULAR = "intramuscular"
    SUBCUTANEOUS = "subcutaneous"
    SUBLINGUAL = "sublingual"
    ORAL = "oral"
    INTRANASAL = "intranasal"
    TOPICAL = "topical"


class DoseBasis(StrEnum):
    PER_KG = "mg/kg"
    PER_KG_PER_HOUR = "mg/kg/h"
    FIXED_MG = "mg"
    DEVICES = "28 mg devices"
    STRENGTH = "% w/w"

    @property
    def uses_weight(self) -> bool:
        return self in (DoseBasis.PER_KG, DoseBasis.PER_KG_PER_HOUR)

    def accepts(self, dose: object) -> bool:
        expected = {
            DoseBasis.PER_KG: MgPerKg,
            DoseBasis.PER_KG_PER_HOUR: MgPerKgPerHour,
            DoseBasis.FIXED_MG: Milligrams,
            DoseBasis.DEVICES: Milligrams,
            DoseBasis.STRENGTH: PercentStrength,
        }[self]
        return isinstance(dose, expected)


class WeightBasis(StrEnum):
    # reference.md rule 1 gives actual body weight; no IBW/AdjBW formula is in the references.
    ACTUAL = "actual body weight"


class SaltForm(StrEnum):
    HYDROCHLORIDE = "hydrochloride salt"
    BASE = "base"


def magnitude(dose: Dose | PercentStrength) -> Decimal:
    """The number in a dose, for comparing two doses of the same type."""
    if isinstance(dose, MgPerKg):
        return dose.mg_per_kg
    if isinstance(dose, MgPerKgPerHour):
        return dose.mg_per_kg_per_h
    if isinstance(dose, Milligrams):
        return dose.mg
    return dose.percent


@dataclass(frozen=True)
class Limit:
    """A warn or block threshold. `at_equal`: the threshold itself already triggers (">=")."""

    dose: Dose | PercentStrength
    source: str
    at_equal: bool = False

    def exceeded_by(self, value: Decimal) -> bool:
        threshold = magnitude(self.dose)
        return value >= threshold if self.at_equal else value > threshold

    def describe(self) -> str:
        return f"{'≥' if self.at_equal else '>'} {self.dose}"


@dataclass(frozen=True)
class DoseRange:
    low: Dose
    high: Dose
    source: str


@dataclass(frozen=True)
class CumulativeLimit:
    """At most `max_total` within any `window_days` days, this session included."""

    max_total: Milligrams
    window_days: int
    source: str


@dataclass(frozen=True)
class Protocol:
    key: str
    name: str
    drug: Drug
    route: Route
    indication: str
    dose_basis: DoseBasis
    source: str
    weight_basis: WeightBasis = WeightBasis.ACTUAL
    salt_form: SaltForm | None = None
    salt_source: str = sources.ORGANISATION_SETTING
    default_dose: Dose | None = None
    soft_min: Limit | None = None  # warn below
    soft_max: Limit | None = None  # warn above
    hard_limit: Limit | None = None  # block above (or at, when at_equal)
    duration: Minutes | None = None
    min_duration: Minutes | None = None  # warn when the planned duration is shorter
    min_duration_source: str = ""
    rounding_step: Milligrams | None = None
    studied_range: DoseRange | None = None  # warn outside
    titration_steps: tuple[MgPerKg, ...] = ()
    titration_source: str = ""
    allow_28_mg: bool = False  # esketamine, non-US label only [S3b]
    esketamine_regimen: EsketamineRegimen | None = None  # which label schedule applies
    graded_by_indication: bool = False  # IV pain: show the evidence grade [S2a, S2b]
    guideline_min_total: Milligrams | None = None  # pain infusion note [S2a]
    guideline_min_duration: Minutes | None = None  # pain infusion note [S2a]
    session_max: Limit | None = None  # optional per-session mg cap (organisation)
    cumulative_limit: CumulativeLimit | None = None  # optional (organisation)
    max_strength: Limit | None = None  # topical
    notes: tuple[str, ...] = ()  # always shown as warnings, e.g. FDA warnings
    notes_source: str = ""
    required: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("default_dose",):
            value = getattr(self, name)
            if value is not None and not self.dose_basis.accepts(value):
                raise TypeError(f"{self.key}: {name} must be in {self.dose_basis}.")
        for name in ("soft_min", "soft_max", "hard_limit"):
            limit = getattr(self, name)
            if limit is not None and not self.dose_basis.accepts(limit.dose):
                raise TypeError(f"{self.key}: {name} must be in {self.dose_basis}.")

    def missing_settings(self) -> tuple[str, ...]:
        """The settings the reference gives no number for and the clinic has not set yet."""
        return tuple(sorted(name for name in self.required if getattr(self, name) is None))

    def configure(
        self,
        *,
        rounding_step: Milligrams | None = None,
        soft_max: Dose | None = None,
        hard_limit: Dose | None = None,
        salt_form: SaltForm | None = None,
        max_strength: PercentStrength | None = None,
        session_max: Milligrams | None = None,
        cumulative_limit: CumulativeLimit | None = None,
    ) -> Protocol:
        """The protocol with the organisation's settings (the Django side audits the change).
        A setting given here replaces the shipped default and is cited as the organisation's."""
        org = sources.ORGANISATION_SETTING
        changes: dict[str, object] = {}
        if rounding_step is not None:
            if rounding_step.mg == 0:
                raise ValueError("A rounding step must be greater than zero.")
            changes["rounding_step"] = rounding_step
        if soft_max is not None:
            changes["soft_max"] = Limit(soft_max, org)
        if hard_limit is not None:
            changes["hard_limit"] = Limit(hard_limit, org)
        if salt_form is not None:
            changes["salt_form"] = salt_form
            changes["salt_source"] = org
        if max_strength is not None:
            changes["max_strength"] = Limit(max_strength, org)
        if session_max is not None:
            changes["session_max"] = Limit(session_max, org)
        if cumulative_limit is not None:
            changes["cumulative_limit"] = cumulative_limit
        return replace(self, **changes)  # type: ignore[arg-type]


def _mgkg(value: str) -> MgPerKg:
    return MgPerKg(Decimal(value))


def _mg(value: str) -> Milligrams:
    return Milligrams(Decimal(value))


_RACEMIC_REQUIRED = frozenset({"rounding_step", "hard_limit", "salt_form"})

IV_DEPRESSION = Protocol(
    key="iv_racemic_depression",
    name="IV racemic ketamine for depression",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.IV_INFUSION,
    indication="depression (major depressive episode)",
    dose_basis=DoseBasis.PER_KG,
    source=sources.SANACORA_DOSE,
    # source: Sanacora 2017 via Medscape [S1a]: "ketamine HCl 0.5 mg/kg IV over 40 minutes"
    salt_form=SaltForm.HYDROCHLORIDE,
    salt_source=sources.SANACORA_DOSE,
    default_dose=_mgkg("0.5"),  # source: S1a, S6
    soft_max=Limit(_mgkg("0.75"), sources.RULE_1),  # source: rule 1 (range 0.1-0.75 [S6])
    hard_limit=Limit(_mgkg("1.0"), sources.RULE_1, at_equal=True),  # source: rule 1, S12
    duration=Minutes(Decimal(40)),  # source: S1a, S6
    min_duration=Minutes(Decimal(40)),  # source: rule 1 (configured minimum, default 40 min)
    min_duration_source=sources.RULE_1,
    required=frozenset({"rounding_step"}),
)

IV_PAIN_BOLUS = Protocol(
    key="iv_racemic_pain_bolus",
    name="IV racemic ketamine bolus for chronic pain",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.IV_BOLUS,
    indication="chronic pain",
    dose_basis=DoseBasis.PER_KG,
    source=sources.COHEN_2018,
    soft_max=Limit(_mgkg("0.35"), sources.RULE_2),  # source: Cohen 2018 [S2a], bolus ≤0.35
    graded_by_indication=True,
    required=_RACEMIC_REQUIRED,
)

IV_PAIN_INFUSION = Protocol(
    key="iv_racemic_pain_infusion",
    name="IV racemic ketamine infusion for chronic pain",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.IV_INFUSION,
    indication="chronic pain",
    dose_basis=DoseBasis.PER_KG_PER_HOUR,
    source=sources.COHEN_2018,
    soft_min=Limit(MgPerKgPerHour(Decimal("0.5")), sources.RULE_2),  # source: S2a 0.5-2
    soft_max=Limit(MgPerKgPerHour(Decimal("2")), sources.RULE_2),  # source: S2a 0.5-2
    guideline_min_total=_mg("80"),  # source: Cohen 2018 [S2a] total ≥80 mg
    guideline_min_duration=Minutes(Decimal(120)),  # source: Cohen 2018 [S2a] over >2 h
    graded_by_indication=True,
    required=_RACEMIC_REQUIRED,
)

ESKETAMINE_TRD = Protocol(
    key="intranasal_esketamine_trd",
    name="Intranasal esketamine (Spravato) for treatment-resistant depression",
    drug=Drug.ESKETAMINE,
    route=Route.INTRANASAL,
    indication="treatment-resistant depression",
    dose_basis=DoseBasis.DEVICES,
    source=sources.SPRAVATO_DOSING,
    # source: pharmacokinetics.md: 28 mg esketamine (base) = 32.3 mg esketamine HCl per device
    salt_form=SaltForm.BASE,
    salt_source=sources.SALT_VS_BASE,
    default_dose=_mg("56"),  # source: S3a day-1 dose
    hard_limit=Limit(_mg("84"), sources.SPRAVATO_DOSING),  # source: S3a, 56 or 84 mg
    rounding_step=_mg("28"),  # source: S3a/S3b, 28 mg per device, 28 mg steps
    esketamine_regimen=EsketamineRegimen.TRD,
)

ESKETAMINE_SUICIDAL_IDEATION = replace(
    ESKETAMINE_TRD,
    key="intranasal_esketamine_mdd_si",
    name="Intranasal esketamine (Spravato) for MDD with acute suicidal ideation or behaviour",
    indication="major depressive disorder with acute suicidal ideation or behaviour",
    source=sources.SPRAVATO_SUICIDAL_IDEATION,
    default_dose=_mg("84"),  # source: S3a, 84 mg twice weekly for 4 weeks
    hard_limit=Limit(_mg("84"), sources.SPRAVATO_SUICIDAL_IDEATION),  # source: S3a
    esketamine_regimen=EsketamineRegimen.SUICIDAL_IDEATION,
)

_IM_SC_TITRATION = tuple(_mgkg(v) for v in ("0.1", "0.2", "0.3", "0.4", "0.5"))  # source: S11

IM_DEPRESSION = Protocol(
    key="im_racemic_depression",
    name="IM racemic ketamine for depression (off-label)",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.INTRAMUSCULAR,
    indication="depression (off-label)",
    dose_basis=DoseBasis.PER_KG,
    source=sources.LOO_2016_TITRATION,
    studied_range=DoseRange(_mgkg("0.1"), _mgkg("0.5"), sources.LOO_2016_TITRATION),
    titration_steps=_IM_SC_TITRATION,
    titration_source=sources.LOO_2016_TITRATION,
    required=_RACEMIC_REQUIRED,
)

SC_DEPRESSION = Protocol(
    key="sc_racemic_depression",
    name="SC racemic ketamine for depression (off-label)",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.SUBCUTANEOUS,
    indication="depression (off-label)",
    dose_basis=DoseBasis.PER_KG,
    source=f"{sources.LOO_2016_TITRATION}; {sources.KADS_2023}",
    # source: S11 titration from 0.1; S11a flexible dosing up to 0.9 mg/kg
    studied_range=DoseRange(
        _mgkg("0.1"), _mgkg("0.9"), f"{sources.LOO_2016_TITRATION}; {sources.KADS_2023}"
    ),
    titration_steps=_IM_SC_TITRATION,
    titration_source=sources.LOO_2016_TITRATION,
    required=_RACEMIC_REQUIRED,
)

_FIXED_REQUIRED = frozenset({"rounding_step", "soft_max", "hard_limit", "salt_form"})

SUBLINGUAL = Protocol(
    key="sublingual_racemic_fixed",
    name="Sublingual racemic ketamine, fixed dose",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.SUBLINGUAL,
    indication="depression (experimental)",
    dose_basis=DoseBasis.FIXED_MG,
    source=sources.ANDRADE_ORAL,
    studied_range=DoseRange(_mg("25"), _mg("300"), sources.ANDRADE_ORAL),  # source: S5
    notes=("Compounded ketamine for psychiatric use at home: FDA warning (2023).",),
    notes_source=sources.FDA_COMPOUNDED,
    required=_FIXED_REQUIRED,
)

ORAL = replace(
    SUBLINGUAL,
    key="oral_racemic_fixed",
    name="Oral racemic ketamine, fixed dose",
    route=Route.ORAL,
)

INTRANASAL_COMPOUNDED = Protocol(
    key="intranasal_racemic_compounded",
    name="Intranasal racemic ketamine (compounded), fixed dose",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.INTRANASAL,
    indication="depression (off-label)",
    dose_basis=DoseBasis.FIXED_MG,
    source=sources.INTRANASAL_RACEMIC,
    studied_range=DoseRange(_mg("50"), _mg("75"), sources.INTRANASAL_RACEMIC),  # S10, S10a
    notes=("Compounded ketamine nasal spray is not FDA-approved and has no approved regimen.",),
    notes_source=sources.FDA_COMPOUNDED,
    required=_FIXED_REQUIRED,
)

TOPICAL_CREAM = Protocol(
    key="topical_racemic_cream",
    name="Topical racemic ketamine cream (pain)",
    drug=Drug.RACEMIC_KETAMINE,
    route=Route.TOPICAL,
    indication="neuropathic pain",
    dose_basis=DoseBasis.STRENGTH,
    source=sources.TOPICAL,
    required=frozenset({"max_strength"}),
)

SHIPPED_PROTOCOLS: dict[str, Protocol] = {
    p.key: p
    for p in (
        IV_DEPRESSION,
        IV_PAIN_BOLUS,
        IV_PAIN_INFUSION,
        ESKETAMINE_TRD,
        ESKETAMINE_SUICIDAL_IDEATION,
        IM_DEPRESSION,
        SC_DEPRESSION,
        SUBLINGUAL,
        ORAL,
        INTRANASAL_COMPOUNDED,
        TOPICAL_CREAM,
    )
}


def shipped_protocol(key: str) -> Protocol:
    try:
        return SHIPPED_PROTOCOLS[key]
    except KeyError:
        raise KeyError(f"No shipped dosing protocol {key!r}.") from None


class PainIndication(StrEnum):
    """The chronic-pain indications Cohen 2018 grades [S2a, S2b]."""

    CRPS = "complex regional pain syndrome"
    SPINAL_CORD_INJURY = "spinal cord injury pain"
    MIXED_NEUROPATHIC = "mixed neuropathic pain"
    PHANTOM_LIMB = "phantom limb pain"
    POSTHERPETIC_NEURALGIA = "postherpetic neuralgia"
    FIBROMYALGIA = "fibromyalgia"
    CANCER = "cancer pain"
    ISCHAEMIC = "ischaemic pain"
    MIGRAINE_HEADACHE = "migraine/headache"
    LOW_BACK_SPINAL = "low-back/spinal pain"


# source: Cohen 2018 [S2a, S2b]; reference.md rule 2 (CRPS = B; SCI = C; others = D)
EVIDENCE_GRADES: dict[PainIndication, str] = {
    PainIndication.CRPS: "B",
    PainIndication.SPINAL_CORD_INJURY: "C",
} | {
    indication: "D"
    for indication in PainIndication
    if indication not in (PainIndication.CRPS, PainIndication.SPINAL_CORD_INJURY)
}
# Other spellings a clinic writes for the same indication (matched whole, case-insensitive).
_PAIN_ALIASES: dict[str, PainIndication] = {
    "crps": PainIndication.CRPS,
    "spinal cord injury": PainIndication.SPINAL_CORD_INJURY,
    "sci": PainIndication.SPINAL_CORD_INJURY,
    "sci pain": PainIndication.SPINAL_CORD_INJURY,
    "phn": PainIndication.POSTHERPETIC_NEURALGIA,
    "migraine": PainIndication.MIGRAINE_HEADACHE,
    "headache": PainIndication.MIGRAINE_HEADACHE,
    "low-back pain": PainIndication.LOW_BACK_SPINAL,
    "low back pain": PainIndication.LOW_BACK_SPINAL,
    "spinal pain": PainIndication.LOW_BACK_SPINAL,
    "ischemic pain": PainIndication.ISCHAEMIC,
}


def pain_indication(text: str) -> PainIndication | None:
    """The graded indication a plan's indication names, matched whole (never by substring, so
    "not CRPS" is not CRPS); None when it names none of them."""
    key = " ".join(text.casefold().split())
    for indication in PainIndication:
        if key == indication.value:
            return indication
    return _PAIN_ALIASES.get(key)


def evidence_grade(indication: PainIndication | str) -> tuple[str, str]:
    """(grade, source) for an IV chronic-pain indication. Rule 2 shows D for every indication
    other than CRPS and spinal cord injury pain, including one Cohen 2018 does not name."""
    graded = indication if isinstance(indication, PainIndication) else pain_indication(indication)
    if graded is None:
        return "D", sources.RULE_2
    return EVIDENCE_GRADES[graded], sources.COHEN_2018_GRADES
