"""The template texts of the consent documents, keyed by (kind, route), in plain words.

These are starting points written for ketacare, not legal or clinical advice: each practice
reviews them with its medical director and adviser and replaces them with its own approved
documents. The facts they state come from ../shared/clinical/reference.md; each document lists
the reference's source keys so a reviewer can check them. Written for a reading age of about 12.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.patients.models import ConsentKind
from ketacare.tenancy.models import Route

TEMPLATE_VERSION = "2026.1"

REVIEW_NOTE = (
    "Template text from ketacare. Each practice must review this document and replace it with "
    "its own approved version before using it with patients."
)

# Routes in the words a patient (and a blocking message) would use.
ROUTE_WORDS: dict[str, str] = {
    Route.IV: "IV infusion",
    Route.IM_SC: "intramuscular or subcutaneous injection",
    Route.ESKETAMINE: "intranasal esketamine (Spravato)",
    Route.INTRANASAL_COMPOUNDED: "compounded ketamine nasal spray",
    Route.SUBLINGUAL_ORAL: "ketamine tablets or lozenges (sublingual / oral)",
    Route.TOPICAL: "ketamine cream (topical)",
}


def route_words(route: str) -> str:
    return ROUTE_WORDS.get(route, route or "an unrecorded route")


@dataclass(frozen=True)
class DocumentPart:
    heading: str
    paragraphs: tuple[str, ...] = ()
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentDocument:
    kind: str
    route: str
    title: str
    version: str
    parts: tuple[DocumentPart, ...]
    sources: tuple[str, ...] = ()
    review_note: str = REVIEW_NOTE


# ---- Ketamine treatment consent, one per route ------------------------------------------------

_HOW_GIVEN: dict[str, DocumentPart] = {
    Route.IV: DocumentPart(
        "How it is given",
        (
            "A nurse puts a thin tube (a drip) into a vein in your arm. The ketamine goes in "
            "slowly, over a set time your prescriber chooses. You sit or lie in a quiet room, "
            "and staff check on you the whole time.",
        ),
    ),
    Route.IM_SC: DocumentPart(
        "How it is given",
        (
            "A nurse gives you a small injection into a muscle or just under the skin. You stay "
            "in a quiet room afterwards, and staff check on you until you are ready to go home.",
        ),
    ),
    Route.ESKETAMINE: DocumentPart(
        "How it is given",
        (
            "Esketamine is a nasal spray called Spravato. You spray it into your nose yourself, "
            "one device at a time, with a member of staff watching. You rest for 5 minutes "
            "between devices. You never take Spravato home.",
        ),
    ),
    Route.INTRANASAL_COMPOUNDED: DocumentPart(
        "How it is given",
        (
            "Ketamine nasal spray is made up for you by a compounding pharmacy. It is not the "
            "same medicine as Spravato. You use it the way your prescriber tells you, and only "
            "in the way they agree with you.",
        ),
    ),
    Route.SUBLINGUAL_ORAL: DocumentPart(
        "How it is given",
        (
            "Ketamine is made up by a compounding pharmacy as a tablet or lozenge. You let it "
            "melt under your tongue or in your cheek. Your prescriber tells you when and where "
            "to take it, and who must be with you.",
        ),
    ),
    Route.TOPICAL: DocumentPart(
        "How it is given",
        (
            "Ketamine is made up by a compounding pharmacy as a cream. You rub a small amount "
            "on the skin where it hurts, as often as your prescriber tells you.",
        ),
    ),
}

_WHAT_IT_IS: dict[str, str] = {
    Route.ESKETAMINE: (
        "Esketamine (Spravato) is a form of ketamine. The US Food and Drug Administration (FDA) "
        "has approved it for depression that has not got better with other treatments, and for "
        "serious depression with current thoughts of suicide or suicidal behaviour. It is given "
        "under a safety programme called the Spravato REMS (you sign a separate enrolment for "
        "that)."
    ),
    Route.TOPICAL: (
        "Ketamine is a medicine the FDA has approved as an anaesthetic (a medicine used for "
        "surgery). Using ketamine cream for pain is 'off-label': the FDA has not approved it "
        "for that use. Doctors may still prescribe it when they think it can help."
    ),
}
_WHAT_IT_IS_DEFAULT = (
    "Ketamine is a medicine the FDA has approved as an anaesthetic (a medicine used for surgery). "
    "Using it for depression and other mood conditions is 'off-label': the FDA has not approved "
    "ketamine for that use. Doctors may still prescribe it when they think it can help. The "
    "only form of ketamine approved for depression is esketamine (Spravato), a nasal spray."
)

_COMPOUNDED_NOTE = DocumentPart(
    "About compounded medicines",
    (
        "Your ketamine is made up by a compounding pharmacy. The FDA does not approve "
        "compounded medicines, so no official dose or schedule exists for them.",
    ),
)
_COMPOUNDED_WARNING = DocumentPart(
    "A warning about compounded ketamine",
    (
        "Your ketamine is made up by a compounding pharmacy. The FDA does not approve compounded "
        "medicines. In 2022 and 2023 the FDA warned about compounded ketamine, including nasal "
        "spray and ketamine taken at home. It named risks such as misuse, mental health "
        "effects, raised blood pressure, slowed breathing and bladder problems.",
    ),
)

_TOPICAL_EFFECTS = DocumentPart(
    "Effects you may notice",
    (
        "In a study, very little of the ketamine in a cream reached the blood. Still, stop "
        "using it and tell us if you feel dizzy, dreamlike, sick or unwell after putting it "
        "on, or if your skin becomes sore.",
    ),
)
_TOPICAL_BEFORE = DocumentPart(
    "Before you start",
    (),
    (
        "Tell us about every medicine you take, including any other creams.",
        "Tell us if you are pregnant, might be pregnant, or are breastfeeding.",
        "Keep the cream away from children and never share it.",
    ),
)

_EFFECTS = DocumentPart(
    "Effects you may notice",
    ("Most effects start during the treatment and fade as the medicine wears off. Common ones:",),
    (
        "Feeling detached, dreamlike or 'outside your body', or seeing and hearing things "
        "differently.",
        "Feeling sick (nausea), and sometimes being sick.",
        "Feeling dizzy or unsteady.",
        "A rise in blood pressure and heart rate. Staff check your blood pressure before and "
        "after treatment.",
        "Feeling sleepy or very tired.",
    ),
)

_RARER_EFFECTS = DocumentPart(
    "Less common but important",
    (),
    (
        "Slowed breathing. Staff watch your breathing while you are with us.",
        "Bladder problems (needing to pass urine often or urgently, pain, or blood in the "
        "urine), mostly with long-term or heavy use. Tell us at once if you notice these.",
        "Ketamine can be misused. Take it only as your prescriber tells you, and never share it.",
    ),
)

_BEFORE = DocumentPart(
    "Before each treatment",
    (),
    (
        "Tell us about every medicine you take, including sleeping tablets, anxiety medicines "
        "(such as benzodiazepines), pain medicines, stimulants and MAOIs.",
        "Tell us if you are pregnant, might be pregnant, or are breastfeeding.",
        "Follow the clinic's instructions about eating and drinking before treatment.",
    ),
)

_ESKETAMINE_BEFORE = DocumentPart(
    "Before each treatment",
    (),
    (
        "Do not eat for at least 2 hours, and do not drink for at least 30 minutes, before "
        "your dose. This lowers the chance of feeling or being sick.",
        "If you use a steroid or decongestant nasal spray, use it at least 1 hour before "
        "your dose.",
        "Tell us about every medicine you take, including sleeping tablets, anxiety medicines "
        "(such as benzodiazepines), pain medicines, stimulants and MAOIs.",
        "Spravato is not recommended if you are pregnant or breastfeeding. Tell us if you are, "
        "or might be.",
    ),
)

_GOING_HOME = DocumentPart(
    "Going home",
    (
        "Someone must take you home. Do not drive, use machines or do anything risky until "
        "the next day, after a restful sleep.",
    ),
)

_CHOICE = DocumentPart(
    "Your choice",
    (
        "Ketamine treatment is not a cure. It is one part of your treatment plan and is meant "
        "to be used alongside therapy and your other care.",
        "You can ask questions at any time. You can say no, or stop treatment at any time, "
        "even during a session. Stopping will not change the rest of your care here.",
    ),
)


def _ketamine_consent(route: str) -> ConsentDocument:
    parts = [DocumentPart("What this treatment is", (_WHAT_IT_IS.get(route, _WHAT_IT_IS_DEFAULT),))]
    parts.append(_HOW_GIVEN[route])
    if route in (Route.INTRANASAL_COMPOUNDED, Route.SUBLINGUAL_ORAL):
        parts.append(_COMPOUNDED_WARNING)
    if route == Route.TOPICAL:
        # Little reaches the blood from a cream (source: S13), so the infusion-day effects,
        # fasting and the ride home do not apply.
        parts += [_COMPOUNDED_NOTE, _TOPICAL_EFFECTS, _TOPICAL_BEFORE]
    else:
        parts += [_EFFECTS, _RARER_EFFECTS]
        parts.append(_ESKETAMINE_BEFORE if route == Route.ESKETAMINE else _BEFORE)
        parts.append(_GOING_HOME)
    parts.append(_CHOICE)
    parts.append(
        DocumentPart(
            "What I agree to",
            (
                f"I have read this page, or had it read to me, about ketamine treatment by "
                f"{route_words(route)}. My questions were answered. I agree to this treatment, "
                "and I know I can stop at any time.",
            ),
        )
    )
    sources = ["S12 (ketamine label)", "S28 (ASA 2025)"]
    if route == Route.ESKETAMINE:
        sources = ["S3, S3a, S3b, S3e (Spravato label)", "S4c (REMS, patients)", *sources]
    if route in (Route.INTRANASAL_COMPOUNDED, Route.SUBLINGUAL_ORAL):
        sources.append("S9 (FDA warnings on compounded ketamine)")
    if route == Route.TOPICAL:
        sources.append("S13 (topical ketamine: no significant absorption)")
    else:
        sources.append("S30 (bladder problems)")
    return ConsentDocument(
        kind=ConsentKind.KETAMINE,
        route=route,
        title=f"Consent to ketamine treatment: {route_words(route)}",
        version=TEMPLATE_VERSION,
        parts=tuple(parts),
        sources=tuple(sources),
    )


# ---- Spravato REMS patient enrolment ----------------------------------------------------------

_REMS = ConsentDocument(
    kind=ConsentKind.ESKETAMINE_REMS,
    route=Route.ESKETAMINE,
    title="Spravato (esketamine) REMS patient enrolment",
    version=TEMPLATE_VERSION,
    parts=(
        DocumentPart(
            "What the REMS is",
            (
                "REMS stands for Risk Evaluation and Mitigation Strategy. It is a safety "
                "programme the FDA requires for Spravato. Spravato can make you very sleepy "
                "(sedation), make you feel disconnected from yourself or your surroundings "
                "(dissociation), and slow your breathing. It can also be misused. The REMS "
                "makes sure every dose is given safely.",
            ),
        ),
        DocumentPart(
            "What it means for you",
            (),
            (
                "You must be enrolled in the REMS before your first dose. The official "
                "Spravato REMS Patient Enrollment Form is signed by you and by your prescriber.",
                "You get Spravato only at a certified treatment centre. You never take it home.",
                "You spray it yourself, with a member of staff watching.",
                "A prescriber is on site while you take it and while you are monitored.",
                "After every dose, you stay at the clinic for at least 2 hours, and until staff "
                "agree that any sleepiness, disconnected feeling or breathing problems have "
                "passed. Staff check your blood pressure and the oxygen level in your blood.",
                "Someone must take you home. Do not drive, use machines or do anything risky "
                "until the next day, after a restful sleep.",
            ),
        ),
        DocumentPart(
            "Information shared with the REMS",
            (
                "After every session, the clinic sends a Patient Monitoring Form to the REMS "
                "within 7 days. It includes your name, date of birth and sex, your dose, some "
                "of the medicines you take, your blood pressure, how long you were monitored, "
                "and any side effects.",
            ),
        ),
        DocumentPart(
            "What I agree to",
            (
                "I understand the Spravato REMS and agree to follow it: to take Spravato only "
                "at the clinic, to stay for monitoring after every dose, and to have someone "
                "take me home. I agree that my information is shared with the REMS as "
                "described above.",
            ),
        ),
    ),
    sources=(
        "S4 (FDA REMS overview)",
        "S4a, S4b (REMS Patient Monitoring Form)",
        "S4c (REMS, patients)",
        "S3, S3a (Spravato label: observation, blood pressure, pulse oximetry, driving)",
    ),
    review_note=(
        REVIEW_NOTE + " Check these facts against the current Spravato REMS materials: whether "
        "the REMS or its forms changed after 2024 is unconfirmed. This page records the "
        "enrolment; it does not replace the official REMS Patient Enrollment Form."
    ),
)


# ---- Other consents ---------------------------------------------------------------------------

_GENERAL = ConsentDocument(
    kind=ConsentKind.TREATMENT,
    route="",
    title="Consent to assessment and treatment",
    version=TEMPLATE_VERSION,
    parts=(
        DocumentPart(
            "What this covers",
            (
                "I agree that the clinicians of this practice may assess me, ask about my health "
                "and medicines, check things like my blood pressure, and suggest treatment.",
                "Before any ketamine treatment I will be given a separate consent that explains "
                "that treatment, and I will sign it only if I agree.",
            ),
        ),
        DocumentPart(
            "Your choice",
            (
                "You can ask questions at any time. You can say no to any test or treatment, or "
                "stop at any time. You can take this consent back at any time by telling us.",
            ),
        ),
        DocumentPart(
            "In an emergency",
            (
                "If you become unwell at the clinic, staff will give you the care you need, "
                "and may call emergency services.",
            ),
        ),
    ),
)

_PRIVACY = ConsentDocument(
    kind=ConsentKind.PRIVACY_NOTICE,
    route="",
    title="Acknowledgement of the Notice of Privacy Practices",
    version=TEMPLATE_VERSION,
    parts=(
        DocumentPart(
            "What I was given",
            (
                "I was offered a copy of this practice's Notice of Privacy Practices. It "
                "explains how the practice uses and shares my health information, and my "
                "rights, including to:",
            ),
            (
                "see and get a copy of my health record;",
                "ask for a correction if something is wrong;",
                "ask the practice to limit what it shares;",
                "get a list of who my information was shared with;",
                "complain, without being treated any differently.",
            ),
        ),
        DocumentPart(
            "What signing means",
            (
                "Signing only says I was offered the notice. It does not mean I agree to "
                "anything else.",
            ),
        ),
    ),
)

_TELEHEALTH = ConsentDocument(
    kind=ConsentKind.TELEHEALTH,
    route="",
    title="Consent to telehealth visits",
    version=TEMPLATE_VERSION,
    parts=(
        DocumentPart(
            "What telehealth is",
            (
                "Some visits happen by video or phone instead of in person. The clinician "
                "cannot examine you, so they may ask you to come in.",
            ),
        ),
        DocumentPart(
            "What to expect",
            (),
            (
                "Join from a private place where others cannot hear you.",
                "The connection can fail. If it does, the clinician will try to call you back.",
                "The practice uses a secure system, but no system is perfectly safe.",
                "You can ask for an in-person visit instead at any time.",
            ),
        ),
        DocumentPart(
            "In an emergency",
            (
                "Telehealth is not for emergencies. If you are in danger, call 911. If you are "
                "in crisis, call or text 988.",
            ),
        ),
    ),
)

_RELEASE = ConsentDocument(
    kind=ConsentKind.RELEASE_OF_INFORMATION,
    route="",
    title="Permission to release information",
    version=TEMPLATE_VERSION,
    parts=(
        DocumentPart(
            "What I allow",
            (
                "I allow this practice to share the information named in the notes of this "
                "record with the person or organisation named there, for the reason given "
                "there, until the date given there.",
            ),
        ),
        DocumentPart(
            "What I understand",
            (),
            (
                "I do not have to sign this. My care here does not depend on it.",
                "I can take this permission back at any time by telling the practice. That "
                "stops future sharing, but not what was already shared.",
                "Once shared, the information may no longer be protected by the same privacy "
                "rules.",
            ),
        ),
    ),
)

DOCUMENTS: dict[tuple[str, str], ConsentDocument] = {
    **{(ConsentKind.KETAMINE.value, r.value): _ketamine_consent(r.value) for r in Route},
    (ConsentKind.ESKETAMINE_REMS.value, Route.ESKETAMINE.value): _REMS,
    (ConsentKind.TREATMENT.value, ""): _GENERAL,
    (ConsentKind.PRIVACY_NOTICE.value, ""): _PRIVACY,
    (ConsentKind.TELEHEALTH.value, ""): _TELEHEALTH,
    (ConsentKind.RELEASE_OF_INFORMATION.value, ""): _RELEASE,
}


def document_for(kind: str, route: str = "") -> ConsentDocument | None:
    """The template for this kind and route; a kind without routes ignores the route."""
    return DOCUMENTS.get((kind, route)) or DOCUMENTS.get((kind, ""))
