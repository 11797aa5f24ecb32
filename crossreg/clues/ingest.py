"""Ingestion of monitoring packets and evaluation of the reading rules, in batches.

:func:`readings_ingest` takes a batch of raw packets (from the MQTT listener or the HTTP push
endpoint) and stores every one of them: accepted, or rejected with a reason (malformed, bad CRC,
unknown device, review expired, location unpublished, from the future …) — never an exception,
never a clue from a rejected packet. Storage is idempotent by ``message_key`` (SHA-256 of the
packet), so an at-least-once redelivery stores nothing twice.

The threshold and sustained-exceedance rules are then evaluated over the *stored* readings around
the batch (not over the batch alone), so the result does not depend on the order packets arrive
in: the same set of readings gives the same clue with the same observed window. Readings flagged
anything but ``N`` (stopped, maintenance, calibration, fault, over range, comms fault) are kept and
shown but never exceed; they break a run without clearing it. A normal reading at or under the
limit after the alarm's end clears the clue (:func:`crossreg.clues.services.clue_clear`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from crossreg.clues import conf, hj212
from crossreg.clues.models import Clue, Device, Reading, RuleVersion
from crossreg.clues.selectors import device_usable

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:clues"


@dataclass
class IngestResult:
    received: int = 0
    duplicates: int = 0
    accepted: int = 0
    rejected: int = 0
    values: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    clues: list[int] = field(default_factory=list)  # clue ids raised or updated by this batch
    cleared: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        for k in ("received", "duplicates", "accepted", "rejected", "values"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for k, v in other.reasons.items():
            self.reasons[k] = self.reasons.get(k, 0) + v
        self.clues.extend(other.clues)
        self.cleared.extend(other.cleared)


def message_key(raw: bytes) -> str:
    return hashlib.sha256(raw.strip()).hexdigest()


def _as_bytes(raw: str | bytes) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace")


def readings_ingest(
    *,
    packets: Sequence[str | bytes],
    channel: str = "mqtt",
    now: dt.datetime | None = None,
    device: Device | None = None,
) -> IngestResult:
    """Store a batch of packets and evaluate the rules they touch. ``device``: the pushing device
    (HTTP endpoint) — a packet naming another MN is rejected."""
    now = now or timezone.now()
    result = IngestResult(received=len(packets))
    tz = zoneinfo.ZoneInfo(conf.device_time_zone())
    keyed: dict[str, bytes] = {}
    for raw in packets:
        b = _as_bytes(raw)
        k = message_key(b)
        if k in keyed:
            result.duplicates += 1
        keyed[k] = b
    known = set(Reading.objects.filter(message_key__in=list(keyed)).values_list("message_key", flat=True))
    result.duplicates += len(known)
    parsed: list[tuple[str, bytes, hj212.Packet | None, hj212.PacketError | None]] = []
    for k, b in keyed.items():
        if k in known:
            continue
        try:
            parsed.append((k, b, hj212.packet_parse(b), None))
        except hj212.PacketError as exc:
            parsed.append((k, b, None, exc))
    mns = {p.mn for _k, _b, p, _e in parsed if p is not None}
    devices = {d.mn: d for d in Device.objects.filter(mn__in=mns).select_related("entity")}
    rows: list[Reading] = []
    max_future = dt.timedelta(seconds=conf.max_future_seconds())
    for k, b, pkt, err in parsed:
        text = b.decode("utf-8", "replace")[:4000]
        row = Reading(message_key=k, channel=channel, raw=text, received_at=now)
        code, reason = "", ""
        if err is not None:
            code, reason = err.code, err.reason
        else:
            assert pkt is not None
            row.mn, row.cn, row.qn = pkt.mn[:32], pkt.cn, pkt.qn[:20]
            when = pkt.data_time or timezone.localtime(now, tz).replace(tzinfo=None)
            row.data_time = when.replace(tzinfo=tz)
            row.values = [[v.pollutant, v.kind, v.value, v.flag] for v in pkt.values]
            row.normal = bool(pkt.values) and all(v.flag == hj212.NORMAL_FLAG for v in pkt.values)
            dev = devices.get(pkt.mn)
            if dev is None:
                code, reason = "unknown_device", f"no registered device with MN {pkt.mn}"
            elif device is not None and dev.pk != device.pk:
                code, reason = "mn_mismatch", f"packet MN {pkt.mn} is not the pushing device {device.mn}"
            elif row.data_time > now + max_future:
                code, reason = "future", f"DataTime {row.data_time.isoformat()} is after the time received"
            else:
                row.device = dev
                code = device_usable(dev, row.data_time.date())
                reason = {
                    "review_expired": f"device review valid until {dev.review_valid_until}",
                    "device_not_reviewed": "device has not passed legal and technical review (Art. 41)",
                    "location_unpublished": "device location is not published (Art. 41)",
                    "device_inactive": "device is not active",
                }.get(code, "")
        if code:
            row.status, row.reject_code, row.reject_reason = Reading.Status.REJECTED, code, reason[:200]
            row.normal = False
            result.rejected += 1
            result.reasons[code] = result.reasons.get(code, 0) + 1
        else:
            row.status = Reading.Status.ACCEPTED
            result.accepted += 1
            result.values += len(row.values)
        rows.append(row)
    with transaction.atomic():
        Reading.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    accepted = [r for r in rows if r.status == Reading.Status.ACCEPTED and r.device is not None]
    if accepted:
        try:
            rules_evaluate(readings=accepted, result=result)
        except Exception:  # a rule bug must not lose readings: they are stored, re-evaluable
            log.exception("rule evaluation failed for a batch of %d readings", len(accepted))
    return result


# --- rules over readings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    time: dt.datetime
    value: float | None
    flag: str
    key: str


@dataclass
class Run:
    points: list[Point]

    @property
    def start(self) -> dt.datetime:
        return self.points[0].time

    @property
    def end(self) -> dt.datetime:
        return self.points[-1].time


def runs_over(series: Sequence[Point], *, limit: float, minutes: float, gap_minutes: float) -> list[Run]:
    """Runs of normal readings above ``limit`` lasting at least ``minutes`` (pure; sorted input).

    A run breaks on a normal reading at or under the limit, on a flagged reading, or on a gap
    longer than ``gap_minutes`` (an outage is not a continuous exceedance)."""
    out: list[Run] = []
    cur: list[Point] = []
    gap = dt.timedelta(minutes=gap_minutes)
    need = dt.timedelta(minutes=minutes)

    def close() -> None:
        if cur and cur[-1].time - cur[0].time >= need:
            out.append(Run(list(cur)))
        cur.clear()

    for p in series:
        exceeding = p.flag == hj212.NORMAL_FLAG and p.value is not None and p.value > limit
        if exceeding:
            if cur and p.time - cur[-1].time > gap:
                close()
            cur.append(p)
        else:
            close()
    close()
    return out


def first_clearing(series: Iterable[Point], *, after: dt.datetime, limit: float) -> Point | None:
    for p in series:
        if p.time > after and p.flag == hj212.NORMAL_FLAG and p.value is not None and p.value <= limit:
            return p
    return None


def _rules_by_domain() -> dict[str, list[RuleVersion]]:
    out: dict[str, list[RuleVersion]] = defaultdict(list)
    for r in RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED, kind__in=[RuleVersion.Kind.THRESHOLD, RuleVersion.Kind.SUSTAINED]
    ).select_related("domain"):
        out[r.domain_id].append(r)
    return out


def _points(rows: Iterable[tuple[Any, list[Any], str]], pollutant: str, kind: str | None) -> list[Point]:
    pts = []
    for time, values, key in rows:
        if time is None:
            continue
        for pol, vkind, value, flag in values:
            if pol == pollutant and (
                kind is None or vkind == kind or (kind == "" and vkind in ("Rtd", "Avg"))
            ):
                pts.append(Point(time=time, value=value, flag=flag, key=key))
                break
    pts.sort(key=lambda p: (p.time, p.key))
    return pts


def _source_ref(rule: RuleVersion, mn: str, pollutant: str, start: dt.datetime) -> str:
    w_start, _ = conf.window_of(timezone.localtime(start).date())
    return f"{rule.code}/v{rule.version}:{mn}:{pollutant}:{w_start.isoformat()}"


def rules_evaluate(*, readings: Sequence[Reading], result: IngestResult) -> None:
    """Evaluate threshold/sustained rules over stored readings around ``readings``' times."""
    from crossreg.clues import services

    by_domain = _rules_by_domain()
    if not by_domain:
        return
    devices: dict[int, Device] = {}
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    for r in readings:
        assert r.device is not None and r.data_time is not None
        if by_domain.get(r.device.domain_id):
            devices[r.device.pk] = r.device
            times[r.device.pk].append(r.data_time)
    if not devices:
        return
    span = max(
        float(p.params.get("minutes", 0)) + float(p.params.get("gap_minutes", 15))
        for rules in by_domain.values()
        for p in rules
    )
    margin = dt.timedelta(minutes=span + 1)
    lo = min(min(t) for t in times.values()) - margin
    hi = max(max(t) for t in times.values()) + margin
    series_rows: dict[int, list[tuple[Any, list[Any], str]]] = defaultdict(list)
    for dev_id, time, values, key in (
        Reading.objects.filter(
            device_id__in=list(devices), status=Reading.Status.ACCEPTED, data_time__range=(lo, hi)
        )
        .values_list("device_id", "data_time", "values", "message_key")
        .iterator(chunk_size=5000)
    ):
        series_rows[dev_id].append((time, values, key))
    touched: set[int] = set()
    for dev_id, dev in devices.items():
        rows = series_rows.get(dev_id, [])
        for rule in by_domain.get(dev.domain_id, []):
            pollutant = str(rule.params["pollutant"])
            if dev.measures and pollutant not in dev.measures:
                continue
            pts = _points(rows, pollutant, rule.params.get("value_kind", ""))
            minutes = 0.0 if rule.kind == RuleVersion.Kind.THRESHOLD else float(rule.params["minutes"])
            runs = runs_over(
                pts,
                limit=float(rule.params["limit"]),
                minutes=minutes,
                gap_minutes=float(rule.params.get("gap_minutes", 15)),
            )
            grouped: dict[str, list[Run]] = defaultdict(list)
            for run in runs:
                grouped[_source_ref(rule, dev.mn, pollutant, run.start)].append(run)
            for ref, rs in sorted(grouped.items()):
                trig = sorted({p for run in rs for p in run.points}, key=lambda p: (p.time, p.key))
                peak = max(p.value or 0.0 for p in trig)
                clue = _raise(services, dev, rule, pollutant, ref, rs, trig, peak, minutes)
                result.clues.append(clue.pk)
                touched.add(clue.pk)
    _clear_pass(devices=devices, times=times, result=result)


def _raise(
    services: Any,
    dev: Device,
    rule: RuleVersion,
    pollutant: str,
    ref: str,
    rs: list[Run],
    trig: list[Point],
    peak: float,
    minutes: float,
) -> Clue:
    clue: Clue = services.clue_raise(
        actor=SYSTEM_ACTOR,
        source="iot",
        source_ref=ref,
        entity=dev.entity,
        domain=rule.domain,
        risk_type=rule.risk_type,
        severity=rule.severity,
        observed_from=min(r.start for r in rs),
        observed_to=max(r.end for r in rs),
        summary=f"{dev.name}:{pollutant} 超过 {rule.params['limit']}(峰值 {peak:g})",
        evidence=[{"kind": "readings", "device": dev.mn, "pollutant": pollutant}],
        rule=rule,
        device=dev,
        explanation={
            "rule": f"{rule.code}/v{rule.version}",
            "limit": rule.params["limit"],
            "minutes": minutes,
            "pollutant": pollutant,
            "readings": [{"key": p.key, "time": p.time.isoformat(), "value": p.value} for p in trig[:200]],
        },
    )
    return clue


def _clear_pass(
    *, devices: dict[int, Device], times: dict[int, list[dt.datetime]], result: IngestResult
) -> None:
    """Clear the open IoT clues of these devices that a later normal reading has cleared."""
    from crossreg.clues import services

    open_clues = list(
        Clue.objects.filter(
            device_id__in=list(devices), source="iot", cleared_at__isnull=True
        ).select_related("rule")
    )
    for clue in open_clues:
        if clue.rule is None or clue.device_id is None:
            continue
        pollutant = str(clue.rule.params["pollutant"])
        rows = list(
            Reading.objects.filter(
                device_id=clue.device_id, status=Reading.Status.ACCEPTED, data_time__gt=clue.observed_to
            )
            .order_by("data_time", "message_key")
            .values_list("data_time", "values", "message_key")[:500]
        )
        pts = _points(rows, pollutant, clue.rule.params.get("value_kind", ""))
        hit = first_clearing(pts, after=clue.observed_to, limit=float(clue.rule.params["limit"]))
        if hit is not None:
            services.clue_clear(
                actor=SYSTEM_ACTOR, clue=clue, at=hit.time, reason=f"normal reading {hit.key[:12]}"
            )
            result.cleared.append(clue.pk)
