"""Test helpers for the outbox: departments, principals, targets and a stream of events."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from crossreg.core.events import domain_event_publish
from crossreg.orgs.models import Department, User
from crossreg.orgs.permissions import Principal
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.outbox import services
from crossreg.outbox.models import Subscription, Target
from crossreg.web.tests.factories import UserFactory, city_divisions

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def department(code: str = "scjg", name: str = "市场监管局") -> Department:
    city = city_divisions()["320900"]
    return DepartmentFactory.create(code=code, name=name, short_name=name[:4], division=city)


def admin() -> User:
    return UserFactory.create(
        username="root", role=User.Role.ADMIN, department=None, is_staff=True, is_superuser=True
    )


def dept_admin(dept: Department, username: str = "scjg_admin") -> User:
    return UserFactory.create(username=username, role=User.Role.DEPT_ADMIN, department=dept)


def webhook_target(
    dept: Department | None,
    url: str,
    *,
    code: str = "hook",
    event_type: str = "*",
    scope: str = "department",
    **kw: Any,
) -> Target:
    root = admin()
    p = Principal.of(root)
    t = services.target_create(
        actor=root,
        principal=p,
        code=code,
        name=f"{code} 接收端",
        kind=Target.Kind.WEBHOOK,
        department=dept,
        url=url,
        secret=SECRET,
        **kw,
    )
    services.subscription_create(actor=root, principal=p, target=t, event_type=event_type, scope=scope)
    return t


def publish(n: int, *, dept: str = "scjg", subjects: int = 3, type: str = "test.thing.happened") -> list[str]:
    """``n`` events, each in its own committed-or-savepoint transaction, spread over ``subjects``."""
    ids = []
    for i in range(n):
        with transaction.atomic():
            ev = domain_event_publish(
                type=type,
                subject=f"thing/{i % subjects}",
                data={"seq": i, "名称": "盐城"},
                department_id=dept,
            )
            ids.append(ev.id)
    return ids


__all__ = ["SECRET", "Subscription", "admin", "department", "dept_admin", "publish", "webhook_target"]
