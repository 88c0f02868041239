"""The URL map: public pages, sign-in, the staff area and the API."""

from django.contrib import admin
from django.urls import include, path

from ketacare import views
from ketacare.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("session/keep-alive", views.keep_alive, name="keep_alive"),
    # The public site first: its pages are the most visited and resolve without walking the
    # staff area's patterns (no pattern of theirs overlaps one of these).
    path("", include("ketacare.public.urls")),
    path("accounts/", include("allauth.urls")),
    path("patients/", include("ketacare.patients.urls")),
    path("", include("ketacare.measures.urls")),
    path("", include("ketacare.screening.urls")),
    path("", include("ketacare.treatment.urls")),
    path("", include("ketacare.scheduling.urls")),
    path("", include("ketacare.treatment_sessions.urls")),
    path("", include("ketacare.reminders.urls")),
    path("clinics/", include("ketacare.directory.urls")),
    path("audit/", include("ketacare.audit.urls")),
    path("staff/", include("ketacare.accounts.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "ketacare.views.forbidden"
handler404 = "ketacare.views.not_found"
handler500 = "ketacare.views.server_error"
