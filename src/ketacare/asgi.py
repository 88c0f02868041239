"""ASGI entry point, for servers that want it; the app itself is synchronous."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
application = get_asgi_application()
