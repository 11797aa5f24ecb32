from django.urls import path

from crossreg.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
]
