"""The clue inbox as a working list (issue 18 item 4): the old filter names still work, plus search,
sort and an XLSX/CSV export recorded in the read audit."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from crossreg.clues.tests.factories import clue_city
from crossreg.clues.tests.test_views import _bundle, _login
from crossreg.orgs.models import DataAccess

pytestmark = pytest.mark.django_db


def test_clue_inbox_filters_and_exports(client: Client) -> None:
    city = clue_city()
    b = _bundle(city)
    _login(client, city["eeb_staff"])
    assert [x.pk for x in client.get("/clues/", {"q": city["factory"].name[:3]}).context["list"].rows] == [
        b.pk
    ]
    assert client.get("/clues/", {"severity": "critical"}).context["list"].total == 0
    r = client.get("/clues/", {"severity": b.severity, "export": "csv"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows: list[Any] = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "市场主体" and [x[0] for x in rows[1:]] == [city["factory"].name]
    assert DataAccess.objects.filter(what="clue-bundles.csv", rows=1).exists()
