"""WSGI entry point (`granian --interface wsgi ketacare.wsgi:application`, or any WSGI server).

A registered monitor's single reading is answered by treatment_sessions.device_wsgi before
Django's handler; everything else is Django's."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
django_application = get_wsgi_application()

from ketacare.treatment_sessions.device_wsgi import DeviceReadingApp  # noqa: E402 - after setup

application = DeviceReadingApp(django_application)
