"""Calendar feeds and the escort's confirmation. /ical/ and /escort/ are public: the token in
the address is the only key."""

from django.urls import path

from ketacare.reminders import views

app_name = "reminders"

urlpatterns = [
    path("calendar/feed/", views.my_feed, name="my_feed"),
    path("calendar/feed/new/", views.my_feed_create, name="my_feed_create"),
    path("calendar/feed/revoke/", views.my_feed_revoke, name="my_feed_revoke"),
    path("patients/<uuid:public_id>/calendar-feed/", views.patient_feed, name="patient_feed"),
    path(
        "patients/<uuid:public_id>/calendar-feed/new/",
        views.patient_feed_create,
        name="patient_feed_create",
    ),
    path(
        "patients/<uuid:public_id>/calendar-feed/revoke/",
        views.patient_feed_revoke,
        name="patient_feed_revoke",
    ),
    path("reminders/settings/", views.reminder_settings, name="settings"),
    path("ical/<str:token>.ics", views.feed, name="feed"),
    path("escort/<str:token>/", views.escort, name="escort"),
]
