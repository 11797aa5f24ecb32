"""What the national and provincial field sets need beyond the event's own data, looked up in bulk.

Events carry what their publisher knows (``inspection.task.published`` names item *versions* and the
entity's id; ``case.decision.made`` has no document hashes). The adapters need item codes, the
entity's name and USCC, and the signed documents' SHA-256. ``enrich`` adds them to a copy of each
envelope's data — only fields that are absent — with one query per kind per batch. The stored event
and what webhooks receive are never changed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from crossreg.outbox.senders import Outgoing

CASE_EVENTS = ("case.decision.made", "case.decision.withdrawn", "case.measure.imposed")


def enrich(items: Sequence[Outgoing]) -> list[Outgoing]:
    envelopes = [copy.deepcopy(i.envelope) for i in items]
    datas: list[dict[str, Any]] = [e.get("data") or {} for e in envelopes]
    _entities(envelopes, datas)
    _inspections(envelopes, datas)
    _cases(envelopes, datas)
    return [replace(i, envelope=e) for i, e in zip(items, envelopes, strict=True)]


def _entities(envelopes: list[dict[str, Any]], datas: list[dict[str, Any]]) -> None:
    from crossreg.entities.models import Entity

    ids = {
        int(d["entity_id"])
        for d in datas
        if d.get("entity_id") and not (d.get("uscc") and d.get("entity_name"))
    }
    if not ids:
        return
    found = {
        pk: (name, uscc)
        for pk, name, uscc in Entity.objects.filter(pk__in=ids).values_list("pk", "name", "uscc")
    }
    for d in datas:
        hit = found.get(int(d["entity_id"])) if d.get("entity_id") else None
        if hit:
            d.setdefault("entity_name", hit[0])
            if not d.get("uscc"):
                d["uscc"] = hit[1] or ""


def _inspections(envelopes: list[dict[str, Any]], datas: list[dict[str, Any]]) -> None:
    from crossreg.catalog.models import ItemVersion

    wanted = [
        (e, d)
        for e, d in zip(envelopes, datas, strict=True)
        if e.get("type") == "inspection.task.published" and not d.get("item_codes")
    ]
    versions = {
        int(v) for _, d in wanted for r in d.get("results") or [] for v in r.get("item_versions") or []
    }
    codes = (
        dict(ItemVersion.objects.filter(pk__in=versions).values_list("pk", "item__code")) if versions else {}
    )
    for _, d in wanted:
        d["item_codes"] = list(
            dict.fromkeys(
                codes[int(v)]
                for r in d.get("results") or []
                for v in r.get("item_versions") or []
                if int(v) in codes
            )
        )
        d.setdefault("task_code", d.get("code", ""))
        if "points" not in d and d.get("results"):
            d["points"] = [{"seq": r.get("seq"), "result": r.get("result")} for r in d["results"]]


def _cases(envelopes: list[dict[str, Any]], datas: list[dict[str, Any]]) -> None:
    wanted = [
        (e, d)
        for e, d in zip(envelopes, datas, strict=True)
        if e.get("type") in CASE_EVENTS and d.get("case_number")
    ]
    if not wanted:
        return
    from crossreg.cases.models import Case, Document

    numbers = {d["case_number"] for _, d in wanted}
    cases = {c.number: c for c in Case.objects.filter(number__in=numbers)}
    docs: dict[int, list[tuple[str, str, str, int | None]]] = {}
    for case_id, kind, number, sha, measure_id in Document.objects.filter(
        case__number__in=numbers
    ).values_list("case_id", "kind", "number", "sha256", "measure_id"):
        docs.setdefault(case_id, []).append((kind, number, sha, measure_id))
    for e, d in wanted:
        case = cases.get(d["case_number"])
        if case is None:
            continue
        d.setdefault("party_name", case.party_name)
        if "documents" not in d:
            if e["type"] == "case.measure.imposed":
                mine = [
                    x
                    for x in docs.get(case.pk, [])
                    if x[3] == d.get("measure_id") or (x[0] == "measure" and x[3] is None)
                ]
            else:
                mine = [x for x in docs.get(case.pk, []) if x[0] == "decision"]
            d["documents"] = [{"kind": k, "number": n, "sha256": s} for k, n, s, _ in mine]
