"""The sources the treatment-day rules cite. Keys in brackets are those of
../shared/clinical/reference.md ("Sources"); "rule N" is a numbered rule near its end."""

from __future__ import annotations

SPRAVATO_FASTING = "Spravato label: no food 2 h, no liquids 30 min before dosing [S3, S3c]"
SPRAVATO_NASAL = "Spravato label: nasal corticosteroid or decongestant >= 1 h before [S3]"
IV_IM_FASTING = (
    "reference.md rule 10: ASA fasting guideline [S19] and clinic instructions [S20a]; "
    "editable per clinic"
)
SPRAVATO_BP_GATE = "Spravato label: baseline SBP > 140 or DBP > 90 needs risk-benefit [S3, S3c]"
SPRAVATO_BP_40_MIN = "Spravato label: recheck BP at about 40 min [S3, S3a]; rule 6 (35-45 min)"
SPRAVATO_BP_AS_WARRANTED = "Spravato label: then as clinically warranted [S3, S3a]"
SPRAVATO_BASELINE_BP = "Spravato label: measure BP before dosing [S3]; rule 4"
SPRAVATO_DEVICE = "Spravato label: 28 mg per device, rest 5 min after each device [S3a]"
SPRAVATO_OBSERVATION = (
    "Spravato label and REMS: monitor >= 2 h after the first device, then judge clinically "
    "stable [S3, S3a, S4]; rule 6"
)
SPRAVATO_BP_FALLING = (
    "Spravato label: leave at the end of monitoring if BP is falling and clinically stable; "
    "otherwise keep monitoring [S3]; rule 6"
)
KETALAR_RECOVERED = "Ketalar label: outpatients released only when fully recovered [S12]"
IV_CADENCE = (
    "reference.md rule 12: baseline, every 10 min during the infusion, every 15 min after "
    "[S25, S25a, S25c]"
)
IV_OVERDUE = "reference.md rule 12: alert when a reading is missed by more than 5 min"
HYPERTENSION_S39 = "Del Sant 2020: transient hypertension SBP > 180 and/or DBP > 110 [S39]"
ALERTS_CLINIC = "reference.md rule 12: alert thresholds are clinic-configured"
DISCHARGE_SCORE = "reference.md rule 13: modified Aldrete or adapted PADSS [S17, S18]"
ESCORT = "reference.md rule 11: escort or transport recorded [S12, S3a, S4c]"
DRIVING = "reference.md rule 11: no driving until the next day after a restful sleep [S3a, S4c]"
CTCAE = "NCI CTCAE v5.0 grades [S15]; rule 15 (grade >= 3 opens an incident review)"
EXTRA_CAUTION_AGE = "Larger BP rises from age 50 [S25c]; older age [S25a]; rule 12"
EXTRA_CAUTION_HYPERTENSION = "History of hypertension [S25a, S25c]; rule 12"
EXTRA_CAUTION_FIRST_INFUSIONS = "43 % of severe hypertension in the first 3 infusions [S25a]"
PLAUSIBILITY = "typing/device-error guard, not a clinical limit"
ORGANISATION_SETTING = "organisation setting (reference.md gives no number for this)"
