"""The sources the dosing engine cites. Keys in brackets are those of
../shared/clinical/reference.md ("Sources"); "pharmacokinetics.md" is the PK note beside it."""

from __future__ import annotations

SANACORA_DOSE = "Sanacora 2017 APA consensus (Medscape summary) [S1a]; Andrade 2017 [S6]"
RULE_1 = "reference.md rule 1, IV depression dose check [S1a, S6, S12]"
KETALAR_INDUCTION = "Ketalar label: IV induction 1-4.5 mg/kg [S12]"
COHEN_2018 = "Cohen 2018 ASRA/AAPM/ASA IV ketamine for chronic pain [S2a]"
RULE_2 = "reference.md rule 2, IV pain regimen check [S2a, S2b]"
SPRAVATO_DOSING = "Spravato (esketamine) prescribing information, dosing [S3a, S3d]"
SPRAVATO_DEVICE = "Spravato label: 28 mg per device, rest 5 min after each device [S3a, S3b]"
SPRAVATO_NON_US_28 = "Non-US Spravato label: 28 mg start at age >= 65, 28 mg steps [S3b]"
SPRAVATO_SUICIDAL_IDEATION = (
    "Spravato prescribing information, MDD with acute suicidal ideation or behaviour: "
    "84 mg twice weekly for 4 weeks, may reduce to 56 mg twice weekly if not tolerated, "
    "use beyond 4 weeks not systematically studied [S3a, S3d]"
)
COHEN_2018_GRADES = (
    "Cohen 2018 evidence grades: CRPS B, spinal cord injury pain C, mixed neuropathic, "
    "phantom limb, postherpetic neuralgia, fibromyalgia, cancer, ischaemic, migraine/headache "
    "and low-back/spinal pain D [S2a, S2b]; reference.md rule 2"
)
RULE_3 = "reference.md rule 3, Spravato dose validation [S3a, S3b, S3d]"
LOO_2016_TITRATION = "Loo 2016 IM/SC titration 0.1 -> 0.5 mg/kg in 0.1 mg/kg steps [S11]"
KADS_2023 = "Loo 2023 KADS, SC 0.5-0.9 mg/kg [S11a]"
ANDRADE_ORAL = "Andrade 2019, oral ketamine: 25-300 mg fixed per session reported [S5]"
INTRANASAL_RACEMIC = "Lapidus 2014 (50 mg) [S10]; inpatient review (50 or 75 mg) [S10a]"
FDA_COMPOUNDED = "FDA warnings on compounded ketamine, 2022 and 2023 [S9]"
TOPICAL = (
    "Topical ketamine: 1 % RCT [S13]; 1-2 % and 5 % gel (secondary) [S13b]; "
    "10 % cream (one clinic) [S13c]"
)
SALT_VS_BASE = (
    "pharmacokinetics.md conventions: ketamine base MW 237.7, HCl MW 274.2 "
    "(1 mg HCl = 0.867 mg base; 32.3 mg esketamine HCl = 28 mg esketamine)"
)
NIST_POUND = "NIST SP 811: 1 lb = 0.45359237 kg"
BLOCK_OVERRIDE = (
    "reference.md, rules preamble: a block is overridden only by a prescriber with a reason"
)
ORGANISATION_SETTING = "organisation setting (reference.md gives no number for this)"
