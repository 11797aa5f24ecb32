from django.urls import path

from crossreg.catalog import views

app_name = "catalog"
urlpatterns = [
    # public (no login): published things only
    path("", views.public_index, name="index"),
    path("items/<str:code>/", views.public_item, name="item"),
    path("items/<str:code>/v<int:number>/", views.public_version, name="version"),
    path("items/<str:code>/diff/", views.public_diff, name="diff"),
    path("cross/", views.public_cross, name="cross"),
    path("export.json", views.export_json, name="export_json"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("schema.json", views.schema_json, name="schema"),
    # internal (login)
    path("work/", views.work_index, name="work_index"),
    path("work/overdue/", views.work_overdue, name="work_overdue"),
    path("work/import/", views.work_import, name="work_import"),
    path("work/import/confirm/", views.work_import_confirm, name="work_import_confirm"),
    path("work/items/new/", views.work_item_new, name="work_item_new"),
    path("work/items/<str:code>/", views.work_item, name="work_item"),
    path("work/items/<str:code>/new-version/", views.work_item_new_version, name="work_item_new_version"),
    path(
        "work/items/<str:code>/change-request/", views.work_change_request_new, name="work_change_request_new"
    ),
    path("work/items/<str:code>/diff/", views.work_diff, name="work_diff"),
    path("work/versions/<int:pk>/", views.work_version, name="work_version"),
    path("work/versions/<int:pk>/edit/", views.work_version_edit, name="work_version_edit"),
    path("work/versions/<int:pk>/action/", views.work_version_action, name="work_version_action"),
    path("work/change-requests/<int:pk>/", views.work_change_request, name="work_change_request"),
    path(
        "work/change-requests/<int:pk>/action/",
        views.work_change_request_action,
        name="work_change_request_action",
    ),
]
