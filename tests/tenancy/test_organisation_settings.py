import pytest

from ketacare.audit.models import AuditEvent
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db


def test_an_org_admin_changes_the_idle_timeout_and_it_is_audited(practice_a):
    client = practice_a.client_for(Role.ORG_ADMIN)
    response = client.post("/staff/settings/", {"form": "signin", "idle_timeout_minutes": "20"})
    assert response.status_code == 302
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.idle_timeout_minutes == 20
    event = AuditEvent.objects.get(action="settings_change")
    assert event.detail == {"idle_timeout_minutes": {"from": 15, "to": 20}}


@pytest.mark.parametrize("value", ["31", "0", "abc", "600"])
def test_an_idle_timeout_outside_1_to_30_minutes_is_refused_at_the_field(practice_a, value):
    client = practice_a.client_for(Role.ORG_ADMIN)
    response = client.post("/staff/settings/", {"form": "signin", "idle_timeout_minutes": value})
    assert response.status_code == 200
    assert "idle_timeout_minutes" in response.context["form"].errors
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.idle_timeout_minutes == 15
    assert not AuditEvent.objects.filter(action="settings_change").exists()


def test_an_org_admin_sets_a_remission_threshold_from_the_settings_page(practice_a):
    client = practice_a.client_for(Role.ORG_ADMIN)
    response = client.post(
        "/staff/settings/", {"form": "remission", "instrument_code": "madrs", "threshold": "10"}
    )
    assert response.status_code == 302
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.settings["measures"]["remission"] == {"madrs": 10}
    refused = client.post(
        "/staff/settings/", {"form": "remission", "instrument_code": "madrs", "threshold": "99"}
    )
    assert refused.status_code == 200
    assert b"possible total" in refused.content


def test_an_org_admin_sets_an_eligibility_threshold_and_a_bad_one_changes_nothing(practice_a):
    client = practice_a.client_for(Role.ORG_ADMIN)
    page = client.get("/staff/settings/")
    assert b"diazepam-equivalent" in page.content
    response = client.post(
        "/staff/settings/",
        {"form": "eligibility", "bmi_caution_above": "40", "bmi_caution_below": "17"},
    )
    assert response.status_code == 302
    practice_a.organisation.refresh_from_db()
    assert practice_a.organisation.settings["eligibility"] == {
        "bmi_caution_above": "40",
        "bmi_caution_below": "17",
    }
    refused = client.post(
        "/staff/settings/", {"form": "eligibility", "benzodiazepine_reduced_effect_above_mg": "-5"}
    )
    assert refused.status_code == 200
    practice_a.organisation.refresh_from_db()
    assert "bmi_caution_above" in practice_a.organisation.settings["eligibility"]
    assert AuditEvent.objects.filter(action="settings_change").count() == 1
