"""No traceback is ever shown outside debug: an unexpected error in a page, in the API and in a
health probe answers 500 with the platform's own page (or a short JSON body) and the request id,
never the exception, its message or a stack trace. (A malformed multipart body is a 400:
crossreg/orgs/tests/test_security.py and tests/test_deploy.py.)"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
SECRET = "secret-detail-7f3a: password=hunter2"


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(SECRET)


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("crossreg.jobs.health.readiness", "/readyz"),  # a plain Django view
        ("crossreg.ledger.selectors.checkpoint_latest", "/api/v1/ledger/checkpoint/latest"),  # ninja
        ("crossreg.catalog.views.selectors.catalog_public_list", "/catalog/"),  # a template page
    ],
)
def test_an_unexpected_error_answers_500_without_a_traceback(settings: Any, target: str, path: str) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch(target, _boom):
        r = client.get(path, HTTP_X_FORWARDED_PROTO="https")
    body = r.content.decode()
    assert r.status_code == 500
    assert "Traceback" not in body and SECRET not in body and "RuntimeError" not in body
    assert r["X-Request-ID"]  # what a person quotes to the helpdesk, and what the log line carries
