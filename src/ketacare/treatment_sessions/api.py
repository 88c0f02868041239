"""JSON API for treatment_sessions (django-ninja). Full paths in the decorators."""

from ninja import Router

router = Router(tags=["treatment_sessions"])
