from django.urls import path

from crossreg.clues import views

app_name = "clues"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bundles/<int:pk>/", views.bundle_page, name="bundle"),
    path("bundles/<int:pk>/act/", views.bundle_act, name="bundle_act"),
    path("devices/", views.devices, name="devices"),
    path("rules/", views.rules, name="rules"),
    path("watch/", views.watch, name="watch"),
    path("targeting/", views.targeting, name="targeting"),
    path("proof/<str:token>/", views.proof_upload, name="proof"),
]
