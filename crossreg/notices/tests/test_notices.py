from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from crossreg.catalog.tests.factories import make_world
from crossreg.notices.models import Notification
from crossreg.notices.selectors import notice_unread_count
from crossreg.notices.services import notice_mark_read, notice_send

pytestmark = pytest.mark.django_db


def test_send_waits_for_commit_and_department_notices_reach_everyone(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_world()
    a, b = world.drafter, world.user("dept_admin", "owner", "colleague")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice_send(verb="t", subject="部门通知", departments=[world.depts["owner"]])
        notice_send(verb="t", subject="个人通知", users=[a])
        assert Notification.objects.count() == 0  # nothing before commit
    assert len(callbacks) == 2
    assert notice_unread_count(user=a) == 2 and notice_unread_count(user=b) == 1
    assert notice_mark_read(user=b) == 1
    assert notice_unread_count(user=a) == 1  # the department notice was read for the department


def test_rolled_back_send_writes_nothing(django_capture_on_commit_callbacks: Any) -> None:
    world = make_world()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notice_send(verb="t", subject="x", users=[world.drafter])
                raise RuntimeError
        except RuntimeError:
            pass
    assert Notification.objects.count() == 0
