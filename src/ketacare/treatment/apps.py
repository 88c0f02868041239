from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "ketacare.treatment"
    label = "treatment"
    verbose_name = "Treatment plans and orders"
