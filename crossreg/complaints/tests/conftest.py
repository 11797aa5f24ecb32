from __future__ import annotations

from typing import Any

import pytest

from crossreg.complaints.tests.factories import complaints_city


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    return complaints_city()
