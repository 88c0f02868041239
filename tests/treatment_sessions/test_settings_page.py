"""The prescriber's treatment-day settings page: one save for the practice's own numbers."""

from __future__ import annotations

import pytest

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db
URL = "/treatment-sessions/settings/"


def _filled(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "aldrete_threshold": 9,
        "padss_threshold": 8,
        "observation_iv": 60,
        "alert_systolic_above": 180,
        "alert_diastolic_above": 110,
        "cadence_esketamine_interval_after_40_min": 15,
    }
    values.update(overrides)
    return values


def test_only_prescribers_set_the_treatment_day(practice_a):
    for role in Role:
        status = practice_a.client_for(role).get(URL).status_code
        assert status == (200 if role == Role.PRESCRIBER else 403), role


def test_a_prescriber_saves_observation_alerts_and_timers_together_and_it_is_audited(practice_a):
    organisation = practice_a.organisation
    organisation.settings = {"treatment_day": {"fasting": {"iv": {"solids_minutes": 480}}}}
    organisation.save()
    client = practice_a.client_for(Role.PRESCRIBER)
    page = client.get(URL).content.decode()
    assert 'value="9"' in page  # the Aldrete default is shown (S17)
    response = client.post(URL, _filled())
    assert response.status_code == 302
    organisation.refresh_from_db()
    day = organisation.settings["treatment_day"]
    assert day["minimum_observation_minutes"] == {"iv": 60}
    assert day["padss_threshold"] == 8
    assert day["fasting"]["iv"]["solids_minutes"] == 480  # not on this page: kept
    assert organisation.settings["vital_alerts"]["systolic_above"] == 180
    assert organisation.settings["vitals_cadence"]["esketamine_interval_after_40_min"] == 15
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.SETTINGS_CHANGE, actor=practice_a.staff[Role.PRESCRIBER]
        ).count()
        == 3
    )


def test_a_refused_value_is_shown_at_its_field_and_nothing_is_saved(practice_a):
    client = practice_a.client_for(Role.PRESCRIBER)
    before = dict(practice_a.organisation.settings)
    # The adapted PADSS has 8 points: 9 cannot be reached.
    response = client.post(URL, _filled(padss_threshold=9))
    assert response.status_code == 400
    assert "padss_threshold" in response.context["form"].errors
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.settings == before
    assert not AuditEvent.objects.filter(action=AuditAction.SETTINGS_CHANGE).exists()
