from django.urls import path

from crossreg.sampling import views

app_name = "sampling"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<str:code>/", views.plan_detail, name="plan_detail"),
    path("plans/<str:code>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<str:code>/draw/", views.plan_draw, name="plan_draw"),
    path("plans/<str:code>/auditor-bundle.json", views.auditor_bundle, name="auditor_bundle"),
    path("periods/<str:period>/", views.period_detail, name="period"),
    path("periods/<str:period>/pool/", views.period_pool, name="period_pool"),
    path("public/", views.public_plans, name="public_plans"),
    path("public/plans/<str:code>/", views.public_plan, name="public_plan"),
    path("public/plans/<str:code>/bundle.json", views.public_bundle, name="public_bundle"),
    path("public/plans/<str:code>/selections.json", views.open_selections, name="open_selections"),
    path("public/plans.<str:fmt>", views.open_plans, name="open_plans"),
]
