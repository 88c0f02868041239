"""The education pages, in plain words (reading age about 12).

Facts follow ../shared/clinical/reference.md (sections 1-7) and the product brief; the
sentences are our own. Clinic-specific pages written by clinics are a later step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class LearnPage:
    slug: str
    title: str
    description: str
    summary: str
    sections: tuple[Section, ...]


PAGES: tuple[LearnPage, ...] = (
    LearnPage(
        slug="what-is-ketamine-therapy",
        title="What is ketamine therapy?",
        description=(
            "What ketamine therapy is, how it is thought to work, and why it is not a cure."
        ),
        summary="What it is and how doctors think it works.",
        sections=(
            Section(
                "A medicine used in a new way",
                (
                    "Ketamine has been used for many years to put people to sleep for surgery. "
                    "In ketamine therapy, a much smaller amount is given to help with depression "
                    "and some other conditions.",
                    "It is given at a clinic, by trained staff, who watch you closely while it "
                    "works.",
                ),
            ),
            Section(
                "How it is thought to work",
                (
                    "Your brain cells talk to each other with chemical messengers. One of them is "
                    "called glutamate. Ketamine blocks a part of the brain cell that glutamate "
                    "uses, called the NMDA receptor.",
                    "Scientists think this helps the brain make new connections. That may be why "
                    "some people feel better within hours or days, much faster than with most "
                    "antidepressants. Research is still going on.",
                ),
            ),
            Section(
                "It is not a cure",
                (
                    "Ketamine therapy does not help everyone, and the good effect can wear off. "
                    "It works best as one part of a plan that also includes talking therapy "
                    "(psychotherapy) and care from your own doctor.",
                ),
            ),
        ),
    ),
    LearnPage(
        slug="routes",
        title="Ways ketamine can be given",
        description="IV infusion, nasal spray, tablets and lozenges, injection and cream: how "
        "the ways of giving ketamine differ.",
        summary="Drip, nasal spray, tablet or lozenge, injection and cream.",
        sections=(
            Section(
                "Through a drip (IV infusion)",
                (
                    "A thin tube goes into a vein in your arm. The medicine drips in slowly, "
                    "usually over about 40 to 60 minutes. This is the most studied way for "
                    "depression, and staff can stop it at any time.",
                ),
            ),
            Section(
                "As a nasal spray (intranasal)",
                (
                    "You spray the medicine into your nose at the clinic while staff watch. One "
                    "nasal spray, esketamine, is approved for depression that has not got better "
                    "with other treatment. It can only be used at certified clinics.",
                ),
            ),
            Section(
                "As a tablet or lozenge (sublingual)",
                (
                    "A tablet or lozenge melts under your tongue or in your cheek. Less of the "
                    "medicine reaches your blood this way, and the amount can vary more.",
                ),
            ),
            Section(
                "As an injection (intramuscular)",
                (
                    "A small injection goes into a muscle, often in the arm. It is quick to give "
                    "and works fast.",
                ),
            ),
            Section(
                "As a cream (topical)",
                (
                    "A cream rubbed on the skin is sometimes used for pain in one area. Very "
                    "little gets into the blood.",
                ),
            ),
            Section(
                "Which one is right?",
                (
                    "Each way differs in how fast it works, how much reaches the brain, what it "
                    "costs and how much it has been studied. A clinician will talk with you about "
                    "which fits your needs.",
                ),
            ),
        ),
    ),
    LearnPage(
        slug="what-to-expect",
        title="What to expect",
        description="From the first consultation to the ride home: what a ketamine treatment "
        "day is like and how you may feel.",
        summary="The consultation, the sessions, how you may feel and getting home.",
        sections=(
            Section(
                "First, a consultation",
                (
                    "Before any treatment, a clinician talks with you about your health, your "
                    "medicines and what you have already tried. They check your blood pressure "
                    "and may ask for tests. Together you decide if ketamine therapy is a good "
                    "idea.",
                ),
            ),
            Section(
                "Several sessions over weeks",
                (
                    "Treatment is usually a series of sessions over a few weeks, not one visit. "
                    "Staff check how you are doing along the way and change the plan if needed.",
                ),
            ),
            Section(
                "How you may feel",
                (
                    "During a session you may feel detached, floaty or dreamlike, as if things "
                    "are not quite real. This usually fades soon after the session.",
                    "Some people feel sick (nausea) or dizzy. Your blood pressure may go up for a "
                    "while, so staff check it. Many people feel tired afterwards.",
                    "You may be asked not to eat for a while before your session, because it "
                    "can make you feel sick.",
                ),
            ),
            Section(
                "Getting home",
                (
                    "Someone must drive you home. Do not drive, use machines or make big "
                    "decisions until the next day, after a good night's sleep.",
                ),
            ),
        ),
    ),
    LearnPage(
        slug="who-it-may-help",
        title="Who it may help, and who it does not suit",
        description="Who ketamine therapy may help, who it does not suit, and how it fits with "
        "talking therapy.",
        summary="Depression, anxiety, PTSD and pain, and when it is not safe.",
        sections=(
            Section(
                "Who it may help",
                (
                    "Ketamine therapy is mostly used for depression that has not got better "
                    "after trying other treatments, such as at least two antidepressants taken "
                    "properly.",
                    "It is also used for some people with anxiety, PTSD (post-traumatic stress "
                    "disorder) and some kinds of long-lasting (chronic) pain. The evidence for "
                    "these is smaller than for depression.",
                ),
            ),
            Section(
                "Who it does not suit",
                (
                    "It is not given during pregnancy. It may not be safe if you have blood "
                    "pressure that is not under control, serious heart disease, or a problem with "
                    "blood vessels in the brain, such as an aneurysm, an AVM or a past bleed.",
                    "It is not used when someone has psychosis or mania right now, or a current "
                    "problem with alcohol or drugs. Some medicines, such as benzodiazepines and "
                    "MAOIs, need a careful check first.",
                ),
            ),
            Section(
                "It works alongside other care",
                (
                    "Ketamine is not a cure. It works best together with talking therapy "
                    "(psychotherapy) and support from your own doctor.",
                ),
            ),
        ),
    ),
    LearnPage(
        slug="cost-and-insurance",
        title="Cost and insurance",
        description="What ketamine therapy can cost and how insurance usually treats it, in "
        "general terms.",
        summary="What it can cost and what insurance may pay.",
        sections=(
            Section(
                "What it can cost",
                (
                    "Prices differ a lot between clinics and ways of giving ketamine. Because "
                    "treatment is a series of sessions, the total can add up. Ask each clinic for "
                    "its full price before you start, including the consultation.",
                ),
            ),
            Section(
                "Insurance",
                (
                    "Ketamine given through a drip for depression is usually not covered by "
                    "insurance. The approved nasal spray (esketamine) is more often covered, "
                    "sometimes only after the insurer agrees in advance.",
                    "Some clinics give you a detailed receipt (a superbill) that you can send to "
                    "your insurer yourself. Ask your insurer what they will pay.",
                ),
            ),
        ),
    ),
)

PAGES_BY_SLUG = {page.slug: page for page in PAGES}
