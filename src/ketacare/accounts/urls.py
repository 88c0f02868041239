from django.urls import path

from ketacare.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("settings/", views.organisation_settings, name="settings"),
    path("<uuid:public_id>/deactivate/", views.deactivate, name="deactivate"),
]
