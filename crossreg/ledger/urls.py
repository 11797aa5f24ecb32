from django.urls import path

from crossreg.ledger import views

app_name = "ledger"

# Subject ids may contain "/" (catalog item versions: ``JG-CGJ-001/v2``), hence ``<path:…>``; the
# bundle's pattern comes first so that ``…/bundle.json`` is never read as part of an id.
urlpatterns = [
    path("", views.index, name="index"),
    path("subject/<str:subject_type>/<path:subject_id>/bundle.json", views.subject_bundle, name="bundle"),
    path("subject/<str:subject_type>/<path:subject_id>/", views.subject_timeline, name="subject"),
]
