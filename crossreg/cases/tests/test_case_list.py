"""The case list as a working list (issue 18 item 4): search, state filter, XLSX/CSV export, audited
with the personal field it carries."""

from __future__ import annotations

import csv
import io
from typing import Any

from crossreg.cases.tests.factories import filed
from crossreg.cases.tests.test_views import city, login  # noqa: F401 (fixture)
from crossreg.orgs.models import DataAccess


def test_case_list_filters_and_exports(city: dict[str, Any]) -> None:  # noqa: F811
    case = filed(city)
    c = login(city["users"]["officer"])
    assert [x.pk for x in c.get("/cases/", {"q": case.number}).context["list"].rows] == [case.pk]
    assert c.get("/cases/", {"state": "closed"}).context["list"].total == 0
    r = c.get("/cases/", {"q": case.number, "export": "csv"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "案件编号" and rows[1][0] == case.number and rows[1][1] == case.party_name
    access = DataAccess.objects.get(what="cases.csv")
    assert access.rows == 1 and access.fields == ["party_name"]
