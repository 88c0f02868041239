from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    name = "ketacare.treatment_sessions"
    label = "treatment_sessions"
    verbose_name = "The treatment day"
