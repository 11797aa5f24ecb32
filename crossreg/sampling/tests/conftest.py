"""Each sampling test starts in the default UI language: a page request of an earlier test may have
left another language active in the thread, and service messages are translated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    translation.deactivate()
    yield
    translation.deactivate()
