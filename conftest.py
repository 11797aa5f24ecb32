"""Shared pytest configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _allow_ledger_truncate(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Django empties the tables between transactional tests with TRUNCATE, which the ledger's
    PostgreSQL trigger refuses unless the session says so (ledger migration 0004). Tests only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET crossreg.ledger_truncate = 'on'")


def pytest_configure(config: pytest.Config) -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_ledger_truncate, dispatch_uid="crossreg-test-ledger-truncate")


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default UI language (zh-hans): a page request of an earlier test may
    have left another language active in the thread, and service messages are translated."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def otp_for_admins(request: pytest.FixtureRequest, settings: Any) -> None:
    """Administrators must pass TOTP (crossreg/orgs/security.py). Tests that sign an administrator in
    with ``force_login`` would all meet the TOTP page first, so it is enforced only in tests marked
    ``@pytest.mark.otp`` (crossreg/orgs/tests/test_security.py); the browser sign-in helper
    (crossreg.testing.pages.sign_in) passes the TOTP step itself whenever it is asked."""
    settings.CROSSREG_OTP_REQUIRED_FOR_ADMINS = bool(request.node.get_closest_marker("otp"))


@pytest.fixture(autouse=True)
def csp_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails if chromium refused anything under the Content-Security-Policy."""
    if not request.node.get_closest_marker("browser"):
        yield
        return
    from crossreg.testing import pages

    pages.CSP_VIOLATIONS.clear()
    yield
    found, pages.CSP_VIOLATIONS[:] = list(pages.CSP_VIOLATIONS), []
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Reload the data migrations' reference data after a transactional test has flushed it.

    A transactional test (``transaction=True``, ``transactional_db``, ``live_server``) ends with a
    flush that empties every table, including ``Industry``, which a data migration loads. pytest-django
    runs such tests last, as Django does, but ``--dist loadfile`` sends whole files to a worker, so a
    later file's tests can run after the flush and find no industries. This runs after every fixture
    of the test has been torn down, i.e. after the flush.
    """
    yield
    if nextitem is None:  # the last test: the test database is already gone, and nothing follows
        return
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    if not (transactional or "transactional_db" in fixtures or "live_server" in fixtures):
        return
    from pytest_django.plugin import blocking_manager_key

    from crossreg.entities.data.industries import load_industries
    from crossreg.entities.models import Industry

    with item.config.stash[blocking_manager_key].unblock():
        if not Industry.objects.exists():
            load_industries(Industry)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian chromium for the whole run (see crossreg/testing/browser.py)."""
    from crossreg.testing.browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
