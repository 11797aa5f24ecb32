from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def fake_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Use the real inspections.task_create when it has landed; the test stand-in until then."""
    from crossreg.clues.tests import factories
    from crossreg.inspections import services as inspections

    factories.CALLS.clear()
    if not hasattr(inspections, "task_create"):
        monkeypatch.setattr(inspections, "task_create", factories.fake_task_create, raising=False)
    yield factories.CALLS
