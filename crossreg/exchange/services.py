"""Every write of the exchange: code mappings, inbound imports, the daily reconciliation."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.core import calendar
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, ProblemList
from crossreg.core.text import text_clean
from crossreg.exchange import conf
from crossreg.exchange.mappings import Mappings
from crossreg.exchange.models import (
    CodeMapping,
    InboundBatch,
    InboundRecord,
    MappingVersion,
    ReconciliationReport,
)
from crossreg.outbox.models import Delivery, Target

if TYPE_CHECKING:
    from crossreg.orgs.models import User
    from crossreg.orgs.permissions import Principal


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden(_("只有系统管理员可以维护编码映射和接收外部数据。"), code="forbidden")


# --- code mappings -------------------------------------------------------------------------------


@transaction.atomic
def mapping_import(
    *, actor: User | str, principal: Principal, kind: str, rows: Sequence[dict[str, str]], note: str = ""
) -> MappingVersion:
    """A new version of the ``kind`` mapping from ``rows`` (local_code, national_code, list_code,
    name). All or nothing; every bad row is named."""
    _require_admin(principal)
    note = text_clean(note, field="note", multiline=True)  # no markup (crossreg.core.text)
    if kind not in MappingVersion.Kind.values:
        raise Invalid(_("未知的映射类型。"), field="kind")
    problems = ProblemList()
    seen: dict[str, int] = {}
    clean: list[tuple[str, str, str, str]] = []
    for n, row in enumerate(rows, start=1):
        local = str(row.get("local_code") or "").strip()
        national = str(row.get("national_code") or "").strip()
        list_code = str(row.get("list_code") or "").strip()
        if not local:
            problems.add(_("缺少本地编码。"), field="local_code", row=n)
        if not national:
            problems.add(_("缺少国家编码。"), field="national_code", row=n)
        if kind == MappingVersion.Kind.ITEM and not list_code:
            problems.add(_("监管事项须填写检查实施清单编码。"), field="list_code", row=n)
        if local in seen:
            problems.add(_("本地编码与第 %(row)s 行重复。") % {"row": seen[local]}, field="local_code", row=n)
        seen[local] = n
        clean.append((local, national, list_code, str(row.get("name") or "").strip()[:200]))
    if not clean:
        problems.add(_("映射表没有任何行。"), field="rows")
    problems.raise_if_any()
    last = MappingVersion.objects.select_for_update().filter(kind=kind).order_by("-number").first()
    digest = hashlib.sha256(json.dumps(sorted(clean), ensure_ascii=False).encode()).hexdigest()
    version = MappingVersion.objects.create(
        kind=kind,
        number=(last.number + 1) if last else 1,
        note=note[:200],
        sha256=digest,
        row_count=len(clean),
        created_by=actor if not isinstance(actor, str) else None,
    )
    CodeMapping.objects.bulk_create(
        [
            CodeMapping(version=version, local_code=a, national_code=b, list_code=c, name=d)
            for a, b, c, d in clean
        ],
        batch_size=1000,
    )
    audit_record(
        actor=actor,
        action="exchange.mapping.imported",
        subject_type="exchange_mapping",
        subject_id=f"{kind}/v{version.number}",
        payload={"rows": len(clean), "sha256": digest, "note": note[:200]},
    )
    return version


# --- inbound ---------------------------------------------------------------------------------------


def inbound_rows(data: bytes, file_name: str) -> list[dict[str, str]]:
    """Rows of an inbound file (CSV in UTF-8, XLSX first sheet, or JSON ``[{…}]`` / ``{"records": […]}``),
    refused before memory runs out when it is too long."""
    limit = int(conf.get("EXCHANGE_INBOUND_MAX_ROWS"))
    name = file_name.lower()
    rows: list[dict[str, str]] = []
    if name.endswith(".json"):
        try:
            parsed = json.loads(data)
        except ValueError as exc:
            raise Invalid(_("文件不是有效的 JSON：%(e)s") % {"e": exc}, field="file") from exc
        records = parsed.get("records") if isinstance(parsed, dict) else parsed
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise Invalid(_("JSON 文件应为记录列表。"), field="file")
        if len(records) > limit:
            raise Invalid(_("文件超过 %(n)s 行的上限。") % {"n": limit}, field="file")
        return [{str(k): "" if v is None else str(v) for k, v in r.items()} for r in records]
    if name.endswith(".xlsx"):
        import zipfile

        from openpyxl import load_workbook

        from crossreg.core.uploads import UploadLimits, zip_check

        try:  # the zip directory first (crossreg.core.uploads): a zip bomb is refused before expanding
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                zip_check(archive, UploadLimits.from_settings())
        except zipfile.BadZipFile as exc:
            raise Invalid(_("无法读取 XLSX 文件。"), field="file") from exc
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise Invalid(_("无法读取 XLSX 文件。"), field="file") from exc
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it, ())]
        for values in it:
            if len(rows) >= limit:
                raise Invalid(_("文件超过 %(n)s 行的上限。") % {"n": limit}, field="file")
            if values and any(v not in (None, "") for v in values):
                rows.append(
                    {
                        h: "" if v is None else str(v).strip()
                        for h, v in zip(header, values, strict=False)
                        if h
                    }
                )
        return rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(_("CSV 文件须为 UTF-8 编码。"), field="file") from exc
    for row in csv.DictReader(io.StringIO(text)):
        if len(rows) >= limit:
            raise Invalid(_("文件超过 %(n)s 行的上限。") % {"n": limit}, field="file")
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items()})
    return rows


def _date(value: str, field: str, n: int, problems: ProblemList) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        problems.add(_("日期格式应为 YYYY-MM-DD。"), field=field, row=n)
        return None


#: provincial double-random task file: our reading of a provincial platform's task list
PROVINCIAL_TASK_FIELDS = (
    "RWBH",
    "TYSHXYDM",
    "DXMC",
    "JCSSQDBM",
    "SSJGBM",
    "LHBM",
    "JCKSRQ",
    "JCJZRQ",
    "CCZQ",
)
#: other cities' penalty decisions: our reading of the provincial sharing of 行政处罚信息
PENALTY_FIELDS = ("AJBH", "TYSHXYDM", "DSRMC", "CFZL", "FKJE", "JDRQ", "ZXJGMC", "XYCD", "CFSY")
SEVERITY = {
    "轻微": "minor",
    "一般": "ordinary",
    "严重": "serious",
    "minor": "minor",
    "ordinary": "ordinary",
    "serious": "serious",
}


def _task_create() -> Callable[..., Any]:
    """``crossreg.inspections.services.task_create`` (promised in TEAM.md)."""
    try:
        from crossreg.inspections import services as inspections_services

        return inspections_services.task_create
    except (ImportError, AttributeError):
        raise Conflict(
            _("检查任务模块尚不能接收省级任务（task_create 未上线）。"), field="kind", code="unavailable"
        ) from None


def _credit_event_record() -> Callable[..., Any]:
    """``crossreg.credit.services.credit_event_record`` (promised in TEAM.md)."""
    try:
        from crossreg.credit import services as credit_services

        return credit_services.credit_event_record
    except (ImportError, AttributeError):
        raise Conflict(
            _("信用模块尚未上线，暂不能导入处罚决定。"), field="kind", code="unavailable"
        ) from None


@transaction.atomic
def inbound_import(
    *,
    actor: User | str,
    principal: Principal,
    kind: str,
    source: str,
    batch_ref: str,
    rows: Sequence[dict[str, str]],
    sha256: str = "",
) -> InboundBatch:
    """Import a provincial task list or other cities' penalty decisions: every row checked first
    (unknown codes, unknown entities, bad dates refuse the whole file, with the rows named), then
    each new row through its owner's service; a batch or row seen before is skipped (idempotent)."""
    _require_admin(principal)
    if kind not in InboundBatch.Kind.values:
        raise Invalid(_("未知的接收类型。"), field="kind")
    if not source.strip() or not batch_ref.strip():
        raise Invalid(_("请填写来源和批次号。"), field="batch_ref")
    done = InboundBatch.objects.filter(
        kind=kind, source=source, batch_ref=batch_ref, status="imported"
    ).first()
    if done is not None:
        return done
    from crossreg.entities.models import Entity

    writer = _task_create() if kind == InboundBatch.Kind.PROVINCIAL_TASKS else _credit_event_record()
    mappings = Mappings.current()
    problems = ProblemList()
    required = PROVINCIAL_TASK_FIELDS if kind == InboundBatch.Kind.PROVINCIAL_TASKS else PENALTY_FIELDS
    if rows:
        absent = [f for f in required if f not in rows[0]]
        if absent:
            problems.add(_("缺少列：%(cols)s") % {"cols": "、".join(absent)}, field="file")
            problems.raise_if_any()
    usccs = {r.get("TYSHXYDM", "").strip().upper() for r in rows}
    entities = {e.uscc: e for e in Entity.objects.filter(uscc__in=[u for u in usccs if u])}
    plans: list[tuple[str, Callable[[], str]]] = []
    seen_refs: set[str] = set()
    for n, row in enumerate(rows, start=1):
        ref = (row.get("RWBH") if kind == InboundBatch.Kind.PROVINCIAL_TASKS else row.get("AJBH")) or ""
        if not ref:
            problems.add(_("缺少编号。"), field=required[0], row=n)
            continue
        if ref in seen_refs:
            problems.add(_("编号 %(ref)s 在文件中重复。") % {"ref": ref}, field=required[0], row=n)
        seen_refs.add(ref)
        uscc = row.get("TYSHXYDM", "").strip().upper()
        entity = entities.get(uscc)
        if entity is None:
            problems.add(
                _("统一社会信用代码 %(c)s 不在本市主体库中。") % {"c": uscc or "—"}, field="TYSHXYDM", row=n
            )
        if kind == InboundBatch.Kind.PROVINCIAL_TASKS:
            plans.append((ref, _plan_task(writer, row, n, ref, source, entity, mappings, problems, actor)))
        else:
            plans.append((ref, _plan_penalty(writer, row, n, ref, source, entity, problems, actor)))
    problems.raise_if_any()
    batch = InboundBatch.objects.create(
        kind=kind,
        source=source,
        batch_ref=batch_ref,
        sha256=sha256,
        status=InboundBatch.Status.IMPORTED,
        row_count=len(rows),
        received_by=getattr(principal, "label", ""),
    )
    existing = set(
        InboundRecord.objects.filter(kind=kind, source=source, ref__in=[r for r, _ in plans]).values_list(
            "ref", flat=True
        )
    )
    for ref, run in plans:
        if ref in existing:
            batch.unchanged += 1
            continue
        result = run()
        InboundRecord.objects.create(kind=kind, source=source, ref=ref, batch=batch, result=str(result)[:100])
        batch.created += 1
    batch.save(update_fields=["created", "unchanged"])
    audit_record(
        actor=actor,
        action="exchange.inbound.imported",
        subject_type="exchange_inbound",
        subject_id=batch.pk,
        payload={
            "kind": kind,
            "source": source,
            "batch": batch_ref,
            "rows": len(rows),
            "created": batch.created,
            "unchanged": batch.unchanged,
            "sha256": sha256,
        },
    )
    return batch


def _plan_task(
    writer: Callable[..., Any],
    row: dict[str, str],
    n: int,
    ref: str,
    source: str,
    entity: Any,
    mappings: Mappings,
    problems: ProblemList,
    actor: Any,
) -> Callable[[], str]:
    from crossreg.catalog.models import SupervisionItem
    from crossreg.orgs.models import Department

    lists = [c.strip() for c in row.get("JCSSQDBM", "").replace(",", ";").split(";") if c.strip()]
    local_items = []
    for code in lists:
        local = mappings.local_item(code)
        if local is None:
            problems.add(_("检查实施清单编码 %(c)s 不在编码映射中。") % {"c": code}, field="JCSSQDBM", row=n)
        else:
            local_items.append(local)
    if not lists:
        problems.add(_("缺少检查实施清单编码。"), field="JCSSQDBM", row=n)
    depts = []
    for code in [row.get("SSJGBM", "")] + [
        c for c in row.get("LHBM", "").replace(",", ";").split(";") if c.strip()
    ]:
        local = mappings.local_department(code.strip())
        if local is None:
            problems.add(_("部门编码 %(c)s 不在编码映射中。") % {"c": code or "—"}, field="SSJGBM", row=n)
        else:
            depts.append(local)
    start = _date(row.get("JCKSRQ", ""), "JCKSRQ", n, problems)
    end = _date(row.get("JCJZRQ", ""), "JCJZRQ", n, problems)
    if start and end and end < start:
        problems.add(_("检查截止日期早于开始日期。"), field="JCJZRQ", row=n)
    period = row.get("CCZQ", "").strip()
    if not period:
        problems.add(_("缺少抽查周期。"), field="CCZQ", row=n)
    items = list(SupervisionItem.objects.filter(code__in=local_items))
    missing_items = set(local_items) - {i.code for i in items}
    if missing_items:
        problems.add(
            _("本地监管事项 %(c)s 不存在。") % {"c": "、".join(sorted(missing_items))},
            field="JCSSQDBM",
            row=n,
        )
    departments = {d.pk: d for d in Department.objects.filter(pk__in=depts)}

    def run() -> str:
        by_department: dict[str, list[int]] = {}
        for i in items:
            if i.published_id is not None:
                by_department.setdefault(i.department_id, []).append(i.published_id)
        task = writer(
            actor=actor,
            entity=entity,
            trigger="provincial",
            period=period,
            lead_department=departments[depts[0]],
            departments=[departments[d] for d in dict.fromkeys(depts)],
            items=by_department,
            window_start=start,
            window_end=end,
            source_ref=f"{source}:{ref}",
        )
        return str(getattr(task, "code", task))

    return run


def _plan_penalty(
    writer: Callable[..., Any],
    row: dict[str, str],
    n: int,
    ref: str,
    source: str,
    entity: Any,
    problems: ProblemList,
    actor: Any,
) -> Callable[[], str]:
    severity = SEVERITY.get(row.get("XYCD", "").strip())
    if severity is None:
        problems.add(
            _("失信程度 %(c)s 不是 轻微/一般/严重。") % {"c": row.get("XYCD", "") or "—"}, field="XYCD", row=n
        )
    decided = _date(row.get("JDRQ", ""), "JDRQ", n, problems)
    try:
        Decimal(row.get("FKJE", "0") or "0")
    except InvalidOperation:
        problems.add(_("罚款金额不是数字。"), field="FKJE", row=n)

    def run() -> str:
        event = writer(
            actor=actor,
            entity=entity,
            kind="penalty",
            occurred_on=decided,
            source_type="exchange.penalty",
            source_id=f"{source}:{ref}",
            severity=severity,
            reason=f"{row.get('ZXJGMC', '')} {ref} {row.get('CFSY', '')}".strip()[:500],
        )
        return str(getattr(event, "pk", event))

    return run


# --- reconciliation ------------------------------------------------------------------------------


def _deadlines(
    envelope_type: str, data: dict[str, Any], delivered_at: dt.datetime | None, today: dt.date
) -> list[dict[str, Any]]:
    out = []
    for rule, days, field in conf.get("EXCHANGE_DEADLINES").get(envelope_type, []):
        raw = str(data.get(field) or "")[:10]
        try:
            start = dt.date.fromisoformat(raw)
        except ValueError:
            continue
        on = timezone.localtime(delivered_at).date() if delivered_at else None
        try:
            due = calendar.add_workdays(start, int(days))
        except calendar.CalendarUnknown:  # the holiday table of that year is not published yet
            out.append(
                {
                    "rule": rule,
                    "start": start.isoformat(),
                    "due": None,
                    "delivered_at": delivered_at.isoformat() if delivered_at else None,
                    "met": False,
                    "open": True,
                    "calendar_unknown": True,
                }
            )
            continue
        met = on is not None and on <= due
        out.append(
            {
                "rule": rule,
                "start": start.isoformat(),
                "due": due.isoformat(),
                "delivered_at": delivered_at.isoformat() if delivered_at else None,
                "met": met,
                "open": on is None and today <= due,
            }
        )
    return out


@transaction.atomic
def reconcile(*, target: Target, day: dt.date, actor: User | str = "system:exchange") -> ReconciliationReport:
    """The day's report for ``target``: events due to it that day vs those it acknowledged, with a
    hash of each side, the gaps, and each record's publication deadlines met or missed. Written to
    the ledger; run again for the same day, it replaces the report (a late acknowledgement closes a gap)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    today = timezone.localdate()
    rows = list(
        Delivery.objects.filter(target=target, event__created_at__gte=start, event__created_at__lt=end)
        .select_related("event")
        .order_by("event_id")
    )
    sent = sorted(d.event.event_id for d in rows)
    acked = sorted(
        f"{d.event.event_id} {d.payload_sha256}" for d in rows if d.state == Delivery.State.DELIVERED
    )
    gaps = [
        {
            "event": d.event.event_id,
            "type": d.event.type,
            "subject": d.subject,
            "state": d.state,
            "error": d.last_error[:200],
            "delivery": d.pk,
        }
        for d in rows
        if d.state != Delivery.State.DELIVERED
    ]
    deadlines = []
    for d in rows:
        for item in _deadlines(d.event.type, d.event.data, d.delivered_at, today):
            deadlines.append({"event": d.event.event_id, "subject": d.subject, "type": d.event.type, **item})
    missed = sum(1 for x in deadlines if not x["met"] and not x["open"])
    report, _created = ReconciliationReport.objects.update_or_create(
        target=target,
        day=day,
        defaults={
            "sent": len(sent),
            "acknowledged": len(acked),
            "sent_sha256": hashlib.sha256("\n".join(sent).encode()).hexdigest(),
            "acknowledged_sha256": hashlib.sha256("\n".join(acked).encode()).hexdigest(),
            "gaps": gaps,
            "deadlines": deadlines,
            "missed": missed,
        },
    )
    entry = audit_record(
        actor=actor,
        action="exchange.reconciliation.made",
        subject_type="outbox_target",
        subject_id=target.code,
        payload={
            "day": day.isoformat(),
            "sent": report.sent,
            "acknowledged": report.acknowledged,
            "sent_sha256": report.sent_sha256,
            "acknowledged_sha256": report.acknowledged_sha256,
            "gaps": len(gaps),
            "missed": missed,
        },
    )
    report.ledger_seq = getattr(entry, "seq", None) or getattr(entry, "pk", None)
    report.save(update_fields=["ledger_seq"])
    return report


def reconcile_all(*, day: dt.date | None = None) -> list[ReconciliationReport]:
    """Yesterday's (or ``day``'s) report for every active target (the daily job)."""
    day = day or (timezone.localdate() - dt.timedelta(days=1))
    return [reconcile(target=t, day=day) for t in Target.objects.filter(active=True).order_by("code")]
