from django.contrib.auth import views as auth_views
from django.urls import path

from crossreg.web import chart_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, next_page="start"),
        name="login",
    ),
    path("start/", views.start, name="start"),
    path("todo/", views.todo, name="todo"),
    path("search/", views.search, name="search"),
    path("help/", views.help_index, name="help"),
    path("help/<slug:name>/", views.help_guide, name="help_guide"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/charts/", chart_views.dashboard_charts, name="dashboard_charts"),
    path("dashboard/charts/panel/", chart_views.dashboard_charts_panel, name="dashboard_charts_panel"),
    path("dashboard/map/", chart_views.dashboard_map, name="dashboard_map"),
    path("entities/", views.entity_search, name="entity_search"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
]
