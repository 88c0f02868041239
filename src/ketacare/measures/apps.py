from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ketacare.measures"
    label = "measures"
    verbose_name = "Measurement-based care"
