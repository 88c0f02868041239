"""Consultation pages: start an assessment from the chart, fill it with a live verdict, sign
the decision per route, the worklist, and the letter to the referrer."""

from django.urls import path

from ketacare.screening import views

app_name = "screening"

urlpatterns = [
    path("patients/<uuid:public_id>/eligibility/start/", views.start, name="start"),
    path("eligibility/worklist/", views.worklist, name="worklist"),
    path("eligibility/<uuid:assessment_id>/", views.assessment, name="assessment"),
    path("eligibility/<uuid:assessment_id>/preview/", views.preview, name="preview"),
    path("eligibility/<uuid:assessment_id>/sign/", views.sign, name="sign"),
    path("eligibility/<uuid:assessment_id>/letter/", views.letter, name="letter"),
]
