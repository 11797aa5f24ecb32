from django.urls import path

from crossreg.linking import views

app_name = "linking"

urlpatterns = [
    path("", views.base_members, name="base"),
    path("import/", views.import_list, name="import"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:pk>/", views.review_decide, name="review_decide"),
    path("entities/<int:pk>/split/", views.entity_split_view, name="split"),
    path("entities/<int:pk>/360/", views.entity_360, name="entity_360"),
]
