from django.urls import path

from crossreg.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("tasks/<str:code>/", views.task_detail, name="task_detail"),
    path("tasks/<str:code>/action/", views.task_action, name="task_action"),
    path("tasks/<str:code>/record/", views.task_print, name="task_print"),
    path("tasks/<str:code>/record.pdf", views.task_pdf, name="task_pdf"),
    path("tasks/<str:code>/photos/<int:pk>/", views.photo_file, name="photo"),
    path("tasks/<str:code>/photos/<int:pk>/thumb.jpg", views.photo_thumb, name="photo_thumb"),
    path("public/", views.public_results, name="public_results"),
    path("public/results.<str:fmt>", views.open_results, name="open_results"),
]
