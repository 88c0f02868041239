"""Turn one instrument definition (parsed JSON) into an `Instrument`, refusing any inconsistency.

A definition is data reviewed by clinicians, so the parser is strict: unknown keys, gaps between
severity bands, a stated range that the items cannot produce, or shipped wording for a licensed
instrument are all errors, raised before the instrument can score anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ketacare.clinical.measures.model import (
    AnswerOption,
    DiagnosisRule,
    EnableCondition,
    ImprovementGrade,
    Instrument,
    Item,
    Licence,
    LicenceStatus,
    OutcomeRules,
    Rater,
    RemissionAlternative,
    RiskLevel,
    SafetyLevel,
    SafetyRule,
    ScoringMethod,
    ScreenCutoff,
    SeverityBand,
    Subscale,
    SubscaleMethod,
)


class DefinitionError(ValueError):
    """A definition file is malformed or contradicts itself."""


class _Fields:
    """Typed access to one JSON object, naming the place of any error."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise DefinitionError(f"{where}: expected an object.")
        self._data: dict[str, object] = data
        self._where = where
        self._read: set[str] = set()

    @property
    def where(self) -> str:
        return self._where

    def _get(self, key: str) -> object:
        self._read.add(key)
        return self._data.get(key)

    def _fail(self, key: str, expected: str) -> DefinitionError:
        return DefinitionError(f"{self._where}.{key}: expected {expected}.")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._get(key) is None else self.text(key)

    def whole(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "a whole number")
        return value

    def optional_whole(self, key: str) -> int | None:
        return None if self._get(key) is None else self.whole(key)

    def optional_points(self, key: str) -> Decimal | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self._fail(key, "a number")
        return Decimal(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def entries(self, key: str) -> list[object]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.entries(key)
        if not all(isinstance(value, str) and value.strip() for value in values):
            raise self._fail(key, "a list of non-empty strings")
        return tuple(str(value) for value in values)

    def child(self, key: str) -> _Fields:
        return _Fields(self._get(key), f"{self._where}.{key}")

    def optional_child(self, key: str) -> _Fields | None:
        return None if self._get(key) is None else self.child(key)

    def mapping(self, key: str) -> dict[str, object]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._fail(key, "an object")
        self._read.add(key)
        return value

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise DefinitionError(f"{self._where}: unknown keys {unknown}.")


def _each(fields: _Fields, key: str, where: str) -> Iterable[_Fields]:
    for index, entry in enumerate(fields.entries(key)):
        yield _Fields(entry, f"{where}.{key}[{index}]")


def _options(entries: list[object], where: str) -> tuple[AnswerOption, ...]:
    options = []
    for index, entry in enumerate(entries):
        fields = _Fields(entry, f"{where}[{index}]")
        options.append(
            AnswerOption(
                value=fields.whole("value"),
                label=fields.optional_text("label"),
                loinc=fields.optional_text("loinc"),
            )
        )
        fields.done()
    values = [option.value for option in options]
    if not options or len(set(values)) != len(values):
        raise DefinitionError(f"{where}: answer options must be present and distinct.")
    return tuple(options)


def _answer_sets(fields: _Fields, where: str) -> dict[str, tuple[AnswerOption, ...]]:
    sets: dict[str, tuple[AnswerOption, ...]] = {}
    for name, entries in fields.mapping("answer_sets").items():
        if not isinstance(entries, list):
            raise DefinitionError(f"{where}.answer_sets.{name}: expected a list.")
        sets[name] = _options(entries, f"{where}.answer_sets.{name}")
    return sets


def _item(fields: _Fields, answer_sets: dict[str, tuple[AnswerOption, ...]], where: str) -> Item:
    answers = fields.text("answers")
    if answers not in answer_sets:
        raise DefinitionError(f"{where}.answers: no answer set named '{answers}'.")
    condition = fields.optional_child("enabled_when")
    enabled_when = None
    if condition is not None:
        enabled_when = EnableCondition(
            item=condition.text("item"), equals=condition.whole("equals")
        )
        condition.done()
    item = Item(
        id=fields.text("id"),
        construct=fields.text("construct"),
        text=fields.optional_text("text"),
        options=answer_sets[answers],
        loinc=fields.optional_text("loinc"),
        scored=fields.flag("scored", default=True),
        enabled_when=enabled_when,
    )
    fields.done()
    return item


def _outcomes(fields: _Fields) -> OutcomeRules:
    where = "outcomes"
    alternatives = []
    for alternative in _each(fields, "remission_alternatives", where):
        alternatives.append(
            RemissionAlternative(max=alternative.whole("max"), source=alternative.text("source"))
        )
        alternative.done()
    grades = []
    for grade in _each(fields, "improvement_grades", where):
        grades.append(
            ImprovementGrade(
                min_fall_percent=grade.whole("min_fall_percent"), label=grade.text("label")
            )
        )
        grade.done()
    rules = OutcomeRules(
        response_min_fall_percent=fields.optional_whole("response_min_fall_percent"),
        partial_response_min_fall_percent=fields.optional_whole(
            "partial_response_min_fall_percent"
        ),
        remission_max=fields.optional_whole("remission_max"),
        remission_alternatives=tuple(alternatives),
        reliable_change_points=fields.optional_points("reliable_change_points"),
        meaningful_change_points=fields.optional_points("meaningful_change_points"),
        meaningful_change_percent=fields.optional_whole("meaningful_change_percent"),
        improvement_grades=tuple(sorted(grades, key=lambda grade: grade.min_fall_percent)),
        sources=fields.texts("sources"),
    )
    fields.done()
    return rules


def _subscale(fields: _Fields, where: str) -> Subscale:
    outcomes = fields.optional_child("outcomes")
    range_ = fields.entries("range")
    if len(range_) != 2 or not all(type(bound) is int for bound in range_):
        raise DefinitionError(f"{where}.range: expected [min, max].")
    subscale = Subscale(
        id=fields.text("id"),
        name=fields.text("name"),
        items=fields.texts("items"),
        method=SubscaleMethod(fields.text("method")),
        range_min=int(str(range_[0])),
        range_max=int(str(range_[1])),
        either_or_groups=tuple(
            tuple(str(member) for member in group) if isinstance(group, list) else ()
            for group in fields.entries("either_or_groups")
        ),
        min_answered=fields.optional_whole("min_answered"),
        loinc=fields.optional_text("loinc"),
        outcomes=None if outcomes is None else _outcomes(outcomes),
        source=fields.optional_text("source"),
    )
    fields.done()
    return subscale


def _safety_rule(fields: _Fields) -> SafetyRule:
    rule = SafetyRule(
        id=fields.text("id"),
        item=fields.optional_text("item"),
        level=SafetyLevel(fields.text("level")),
        message=fields.text("message"),
        action=fields.text("action"),
        source=fields.text("source"),
        at_least=fields.optional_whole("at_least"),
        at_most=fields.optional_whole("at_most"),
    )
    fields.done()
    return rule


def _licence(fields: _Fields) -> Licence:
    licence = Licence(
        status=LicenceStatus(fields.text("status")),
        item_text_included=fields.flag("item_text_included", default=False),
        note=fields.text("note"),
        holder=fields.optional_text("holder"),
        notice=fields.optional_text("notice"),
    )
    fields.done()
    return licence


def _screen_cutoff(fields: _Fields) -> ScreenCutoff:
    allowed = fields.entries("allowed")
    if not allowed or not all(type(value) is int for value in allowed):
        raise DefinitionError("screen_cutoff.allowed: expected a list of whole numbers.")
    cutoff = ScreenCutoff(
        allowed=tuple(int(str(value)) for value in allowed),
        default=fields.optional_whole("default"),
        positive_label=fields.text("positive_label"),
        source=fields.text("source"),
    )
    fields.done()
    return cutoff


def _diagnosis_rule(fields: _Fields) -> DiagnosisRule:
    minimum: list[tuple[str, int]] = []
    for subscale_id, count in fields.mapping("minimum_endorsed").items():
        if type(count) is not int:
            raise DefinitionError(f"diagnosis_rule.minimum_endorsed.{subscale_id}: not a number.")
        minimum.append((subscale_id, count))
    rule = DiagnosisRule(
        name=fields.text("name"),
        endorsed_at_least=fields.whole("endorsed_at_least"),
        minimum_endorsed=tuple(minimum),
        source=fields.text("source"),
    )
    fields.done()
    return rule


def _risk_levels(fields: _Fields) -> tuple[tuple[RiskLevel, ...], str]:
    levels = []
    for level in _each(fields, "levels", "risk_levels"):
        levels.append(
            RiskLevel(
                code=level.text("code"),
                label=level.text("label"),
                any_endorsed=level.texts("any_endorsed"),
            )
        )
        level.done()
    source = fields.text("source")
    fields.done()
    return tuple(levels), source


def parse_definition(data: object, where: str = "definition") -> Instrument:
    """Build and check an `Instrument` from one parsed definition file."""
    fields = _Fields(data, where)
    answer_sets = _answer_sets(fields, where)
    items = tuple(_item(entry, answer_sets, entry.where) for entry in _each(fields, "items", where))
    total_range = fields.entries("total_range")
    bands_fields = fields.optional_child("severity_bands")
    bands: tuple[SeverityBand, ...] = ()
    bands_source = None
    if bands_fields is not None:
        bands = tuple(
            SeverityBand(
                min=band.whole("min"),
                max=band.whole("max"),
                code=band.text("code"),
                label=band.text("label"),
            )
            for band in _each(bands_fields, "bands", "severity_bands")
        )
        bands_source = bands_fields.text("source")
        bands_fields.done()
    risk_fields = fields.optional_child("risk_levels")
    risk_levels, risk_source = _risk_levels(risk_fields) if risk_fields else ((), None)
    outcomes = fields.optional_child("outcomes")
    cutoff = fields.optional_child("screen_cutoff")
    diagnosis = fields.optional_child("diagnosis_rule")
    loinc = fields.optional_child("loinc")
    loinc_panel = loinc_result = None
    if loinc is not None:
        loinc_panel = loinc.optional_text("panel")
        loinc_result = loinc.optional_text("result")
        loinc.done()
    instrument = Instrument(
        code=fields.text("code"),
        version=fields.text("version"),
        short_name=fields.text("short_name"),
        name=fields.text("name"),
        rater=Rater(fields.text("rater")),
        recall_period=fields.optional_text("recall_period"),
        instructions=fields.optional_text("instructions"),
        items=items,
        scoring_method=ScoringMethod(fields.text("scoring_method")),
        total_range=_pair(total_range, f"{where}.total_range"),
        severity_bands=bands,
        bands_source=bands_source,
        subscales=tuple(
            _subscale(entry, entry.where) for entry in _each(fields, "subscales", where)
        ),
        safety_rules=tuple(_safety_rule(entry) for entry in _each(fields, "safety_rules", where)),
        outcomes=None if outcomes is None else _outcomes(outcomes),
        screen_cutoff=None if cutoff is None else _screen_cutoff(cutoff),
        diagnosis_rule=None if diagnosis is None else _diagnosis_rule(diagnosis),
        risk_levels=risk_levels,
        risk_levels_source=risk_source,
        loinc_panel=loinc_panel,
        loinc_result=loinc_result,
        licence=_licence(fields.child("licence")),
        sources=fields.texts("sources"),
        notes=fields.texts("notes"),
    )
    fields.done()
    check_instrument(instrument)
    return instrument


def _pair(values: list[object], where: str) -> tuple[int, int] | None:
    if not values:
        return None
    if len(values) != 2 or not all(type(value) is int for value in values):
        raise DefinitionError(f"{where}: expected [min, max].")
    return int(str(values[0])), int(str(values[1]))


def check_instrument(instrument: Instrument) -> None:
    """Refuse an instrument whose parts contradict each other."""
    name = instrument.code
    if not instrument.sources:
        raise DefinitionError(f"{name}: a definition must cite its sources.")
    _check_items(instrument)
    _check_subscales(instrument)
    _check_total(instrument)
    _check_bands(instrument)
    _check_rules(instrument)
    _check_licence(instrument)


def _check_items(instrument: Instrument) -> None:
    seen: set[str] = set()
    for item in instrument.items:
        if item.id in seen:
            raise DefinitionError(f"{instrument.code}: item '{item.id}' is defined twice.")
        condition = item.enabled_when
        if condition is not None:
            if condition.item not in seen:
                raise DefinitionError(
                    f"{instrument.code}: item '{item.id}' depends on '{condition.item}', "
                    "which must come before it."
                )
            if condition.equals not in instrument.item(condition.item).values:
                raise DefinitionError(
                    f"{instrument.code}: item '{item.id}' depends on an impossible answer."
                )
        seen.add(item.id)


def _derived_range(instrument: Instrument, subscale: Subscale) -> tuple[int, int]:
    items = [instrument.item(item_id) for item_id in subscale.items]
    if subscale.method is SubscaleMethod.SUM:
        return sum(item.min_value for item in items), sum(item.max_value for item in items)
    if subscale.method is SubscaleMethod.MAX:
        return max(item.min_value for item in items), max(item.max_value for item in items)
    return min(item.min_value for item in items), max(item.max_value for item in items)


def _check_subscales(instrument: Instrument) -> None:
    for subscale in instrument.subscales:
        where = f"{instrument.code} subscale '{subscale.id}'"
        for item_id in subscale.items:
            try:
                item = instrument.item(item_id)
            except KeyError as error:
                raise DefinitionError(f"{where}: unknown item '{item_id}'.") from error
            if not item.scored:
                raise DefinitionError(f"{where}: item '{item_id}' is not scored.")
        for group in subscale.either_or_groups:
            if len(group) < 2 or not set(group) <= set(subscale.items):
                raise DefinitionError(f"{where}: an either-or group must name 2+ of its items.")
        if subscale.min_answered is not None:
            if subscale.method is not SubscaleMethod.MEAN:
                raise DefinitionError(f"{where}: only a mean may use some of its items.")
            if not 1 <= subscale.min_answered <= len(subscale.items):
                raise DefinitionError(f"{where}: min_answered is out of range.")
        if (subscale.range_min, subscale.range_max) != _derived_range(instrument, subscale):
            raise DefinitionError(f"{where}: the stated range does not match its items.")
        if subscale.outcomes is not None:
            _check_outcomes(instrument, subscale.outcomes, (subscale.range_min, subscale.range_max))


def _check_total(instrument: Instrument) -> None:
    method = instrument.scoring_method
    scored = [item for item in instrument.items if item.scored]
    if method is ScoringMethod.NO_TOTAL:
        derived = None
    elif method is ScoringMethod.SUM_OF_ITEMS:
        if any(item.enabled_when is not None for item in scored):
            raise DefinitionError(f"{instrument.code}: a summed total cannot skip items.")
        derived = sum(item.min_value for item in scored), sum(item.max_value for item in scored)
    else:
        counted = [item_id for subscale in instrument.subscales for item_id in subscale.items]
        if sorted(counted) != sorted(item.id for item in scored):
            raise DefinitionError(
                f"{instrument.code}: each scored item must be in exactly one subscale."
            )
        derived = (
            sum(subscale.range_min for subscale in instrument.subscales),
            sum(subscale.range_max for subscale in instrument.subscales),
        )
    if instrument.total_range != derived:
        raise DefinitionError(
            f"{instrument.code}: stated total range {instrument.total_range} "
            f"does not match the items ({derived})."
        )


def _check_bands(instrument: Instrument) -> None:
    bands = instrument.severity_bands
    if not bands:
        return
    if instrument.total_range is None:
        raise DefinitionError(f"{instrument.code}: severity bands need a total.")
    expected = instrument.total_range[0]
    for band in bands:
        if band.min != expected or band.max < band.min:
            raise DefinitionError(
                f"{instrument.code}: band '{band.code}' should start at {expected} "
                "(bands must cover the range in order without gaps or overlaps)."
            )
        expected = band.max + 1
    if expected - 1 != instrument.total_range[1]:
        raise DefinitionError(f"{instrument.code}: the bands stop short of the maximum.")


def _check_outcomes(instrument: Instrument, rules: OutcomeRules, range_: tuple[int, int]) -> None:
    where = f"{instrument.code} outcomes"
    if not rules.sources:
        raise DefinitionError(f"{where}: change rules must cite their sources.")
    response = rules.response_min_fall_percent
    partial = rules.partial_response_min_fall_percent
    if response is not None and not 0 < response <= 100:
        raise DefinitionError(f"{where}: response percent out of range.")
    if partial is not None and (response is None or not 0 < partial < response):
        raise DefinitionError(f"{where}: partial response must sit below response.")
    thresholds = [rules.remission_max, *(alt.max for alt in rules.remission_alternatives)]
    for threshold in thresholds:
        if threshold is not None and not range_[0] <= threshold <= range_[1]:
            raise DefinitionError(f"{where}: remission threshold {threshold} is out of range.")


def _check_rules(instrument: Instrument) -> None:
    code = instrument.code
    if instrument.outcomes is not None:
        if instrument.total_range is None:
            raise DefinitionError(f"{code}: change rules on the total need a total.")
        _check_outcomes(instrument, instrument.outcomes, instrument.total_range)
    for rule in instrument.safety_rules:
        if rule.at_least is None and rule.at_most is None:
            raise DefinitionError(f"{code} safety rule '{rule.id}': give at_least or at_most.")
        if rule.item is None:
            if instrument.scoring_method is not ScoringMethod.SUM_OF_ITEMS or rule.at_most:
                raise DefinitionError(
                    f"{code} safety rule '{rule.id}': a rule on the total must be an "
                    "at_least rule on a summed total."
                )
        else:
            try:
                instrument.item(rule.item)
            except KeyError as error:
                raise DefinitionError(f"{code} safety rule '{rule.id}': no such item.") from error
    cutoff = instrument.screen_cutoff
    if cutoff is not None:
        if instrument.total_range is None:
            raise DefinitionError(f"{code}: a screen cut-off needs a total.")
        low, high = instrument.total_range
        if not all(low <= value <= high for value in cutoff.allowed):
            raise DefinitionError(f"{code}: a screen cut-off is out of range.")
        if cutoff.default is not None and cutoff.default not in cutoff.allowed:
            raise DefinitionError(f"{code}: the default cut-off must be one of those allowed.")
    diagnosis = instrument.diagnosis_rule
    if diagnosis is not None:
        for subscale_id, _count in diagnosis.minimum_endorsed:
            try:
                instrument.subscale(subscale_id)
            except KeyError as error:
                raise DefinitionError(f"{code} diagnosis rule: {error.args[0]}") from error
    for level in instrument.risk_levels:
        for item_id in level.any_endorsed:
            try:
                instrument.item(item_id)
            except KeyError as error:
                raise DefinitionError(f"{code} risk level '{level.code}': {error}") from error


def _check_licence(instrument: Instrument) -> None:
    with_text = [item.id for item in instrument.items if item.text is not None]
    if instrument.licence.item_text_included:
        if instrument.licence.status is LicenceStatus.LICENSED:
            raise DefinitionError(f"{instrument.code}: licensed wording may not be shipped.")
        if len(with_text) != len(instrument.items):
            raise DefinitionError(f"{instrument.code}: every item needs its text.")
    elif with_text:
        raise DefinitionError(
            f"{instrument.code}: items {with_text} carry text, but the licence note says "
            "no item text is shipped."
        )
