"""A job's progress, seen in a real browser: the bar moves while the worker runs, then says done."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.urls import reverse

from crossreg.jobs.services import job_submit
from crossreg.jobs.tasks import selftest_task
from crossreg.orgs.models import User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.jobs import run_queued
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, sign_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def me(transactional_db: None, settings: Any) -> User:
    live_settings(settings)
    d = DepartmentFactory.create(code="scjg")
    return User.objects.create_user(username="me", password="x", role=User.Role.STAFF, department=d)


@pytest.fixture
def page(browser: Browser, live_server: Any, me: User) -> Iterator[Page]:
    p = new_page(browser, live_server, **PHONE)
    yield p
    p.context.close()


def worker_thread() -> threading.Thread:
    def run() -> None:
        try:
            run_queued()
        finally:
            connection.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_the_progress_bar_follows_the_worker_and_shows_the_end(page: Page, me: User) -> None:
    with transaction.atomic():
        job = job_submit(
            actor=me,
            kind="jobs.selftest.run",
            title="后台任务自检",
            task=selftest_task,
            kwargs={"steps": 8, "pause": 0.6},
            total=8,
        )
    sign_in(page, "me", "x")
    page.goto(reverse("jobs:detail", args=[job.pk]))
    box = page.locator(f"#job-{job.pk}")
    expect(box).to_have_attribute("data-state", "queued")
    t = worker_thread()
    # The partial polls itself: the bar shows a step in the middle, then the end.
    expect(box).to_have_attribute("data-state", "running", timeout=15_000)
    expect(box.locator(".job-progress-count")).to_contain_text("/ 8", timeout=15_000)
    expect(box).to_have_attribute("data-state", "succeeded", timeout=30_000)
    expect(box).to_contain_text("已完成")
    expect(box.locator("progress")).to_have_attribute("value", "8")
    t.join(timeout=10)
