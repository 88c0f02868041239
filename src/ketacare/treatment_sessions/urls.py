"""Treatment-day pages. Documents and trackers are here; the tablet screens live in
urls_screens.py and are appended below."""

from django.urls import path

from ketacare.treatment_sessions import views_documents, views_settings, views_waste

app_name = "treatment_sessions"

urlpatterns = [
    # Documents of one session (PDF)
    path(
        "treatment-sessions/<uuid:public_id>/record.pdf",
        views_documents.record_pdf,
        name="record_pdf",
    ),
    path(
        "treatment-sessions/<uuid:public_id>/rems-form.pdf",
        views_documents.rems_form_pdf,
        name="rems_form_pdf",
    ),
    path(
        "treatment-sessions/<uuid:public_id>/discharge-instructions.pdf",
        views_documents.discharge_instructions_pdf,
        name="discharge_instructions_pdf",
    ),
    # Trackers
    path("treatment-sessions/rems-forms/", views_documents.rems_forms, name="rems_forms"),
    path(
        "treatment-sessions/controlled-substances/",
        views_waste.controlled_substances,
        name="controlled_substances",
    ),
    path(
        "treatment-sessions/settings/",
        views_settings.treatment_day_settings,
        name="settings",
    ),
    path(
        "treatment-sessions/<uuid:public_id>/rems-form/review",
        views_documents.rems_form_review,
        name="rems_form_review",
    ),
    path(
        "treatment-sessions/<uuid:public_id>/rems-form/submitted",
        views_documents.rems_form_submitted,
        name="rems_form_submitted",
    ),
    path("treatment-sessions/incidents/", views_documents.incidents, name="incidents"),
    path(
        "treatment-sessions/incidents/<uuid:public_id>/close",
        views_documents.incident_close,
        name="incident_close",
    ),
]

# The tablet screens live in their own module.
from ketacare.treatment_sessions.urls_screens import urlpatterns as screen_patterns  # noqa: E402

urlpatterns += screen_patterns
