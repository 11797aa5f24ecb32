"""Password changes through the admin are written by ``user_password_set`` and recorded in the ledger
(who changed whose password), never with the password or its hash."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crossreg.ledger.models import Entry
from crossreg.orgs.models import Department, User

pytestmark = pytest.mark.django_db

NEW = "Xin-mima-2026!"


@pytest.fixture
def people(admin_and_dept: tuple[User, Department]) -> dict[str, User]:
    _dept_admin, dept = admin_and_dept
    root = User.objects.create_user(
        username="root", password="root-pw-1!", role="admin", is_staff=True, is_superuser=True
    )
    clerk = User.objects.create_user(username="clerk", password="old-pw-1!", role="staff", department=dept)
    return {"root": root, "clerk": clerk, "dept_admin": _dept_admin}


@pytest.mark.parametrize(
    ("actor", "target", "data", "changed", "action"),
    [
        # a superuser sets another user's password
        (
            "root",
            "clerk",
            {"password1": NEW, "password2": NEW, "usable_password": "true"},
            True,
            "user.password_set",
        ),
        # … or their own
        (
            "root",
            "root",
            {"password1": NEW, "password2": NEW, "usable_password": "true"},
            True,
            "user.password_set",
        ),
        # … or disables password sign-in
        ("root", "clerk", {"usable_password": "false", "unset-password": "1"}, True, "user.password_disable"),
        # mismatched passwords: nothing written, nothing recorded
        ("root", "clerk", {"password1": NEW, "password2": NEW + "x", "usable_password": "true"}, False, None),
        # a user without admin access cannot reach the form
        ("dept_admin", "clerk", {"password1": NEW, "password2": NEW, "usable_password": "true"}, False, None),
    ],
)
def test_admin_password_change_is_audited(
    people: dict[str, User], actor: str, target: str, data: dict[str, str], changed: bool, action: str | None
) -> None:
    user = people[target]
    before_hash = User.objects.get(pk=user.pk).password
    client = Client()
    client.force_login(people[actor])
    r = client.post(reverse("admin:auth_user_password_change", args=[user.pk]), data)
    after_hash = User.objects.get(pk=user.pk).password
    entries = list(Entry.objects.filter(subject_type="user", subject_id=str(user.pk)))

    assert (after_hash != before_hash) is changed
    if not changed:
        assert entries == []
        assert r.status_code in {200, 302}
        return
    assert r.status_code == 302
    assert [e.action for e in entries] == [action]
    entry = entries[0]
    assert entry.actor == f"user:{people[actor].username}"
    assert entry.payload == {"username": user.username, "via": "admin", "self": actor == target}
    text = bytes(entry.canonical).decode()
    assert NEW not in text and after_hash not in text and "password1" not in text
    if action == "user.password_set":
        assert User.objects.get(pk=user.pk).check_password(NEW)
    else:
        assert not User.objects.get(pk=user.pk).has_usable_password()
