from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crossreg.clues.hj212 import packet_build
from crossreg.clues.ingest import Point, readings_ingest, runs_over
from crossreg.clues.models import Clue, ClueBundle, Reading
from crossreg.clues.tests.factories import MN, clue_city

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 8, 0)  # device local time (Asia/Shanghai)
NOW = timezone.make_aware(dt.datetime(2026, 3, 10, 12, 0), dt.timezone(dt.timedelta(hours=8)))


def minute(i: int, cod: float, flag: str = "N", mn: str = MN) -> str:
    return packet_build(
        mn=mn, cn="2051", data_time=T0 + dt.timedelta(minutes=i), values=[("w01018", cod, flag)]
    )


def test_sustained_exceedance_raises_one_clue_explained_by_its_readings() -> None:
    clue_city()
    packets = (
        [minute(i, 40) for i in range(10)] + [minute(i, 80 + i) for i in range(10, 45)] + [minute(45, 30)]
    )
    res = readings_ingest(packets=packets, now=NOW)
    assert res.accepted == 46 and res.rejected == 0
    clue = Clue.objects.get()
    assert clue.source == "iot" and clue.rule is not None and clue.rule.code == "cod-sustained"
    assert timezone.localtime(clue.observed_from).replace(tzinfo=None) == T0 + dt.timedelta(minutes=10)
    assert timezone.localtime(clue.observed_to).replace(tzinfo=None) == T0 + dt.timedelta(minutes=44)
    assert len(clue.explanation["readings"]) == 35
    assert all(r["value"] > 50 for r in clue.explanation["readings"])
    # the normal reading at minute 45 cleared it, and the bundle closed
    assert clue.cleared_at is not None
    assert ClueBundle.objects.get().status == "closed"


def test_short_or_flagged_exceedance_raises_nothing() -> None:
    clue_city()
    short = [minute(i, 90) for i in range(20)]  # 19 minutes < 30
    flagged = [minute(i, 90, "M") for i in range(30, 80)]  # maintenance: kept, never triggers
    res = readings_ingest(packets=short + flagged, now=NOW)
    assert res.accepted == 70
    assert Clue.objects.count() == 0
    assert Reading.objects.filter(normal=False, status="accepted").count() == 50


def test_outage_gap_breaks_the_run() -> None:
    t = dt.datetime(2026, 1, 1)
    pts = [Point(t + dt.timedelta(minutes=m), 99.0, "N", str(m)) for m in [*range(0, 20), *range(40, 60)]]
    assert runs_over(pts, limit=50, minutes=30, gap_minutes=5) == []
    assert len(runs_over(pts, limit=50, minutes=30, gap_minutes=30)) == 1


def test_bad_input_is_stored_rejected_with_reason() -> None:
    city = clue_city()
    good = minute(1, 10)
    bad_crc = good.replace("w01018-Avg=10", "w01018-Avg=11")
    unknown = minute(2, 10, mn="NOSUCHDEVICE")
    future = packet_build(
        mn=MN, cn="2051", data_time=dt.datetime(2026, 3, 11, 9), values=[("w01018", 1, "N")]
    )
    res = readings_ingest(packets=[good, bad_crc, unknown, future, "garbage", good], now=NOW)
    assert res.duplicates == 1
    assert res.reasons == {"bad_crc": 1, "unknown_device": 1, "future": 1, "no_header": 1}
    assert Reading.objects.filter(status="rejected").count() == 4
    assert Reading.objects.filter(status="accepted").count() == 1
    # an expired review rejects the device's readings
    dev = city["device"]
    dev.review_valid_until = dt.date(2026, 3, 1)
    dev.save()
    res = readings_ingest(packets=[minute(3, 10)], now=NOW)
    assert res.reasons == {"review_expired": 1}
    row = Reading.objects.get(reject_code="review_expired")
    assert "2026-03-01" in row.reject_reason
    assert Clue.objects.count() == 0


def test_redelivery_stores_nothing_twice() -> None:
    clue_city()
    packets = [minute(i, 90) for i in range(40)]
    readings_ingest(packets=packets, now=NOW)
    res = readings_ingest(packets=packets, now=NOW)
    assert res.duplicates == 40 and res.accepted == 0
    assert Reading.objects.count() == 40 and Clue.objects.count() == 1


def test_http_push_with_device_token(client) -> None:
    from crossreg.clues.tests.factories import TOKEN

    clue_city()
    body = "".join(minute(i, 10) for i in range(3)).replace("\r\n", "\n")
    r = client.post("/api/v1/clues/push", data=body, content_type="text/plain", HTTP_X_DEVICE_TOKEN=TOKEN)
    assert r.status_code == 200, r.content
    assert r.json()["accepted"] == 3
    r = client.post("/api/v1/clues/push", data=body, content_type="text/plain", HTTP_X_DEVICE_TOKEN="wrong")
    assert r.status_code == 401
