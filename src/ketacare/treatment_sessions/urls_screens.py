"""The tablet screens of the treatment day (included by treatment_sessions/urls.py)."""

urlpatterns: list = []
