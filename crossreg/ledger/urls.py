from django.urls import path

from crossreg.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.index, name="index"),
    path("subject/<str:subject_type>/<str:subject_id>/", views.subject_timeline, name="subject"),
    path("subject/<str:subject_type>/<str:subject_id>/bundle.json", views.subject_bundle, name="bundle"),
]
