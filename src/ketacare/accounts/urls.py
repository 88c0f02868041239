from django.urls import path

from ketacare.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<uuid:public_id>/deactivate/", views.deactivate, name="deactivate"),
]
