from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ketacare.scheduling"
    label = "scheduling"
    verbose_name = "Appointments, chairs, staff rota and calendars"
