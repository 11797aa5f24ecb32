from django.urls import path

from crossreg.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("targets/new/", views.target_new, name="target_new"),
    path("targets/<slug:code>/", views.target_detail, name="target"),
    path("targets/<slug:code>/settings/", views.target_toggle, name="target_toggle"),
    path("targets/<slug:code>/subscriptions/", views.subscription_add, name="subscription_add"),
    path(
        "targets/<slug:code>/subscriptions/<int:pk>/remove/",
        views.subscription_remove,
        name="subscription_remove",
    ),
    path("errors/", views.errors, name="errors"),
    path("errors/replay/", views.replay, name="replay"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("reconciliation/", views.reports, name="reports"),
    path("reconciliation/<int:pk>/", views.report_detail, name="report"),
]
