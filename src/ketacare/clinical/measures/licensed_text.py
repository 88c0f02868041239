"""Fill the empty wording slots of a licensed instrument with a clinic's own licensed text.

The shipped definition of a licensed instrument has structure and scoring but no item wording.
A clinic that holds a licence supplies its text here; the result scores exactly as before, since
only the empty `text` and `label` slots change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ketacare.clinical.measures.model import AnswerOption, Instrument, Item


def _filled_options(
    instrument: Instrument, item: Item, labels: Mapping[int, str]
) -> tuple[AnswerOption, ...]:
    unknown = sorted(set(labels) - set(item.values))
    if unknown:
        raise ValueError(
            f"{instrument.short_name} item '{item.id}': no answer option with value {unknown}."
        )
    options = []
    for option in item.options:
        label = labels.get(option.value)
        if label is not None and option.label is not None:
            raise ValueError(
                f"{instrument.short_name} item '{item.id}': option {option.value} already has "
                "its wording."
            )
        options.append(option if label is None else replace(option, label=label))
    return tuple(options)


def with_licensed_text(
    instrument: Instrument,
    *,
    item_text: Mapping[str, str],
    option_labels: Mapping[str, Mapping[int, str]] | None = None,
) -> Instrument:
    """A copy of `instrument` with the clinic's licensed wording in its empty slots."""
    option_labels = option_labels or {}
    for item_id in [*item_text, *option_labels]:
        instrument.item(item_id)  # raises KeyError naming an unknown item
    items = []
    for item in instrument.items:
        text = item_text.get(item.id)
        if text is not None and item.text is not None:
            raise ValueError(
                f"{instrument.short_name} item '{item.id}' already has its wording; only empty "
                "slots can be filled."
            )
        if text is not None and not text.strip():
            raise ValueError(f"{instrument.short_name} item '{item.id}': the text is empty.")
        labels = option_labels.get(item.id, {})
        items.append(
            replace(
                item,
                text=item.text if text is None else text,
                options=_filled_options(instrument, item, labels) if labels else item.options,
            )
        )
    return replace(instrument, items=tuple(items))
