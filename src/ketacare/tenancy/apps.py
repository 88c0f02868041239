from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ketacare.tenancy"
    label = "tenancy"
    verbose_name = "Organisations and clinics"
