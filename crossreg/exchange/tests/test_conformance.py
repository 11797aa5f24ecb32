"""Conformance of each adapter against fixture files of its target's field set.

The fixtures (tests/fixtures/*.fields.json, *.event.json, *.expected.json) are written from the
field sets as documented there — independently of the adapters' code — so a change in an adapter's
mapping that breaks the target's field set fails here."""

from __future__ import annotations

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection
from openpyxl import load_workbook

from crossreg.exchange.adapters import enforcement, supervision
from crossreg.exchange.adapters.base import check_rows
from crossreg.exchange.adapters.enrich import enrich
from crossreg.exchange.adapters.rest import RestSender
from crossreg.exchange.adapters.staging import StagingSender, staging_read
from crossreg.exchange.mappings import Mappings, Unmapped
from crossreg.exchange.tests.factories import fixture, mappings
from crossreg.outbox.cloudevents import envelope_bytes, envelope_validate
from crossreg.outbox.models import Target
from crossreg.outbox.senders import Outgoing

pytestmark = pytest.mark.django_db


def _inspection_world(event: dict[str, Any]) -> dict[str, Any]:
    """The rows the raw inspection event points at: item versions 11 and 12, the entity; returns the
    expected records with the entity's real USCC."""
    from django.utils import timezone

    from crossreg.catalog.models import ItemVersion, SupervisionItem
    from crossreg.orgs.models import Department
    from crossreg.web.tests.factories import city_divisions, entity_make

    for pk, code, dept in ((11, "JG-SCJG-001", "scjg"), (12, "JG-YJGL-002", "yjgl")):
        item = SupervisionItem.objects.create(code=code, department=Department.objects.get(pk=dept))
        ItemVersion.objects.create(
            id=pk, item=item, number=1, status="published", state_entered_at=timezone.now(), name=code
        )
    entity = entity_make(name="盐城市恒达建材有限公司", division=city_divisions()["320902"])
    event["data"]["entity_id"] = entity.pk
    return {"uscc": entity.uscc}


def outgoing(envelope: dict[str, Any], delivery_id: int = 1) -> Outgoing:
    return Outgoing(
        delivery_id=delivery_id,
        subject=envelope["subject"],
        key=envelope["id"],
        event_type=envelope["type"],
        envelope=envelope,
        body=envelope_bytes(envelope),
        attempt=1,
    )


@pytest.mark.parametrize(
    ("module", "fields_file", "event_file", "expected_file"),
    [
        (
            supervision,
            "supervision.fields.json",
            "inspection_task_published.event.json",
            "supervision.expected.json",
        ),
        (
            enforcement,
            "enforcement.fields.json",
            "case_decision_made.event.json",
            "enforcement.expected.json",
        ),
    ],
)
def test_adapter_records_match_the_targets_field_set(
    module: Any, fields_file: str, event_file: str, expected_file: str
) -> None:
    mappings()
    spec = fixture(fields_file)
    assert spec["source"]  # where the field set comes from is written down
    assert [(f.key, f.name, f.required) for f in module.FIELDS] == [
        (f["key"], f["name"], f["required"]) for f in spec["fields"]
    ]
    event = fixture(event_file)
    assert envelope_validate(event) == []
    expected = fixture(expected_file)
    if module is supervision:  # the raw event names item versions and the entity id: looked up
        world = _inspection_world(event)
        for r in expected:
            r["TYSHXYDM"] = world["uscc"]
    enriched = enrich([outgoing(event)])[0].envelope
    records = module.rows(enriched, Mappings.current())
    assert check_rows(module.FIELDS, records) == []
    assert records == expected


def test_an_unmapped_item_code_stops_the_record_naming_the_code() -> None:
    mappings()
    event = fixture("inspection_task_published.event.json")
    event["data"]["item_codes"] = ["JG-SCJG-001", "JG-NOPE-404"]
    event["data"]["entity_name"] = "x"
    with pytest.raises(Unmapped) as e:
        supervision.rows(event, Mappings.current())
    assert e.value.codes == ["JG-NOPE-404"] and e.value.version == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_batch_export_files_hold_the_field_set(fmt: str, tmp_path: Any) -> None:
    mappings()
    target = Target.objects.create(
        code="jgxw", name="jgxw", kind="supervision_batch", config={"format": fmt, "directory": str(tmp_path)}
    )
    event = fixture("inspection_task_published.event.json")
    uscc = _inspection_world(event)["uscc"]
    out = supervision.BatchSender().send(target, [outgoing(event)])
    assert out[0].ok and out[0].acknowledgement.startswith("file jgxw-")
    files = list(tmp_path.glob(f"*.{fmt}"))
    assert len(files) == 1
    data = files[0].read_bytes()
    expected = [{**r, "TYSHXYDM": uscc} for r in fixture("supervision.expected.json")]
    keys = [f["key"] for f in fixture("supervision.fields.json")["fields"]]
    if fmt == "json":
        parsed = json.loads(data)
        assert parsed["fields"] == keys and parsed["records"] == expected
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert list(rows[0]) == keys
        assert rows == [{k: str(v) for k, v in r.items()} for r in expected]
    else:
        ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        all_rows = list(ws.iter_rows(values_only=True))
        assert list(all_rows[0]) == keys
        assert all_rows[1][1] == "检查实施清单编码"
        got = [dict(zip(keys, r, strict=True)) for r in all_rows[2:]]
        assert [{k: ("" if v is None else v) for k, v in g.items()} for g in got] == expected


class _Platform:
    """A national/provincial REST endpoint for the tests: records what it gets, answers per mode."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.mode = "ok"
        platform = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                platform.got.append((dict(self.headers), body))
                answer = {
                    "ok": b'{"code":"0","message":"ok","receiptId":"R-1"}',
                    "refuse": '{"code":"E102","message":"实施清单编码不存在"}'.encode(),
                    "garbage": b"<html>gateway</html>",
                }[platform.mode]
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/jgxw"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("kind", "module", "event_file", "expected_file"),
    [
        (
            "supervision_rest",
            supervision,
            "inspection_task_published.event.json",
            "supervision.expected.json",
        ),
        ("enforcement", enforcement, "case_decision_made.event.json", "enforcement.expected.json"),
    ],
)
def test_rest_push_sends_the_records_with_the_idempotency_key(
    kind: str, module: Any, event_file: str, expected_file: str
) -> None:
    mappings()
    platform = _Platform()
    try:
        target = Target.objects.create(
            code=kind, name=kind, kind=kind, url=platform.url, config={"token": "t0k"}
        )
        event = fixture(event_file)
        expected = fixture(expected_file)
        if module is supervision:
            uscc = _inspection_world(event)["uscc"]
            expected = [{**r, "TYSHXYDM": uscc} for r in expected]
        sender = RestSender(kind, module.rows)
        out = sender.send(target, [outgoing(event)])
        assert out[0].ok and out[0].acknowledgement == "R-1"
        headers, body = platform.got[0]
        assert headers["Idempotency-Key"] == event["id"] and headers["Authorization"] == "Bearer t0k"
        assert body["batchId"] == event["id"] and body["records"] == expected
        platform.mode = "refuse"
        refused = sender.send(target, [outgoing(event)])[0]
        assert not refused.ok and "实施清单编码不存在" in refused.error
        platform.mode = "garbage"
        garbage = sender.send(target, [outgoing(event)])[0]
        assert not garbage.ok and garbage.error.startswith("garbage")
    finally:
        platform.close()


def test_staging_database_holds_each_event_once(tmp_path: Any) -> None:
    mappings()
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        config = {"database_url": url, "schema": "qzk_test"}
    else:
        url = f"sqlite:///{tmp_path}/qzk.sqlite3"
        config = {"database_url": url}
    target = Target.objects.create(code="qzk", name="前置库", kind="staging", config=config)
    a = fixture("case_decision_made.event.json")
    b = fixture("inspection_task_published.event.json")
    _inspection_world(b)
    sender = StagingSender()
    assert all(o.ok for o in sender.send(target, [outgoing(a, 1), outgoing(b, 2)]))
    assert all(o.ok for o in sender.send(target, [outgoing(a, 1)]))  # a retry: written once
    rows = staging_read(url, config.get("schema", ""))
    assert sorted(r["event_id"] for r in rows) == sorted([a["id"], b["id"]])
    rec = next(r for r in rows if r["event_id"] == a["id"])
    record = rec["record"] if isinstance(rec["record"], list) else json.loads(rec["record"])
    assert record == fixture("enforcement.expected.json")
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("DROP SCHEMA qzk_test CASCADE")
