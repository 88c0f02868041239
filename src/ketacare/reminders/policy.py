"""The practice's reminder settings and what a patient is asked to do before a session.

The offsets (48 h and 2 h before, 24 h for questionnaires, 48 h for the escort) are the demo's
defaults for a practice setting, not clinical numbers. The preparation wording follows the
fasting rules of the clinical core (rule 10: `ketacare.clinical.treatment_day.fasting`,
editable per practice) and the escort and driving rule (rule 11, [S3a, S4c]). It gives no
diagnosis and no dose: only what to do before coming (minimum necessary)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ketacare.clinical.treatment_day.fasting import FastingRules

# Demo defaults of a practice setting (hours before the appointment).
DEFAULT_APPOINTMENT_HOURS = (48, 2)
DEFAULT_QUESTIONNAIRE_HOURS = 24
DEFAULT_ESCORT_HOURS = 48
MAX_HOURS_BEFORE = 24 * 14

# source: reference.md rule 11 [S3a, S4c] (no driving until the next day after restful sleep;
# an adult takes the patient home [S12]).
ESCORT_AND_DRIVING = (
    "Bring the adult who will drive you home. After your treatment, don't drive or do "
    "anything hazardous until the next day, after a restful sleep."
)


@dataclass(frozen=True)
class ReminderSettings:
    appointment_hours: tuple[int, ...] = DEFAULT_APPOINTMENT_HOURS
    questionnaire_hours: int = DEFAULT_QUESTIONNAIRE_HOURS
    escort_hours: int = DEFAULT_ESCORT_HOURS

    def as_json(self) -> dict[str, Any]:
        return {
            "appointment_hours": list(self.appointment_hours),
            "questionnaire_hours": self.questionnaire_hours,
            "escort_hours": self.escort_hours,
        }


def reminder_settings(organisation_settings: Mapping[str, Any]) -> ReminderSettings:
    """The practice's settings (`Organisation.settings["reminders"]`), defaults filled in."""
    raw = organisation_settings.get("reminders", {})
    if not isinstance(raw, Mapping):
        return ReminderSettings()
    hours = raw.get("appointment_hours", DEFAULT_APPOINTMENT_HOURS)
    return ReminderSettings(
        appointment_hours=tuple(sorted({int(h) for h in hours}, reverse=True)),
        questionnaire_hours=int(raw.get("questionnaire_hours", DEFAULT_QUESTIONNAIRE_HOURS)),
        escort_hours=int(raw.get("escort_hours", DEFAULT_ESCORT_HOURS)),
    )


def _minutes(value: Any) -> timedelta | None:
    return None if value is None else timedelta(minutes=int(value))


def fasting_rules(organisation_settings: Mapping[str, Any], route: str) -> FastingRules | None:
    """The fasting rule for a route that the treatment day's pre-check will enforce (the
    practice's, from its treatment-day settings, else the clinical core's default, rule 10), so
    the reminder tells the patient the same rule; None when neither gives one."""
    from ketacare.treatment_sessions.selectors import SETTINGS_KEY, DaySettings

    if not route:
        return None
    stored = organisation_settings.get(SETTINGS_KEY) or {}
    try:
        return DaySettings(dict(stored)).fasting_rules(route)
    except ValueError:
        return None


def span(gap: timedelta) -> str:
    """2 hours, 30 minutes, 1 hour 30 minutes."""
    minutes = int(gap.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def preparation(route: str, rules: FastingRules | None, *, treatment: bool) -> list[str]:
    """Plain-words preparation for a session: eating and drinking, then the ride home."""
    if not treatment:
        return []
    lines: list[str] = []
    if rules is not None:
        if rules.solids is not None and rules.clear_liquids is not None and route == "esketamine":
            lines.append(
                f"Please don't eat anything for {span(rules.solids)}, or drink anything for "
                f"{span(rules.clear_liquids)}, before your appointment."
            )
        else:
            if rules.solids is not None:
                fatty = (
                    f" ({span(rules.fatty_food)} after fried or fatty food or meat)"
                    if rules.fatty_food is not None
                    else ""
                )
                lines.append(
                    f"Please don't eat for {span(rules.solids)} before your appointment{fatty}."
                )
            if rules.clear_liquids is not None:
                lines.append(
                    "You may drink clear liquids, such as water, until "
                    f"{span(rules.clear_liquids)} before."
                )
        if rules.nasal_steroid_or_decongestant is not None:
            lines.append(
                "If you use a nasal steroid or decongestant spray, use it at least "
                f"{span(rules.nasal_steroid_or_decongestant)} before your appointment."
            )
    lines.append(ESCORT_AND_DRIVING)
    return lines
