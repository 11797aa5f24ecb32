"""The organisations admin: every page loads, tokens are issued once and revoked, changes are audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from crossreg.ledger.models import Entry
from crossreg.orgs.models import ApiToken, Officer, User
from crossreg.orgs.services import token_hash
from crossreg.web.tests.factories import DepartmentFactory, OfficerFactory, UserFactory, city_divisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> User:
    city_divisions()
    return UserFactory.create(
        username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True, department=None
    )


@pytest.fixture
def admin_client(root: User) -> Client:
    c = Client()
    c.force_login(root)
    return c


@pytest.mark.parametrize(
    "model", ["division", "gridcell", "domain", "department", "team", "officer", "user", "apitoken"]
)
def test_every_orgs_admin_page_loads(admin_client: Client, model: str) -> None:
    OfficerFactory.create()
    assert admin_client.get(reverse(f"admin:orgs_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:orgs_{model}_add")).status_code == 200


def test_admin_header_is_chinese(admin_client: Client) -> None:
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "盐城市跨部门综合监管平台 · 系统管理" in html


def test_user_admin_edits_role_and_department(admin_client: Client) -> None:
    dept = DepartmentFactory.create()
    user = UserFactory.create(username="zhang", department=None)
    url = reverse("admin:orgs_user_change", args=[user.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="role"' in html and 'name="department"' in html
    r = admin_client.post(
        url,
        {
            "username": "zhang",
            "display_name": "张科长",
            "role": User.Role.DEPT_ADMIN,
            "department": dept.pk,
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    user.refresh_from_db()
    assert (user.role, user.department_id, user.display_name) == (User.Role.DEPT_ADMIN, dept.pk, "张科长")
    entry = Entry.objects.get(action="admin.user.change", subject_id=str(user.pk))
    assert entry.payload["fields"]["role"] == "dept_admin"
    assert "password" not in entry.payload["fields"]


def test_token_issue_shows_secret_once_and_stores_only_its_hash(admin_client: Client, root: User) -> None:
    dept = DepartmentFactory.create()
    r = admin_client.post(
        reverse("admin:orgs_apitoken_add"),
        {"name": "市场监管局业务系统", "department": dept.pk, "scopes": ["entities:read"], "expires_at": ""},
    )
    assert r.status_code == 200, r.content.decode()[:2000]
    html = r.content.decode()
    secret = re.search(r'id="token-secret"[^>]*>(crg_[^<]+)<', html)
    assert secret is not None
    token = ApiToken.objects.get()
    assert token.secret_sha256 == token_hash(secret.group(1))
    assert token.scopes == ["entities:read"] and token.created_by == root
    assert "no-store" in r["Cache-Control"]
    # The change page never shows it again.
    again = admin_client.get(reverse("admin:orgs_apitoken_change", args=[token.pk])).content.decode()
    assert secret.group(1) not in again and token.prefix in again
    # The token works against the API, and its issue is in the ledger.
    api = Client().get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}")
    assert api.status_code == 200
    assert Entry.objects.filter(action="api_token.issue", subject_id=str(token.pk)).exists()


def test_token_issue_refuses_unknown_scope(admin_client: Client) -> None:
    dept = DepartmentFactory.create()
    r = admin_client.post(
        reverse("admin:orgs_apitoken_add"), {"name": "x", "department": dept.pk, "scopes": ["root"]}
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not ApiToken.objects.exists()


def test_token_revoke_action(admin_client: Client, root: User) -> None:
    from crossreg.orgs.services import api_token_issue

    token, secret = api_token_issue(
        actor=root, name="t", department=DepartmentFactory.create(), scopes=["entities:read"]
    )
    r = admin_client.post(
        reverse("admin:orgs_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert r.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/entities/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    # Tokens are revoked, never deleted.
    assert admin_client.get(reverse("admin:orgs_apitoken_delete", args=[token.pk])).status_code == 403


def test_officer_change_is_audited(admin_client: Client) -> None:
    officer = OfficerFactory.create()
    r = admin_client.post(
        reverse("admin:orgs_officer_changelist"),
        {"action": "suspend", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert r.status_code == 200
    officer.refresh_from_db()
    assert officer.status == Officer.Status.SUSPENDED
    entry = Entry.objects.filter(action="admin.officer.change", subject_id=str(officer.pk)).get()
    assert entry.payload == {"fields": {"status": "suspended"}}
    assert entry.actor == "user:root"
