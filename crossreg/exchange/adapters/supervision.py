"""互联网+监管 monitoring-action data (监管行为数据): inspection actions and their results.

Source of the field set: **our reading** of the national 互联网+监管 system's monitoring-action
data (监管行为数据) as government data-exchange projects describe it — one record per inspection
action *per supervision item*, tied to the catalog by the item's national code and its
inspection-implementation-list code (检查实施清单编码), with the inspected entity, the acting
agency, the date, the kind and the result. We have no published national specification in the
repository; the keys are ours (upper-case pinyin initials, as such exchanges commonly use) and a
deployment maps them to its province's interface document in ``FIELDS`` below. The field set is
also in ``tests/fixtures/supervision.fields.json``, which the conformance test checks against.

Two senders: ``supervision_batch`` writes one file per batch (XLSX, CSV or JSON:
``target.config["format"]``) under ``CROSSREG_VAR_DIR/exchange/<target>/`` for the exchange
platform to collect; ``supervision_rest`` pushes each event's records (``adapters.rest``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from crossreg.exchange.adapters.base import Field, build
from crossreg.exchange.adapters.enrich import enrich
from crossreg.exchange.mappings import Mappings, Unmapped
from crossreg.outbox.models import Target
from crossreg.outbox.senders import Outcome, Outgoing

EVENT_TYPES = ("inspection.task.published",)

FIELD_SOURCE = "our reading of 互联网+监管 监管行为数据 (no published specification in the repository)"
FIELDS: tuple[Field, ...] = (
    Field("XWBM", "监管行为编码"),
    Field("JCSSQDBM", "检查实施清单编码"),
    Field("JGSXBM", "监管事项编码"),
    Field("JGDXMC", "监管对象名称"),
    Field("TYSHXYDM", "统一社会信用代码", required=False),
    Field("JCLB", "检查类别"),
    Field("JCFS", "检查方式"),
    Field("SSJGBM", "实施机构编码"),
    Field("SSJGMC", "实施机构名称"),
    Field("LHJCBMS", "联合检查部门", required=False),
    Field("JCRQ", "检查日期"),
    Field("JCJG", "检查结果"),
    Field("FXWTS", "发现问题数"),
    Field("JGGSSJ", "结果公示时间", required=False),
    Field("YSJBS", "源事件标识"),
    Field("YSBBH", "编码映射版本"),
)

TRIGGER = {
    "random": "双随机抽查",
    "provincial": "双随机抽查",
    "clue": "重点检查",
    "complaint": "投诉举报检查",
    "campaign": "专项检查",
}


def _item_codes(data: dict[str, Any]) -> list[str]:
    codes = list(data.get("item_codes") or [])
    for p in data.get("points") or []:
        code = p.get("item_code") if isinstance(p, dict) else None
        if code and code not in codes:
            codes.append(code)
    return codes


def rows(envelope: dict[str, Any], mappings: Mappings) -> list[dict[str, Any]]:
    if envelope.get("type") not in EVENT_TYPES:
        return []
    data = envelope["data"]
    codes = _item_codes(data)
    lead = str(data["lead_department"])
    missing = mappings.missing(items=codes, departments=[lead])
    if missing:
        kind = missing[0].split(":")[0]
        raise Unmapped(kind, [m.split(":", 1)[1] for m in missing], mappings.versions.get(kind))
    if not codes:
        raise ValueError("the inspection names no supervision item")
    findings = int(
        data.get("findings") or sum(1 for p in data.get("points") or [] if p.get("result") == "finding")
    )
    others = [d for d in data.get("departments") or [] if d != lead]
    out = []
    for code in codes:
        national, list_code = mappings.item(code)
        out.append(
            {
                "XWBM": f"{data.get('task_code') or data['code']}-{code}",
                "JCSSQDBM": list_code,
                "JGSXBM": national,
                "JGDXMC": data.get("entity_name", ""),
                "TYSHXYDM": data.get("uscc", ""),
                "JCLB": TRIGGER.get(str(data.get("trigger") or "random"), "其他检查"),
                "JCFS": "现场检查",
                "SSJGBM": mappings.department(lead),
                "SSJGMC": mappings.names.get(lead) or lead,
                "LHJCBMS": ";".join(mappings.departments.get(d, d) for d in others),
                "JCRQ": data.get("inspected_on", ""),
                "JCJG": "发现问题" if findings else "未发现问题",
                "FXWTS": findings,
                "JGGSSJ": data.get("published_at") or envelope.get("time", ""),
                "YSJBS": envelope["id"],
                "YSBBH": mappings.label,
            }
        )
    return out


def render(records: list[dict[str, Any]], fmt: str) -> bytes:
    """The batch file in the target's format: header row = field keys; XLSX has the Chinese names
    as a second header row for people who open it."""
    keys = [f.key for f in FIELDS]
    if fmt == "json":
        return json.dumps({"fields": keys, "records": records}, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\r\n")
        w.writeheader()
        w.writerows(records)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("监管行为数据")
        ws.append(keys)
        ws.append([f.name for f in FIELDS])
        for r in records:
            ws.append([r.get(k, "") for k in keys])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}: xlsx, csv or json")


def export_dir(target: Target) -> Path:
    base = Path(target.config.get("directory") or Path(settings.VAR_DIR) / "exchange" / target.code)
    base.mkdir(parents=True, exist_ok=True)
    return base


class BatchSender:
    """Writes one file per batch; the exchange platform collects it (its receipt is the file)."""

    kind = "supervision_batch"

    def send(self, target: Target, items: Sequence[Outgoing]) -> list[Outcome]:
        mappings = Mappings.current()
        items = enrich(items)
        fmt = str(target.config.get("format") or "xlsx")
        outcomes: list[Outcome] = []
        records: list[dict[str, Any]] = []
        counted: list[int] = []
        stopped: set[str] = set()
        for item in items:
            if item.subject in stopped:
                outcomes.append(
                    Outcome(ok=False, skipped=True, error="an earlier event of the subject failed")
                )
                continue
            built, stop = build(rows, item, mappings)
            if stop is not None:
                stopped.add(item.subject)
                outcomes.append(stop)
                continue
            records.extend(built)
            counted.append(len(outcomes))
            outcomes.append(
                Outcome(ok=True, acknowledgement="" if built else "not applicable to this target")
            )
        if records:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = export_dir(target) / f"jgxw-{stamp}.{fmt}"
            try:
                tmp = path.with_suffix(path.suffix + ".part")
                tmp.write_bytes(render(records, fmt))
                tmp.replace(path)  # the collector never sees half a file
            except OSError as exc:
                return [Outcome(ok=False, error=f"cannot write the export file: {exc}") for _ in items]
            for i in counted:
                if not outcomes[i].acknowledgement:
                    outcomes[i].acknowledgement = f"file {path.name}"
        return outcomes
