from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ketacare.demo"
    label = "demo"
    verbose_name = "Demo data"
