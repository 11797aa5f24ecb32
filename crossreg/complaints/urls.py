from django.urls import path

from crossreg.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("submit/", views.public_submit, name="submit"),
    path("track/", views.public_track, name="track"),
    path("track/<str:code>/", views.public_track, name="track_code"),
    path("new/", views.desk_new, name="desk_new"),
    path("unrouted/", views.unrouted, name="unrouted"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/<int:pk>/action/", views.reward_action, name="reward_action"),
    path("stats/", views.stats, name="stats"),
    path("s/<str:code>/", views.detail, name="detail"),
    path("s/<str:code>/action/", views.action, name="action"),
]
