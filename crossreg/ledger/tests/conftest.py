"""Ledger tests sign with a fixed key and never talk to a timestamp authority unless they say so."""

from __future__ import annotations

from typing import Any

import pytest

TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1 seed


@pytest.fixture(autouse=True)
def ledger_settings(settings: Any) -> Any:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": TEST_KEY_HEX, "LEDGER_TSA_URL": ""}
    return settings
