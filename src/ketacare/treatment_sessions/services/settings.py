"""The organisation's treatment-day settings (audited): fasting rules by route, the minimum
observation time by route, recovery thresholds, the racemic pre-dose blood-pressure gate, and how
recent the pre-session scales must be. Each is a clinic setting over a cited default, or a value
the reference does not give and the clinic must set."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.clinical import recovery as recovery_rules
from ketacare.clinical.treatment_day import VitalGates
from ketacare.tenancy.access import Actor, require_permission
from ketacare.tenancy.models import Organisation, Route
from ketacare.tenancy.permissions import Permission
from ketacare.treatment_sessions.selectors import SETTINGS_KEY

FASTING_NAMES = (
    "solids_minutes",
    "clear_liquids_minutes",
    "fatty_food_minutes",
    "nasal_steroid_minutes",
)
TOP_LEVEL = (
    "fasting",
    "minimum_observation_minutes",
    "aldrete_threshold",
    "padss_threshold",
    "racemic_bp_gate",
    "scales_max_age_days",
)


def _minutes(value: object, field: str, errors: dict[str, list[str]], high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = ["Enter a whole number."]
        return None
    try:
        number = int(str(value))
    except ValueError:
        errors[field] = ["Enter a whole number."]
        return None
    if not 0 <= number <= high:
        errors[field] = [f"Enter a number from 0 to {high}."]
        return None
    return number


def clean_day_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as stored, or a ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    for name in values:
        if name not in TOP_LEVEL:
            errors[name] = ["Unknown setting."]
    cleaned: dict[str, Any] = {}
    fasting: dict[str, dict[str, int | None]] = {}
    for route, rules in dict(values.get("fasting") or {}).items():
        if route not in Route.values or not isinstance(rules, Mapping):
            errors[f"fasting.{route}"] = ["Unknown route."]
            continue
        fasting[route] = {
            n: _minutes(rules.get(n), f"fasting.{route}.{n}", errors, 24 * 60)
            for n in FASTING_NAMES
        }
    if fasting:
        cleaned["fasting"] = fasting
    observation: dict[str, int] = {}
    for route, value in dict(values.get("minimum_observation_minutes") or {}).items():
        if route not in Route.values:
            errors[f"minimum_observation_minutes.{route}"] = ["Unknown route."]
            continue
        minutes = _minutes(value, f"minimum_observation_minutes.{route}", errors, 24 * 60)
        if minutes == 0:
            errors[f"minimum_observation_minutes.{route}"] = ["Enter at least 1 minute."]
        elif minutes is not None:
            observation[route] = minutes
    if observation:
        cleaned["minimum_observation_minutes"] = observation
    for name, maximum in (
        ("aldrete_threshold", recovery_rules.ALDRETE_MAXIMUM),
        ("padss_threshold", recovery_rules.ADAPTED_PADSS_MAXIMUM),
    ):
        number = _minutes(values.get(name), name, errors, maximum)
        if number == 0:
            errors[name] = [f"Enter a number from 1 to {maximum}."]
        elif number is not None:
            cleaned[name] = number
    days = _minutes(values.get("scales_max_age_days"), "scales_max_age_days", errors, 365)
    if days:
        cleaned["scales_max_age_days"] = days
    gate = values.get("racemic_bp_gate")
    if gate:
        systolic = _minutes(
            gate.get("systolic_above"), "racemic_bp_gate.systolic_above", errors, 300
        )
        diastolic = _minutes(
            gate.get("diastolic_above"), "racemic_bp_gate.diastolic_above", errors, 200
        )
        try:
            VitalGates(systolic_above=systolic, diastolic_above=diastolic)
        except ValueError as exc:
            errors["racemic_bp_gate"] = [str(exc)]
        cleaned["racemic_bp_gate"] = {"systolic_above": systolic, "diastolic_above": diastolic}
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def treatment_day_settings_set(*, actor: Actor, values: Mapping[str, Any]) -> Organisation:
    """Replace the organisation's treatment-day settings (the whole set: a setting left out
    returns to its default, or to unset). Clinical thresholds, so prescribers set them."""
    membership = require_permission(actor, Permission.SIGN_TREATMENT_DECISION)
    organisation = Organisation.objects.select_for_update(of=("self",)).get(
        pk=membership.organisation_id
    )
    cleaned = clean_day_settings(values)
    before = dict(organisation.settings.get(SETTINGS_KEY, {}))
    organisation.settings = {**organisation.settings, SETTINGS_KEY: cleaned}
    organisation.save(update_fields=["settings", "updated_at"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=organisation,
        changed_fields=["settings"],
        detail={SETTINGS_KEY: {"from": before, "to": cleaned}},
    )
    return organisation


# The racemic routes whose minimum observation is the practice's own (esketamine's label
# minimum of 120 min applies whatever is set; a longer practice minimum lengthens it).
OBSERVED_ROUTES = tuple(route for route in Route.values if route != Route.ESKETAMINE)


def _collect(errors: dict[str, list[str]], save: Callable[[], object]) -> None:
    try:
        with transaction.atomic():
            save()
    except ValidationError as exc:
        errors.update(exc.message_dict)


@transaction.atomic
def treatment_day_page_save(
    *,
    actor: Actor,
    day_values: Mapping[str, Any],
    alert_limits: Mapping[str, object],
    cadence: Mapping[str, int | None],
) -> None:
    """The settings page's one save: the treatment-day settings, the alert limits and the
    vital-sign intervals together, or none of them (each refusal names its field)."""
    from ketacare.treatment_sessions import monitoring

    errors: dict[str, list[str]] = {}
    _collect(errors, lambda: treatment_day_settings_set(actor=actor, values=day_values))
    _collect(errors, lambda: monitoring.alert_thresholds_set(actor=actor, values=alert_limits))
    _collect(
        errors,
        lambda: monitoring.cadence_settings_set(
            actor=actor,
            esketamine_interval_after_40_min=cadence.get("esketamine_interval_after_40_min"),
            other_route_interval=cadence.get("other_route_interval"),
        ),
    )
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
