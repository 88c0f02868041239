"""JSON API for scheduling (django-ninja). Full paths in the decorators."""

from ninja import Router

router = Router(tags=["scheduling"])
