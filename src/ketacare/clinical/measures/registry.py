"""The instruments this installation knows, read once from the package's definition files.

Each file `definitions/<code>.json` holds one version of one instrument. A later version of the
same instrument goes in `definitions/<code>@<version>.json`; scores already stored keep naming the
version they were computed with, so old results stay reproducible.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources

from ketacare.clinical.measures.definition import DefinitionError, parse_definition
from ketacare.clinical.measures.model import Instrument

_DEFINITIONS_PACKAGE = "ketacare.clinical.measures.definitions"


class UnknownInstrumentError(LookupError):
    """No definition exists for the instrument code or version asked for."""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def _load() -> dict[str, dict[str, Instrument]]:
    by_code: dict[str, dict[str, Instrument]] = {}
    folder = resources.files(_DEFINITIONS_PACKAGE)
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".json"):
            continue
        stem = entry.name.removesuffix(".json")
        data = json.loads(entry.read_text(encoding="utf-8"), parse_float=Decimal)
        instrument = parse_definition(data, where=entry.name)
        code, _, version = stem.partition("@")
        if code != instrument.code or (version and version != instrument.version):
            raise DefinitionError(
                f"{entry.name}: the file name must be '{instrument.code}.json' or "
                f"'{instrument.code}@{instrument.version}.json'."
            )
        versions = by_code.setdefault(instrument.code, {})
        if instrument.version in versions:
            raise DefinitionError(f"{entry.name}: {instrument.code} {instrument.version} twice.")
        versions[instrument.version] = instrument
    return by_code


def get_instrument(code: str, version: str | None = None) -> Instrument:
    """The instrument `code` at `version`, or its latest version when none is given."""
    versions = _load().get(code)
    if not versions:
        raise UnknownInstrumentError(f"No rating instrument has the code '{code}'.")
    if version is None:
        return versions[max(versions, key=_version_key)]
    if version not in versions:
        raise UnknownInstrumentError(f"{code} has no version '{version}'.")
    return versions[version]


def all_instruments() -> tuple[Instrument, ...]:
    """The latest version of every instrument, ordered by code."""
    return tuple(get_instrument(code) for code in sorted(_load()))
