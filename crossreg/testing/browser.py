"""Real-browser tests: Playwright driving Debian's chromium at /usr/bin/chromium.

Playwright's own browser downloads are never used (nothing may download at run time). Modules of
browser tests set ``pytestmark = BROWSER_MARKS`` and use the session-wide ``browser`` fixture of
the root ``conftest.py``; they are skipped, saying why, where chromium is not installed (CI
installs it: ``apt-get install chromium fonts-noto-cjk``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (it is: the test code is not async).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)",
    ),
]
