"""The organisation's protocols: a shipped protocol plus the clinic's stored settings.

Stored values are plain strings (JSON); every one is parsed into its quantity and passed
through the clinical core's `Protocol.configure()`, so a value the engine would refuse is
refused here, naming its field, before anything is stored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from ketacare.clinical.dosing import (
    SHIPPED_PROTOCOLS,
    CumulativeLimit,
    Dose,
    DoseBasis,
    MgPerKg,
    MgPerKgPerHour,
    Milligrams,
    PercentStrength,
    Protocol,
    SaltForm,
    sources,
)

# The settings a clinic may give, each with its unit (the dose limits are in the protocol's).
SETTING_NAMES = (
    "rounding_step_mg",
    "soft_max",
    "hard_limit",
    "salt_form",
    "max_strength_percent",
    "session_max_mg",
    "cumulative_max_mg",
    "cumulative_window_days",
    "max_weight_age_days",
)
# The engine's name for a setting -> the stored name, which carries its unit.
_SETTING_FOR = {"rounding_step": "rounding_step_mg", "max_strength": "max_strength_percent"}
# reference.md gives no maximum age for a recorded weight: each clinic sets it.
WEIGHT_AGE_SETTING = "max_weight_age_days"


def shipped_or_error(code: str, field: str = "protocol_code") -> Protocol:
    try:
        return SHIPPED_PROTOCOLS[code]
    except KeyError:
        raise ValidationError({field: [f"Unknown protocol {code!r}."]}) from None


def dose_in(basis: DoseBasis, value: Decimal) -> Dose | PercentStrength:
    """A number in the protocol's own dose unit."""
    if basis is DoseBasis.PER_KG:
        return MgPerKg(value)
    if basis is DoseBasis.PER_KG_PER_HOUR:
        return MgPerKgPerHour(value)
    if basis is DoseBasis.STRENGTH:
        return PercentStrength(value)
    return Milligrams(value)


def positive_decimal(value: object, field: str, *, limit: Decimal | None = None) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ["Enter a number."]}) from None
    if not number.is_finite() or number <= 0:
        raise ValidationError({field: ["Enter a number greater than zero."]})
    if limit is not None and number > limit:
        raise ValidationError({field: [f"Enter a number no greater than {limit}."]})
    return number


def _whole_days(value: object, field: str) -> int:
    number = positive_decimal(value, field, limit=Decimal(3650))
    if number != number.to_integral_value():
        raise ValidationError({field: ["Enter a whole number of days."]})
    return int(number)


def clean_settings(protocol: Protocol, values: dict[str, Any]) -> dict[str, str]:
    """The values as stored (strings), each checked; unknown names are refused."""
    unknown = sorted(set(values) - set(SETTING_NAMES))
    if unknown:
        raise ValidationError({unknown[0]: [f"{protocol.key} has no setting {unknown[0]!r}."]})
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        if name == "salt_form":
            if value not in {s.value for s in SaltForm}:
                choices = ", ".join(s.value for s in SaltForm)
                raise ValidationError({name: [f"Choose one of: {choices}."]})
            cleaned[name] = str(value)
        elif name in ("cumulative_window_days", WEIGHT_AGE_SETTING):
            cleaned[name] = str(_whole_days(value, name))
        else:
            cleaned[name] = str(positive_decimal(value, name, limit=Decimal(100000)))
    if ("cumulative_max_mg" in cleaned) != ("cumulative_window_days" in cleaned):
        raise ValidationError(
            {"cumulative_window_days": ["A cumulative limit needs both a total and a window."]}
        )
    configured(protocol, cleaned)  # the engine's own checks, naming the field on refusal
    return cleaned


def configured(protocol: Protocol, values: dict[str, str]) -> Protocol:
    """The shipped protocol with the organisation's settings applied."""
    basis = protocol.dose_basis

    def _dec(name: str) -> Decimal | None:
        return Decimal(values[name]) if name in values else None

    def _in_basis(name: str) -> Any:
        number = _dec(name)
        if number is None:
            return None
        if basis is DoseBasis.STRENGTH:
            raise ValidationError(
                {name: [f"{protocol.key} is dosed by strength: use max_strength_percent."]}
            )
        return dose_in(basis, number)

    cumulative = None
    if "cumulative_max_mg" in values and "cumulative_window_days" in values:
        cumulative = CumulativeLimit(
            Milligrams(Decimal(values["cumulative_max_mg"])),
            int(values["cumulative_window_days"]),
            sources.ORGANISATION_SETTING,
        )
    rounding = _dec("rounding_step_mg")
    strength = _dec("max_strength_percent")
    session = _dec("session_max_mg")
    try:
        return protocol.configure(
            rounding_step=Milligrams(rounding) if rounding is not None else None,
            soft_max=_in_basis("soft_max"),
            hard_limit=_in_basis("hard_limit"),
            salt_form=SaltForm(values["salt_form"]) if "salt_form" in values else None,
            max_strength=PercentStrength(strength) if strength is not None else None,
            session_max=Milligrams(session) if session is not None else None,
            cumulative_limit=cumulative,
        )
    except (TypeError, ValueError) as exc:
        raise ValidationError({"settings": [str(exc)]}) from exc


def missing_settings(protocol: Protocol, values: dict[str, str]) -> list[str]:
    """What the clinic must still set before the engine accepts this protocol."""
    engine_names = configured(protocol, values).missing_settings()
    missing = [_SETTING_FOR.get(name, name) for name in engine_names]
    if protocol.dose_basis.uses_weight and WEIGHT_AGE_SETTING not in values:
        missing.append(WEIGHT_AGE_SETTING)
    return sorted(missing)
