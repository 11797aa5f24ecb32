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
def empty_cache() -> None:
    """Each test starts with an empty cache: the public catalog caches its pages (keyed on the
    catalog's state, which a rolled-back test database can repeat)."""
    from django.core.cache import cache

    cache.clear()


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


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Every test that uses the database starts with the data migrations' reference data.

    A transactional test (``transaction=True``, ``transactional_db``, ``live_server``) ends with a
    flush that empties every table, including ``Industry``, which a data migration loads; with
    ``--dist loadfile`` or any other order, a later test can run after such a flush. Instead of
    repairing after a flush (which depended on pytest-django's internals and on which test ran
    last), each database test makes sure the reference data is there *before* it runs, through the
    public ``db``/``transactional_db`` fixtures: one cheap ``EXISTS`` query, the same answer in
    every order. Inside a ``db`` test the load (if any) is rolled back with the test.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not (_DB_FIXTURES & names):
        return
    transactional = bool(
        (marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
        or "transactional_db" in names
        or "live_server" in names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from crossreg.entities.data.industries import load_industries
    from crossreg.entities.models import Industry

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
