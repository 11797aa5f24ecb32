"""The blocking-key table (issue 19): maintained by imports and relinks, all or nothing, and an
incremental run finds through it exactly the existing records a full scan would.

Run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from crossreg.linking import engine, services
from crossreg.linking.models import BlockingKey, BlockingKeyVersion, SourceRecord
from crossreg.linking.services import frames, keys, link
from crossreg.orgs.models import Department

pytestmark = [pytest.mark.django_db(transaction=False)]

ACTOR = "system:test"


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    from crossreg.synth.services import city_seed

    out = tmp_path / "lists"
    city_seed(seed=11, entities=300, lists_dir=out, if_empty=False, reset=False, workers=1, progress=None)
    return out


def _table() -> pl.DataFrame:
    rows = list(BlockingKey.objects.values_list("key", "record_id"))
    return pl.DataFrame(rows, schema=keys.KEY_SCHEMA, orient="row").sort("key", "record_id")


def _fresh() -> pl.DataFrame:
    """The keys of every current record, computed afresh from the records as stored."""
    return keys.record_keys(frames.record_nodes()).unique().sort("key", "record_id")


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    reader = list(csv.reader(io.StringIO(text)))
    return reader[0], reader[1:]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _biggest(lists: Path) -> Path:
    return max(lists.glob("*.csv"), key=lambda p: p.stat().st_size)


def test_keys_follow_every_kind_of_import_change(lists: Path) -> None:
    services.import_directory(actor=ACTOR, directory=lists, link=False)
    assert BlockingKeyVersion.objects.get().version == engine.key_version()
    table = _table()
    assert table.height > 5 * SourceRecord.objects.count()  # ~10 keys a record
    assert table.equals(_fresh())

    # A new snapshot of one list: rows dropped (left), rows changed, rows added.
    path = _biggest(lists)
    header, rows = _rows(path)
    name_col = next(i for i, h in enumerate(header) if "名称" in h)
    addr_col = next((i for i, h in enumerate(header) if "地址" in h or "住所" in h), name_col)
    dropped, changed = rows[:5], rows[5:10]
    for row in changed:
        row[addr_col] = row[addr_col] + "东侧100米"
    added = [list(r) for r in rows[10:13]]
    for i, row in enumerate(added):
        row[name_col] = f"盐城市新开{i}号测试商贸有限公司"
        for j, h in enumerate(header):
            if "代码" in h or "编号" in h or "ID" in h.upper():
                row[j] = ""
    new_rows = changed + rows[10:] + added
    dept = Department.objects.get(pk=path.stem)
    result = services.source_list_import(
        actor=ACTOR, department=dept, content=_csv(header, new_rows), file_name=path.name, link=False
    )
    assert result.counts["left"] >= len(dropped) and result.counts["changed"] >= len(changed)
    assert result.counts["new"] >= 1
    assert _table().equals(_fresh())
    left = SourceRecord.objects.filter(state="left").values_list("pk", flat=True)
    assert not BlockingKey.objects.filter(record_id__in=list(left)).exists()

    # The dropped rows come back: keyed again.
    services.source_list_import(
        actor=ACTOR, department=dept, content=path.read_bytes(), file_name=path.name, link=False
    )
    assert _table().equals(_fresh())


def test_relink_keeps_a_sound_table_and_rebuilds_a_damaged_one(lists: Path) -> None:
    services.import_directory(actor=ACTOR, directory=lists, link=False)
    before = _table()
    first = services.linking_relink(actor=ACTOR)
    assert first.counts["keys_rebuilt"] == 0
    assert _table().equals(before)
    # Keys lost (a write outside the services): the relink notices and rebuilds.
    lo, hi = keys._kind_range(engine.NAME_KIND)
    BlockingKey.objects.filter(
        key__gte=lo, key__lt=hi, record_id__in=list(SourceRecord.objects.values_list("pk", flat=True)[:7])
    ).delete()
    second = services.linking_relink(actor=ACTOR)
    assert second.counts["keys_rebuilt"] == 1
    assert _table().equals(_fresh())


def test_a_stale_version_is_left_alone_by_imports_and_rebuilt_by_the_next_link(lists: Path) -> None:
    paths = sorted(lists.glob("*.csv"))
    depts = {d.code: d for d in Department.objects.all()}
    for path in paths[:-1]:
        services.source_list_import(
            actor=ACTOR,
            department=depts[path.stem],
            content=path.read_bytes(),
            file_name=path.name,
            link=False,
        )
    BlockingKeyVersion.objects.update(version="older-rules")
    BlockingKey.objects.all().delete()
    last = paths[-1]
    services.source_list_import(
        actor=ACTOR, department=depts[last.stem], content=last.read_bytes(), file_name=last.name, link=False
    )
    assert not BlockingKey.objects.exists()  # not maintained while stale
    assert keys.blocking_keys_ensure() is True
    assert BlockingKeyVersion.objects.get().version == engine.key_version()
    assert _table().equals(_fresh())


def test_a_failed_import_leaves_the_keys_as_they_were(lists: Path, monkeypatch: Any) -> None:
    services.import_directory(actor=ACTOR, directory=lists, link=False)
    before = _table()
    path = _biggest(lists)
    header, rows = _rows(path)

    def boom(**kwargs: Any) -> dict[str, int]:
        raise RuntimeError("link failed")

    monkeypatch.setattr("crossreg.linking.services.imports.link_incremental", boom)
    with pytest.raises(RuntimeError):
        services.source_list_import(
            actor=ACTOR,
            department=Department.objects.get(pk=path.stem),
            content=_csv(header, rows[20:]),
            file_name=path.name,
        )
    assert _table().equals(before)


def _scan_candidates(new: pl.DataFrame, registry: pl.DataFrame) -> set[int]:
    """The existing nodes sharing a key with ``new`` found the slow way: every linked current
    record and the registry, joined in polars on every key of :data:`engine.KEY_KINDS` (the code
    columns as one value space, as the key table has them)."""
    existing = pl.concat(
        [
            registry,
            frames._as_nodes(
                frames.record_nodes(where="state = 'current' AND entity_id IS NOT NULL"), anchored=True
            ),
        ],
        how="vertical_relaxed",
    )
    found: set[int] = set()
    for key in engine.CANDIDATE_KEYS:
        values = new.select(key).drop_nulls().unique()
        found |= set(existing.join(values, on=list(key), how="semi").get_column("rid").to_list())
    codes = pl.concat([new.get_column(c) for c in engine.CODE_COLUMNS]).drop_nulls().unique()
    recs = existing.filter(pl.col("rid") > 0)
    for c in engine.CODE_COLUMNS:
        found |= set(recs.filter(pl.col(c).is_in(codes.implode())).get_column("rid").to_list())
    return found


def test_incremental_finds_the_candidates_of_a_full_scan(lists: Path, monkeypatch: Any) -> None:
    path = _biggest(lists)
    header, rows = _rows(path)
    depts = {d.code: d for d in Department.objects.all()}
    for other in sorted(lists.glob("*.csv")):
        content = _csv(header, rows[: len(rows) - 40]) if other == path else other.read_bytes()
        services.source_list_import(
            actor=ACTOR, department=depts[other.stem], content=content, file_name=other.name, link=False
        )
    services.linking_relink(actor=ACTOR)
    seen: list[tuple[set[int], set[int]]] = []
    real = link._existing_candidates

    def spy(new: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
        out = real(new, registry)
        seen.append((set(out.get_column("rid").to_list()), _scan_candidates(new, registry)))
        return out

    monkeypatch.setattr(link, "_existing_candidates", spy)
    result = services.source_list_import(
        actor=ACTOR, department=depts[path.stem], content=path.read_bytes(), file_name=path.name
    )
    assert result.counts["new"] == 40 and result.counts["linked_records"] == 40
    ((found, scanned),) = seen
    assert found == scanned
    assert any(r > 0 for r in found) and any(r < 0 for r in found)  # records and registry entities
    assert not SourceRecord.objects.filter(state="current", entity__isnull=True).exists()


def test_trade_name_frequencies_count_every_current_record(lists: Path) -> None:
    services.import_directory(actor=ACTOR, directory=lists, link=False)
    registry = frames.registry_nodes()
    records = frames._as_nodes(frames.record_nodes(), anchored=False)
    everything = pl.concat([registry, records], how="vertical_relaxed")
    tf = link._trade_name_tf(registry, records.head(50))
    names = everything.get_column("trade_name").drop_nulls()
    expected = (
        names.value_counts(name="n")
        .select("trade_name", (pl.col("n") / names.len()).alias("expect"))
        .join(tf, on="trade_name", how="inner")
    )
    assert expected.height == records.head(50).get_column("trade_name").drop_nulls().n_unique()
    worst = expected.select((pl.col("expect") - pl.col("tf_trade_name")).abs().max()).item()
    assert float(worst) < 1e-12


def test_candidate_keys_are_stable_values() -> None:
    """Stored keys must not change between processes or library versions: MD5, not a seeded hash."""
    digest = hashlib.md5("盐城市华信科技有限公司".encode()).digest()
    expected = (engine.NAME_KIND << 56) + (int.from_bytes(digest[8:], "little") >> 8)
    assert engine.key_of(engine.NAME_KIND, "盐城市华信科技有限公司") == expected
    nodes = engine.nodes_frame(
        pl.DataFrame(
            {"rid": [1], "source": ["x"], "name_norm": ["盐城市华信科技有限公司"], "trade_name": ["华信"]}
        )
    )
    got = set(engine.candidate_keys(nodes).get_column("key").to_list())
    assert got == {
        engine.key_of(engine.NAME_KIND, "盐城市华信科技有限公司"),
        engine.key_of(engine.TF_KIND, "华信"),
    }
