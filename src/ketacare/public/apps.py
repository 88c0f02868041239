from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site: education pages, the anonymous pre-screen and consultation requests."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ketacare.public"
    label = "public"
    verbose_name = "Public site"
