from django.urls import path

from crossreg.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("tasks/<str:code>/", views.task_detail, name="task_detail"),
    path("tasks/<str:code>/action/", views.task_action, name="task_action"),
    path("public/", views.public_results, name="public_results"),
    path("public/results.<str:fmt>", views.open_results, name="open_results"),
]
