"""The treatment day's clinical rules: fasting, the pre-dose blood-pressure gate, vital-sign
plausibility and alerts, the monitoring cadence, esketamine device spacing, discharge readiness,
adverse-event grading and the extra-caution banner. Pure Python: no Django, no I/O.

The recovery scores themselves (modified Aldrete, adapted PADSS) are in
ketacare.clinical.recovery.
"""

from __future__ import annotations

from ketacare.clinical.treatment_day.adverse_events import (
    INCIDENT_REVIEW_FROM_GRADE,
    CtcaeGrade,
    ctcae_grade,
    needs_incident_review,
)
from ketacare.clinical.treatment_day.cadence import (
    ESKETAMINE_BP_CHECK_AT,
    ESKETAMINE_BP_WINDOW,
    IV_EVERY_AFTER_INFUSION,
    IV_EVERY_DURING_INFUSION,
    OVERDUE_GRACE,
    CadenceSettings,
    CadenceStatus,
    Phase,
    VitalsDue,
    vitals_cadence,
)
from ketacare.clinical.treatment_day.cautions import (
    EXTRA_CAUTION_FIRST_INFUSIONS,
    EXTRA_CAUTION_FROM_AGE_YEARS,
    extra_caution_reasons,
)
from ketacare.clinical.treatment_day.discharge import (
    DISCHARGE_INSTRUCTIONS,
    DISCHARGE_INSTRUCTIONS_TEXT,
    ESKETAMINE_MINIMUM_OBSERVATION,
    DischargeReadiness,
    discharge_readiness,
)
from ketacare.clinical.treatment_day.esketamine_devices import (
    DeviceSpacing,
    device_spacing_check,
)
from ketacare.clinical.treatment_day.fasting import (
    ESKETAMINE_FASTING,
    IV_IM_FASTING,
    FastingResult,
    FastingRules,
    FastingStatus,
    default_fasting_rules,
    fasting_check,
)
from ketacare.clinical.treatment_day.model import MAX_CLOCK_SKEW, Reason, Route
from ketacare.clinical.treatment_day.vital_signs import (
    CANDIDATE_HYPERTENSION_S39,
    ESKETAMINE_LABEL_GATE,
    PLAUSIBLE_DIASTOLIC_MMHG,
    PLAUSIBLE_HEART_RATE_BPM,
    PLAUSIBLE_RESPIRATORY_RATE_PER_MIN,
    PLAUSIBLE_SPO2_PERCENT,
    PLAUSIBLE_SYSTOLIC_MMHG,
    Alert,
    AlertThresholds,
    BpGateResult,
    BpGateStatus,
    VitalGates,
    VitalReading,
    predose_bp_gate,
    reading_alerts,
    validate_reading,
)

__all__ = [
    "CANDIDATE_HYPERTENSION_S39",
    "DISCHARGE_INSTRUCTIONS",
    "DISCHARGE_INSTRUCTIONS_TEXT",
    "ESKETAMINE_BP_CHECK_AT",
    "ESKETAMINE_BP_WINDOW",
    "ESKETAMINE_FASTING",
    "ESKETAMINE_LABEL_GATE",
    "ESKETAMINE_MINIMUM_OBSERVATION",
    "EXTRA_CAUTION_FIRST_INFUSIONS",
    "EXTRA_CAUTION_FROM_AGE_YEARS",
    "INCIDENT_REVIEW_FROM_GRADE",
    "IV_EVERY_AFTER_INFUSION",
    "IV_EVERY_DURING_INFUSION",
    "IV_IM_FASTING",
    "MAX_CLOCK_SKEW",
    "OVERDUE_GRACE",
    "PLAUSIBLE_DIASTOLIC_MMHG",
    "PLAUSIBLE_HEART_RATE_BPM",
    "PLAUSIBLE_RESPIRATORY_RATE_PER_MIN",
    "PLAUSIBLE_SPO2_PERCENT",
    "PLAUSIBLE_SYSTOLIC_MMHG",
    "Alert",
    "AlertThresholds",
    "BpGateResult",
    "BpGateStatus",
    "CadenceSettings",
    "CadenceStatus",
    "CtcaeGrade",
    "DeviceSpacing",
    "DischargeReadiness",
    "FastingResult",
    "FastingRules",
    "FastingStatus",
    "Phase",
    "Reason",
    "Route",
    "VitalGates",
    "VitalReading",
    "VitalsDue",
    "ctcae_grade",
    "default_fasting_rules",
    "device_spacing_check",
    "discharge_readiness",
    "extra_caution_reasons",
    "fasting_check",
    "needs_incident_review",
    "predose_bp_gate",
    "reading_alerts",
    "validate_reading",
    "vitals_cadence",
]
