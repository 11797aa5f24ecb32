from django.urls import path

from crossreg.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/action/", views.case_action, name="action"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/action/", views.source_action, name="source_action"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("legal/", views.legal_queue, name="legal_queue"),
    path("leader/", views.leader, name="leader"),
    path("simplified/", views.simplified, name="simplified"),
    path("documents/<int:pk>.<str:fmt>", views.document_file, name="document_file"),
    path("public/", views.public_decisions, name="public"),
    path("public/decisions.json", views.public_open_data, name="open_data"),
    path("d/<str:short>/", views.document_proof, name="proof"),
]
