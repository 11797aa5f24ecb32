"""Helpers of the real-browser tests: a page on the live server, signing in, phone width.

Modules of browser tests import Playwright's names from here (they are ``Any`` where chromium is
absent, and the module is then skipped by ``BROWSER_MARKS``)::

    from crossreg.testing.browser import BROWSER_MARKS
    from crossreg.testing.pages import Browser, Page, expect, new_page, sign_in
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from crossreg.testing.browser import CHROMIUM

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect
else:  # pragma: no cover - browser modules are skipped
    Browser = Page = Any  # type: ignore[misc,assignment]
    expect: Any = None  # type: ignore[no-redef]

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

__all__ = [
    "DESKTOP",
    "PHONE",
    "Browser",
    "Page",
    "expect",
    "live_settings",
    "new_page",
    "page_width",
    "sign_in",
]


def live_settings(settings: Any) -> None:
    """The live server speaks plain http on localhost: no Secure cookies there."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


#: Content-Security-Policy violations the browser reported in the current test (conftest fails the
#: test if any): the browser tests run with the CSP the production server sends.
CSP_VIOLATIONS: list[str] = []


def _watch_csp(page: Page) -> None:
    def on_console(msg: Any) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            CSP_VIOLATIONS.append(f"{page.url}: {text}")

    page.on("console", on_console)


def new_page(browser: Browser, live_server: Any, **context: Any) -> Page:
    """A page in a fresh context (its own cookies) on the live server, in Chinese; desktop size
    unless ``context`` says otherwise (e.g. ``**PHONE``)."""
    ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", **(context or DESKTOP))
    ctx.set_default_timeout(20_000)
    ctx.on("page", _watch_csp)
    page = ctx.new_page()
    return page


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login form and land on the role's work (``/start/`` redirects there)."""
    page.goto(reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if "/orgs/otp/" in page.url:
        otp_pass(page)
    expect(page).not_to_have_url(re.compile(r"/(login|start|orgs/otp/[a-z]+)/"))


def otp_pass(page: Page) -> None:
    """Pass the TOTP step: on the set-up page read the shown secret; on the verify page use the
    secret the set-up page showed before (kept on the page's context)."""
    import base64

    from django_otp.oath import totp

    ctx = page.context
    if "/orgs/otp/setup/" in page.url:
        secret = page.get_by_test_id("otp-secret").inner_text().strip()
        ctx._crossreg_otp_secret = secret  # type: ignore[attr-defined]
    else:
        secret = getattr(ctx, "_crossreg_otp_secret", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("六位验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button").filter(has_text=re.compile("启用|验证")).click()


def page_width(page: Page) -> int:
    """The document's scroll width: at most the viewport's when nothing scrolls sideways."""
    return int(page.evaluate("document.documentElement.scrollWidth"))
