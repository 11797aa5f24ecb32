"""``TokenAuth`` records a token's last use at most once per ``API_TOKEN_TOUCH_SECONDS``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crossreg.orgs.models import ApiToken, Department, User
from crossreg.orgs.services import api_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_secret(admin_and_dept: tuple[User, Department]) -> tuple[ApiToken, str]:
    admin, dept = admin_and_dept
    return api_token_issue(actor=admin, name="业务系统", department=dept, scopes=["entities:read"])


def _call(secret: str) -> tuple[int, int, int]:
    """(status, all queries, UPDATEs of the token table) of one API call."""
    with CaptureQueriesContext(connection) as ctx:
        status = Client().get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
    updates = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    return status, len(ctx.captured_queries), sum("apitoken" in q["sql"].lower() for q in updates)


@pytest.mark.parametrize(
    ("interval", "last_used_ago", "writes"),
    [
        (60, None, 1),  # never used: written
        (60, 10, 0),  # used 10 s ago: inside the interval, nothing written
        (60, 59, 0),
        (60, 61, 1),  # older than the interval: written
        (0, 0, 1),  # 0 = write on every call
        (0, 5, 1),
    ],
)
def test_last_used_is_written_only_when_older_than_the_interval(
    token_secret: tuple[ApiToken, str], settings, interval: int, last_used_ago: int | None, writes: int
) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "API_TOKEN_TOUCH_SECONDS": interval}
    token, secret = token_secret
    before = None if last_used_ago is None else timezone.now() - dt.timedelta(seconds=last_used_ago)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=before)

    status, _, updates = _call(secret)

    assert status == 200
    assert updates == writes
    token.refresh_from_db()
    if writes:
        assert token.last_used_at is not None and token.last_used_at > (
            before or timezone.now() - dt.timedelta(1)
        )
    else:
        assert token.last_used_at == before


def test_a_burst_of_calls_writes_once_and_costs_one_query_less_each(
    token_secret: tuple[ApiToken, str], settings
) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "API_TOKEN_TOUCH_SECONDS": 60}
    _token, secret = token_secret
    first = _call(secret)
    rest = [_call(secret) for _ in range(4)]
    assert first[2] == 1
    assert [r[2] for r in rest] == [0, 0, 0, 0]
    assert {r[1] for r in rest} == {first[1] - 1}


@pytest.mark.parametrize(("raw", "ok"), [("0", True), ("60", True), ("-1", False), ("soon", False)])
def test_the_interval_is_checked_at_start_up(raw: str, ok: bool) -> None:
    from config import env

    if ok:
        assert env.read({"CROSSREG_API_TOKEN_TOUCH_SECONDS": raw})["CROSSREG_API_TOKEN_TOUCH_SECONDS"] == int(
            raw
        )
    else:
        with pytest.raises(env.ConfigError, match="CROSSREG_API_TOKEN_TOUCH_SECONDS"):
            env.read({"CROSSREG_API_TOKEN_TOUCH_SECONDS": raw})
