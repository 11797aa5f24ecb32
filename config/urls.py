from django.contrib import admin
from django.urls import include, path

from crossreg.api import api
from crossreg.jobs import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ledger/", include("crossreg.ledger.urls")),
    path("jobs/", include("crossreg.jobs.urls")),
    path("orgs/", include("crossreg.orgs.urls")),
    path("catalog/", include("crossreg.catalog.urls")),
    path("notices/", include("crossreg.notices.urls")),
    path("base/", include("crossreg.linking.urls")),
    path("sampling/", include("crossreg.sampling.urls")),
    path("inspections/", include("crossreg.inspections.urls")),
    path("cases/", include("crossreg.cases.urls")),
    path("credit/", include("crossreg.credit.urls")),
    path("clues/", include("crossreg.clues.urls")),
    path("complaints/", include("crossreg.complaints.urls")),
    path("exchange/", include("crossreg.exchange.urls")),
    path("", include("crossreg.web.urls")),
]
