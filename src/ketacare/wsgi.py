"""WSGI entry point (gunicorn ketacare.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
application = get_wsgi_application()
