from __future__ import annotations

import pytest
from django.test import Client

from crossreg.core.errors import Invalid
from crossreg.ledger.models import Entry
from crossreg.orgs.models import ApiToken, Department, User
from crossreg.orgs.services import api_token_issue, api_token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_audited_and_usable_until_revoked(
    admin_and_dept: tuple[User, Department],
) -> None:
    admin, dept = admin_and_dept
    token, secret = api_token_issue(
        actor=admin, name="市场监管业务系统", department=dept, scopes=["entities:read"]
    )
    assert secret not in {token.secret_sha256, token.prefix}
    assert Entry.objects.filter(action="api_token.issue", subject_id=str(token.pk)).count() == 1

    client = Client()
    ok = client.get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ok.status_code == 200

    api_token_revoke(actor=admin, token=token)
    refused = client.get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 401
    assert Entry.objects.filter(action="api_token.revoke").count() == 1


def test_unknown_scope_is_refused_and_nothing_written(admin_and_dept: tuple[User, Department]) -> None:
    admin, dept = admin_and_dept
    with pytest.raises(Invalid) as info:
        api_token_issue(actor=admin, name="x", department=dept, scopes=["everything"])
    assert info.value.problems[0].field == "scopes"
    assert ApiToken.objects.count() == 0
    assert Entry.objects.count() == 0


def test_anonymous_api_call_is_refused() -> None:
    assert Client().get("/api/v1/entities/").status_code == 401
