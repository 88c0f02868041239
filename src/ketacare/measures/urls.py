"""Rating scales: staff pages under /patients/<id>/measures/ and /measures/, the patient's
self-report link under /r/ (public: the token is the only key)."""

from django.urls import path

from ketacare.measures import views

app_name = "measures"

urlpatterns = [
    path("measures/", views.dashboard, name="dashboard"),
    path(
        "measures/alerts/<uuid:alert_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("patients/<uuid:public_id>/measures/", views.outcomes, name="outcomes"),
    path(
        "patients/<uuid:public_id>/measures/schedules/",
        views.schedule_set,
        name="schedule_set",
    ),
    path(
        "patients/<uuid:public_id>/measures/schedules/<uuid:schedule_id>/stop/",
        views.schedule_stop,
        name="schedule_stop",
    ),
    path("patients/<uuid:public_id>/measures/send/", views.send_link, name="send_link"),
    path("patients/<uuid:public_id>/measures/kiosk/", views.kiosk_start, name="kiosk_start"),
    path("patients/<uuid:public_id>/measures/<slug:code>/new/", views.entry, name="entry"),
    path("r/<slug:token>/", views.self_report, name="self_report"),
]
