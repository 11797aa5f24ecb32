"""Real-browser test of issuing and revoking an API token in the admin (/admin/orgs/apitoken/):
an administrator issues a department system a ``lists:push`` token, the system pushes its list
with it, and after revocation the same token is refused.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from crossreg.linking.models import SourceList
from crossreg.orgs.models import ApiToken, Department, Division, User
from crossreg.orgs.services import api_token_issue, api_token_revoke, token_hash
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import Browser, expect, live_settings, new_page, sign_in

pytestmark = BROWSER_MARKS
TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


@pytest.fixture
def depts(transactional_db: None, settings: Any) -> dict[str, Department]:
    live_settings(settings)
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": TEST_KEY_HEX, "LEDGER_TSA_URL": ""}
    city = Division.objects.create(code="320900", name="盐城市", level="city")
    Division.objects.create(code="320902", name="亭湖区", level="county", parent=city)
    out = {
        code: Department.objects.create(code=code, name=name, short_name=name[3:7], division=city)
        for code, name in (("scjg", "盐城市市场监督管理局"), ("sthj", "盐城市生态环境局"))
    }
    User.objects.create_superuser(username="root", password="x", role=User.Role.ADMIN)
    return out


def _push(system: Any, secret: str, department: str) -> Any:
    """A call of the department's system: its own HTTP client, no browser session."""
    return system.request.post(
        "/api/v1/linking/lists",
        headers={"Authorization": f"Bearer {secret}"},
        data={
            "department": department,
            "system": "市场监管业务系统",
            "rows": [{"主体名称": "盐城市未登记商行", "地址": "盐城市亭湖区人民路1号", "编号": "SJ1"}],
        },
    )


def test_admin_issues_a_list_push_token_and_revokes_it(
    browser: Browser, live_server: Any, depts: dict[str, Department]
) -> None:
    page = new_page(browser, live_server)
    try:
        sign_in(page, "root", "x")
        page.goto("/admin/orgs/apitoken/add/")
        page.get_by_label("名称").fill("市场监管业务系统")
        # The department is an autocomplete field (select2): open it, type, pick.
        page.locator(".field-department .select2-selection").click()
        page.locator(".select2-search__field").fill("市场")
        page.locator(".select2-results__option", has_text="盐城市市场监督管理局").click()
        scopes = page.locator(".field-scopes")
        expect(scopes.get_by_label("lists:push")).to_be_visible()
        scopes.get_by_label("lists:push").check()
        page.get_by_role("button", name=re.compile("^保存$")).click()

        secret = page.locator("#token-secret").inner_text().strip()
        assert secret.startswith("crg_")
        expect(page.locator("#content-main")).to_contain_text("lists:push")
        token = ApiToken.objects.get()
        assert token.scopes == ["lists:push"] and token.department_id == "scjg"
        assert token.secret_sha256 == token_hash(secret)

        # Revoked from the token list.
        page.goto("/admin/orgs/apitoken/")
        row = page.get_by_role("row", name=re.compile(token.prefix))
        expect(row).to_contain_text("lists:push")
        row.get_by_role("checkbox").check()
        page.locator("select[name=action]").select_option("revoke")
        page.get_by_role("button", name=re.compile("执行|Go")).click()
        expect(page.locator(".messagelist")).to_contain_text("已撤销 1 个令牌")
        token.refresh_from_db()
        assert token.revoked_at is not None
    finally:
        page.context.close()


def test_a_department_system_pushes_its_list_with_its_token(
    browser: Browser, live_server: Any, depts: dict[str, Department]
) -> None:
    root = User.objects.get(username="root")
    token, secret = api_token_issue(actor=root, name="sys", department=depts["scjg"], scopes=["lists:push"])
    system = new_page(browser, live_server)  # the department's own HTTP client: no browser session
    try:
        first = _push(system, secret, "scjg")
        assert first.status == 201, first.text()
        assert first.json()["row_count"] == 1
        other = _push(system, secret, "sthj")
        assert other.status == 403 and other.json()["detail"][0]["field"] == "department"
        api_token_revoke(actor=root, token=token)
        assert _push(system, secret, "scjg").status == 401
    finally:
        system.context.close()
    assert SourceList.objects.count() == 1
