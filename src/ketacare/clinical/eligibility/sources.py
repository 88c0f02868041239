"""The sources the eligibility rules cite, in one place.

Keys in square brackets are those of ../shared/clinical/reference.md ("Sources"). A finding's
`source` is one of these strings (or several joined by "; "), so a reviewer can go from any
message on screen to the document it rests on.
"""

from __future__ import annotations

SANACORA_SUMMARY = "Sanacora 2017 APA consensus statement, as summarised by Medscape [S1a]"
SANACORA_CLINIC_SUMMARY = "Sanacora 2017 APA consensus statement, clinic summary [S1b]"
COHEN_2018 = "Cohen 2018 ASRA/AAPM/ASA IV ketamine guideline [S2a]"
SPRAVATO_LABEL = "Spravato (esketamine) prescribing information [S3]"
SPRAVATO_DOSING = "Spravato (esketamine) prescribing information, dosing [S3a]"
SPRAVATO_BP = "Spravato (esketamine) prescribing information, blood pressure [S3, S3c]"
SPRAVATO_INTERACTIONS = "Spravato (esketamine) label: interactions, pregnancy, lactation [S3e]"
SPRAVATO_CONTRAINDICATIONS = "Spravato (esketamine) label, contraindications [S3f]"
SPRAVATO_REMS_FORM = "Spravato REMS Patient Monitoring Form, concomitant medications [S4a]"
ANDRADE_ORAL = "Andrade 2019, oral ketamine for depression [S5]"
ANDRADE_INTERACTIONS = "Andrade 2017, ketamine drug interactions [S7]"
FDA_COMPOUNDED = "FDA warnings on compounded ketamine, 2022 and 2023 [S9]"
KETALAR_LABEL = "Ketalar (racemic ketamine) label [S12]"
KETALAR_UK_SMPC = "Ketalar (racemic ketamine) UK SmPC, contraindications [S12]"
TOPICAL_RCT = "Topical amitriptyline/ketamine RCT, Anesthesiology 2005 [S13]"
BAKKER_2021 = "Bakker 2021, ketamine and psychiatric medications (review) [S16]"
ANDRASHKO_2020 = "Andrashko 2020, benzodiazepines dampen ketamine's effect [S16a]"
CLINIC_DISCHARGE = "Clinic discharge instructions (secondary) [S20d]"
GAYNES_2020 = "Gaynes 2020, defining treatment-resistant depression [S21]"
TRD_OPERATIONAL = "Operational definition of TRD, Depress Anxiety 2021 [S21a]"
CANMAT_2021 = "CANMAT 2021 racemic ketamine task force [S27]"
YALE_BP_2024 = "Yale IV ketamine blood-pressure series, 2024 [S25a]"
BP_741_INFUSIONS = "Cardiovascular effects of repeated ketamine infusions, 741 infusions [S25c]"
RACEMIC_IS_HALF_ESKETAMINE = "pharmacokinetics.md, conventions (racemic ketamine is 50 % S)"
ASHTON_2002 = (
    "Ashton, Benzodiazepines: How They Work and How to Withdraw (the Ashton Manual), 2002, "
    "approximate equivalents to diazepam 10 mg"
)
REFERENCE_RULE_8 = "reference.md rule 8, TRD eligibility evidence [S21, S21a, S27]"

# Used where reference.md gives nothing: the organisation's own setting is the only basis.
ORGANISATION_SETTING = "organisation setting (reference.md gives no number for this)"
UNCONFIRMED_MANIA = (
    "UNCONFIRMED: not in reference.md; listed in the eligibility issue as clinic policy and "
    "needs medical-director sign-off"
)


def cite(*sources: str) -> str:
    """Several sources as one citation string."""
    return "; ".join(sources)
