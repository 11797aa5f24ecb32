"""Real-browser test of the inspection results' open data (/inspections/public/results.json|csv):
published results only, officers' names masked, as an anonymous visitor downloads them.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from crossreg.core.masking import mask_name
from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, sampling_city
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import Browser, expect, live_settings, new_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def tasks(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    city = sampling_city(settings)
    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    published = InspectionTask.objects.get(entity=city["hengda"])
    others = list(InspectionTask.objects.exclude(pk=published.pk))
    assert others, "the pool made more than one task"
    published.points.update(result="pass")
    InspectionTask.objects.filter(pk=published.pk).update(
        status=TaskStatus.PUBLISHED, inspected_on=TODAY, published_at=timezone.now()
    )
    names = [r.officer.name for r in published.officers.select_related("officer")]
    return {"published": published, "unpublished": others, "officers": names}


def test_visitor_downloads_published_results_with_masked_officers(
    browser: Browser, live_server: Any, tasks: dict[str, Any], tmp_path: Path
) -> None:
    published, officers = tasks["published"], tasks["officers"]
    page = new_page(browser, live_server, accept_downloads=True)
    try:
        page.goto("/inspections/public/")
        expect(page.locator("main")).to_contain_text(published.entity.name)
        data = page.request.get(
            page.get_by_role("link", name="开放数据 JSON").get_attribute("href") or ""
        ).json()
        rows = data["results"]
        assert [r["task"] for r in rows] == [published.code]
        assert rows[0]["result"] == "未发现问题" and rows[0]["joint"] is True
        assert sorted(rows[0]["officers"]) == sorted(mask_name(n) for n in officers)

        with page.expect_download() as info:
            page.get_by_role("link", name="CSV", exact=True).click()
        path = tmp_path / "results.csv"
        info.value.save_as(path)
        text = path.read_text(encoding="utf-8-sig")
        table = list(csv.DictReader(io.StringIO(text)))
        assert [r["task"] for r in table] == [published.code]
        # No officer's full name, and no unpublished task, anywhere in the file.
        assert not any(name in text for name in officers if len(name) > 1)
        assert not any(t.code in text or t.entity.name in text for t in tasks["unpublished"])
    finally:
        page.context.close()
