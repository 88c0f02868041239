"""Synthetic people for the demo. Invented names only; no real patient information."""

FIRST_NAMES = (
    "Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Harper", "Rowan", "Emerson", "Sage",
    "Elena", "Marcus", "Priya", "Tomas", "Aisha", "Declan", "Mei", "Rafael", "Ingrid", "Kofi",
    "Zoë", "Lucía", "Noah", "Hana", "Omar", "Greta", "Felix", "Imani", "Viktor", "Nadia",
)  # fmt: skip
LAST_NAMES = (
    "Alder", "Brennan", "Castillo", "Delacroix", "Eriksen", "Fairweather", "Galloway", "Hollis",
    "Iwata", "Jovanović", "Kessler", "Lindqvist", "Moreau", "Nakagawa", "Okafor", "Pemberton",
    "Quintero", "Rasmussen", "Sørensen", "Thackeray", "Underwood", "Valdés", "Whitlock", "Yoshida",
    "Zielinski", "Ashby", "Blackwood", "Corrigan", "Dunmore", "Ellsworth",
)  # fmt: skip
PRONOUNS = ("she/her", "he/him", "they/them", "")
STREETS = ("Maple Ave", "Oak St", "Willow Ln", "Cedar Ct", "Birch Rd", "Elm St", "Aspen Dr")

PROBLEMS = (
    ("F33.2", "Major depressive disorder, recurrent, severe without psychotic features"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
    ("G89.4", "Chronic pain syndrome"),
    ("G90.50", "Complex regional pain syndrome I, unspecified"),
    ("I10", "Essential (primary) hypertension"),
)

# (name, amount mg, frequency, class, diazepam-equivalent mg/day or None)
# Benzodiazepine equivalents follow the Ashton manual's table (clonazepam 0.5 mg ≈ diazepam 10 mg,
# lorazepam 1 mg ≈ diazepam 10 mg); they are demo values a clinician would have entered.
MEDICATIONS = (
    ("Sertraline", "150", "once daily", "other", None),
    ("Escitalopram", "20", "once daily", "other", None),
    ("Bupropion XL", "300", "once daily", "other", None),
    ("Venlafaxine XR", "225", "once daily", "other", None),
    ("Clonazepam", "0.5", "twice daily", "benzodiazepine", "20"),
    ("Lorazepam", "1", "at night as needed", "benzodiazepine", "10"),
    ("Lamotrigine", "100", "twice daily", "lamotrigine", None),
    ("Methylphenidate ER", "36", "every morning", "stimulant", None),
    ("Tramadol", "50", "twice daily", "opioid", None),
    ("Lisinopril", "10", "once daily", "other", None),
)

TRIALS = (
    ("antidepressant", "Sertraline", "200 mg daily", 10, True, True, "no_response"),
    ("antidepressant", "Escitalopram", "20 mg daily", 8, True, True, "partial_response"),
    ("antidepressant", "Bupropion XL", "300 mg daily", 6, True, True, "no_response"),
    ("antidepressant", "Fluoxetine", "20 mg daily", 3, False, False, "not_tolerated"),
    ("augmentation", "Aripiprazole", "5 mg daily", 8, True, True, "no_response"),
    ("psychotherapy", "CBT", "12 weekly sessions", 12, True, True, "partial_response"),
    ("tms", "TMS", "36 sessions", 7, True, True, "no_response"),
)

ALLERGIES = (
    ("Sulfa drugs", "rash", "moderate"),
    ("Penicillin", "hives", "moderate"),
    ("Latex", "contact dermatitis", "mild"),
    ("Codeine", "nausea and vomiting", "mild"),
)
