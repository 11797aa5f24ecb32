"""The platform's API, ``/api/v1/``: one NinjaAPI, one router per app.

People authenticate with their session (and CSRF); department systems with a bearer token
(``Authorization: Bearer crg_…``) whose scopes name what it may do. The pydantic schemas of the
routers are the platform's published data standard (docs/openapi.json).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from crossreg.core.errors import DomainError
from crossreg.orgs.models import ApiToken


class SessionAuth(APIKeyCookie):
    """Django session login; CSRF is checked for unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # ninja checks CSRF before it looks for the cookie, which refused a department system's
        # bearer-token POST (no session, no CSRF token) before TokenAuth was asked. Without a
        # session cookie there is no session to forge a request with: let the next auth decide.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def token_touch(token: ApiToken, now: dt.datetime) -> None:
    """Record that ``token`` was used, at most once per ``API_TOKEN_TOUCH_SECONDS``.

    ``last_used_at`` tells an administrator whether a system still calls; a write on every call
    would put one UPDATE (and a row lock) on the hot path of every API request. Within the interval
    nothing is written; past it, one conditional UPDATE (two concurrent calls write at most once).
    """
    interval = dt.timedelta(seconds=settings.CROSSREG["API_TOKEN_TOUCH_SECONDS"])
    if token.last_used_at is not None and now - token.last_used_at < interval:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - interval)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from crossreg.orgs.services import token_hash

        found = (
            ApiToken.objects.select_related("department")
            .filter(secret_sha256=token_hash(token), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.expires_at is not None and found.expires_at <= now:
            return None
        token_touch(found, now)
        request.api_token = found  # type: ignore[attr-defined]
        return found


api = NinjaAPI(
    title="crossreg API",
    version="1.0.0",
    description="跨部门综合监管平台 — cross-department supervision platform. Schemas here are the data standard.",
    urls_namespace="api",
    docs_url="/docs",
    auth=[SessionAuth(), TokenAuth()],
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _register_routers() -> None:
    from crossreg.entities.api import router as entities_router

    api.add_router("/entities", entities_router)
    api.add_router("/linking", "crossreg.linking.api.router")
    api.add_router("/catalog", "crossreg.catalog.api.router")
    api.add_router("/ledger", "crossreg.ledger.api.router")
    api.add_router("/sampling", "crossreg.sampling.api.router")
    api.add_router("/inspections", "crossreg.inspections.api.router")
    api.add_router("/credit", "crossreg.credit.api.router")
    api.add_router("/cases", "crossreg.cases.api.router")
    api.add_router("/clues", "crossreg.clues.api.router")
    api.add_router("/complaints", "crossreg.complaints.api.router")


_register_routers()
