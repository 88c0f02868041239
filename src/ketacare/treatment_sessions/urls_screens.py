"""The tablet screens of the treatment day (included by treatment_sessions/urls.py)."""

from django.urls import path

from ketacare.treatment_sessions import (
    views,
    views_corrections,
    views_monitor,
    views_recovery,
    views_waste,
)

S = "treatment-sessions/<uuid:public_id>/"

urlpatterns = [
    path("appointments/<uuid:public_id>/check-in/", views.check_in, name="check_in"),
    path(S, views.session_page, name="session"),
    path(f"{S}pre-checks/", views.prechecks, name="prechecks"),
    path(f"{S}dosing/", views.dosing, name="dosing"),
    path(f"{S}monitoring/", views.monitor, name="monitor"),
    path(f"{S}recovery/", views.recovery, name="recovery"),
    # pre-checks
    path(f"{S}pre-checks/run/", views.precheck_run, name="precheck_run"),
    path(f"{S}pre-checks/<slug:code>/", views.precheck_record, name="precheck_record"),
    path(f"{S}pre-checks/<slug:code>/override/", views.precheck_override, name="precheck_override"),
    path(f"{S}dosing/start/", views.dosing_start, name="dosing_start"),
    path(f"{S}move/", views.transition, name="transition"),
    # dosing
    path(f"{S}dosing/infusion/", views.infusion, name="infusion"),
    path(f"{S}dosing/device/", views.device, name="device"),
    path(f"{S}dosing/dose/", views.dose, name="dose"),
    path(f"{S}dosing/end/", views.dosing_end, name="dosing_end"),
    path(f"{S}interventions/", views.intervention, name="intervention"),
    path(f"{S}dosing/waste/", views_waste.waste, name="waste"),
    # monitoring
    path(f"{S}monitoring/live/", views_monitor.monitor_live, name="monitor_live"),
    path(f"{S}monitoring/reading/", views_monitor.reading, name="reading"),
    path(
        f"{S}monitoring/alerts/<uuid:alert_id>/acknowledge/",
        views_monitor.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path(f"{S}observations/", views_monitor.observation, name="observation"),
    path(f"{S}adverse-events/", views_monitor.adverse_event, name="adverse_event"),
    # corrections
    path(
        f"{S}monitoring/readings/<int:reading_id>/strike/",
        views_corrections.reading_strike,
        name="reading_strike",
    ),
    path(
        f"{S}adverse-events/<uuid:event_id>/",
        views_corrections.adverse_event_edit,
        name="adverse_event_edit",
    ),
    # recovery and discharge
    path(f"{S}recovery/score/<slug:scale>/", views_recovery.recovery_score, name="recovery_score"),
    path(f"{S}recovery/stable/", views_recovery.attest_stable, name="attest_stable"),
    path(f"{S}recovery/escort-present/", views_recovery.escort_present, name="escort_present"),
    path(f"{S}discharge/", views_recovery.discharge, name="discharge"),
]
