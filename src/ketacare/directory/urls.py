from django.urls import path

from ketacare.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("<uuid:public_id>/", views.clinic_detail, name="clinic"),
]
