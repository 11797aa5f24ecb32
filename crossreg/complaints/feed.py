"""The 12345 hotline feed: work orders as a JSON or CSV file (a file drop or the API push).

One work order per row/object, fields (the data standard, docs/workflows/complaint.md):

``work_order_no`` (``12345-YYYYMMDD-NNNNNN``, configurable), ``received_at`` (ISO 8601),
``kind`` (投诉/举报/咨询/建议 or complaint/report/enquiry/suggestion), ``text``, and optional
``title``, ``caller_name``, ``caller_phone``, ``anonymous`` (是/否/true/false), ``entity_name``,
``entity_uscc``, ``address``, ``division_code``, ``matter``.

A delivery is all-or-nothing: every row is checked first and one bad row refuses the whole
delivery with problems naming the row and the field. Idempotent by work-order number: an order
already received is counted ``unchanged`` and nothing is written for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.complaints import conf
from crossreg.complaints.models import Channel, FeedImport, ReporterType, Submission
from crossreg.core.errors import DomainError, Invalid, ProblemList

KINDS = {
    "投诉": "complaint",
    "举报": "report",
    "咨询": "enquiry",
    "建议": "suggestion",
    "complaint": "complaint",
    "report": "report",
    "enquiry": "enquiry",
    "suggestion": "suggestion",
}
FIELDS = (
    "work_order_no",
    "received_at",
    "kind",
    "text",
    "title",
    "caller_name",
    "caller_phone",
    "anonymous",
    "entity_name",
    "entity_uscc",
    "address",
    "division_code",
    "matter",
)
REQUIRED = ("work_order_no", "received_at", "kind", "text")
_TRUE = {"是", "true", "1", "yes", "y"}


@dataclass
class FeedResult:
    rows: int
    created: list[str]
    unchanged: list[str]
    record: FeedImport


def parse(content: bytes, file_name: str) -> list[dict[str, Any]]:
    """Rows of a JSON array / ``{"work_orders": [...]}`` or a UTF-8 CSV with a header row."""
    if len(content) > int(conf.get("HOTLINE_FEED_MAX_BYTES")):
        raise Invalid(_("文件超过大小限制。"), field="file", code="file_size")
    name = file_name.lower()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("文件必须是 UTF-8 编码。"), field="file", code="encoding") from None
    if name.endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(_("JSON 格式错误：%(e)s") % {"e": exc.msg}, field="file", code="json") from None
        if isinstance(data, dict):
            data = data.get("work_orders")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise Invalid(_("JSON 必须是工单对象的数组。"), field="file", code="json")
        rows = data
    else:
        reader = csv.DictReader(io.StringIO(text))
        unknown = [h for h in (reader.fieldnames or []) if h not in FIELDS]
        if unknown:
            raise Invalid(
                _("未知的列：%(c)s") % {"c": "、".join(unknown)}, field="columns", code="unknown_column"
            )
        rows = list(reader)
    if len(rows) > int(conf.get("HOTLINE_FEED_MAX_ROWS")):
        raise Invalid(
            _("一次最多 %(n)d 条工单。") % {"n": conf.get("HOTLINE_FEED_MAX_ROWS")}, field="file", code="rows"
        )
    return rows


def _check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pattern = re.compile(str(conf.get("HOTLINE_WORK_ORDER_PATTERN")))
    problems = ProblemList()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(rows, start=1):
        row: dict[str, Any] = {k: ("" if v is None else str(v).strip()) for k, v in raw.items()}
        for k in row:
            if k not in FIELDS:
                problems.add(_("未知的字段。"), field=k, row=i, code="unknown_field")
        for k in REQUIRED:
            if not row.get(k):
                problems.add(_("必填。"), field=k, row=i, code="required")
        wo = row.get("work_order_no", "")
        if wo and not pattern.match(wo):
            problems.add(
                _("工单号格式不对（应为 %(p)s）。") % {"p": conf.get("HOTLINE_WORK_ORDER_PATTERN")},
                field="work_order_no",
                row=i,
                code="work_order_format",
            )
        if wo in seen:
            problems.add(_("同一文件中工单号重复。"), field="work_order_no", row=i, code="duplicate")
        seen.add(wo)
        if row.get("kind") and row["kind"] not in KINDS:
            problems.add(_("未知的类别。"), field="kind", row=i, code="choice")
        when = None
        if row.get("received_at"):
            try:
                when = dt.datetime.fromisoformat(row["received_at"])
            except ValueError:
                problems.add(_("时间格式不对（ISO 8601）。"), field="received_at", row=i, code="datetime")
            else:
                if timezone.is_naive(when):
                    when = timezone.make_aware(when)
        row["_received_at"] = when
        out.append(row)
    problems.raise_if_any()
    return out


@transaction.atomic
def feed_import(
    *, actor: Any, content: bytes, file_name: str = "feed.json", source: str = "file"
) -> FeedResult:
    """Import a delivery of work orders, all or nothing, idempotent by work-order number."""
    from crossreg.complaints.services import _actor_of, submission_intake

    rows = _check(parse(content, file_name))
    _user, _p, label = _actor_of(actor)
    known = set(
        Submission.objects.filter(work_order_no__in=[r["work_order_no"] for r in rows]).values_list(
            "work_order_no", flat=True
        )
    )
    created, unchanged = [], []
    for i, row in enumerate(rows, start=1):
        wo = row["work_order_no"]
        if wo in known:
            unchanged.append(wo)
            continue
        anonymous = row.get("anonymous", "").lower() in _TRUE
        try:
            submission_intake(
                actor=actor,
                kind=KINDS[row["kind"]],
                channel=Channel.HOTLINE,
                text=row["text"],
                title=row.get("title", ""),
                reporter_type=ReporterType.ANONYMOUS if anonymous else ReporterType.PERSON,
                contact_name=row.get("caller_name", ""),
                contact_phone=row.get("caller_phone", ""),
                entity_name=row.get("entity_name", ""),
                entity_uscc=row.get("entity_uscc", ""),
                place=row.get("address", ""),
                division_code=row.get("division_code", ""),
                matter_code=row.get("matter", ""),
                work_order_no=wo,
                received_at=row["_received_at"],
            )
        except DomainError as exc:  # name the row: the whole delivery is refused
            for p in exc.problems:
                p.row = i
            raise
        created.append(wo)
    record = FeedImport.objects.create(
        sha256=hashlib.sha256(content).hexdigest(),
        source=source,
        file_name=file_name[:200],
        rows=len(rows),
        created=len(created),
        unchanged=len(unchanged),
        actor_label=label,
    )
    return FeedResult(rows=len(rows), created=created, unchanged=unchanged, record=record)
