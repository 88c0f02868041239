"""Treatment pages: a patient's plans and weight, the plan with its dose calculation and
signed orders, and the nurse's read-only order."""

from django.urls import path

from ketacare.treatment import views

app_name = "treatment"

urlpatterns = [
    path("patients/<uuid:public_id>/plans/", views.plans, name="plans"),
    path("patients/<uuid:public_id>/weights/", views.weight, name="weight"),
    path("plans/<uuid:plan_id>/", views.plan, name="plan"),
    path("plans/<uuid:plan_id>/transition/", views.transition, name="transition"),
    path("plans/<uuid:plan_id>/calculate/", views.calculate, name="calculate"),
    path("plans/<uuid:plan_id>/orders/", views.sign, name="sign"),
    path("orders/<uuid:order_id>/", views.order, name="order"),
]
