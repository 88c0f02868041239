from django.urls import path  # noqa: F401

app_name = "treatment_sessions"

urlpatterns: list = []
