from __future__ import annotations

from typing import Any

import pytest

from crossreg.complaints.tests.factories import Recorder, complaints_city, install_fakes


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    return install_fakes(monkeypatch)


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    return complaints_city()
