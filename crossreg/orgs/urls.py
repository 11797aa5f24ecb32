from django.urls import path

from crossreg.orgs import views

app_name = "orgs"
urlpatterns = [path("access/", views.data_access_list, name="access")]
