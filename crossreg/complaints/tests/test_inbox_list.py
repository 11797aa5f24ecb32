"""The complaints inbox as a working list (issue 18 item 4): filters, pager, sort, XLSX/CSV export
without the reporter's personal data, recorded in the read audit."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse

from crossreg.complaints.models import Submission
from crossreg.complaints.tests.factories import NAME, PHONE
from crossreg.complaints.tests.test_services import report
from crossreg.orgs.models import DataAccess


def test_inbox_filters_pages_and_exports_without_personal_data(city: dict[str, Any], client: Client) -> None:
    for i in range(27):
        report(city, text=f"第{i}件 后厨卫生差")
    client.force_login(city["users"]["staff"])
    url = reverse("complaints:inbox")
    first = client.get(url).context["list"]
    assert first.total >= 27 and len(first.rows) == 25 and first.page.has_next()
    one = Submission.objects.order_by("pk").first()
    assert one is not None
    found = client.get(url, {"q": one.receipt_code}).context["list"]
    assert [s.receipt_code for s in found.rows] == [one.receipt_code]
    Submission.objects.filter(pk=one.pk).update(overdue=True)
    assert [s.pk for s in client.get(url, {"overdue": "1"}).context["list"].rows] == [one.pk]
    r = client.get(url, {"export": "csv"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "查询码" and len(rows) - 1 == first.total
    assert PHONE not in text and NAME not in text
    assert DataAccess.objects.filter(what="complaints-inbox.csv", rows=first.total).exists()
    assert client.get(url, {"export": "xlsx"}).content[:2] == b"PK"
