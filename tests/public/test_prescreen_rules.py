"""The plain-words mapping from the eligibility rules to the three public outcomes."""

from __future__ import annotations

from dataclasses import replace

from ketacare.public.prescreen import Answers, Outcome, prescreen

TRD = Answers(
    seeking=frozenset({"depression"}),
    antidepressants_tried=2,
    taken_properly="yes",
    helped="no",
    pregnancy="not_applicable",
    blood_pressure="normal",
    age=35,
)


def test_two_failed_adequate_antidepressants_and_nothing_else_is_worth_a_consultation() -> None:
    result = prescreen(TRD)
    assert result.outcome is Outcome.WORTH_A_CONSULTATION
    assert result.label == "Worth a consultation"
    assert any("tried 2 medicines" in r for r in result.reasons)
    assert any("Nothing you told us rules ketamine therapy out" in r for r in result.reasons)


def test_avm_and_pregnancy_is_probably_not_the_right_next_step() -> None:
    result = prescreen(replace(TRD, conditions=frozenset({"avm"}), pregnancy="pregnant"))
    assert result.outcome is Outcome.NOT_NOW
    assert result.label == "Probably not the right next step now"
    assert any("pregnancy" in r for r in result.reasons)
    assert any("AVM" in r for r in result.reasons)


def test_a_daily_benzodiazepine_adds_a_note_to_bring_the_medicine_list() -> None:
    result = prescreen(replace(TRD, medicines=frozenset({"benzodiazepine"})))
    assert result.outcome is Outcome.WORTH_A_CONSULTATION
    assert any("benzodiazepine" in n and "medicine list" in n for n in result.notes)


def test_one_failed_antidepressant_means_talk_with_your_doctor_first() -> None:
    result = prescreen(replace(TRD, antidepressants_tried=1))
    assert result.outcome is Outcome.TALK_WITH_YOUR_DOCTOR


def test_trials_not_taken_properly_do_not_count() -> None:
    result = prescreen(replace(TRD, taken_properly="no"))
    assert result.outcome is Outcome.TALK_WITH_YOUR_DOCTOR


def test_psychosis_needs_a_doctor_first() -> None:
    result = prescreen(replace(TRD, conditions=frozenset({"psychosis_or_mania"})))
    assert result.outcome in (Outcome.TALK_WITH_YOUR_DOCTOR, Outcome.NOT_NOW)
    assert any("psychosis" in r for r in result.reasons)


def test_uncontrolled_blood_pressure_is_explained() -> None:
    result = prescreen(replace(TRD, blood_pressure="uncontrolled"))
    assert result.outcome is not Outcome.WORTH_A_CONSULTATION
    assert any("blood pressure" in r for r in result.reasons)


def test_an_under_18_is_sent_to_their_doctor() -> None:
    assert prescreen(replace(TRD, age=16)).outcome is Outcome.TALK_WITH_YOUR_DOCTOR


def test_an_maoi_gives_a_note() -> None:
    result = prescreen(replace(TRD, medicines=frozenset({"maoi"})))
    assert any("MAOI" in n for n in result.notes)


def test_the_result_never_claims_a_diagnosis() -> None:
    for answers in (TRD, replace(TRD, conditions=frozenset({"avm"}))):
        text = " ".join(prescreen(answers).reasons).lower()
        assert "you have depression" not in text and "diagnos" not in text
