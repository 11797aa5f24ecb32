from django.urls import path

from crossreg.orgs import views

app_name = "orgs"
urlpatterns = [
    path("access/", views.data_access_list, name="access"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
]
