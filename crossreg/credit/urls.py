from django.urls import path

from crossreg.credit import views

app_name = "credit"

urlpatterns = [
    path("entities/<int:entity_id>/", views.entity_credit, name="entity"),
    path("entities/<int:entity_id>/repair/", views.repair_apply, name="repair_apply"),
    path("self/", views.self_access, name="self"),
    path("repairs/", views.repair_list, name="repairs"),
    path("repairs/<int:repair_id>/", views.repair_detail, name="repair"),
    path("models/", views.model_list, name="models"),
    path("evaluate/", views.evaluate_start, name="evaluate"),
    path("models/<str:label>/", views.model_detail, name="model"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
]
