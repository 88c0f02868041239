"""The registry loads every shipped definition, by code and version, from package data."""

from __future__ import annotations

from importlib import resources

import pytest

from ketacare.clinical.measures import (
    LicenceStatus,
    UnknownInstrumentError,
    all_instruments,
    get_instrument,
)

ISSUE_INSTRUMENTS = {
    "phq9",
    "phq2",
    "gad7",
    "gad2",
    "pcl5",
    "pain_nrs",
    "cgi_s",
    "cgi_i",
    "cssrs_screener",
    "qids_sr16",
    "madrs",
    "bpi_sf",
    "cadss",
    "cadss6",
    "moaas",
}
WITH_TEXT = {"phq9", "phq2", "gad7", "gad2", "pcl5", "pain_nrs", "cgi_s", "cgi_i"}

# Every LOINC code the definitions may carry, as the shared reference gives them without a
# "verify" or UNCONFIRMED mark. A code not in this list must not appear in a definition.
EXPECTED_LOINC = {
    "phq9": {
        "44249-1", "44261-6", "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8", "69722-7",
        "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9",
    },
    "phq2": {"55758-7", "44250-9", "44255-8", "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"},
    "gad7": {
        "69737-5", "70274-6", "69725-0", "68509-9", "69733-4", "69734-2", "69735-9",
        "69689-8", "69736-7", "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9",
    },
    "gad2": {"69725-0", "68509-9", "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"},
    "cssrs_screener": {
        "93374-7", "93246-7", "93247-5", "93248-3", "93249-1", "93250-9", "93267-3",
        "93269-9", "LA32-8", "LA33-6",
    },
    "bpi_sf": {"77565-0"},
}  # fmt: skip


def _loinc_codes(code: str) -> set[str]:
    instrument = get_instrument(code)
    codes = {instrument.loinc_panel, instrument.loinc_result}
    for item in instrument.items:
        codes.add(item.loinc)
        codes.update(option.loinc for option in item.options)
    codes.update(subscale.loinc for subscale in instrument.subscales)
    return {code for code in codes if code is not None}


def test_it_loads_every_instrument_the_issue_names() -> None:
    assert {instrument.code for instrument in all_instruments()} == ISSUE_INSTRUMENTS


def test_it_lists_instruments_in_code_order() -> None:
    codes = [instrument.code for instrument in all_instruments()]
    assert codes == sorted(codes)


def test_it_returns_the_latest_version_when_none_is_asked_for() -> None:
    assert get_instrument("phq9").version == "1.0.0"


def test_it_returns_a_named_version() -> None:
    assert get_instrument("phq9", "1.0.0") is get_instrument("phq9")


def test_it_refuses_an_unknown_code() -> None:
    with pytest.raises(UnknownInstrumentError, match="phq10"):
        get_instrument("phq10")


def test_it_refuses_an_unknown_version() -> None:
    with pytest.raises(UnknownInstrumentError, match="9.9.9"):
        get_instrument("phq9", "9.9.9")


def test_definition_files_are_read_as_package_data() -> None:
    folder = resources.files("ketacare.clinical.measures.definitions")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    assert names == sorted(f"{code}.json" for code in ISSUE_INSTRUMENTS)


@pytest.mark.parametrize("code", sorted(ISSUE_INSTRUMENTS))
def test_every_definition_cites_the_shared_reference(code: str) -> None:
    instrument = get_instrument(code)
    assert instrument.sources
    assert any("shared/clinical/" in source for source in instrument.sources)


@pytest.mark.parametrize("code", sorted(ISSUE_INSTRUMENTS))
def test_every_rule_carries_its_source(code: str) -> None:
    instrument = get_instrument(code)
    assert all(rule.source for rule in instrument.safety_rules)
    if instrument.severity_bands:
        assert instrument.bands_source
    if instrument.outcomes is not None:
        assert instrument.outcomes.sources


@pytest.mark.parametrize("code", sorted(WITH_TEXT))
def test_free_instruments_ship_their_item_text(code: str) -> None:
    instrument = get_instrument(code)
    assert instrument.licence.item_text_included
    assert all(item.text for item in instrument.items)


@pytest.mark.parametrize("code", sorted(ISSUE_INSTRUMENTS - WITH_TEXT))
def test_licensed_or_unclear_instruments_ship_no_item_text(code: str) -> None:
    instrument = get_instrument(code)
    assert not instrument.licence.item_text_included
    assert all(item.text is None for item in instrument.items)
    assert instrument.licence.status in {LicenceStatus.LICENSED, LicenceStatus.UNCONFIRMED}
    assert instrument.licence.note


@pytest.mark.parametrize("code", ["phq9", "phq2", "gad7", "gad2"])
def test_pfizer_forms_carry_the_copyright_notice(code: str) -> None:
    notice = get_instrument(code).licence.notice
    assert notice is not None
    assert "Pfizer" in notice
    assert "No permission required to reproduce" in notice


def test_gad7_zero_option_reads_not_at_all_never_not_at_all_sure() -> None:
    labels = {option.label for item in get_instrument("gad7").items for option in item.options}
    assert "Not at all" in labels
    assert "Not at all sure" not in labels


@pytest.mark.parametrize("code", sorted(ISSUE_INSTRUMENTS))
def test_loinc_codes_appear_only_where_the_reference_gives_them(code: str) -> None:
    assert _loinc_codes(code) == EXPECTED_LOINC.get(code, set())


# The item order of each list matches the numbered lists in the shared reference.
@pytest.mark.parametrize(
    ("code", "codes_in_item_order"),
    [
        (
            "phq9",
            ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5"]
            + ["44253-3", "44260-8", "69722-7"],
        ),
        ("gad7", ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]),
        (
            "cssrs_screener",
            ["93246-7", "93247-5", "93248-3", "93249-1", "93250-9", "93267-3", "93269-9"],
        ),
    ],
)
def test_each_item_carries_its_own_loinc_code(code: str, codes_in_item_order: list[str]) -> None:
    assert [item.loinc for item in get_instrument(code).items] == codes_in_item_order
