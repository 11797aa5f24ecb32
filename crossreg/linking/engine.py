"""The linking engine: pure functions over columns (polars in, polars out), Splink on DuckDB.

No Django here. The services feed it frames of standardised records and apply what it returns.

A *node* is one row to link: a department's source record, or a registry entity (``source`` =
:data:`REGISTRY`), which carries the entity id as its *anchor*. The steps:

1. **Deterministic edges**: equal valid USCCs; equal valid registration numbers (注册号).
2. **Probabilistic edges**: Splink (Fellegi–Sunter, DuckDB backend) over the candidate pairs of
   :func:`blocking_rules`, scored with a saved, versioned model (:func:`model_train`).
3. **Human decisions**: pairs decided ``match`` are forced edges; ``non_match`` pairs may never end
   in one cluster.
4. **Conservative clustering** (:func:`cluster`): edges are taken strongest first and a merge is
   refused when it would put two anchors (registry entities), two different valid USCCs, two
   different branch names, or a forbidden pair into one cluster. Model edges must also agree on the
   county. The trade name (字号) is compared, never the whole name, so that common industry words
   (商贸, 科技) carry no weight; its term frequency down-weights common trade names.

The same model links incrementally (:func:`link_incremental`): Splink's ``predict_between`` scores
new rows against the existing ones, ``predict_within`` scores the new rows among themselves, and
existing rows keep their entity (their anchor), so the city is not relinked.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

REGISTRY = "__registry__"

NODE_COLUMNS: dict[str, pl.DataType] = {
    "rid": pl.Int64(),
    "source": pl.Utf8(),
    "anchor": pl.Int64(),
    "uscc": pl.Utf8(),
    "uscc_norm": pl.Utf8(),
    "registration_no": pl.Utf8(),
    "orgcode": pl.Utf8(),
    "name_norm": pl.Utf8(),
    "trade_name": pl.Utf8(),
    "industry_words": pl.Utf8(),
    "branch": pl.Utf8(),
    "county": pl.Utf8(),
    "address_norm": pl.Utf8(),
    "legal_rep_norm": pl.Utf8(),
    "phone_norm": pl.Utf8(),
}

DEFAULT_THRESHOLD_MATCH = 0.95
DEFAULT_THRESHOLD_REVIEW = 0.5

logger = logging.getLogger(__name__)


def nodes_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Select and type the node columns; empty strings become nulls (Splink's null level)."""
    cols = []
    for name, dtype in NODE_COLUMNS.items():
        expr = pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype=dtype).alias(name)
        if dtype == pl.Utf8() and name not in ("source",):
            expr = pl.when(expr.str.len_chars() > 0).then(expr).otherwise(None).alias(name)
        cols.append(expr)
    out = df.select(cols)
    return out.with_columns(
        pl.when(pl.col("uscc_norm").str.len_chars() == 18)
        .then(pl.lit("uscc"))
        .when(pl.col("uscc_norm").str.len_chars() == 15)
        .then(pl.lit("regno"))
        .when(pl.col("uscc_norm").str.len_chars() == 9)
        .then(pl.lit("org"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("code_kind"),
        pl.col("uscc_norm").str.slice(8, 10).alias("code_b1"),
        (pl.col("uscc_norm").str.slice(0, 8) + pl.col("uscc_norm").str.slice(13, 5)).alias("code_b2"),
        pl.col("uscc_norm").str.slice(0, 13).alias("code_b3"),
        pl.col("branch").fill_null("").alias("branch_key"),
    )


# ---------------------------------------------------------------------------------------------
# The Splink model
# ---------------------------------------------------------------------------------------------


def _code_comparison() -> Any:
    import splink.comparison_library as cl

    null = (
        "uscc_norm_l IS NULL OR uscc_norm_r IS NULL OR "
        "(code_kind_l IS DISTINCT FROM code_kind_r AND (orgcode_l IS NULL OR orgcode_r IS NULL))"
    )
    return cl.CustomComparison(
        output_column_name="code",
        comparison_levels=[
            {"sql_condition": null, "label_for_charts": "no comparable code", "is_null_level": True},
            {"sql_condition": "uscc_norm_l = uscc_norm_r", "label_for_charts": "same code"},
            {"sql_condition": "orgcode_l = orgcode_r", "label_for_charts": "same organisation code"},
            {
                "sql_condition": "code_kind_l = code_kind_r AND levenshtein(uscc_norm_l, uscc_norm_r) <= 2",
                "label_for_charts": "code differs by a typo or a transposition",
            },
            {"sql_condition": "ELSE", "label_for_charts": "different codes"},
        ],
    )


def _text_comparison(
    col: str, *, tf: bool = False, lev: int | None = 1, jw: Sequence[float] = (0.88,)
) -> Any:
    """Levels: null, exact (optionally term-frequency adjusted), edit distance, Jaro–Winkler, else.

    DuckDB's edit distances count characters, not bytes (tests/test_duckdb_text.py), but cost about
    3 µs (Levenshtein) to 14 µs (Damerau) a pair on Chinese text, so they are used on short columns
    only; long ones (addresses) use Jaro–Winkler.
    """
    import splink.comparison_library as cl

    levels: list[Any] = [
        {
            "sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
            "label_for_charts": "null",
            "is_null_level": True,
        },
        {
            "sql_condition": f"{col}_l = {col}_r",
            "label_for_charts": "exact",
            **({"tf_adjustment_column": col, "tf_adjustment_weight": 1.0} if tf else {}),
        },
    ]
    if lev is not None:
        levels.append(
            {
                "sql_condition": f"levenshtein({col}_l, {col}_r) <= {lev}",
                "label_for_charts": f"edit distance <= {lev}",
            }
        )
    for threshold in jw:
        levels.append(
            {
                "sql_condition": f"jaro_winkler_similarity({col}_l, {col}_r) >= {threshold}",
                "label_for_charts": f"jaro-winkler >= {threshold}",
            }
        )
    levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
    return cl.CustomComparison(output_column_name=col, comparison_levels=levels)


BLOCKING_KEYS: tuple[tuple[str, ...], ...] = (
    ("uscc_norm",),
    ("orgcode",),
    # A one-character typo in a code lies in one of three segments; each rule ignores one.
    ("code_b1",),
    ("code_b2",),
    ("code_b3",),
    ("name_norm",),
    # Trade names, addresses and legal representatives repeat across a city; alone (or with the
    # county) their blocks grow with the city and the pairs with its square (at 100,000 entities
    # trade name + county and the address alone gave 7 M of 7.6 M candidate pairs, at 1,000,000
    # they would give hundreds of millions). Paired with a second key, the pairs stay
    # proportional to the records, and every true pair found before is still found.
    ("trade_name", "county", "industry_words"),
    ("phone_norm",),
    ("address_norm", "legal_rep_norm"),
    ("address_norm", "industry_words"),
    ("legal_rep_norm", "county", "industry_words"),
)


CODE_COLUMNS = ("uscc_norm", "orgcode", "uscc", "registration_no")

CANDIDATE_KEYS: tuple[tuple[str, ...], ...] = (*BLOCKING_KEYS, ("uscc",), ("registration_no",))
"""What an incremental run finds the existing nodes of a new row by: every blocking key (the only
pairs Splink can score) and the codes of the deterministic edges."""

TF_COLUMN = "trade_name"
"""The column with term-frequency adjustment (its frequencies are counted from the key table)."""

KEY_KINDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    # 1: every code column in one value space (a code equal in any two columns is a candidate:
    # a superset of the pairs each rule finds, and codes of different kinds never look alike)
    tuple(k for k in CANDIDATE_KEYS if len(k) == 1 and k[0] in CODE_COLUMNS),
    *((k,) for k in CANDIDATE_KEYS if not (len(k) == 1 and k[0] in CODE_COLUMNS)),
    ((TF_COLUMN,),),
)
"""Kind *i + 1* of a blocking key and the node columns it is made of. A key is
``kind << 56 | 56 bits of the MD5 of its values``; the kind in the top bits keeps the keys of one
kind in one range of the index (the frequency total is a range count)."""

KEY_KIND_SHIFT = 56
TF_KIND = len(KEY_KINDS)
NAME_KIND = 1 + KEY_KINDS.index((("name_norm",),))


def key_version() -> str:
    """Changes when the keys would be computed differently (the key table is then rebuilt)."""
    import hashlib

    basis = f"md5-56|{KEY_KIND_SHIFT}|{KEY_KINDS!r}"
    return hashlib.sha1(basis.encode()).hexdigest()[:16]


def candidate_keys(nodes: pl.DataFrame, *, kinds: Sequence[int] | None = None) -> pl.DataFrame:
    """``rid`` → ``key`` for every :data:`KEY_KINDS` key of the node frame rows whose columns are
    all set (as Splink's equality blocking needs), distinct. MD5 is computed by DuckDB: stable across
    versions and machines, so the keys can be stored."""
    wanted = set(kinds) if kinds is not None else set(range(1, len(KEY_KINDS) + 1))
    cols = sorted({c for kind in KEY_KINDS for key in kind for c in key} | {"rid"})
    frame = nodes.select([pl.col(c) if c in nodes.columns else pl.lit(None, pl.Utf8).alias(c) for c in cols])
    selects = []
    for number, kind in enumerate(KEY_KINDS, start=1):
        if number not in wanted:
            continue
        parts = []
        for key in kind:
            present = " AND ".join(f'"{c}" IS NOT NULL' for c in key)
            value = (
                key[0] if len(key) == 1 else "concat_ws(chr(31), " + ", ".join(f'"{c}"' for c in key) + ")"
            )
            parts.append(
                f"SELECT rid, CAST({number} AS BIGINT) * {1 << KEY_KIND_SHIFT} + "
                f"CAST(md5_number_lower(CAST({value} AS VARCHAR)) >> {64 - KEY_KIND_SHIFT} AS BIGINT) AS key "
                f"FROM nodes WHERE {present}"
            )
        # Only a kind of several columns can give a row one key twice (a code in two columns).
        selects.append(
            parts[0] if len(parts) == 1 else f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)})"
        )
    if not selects or frame.height == 0:
        return pl.DataFrame(schema={"rid": pl.Int64, "key": pl.Int64})
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '1GB'")
        con.execute("SET preserve_insertion_order = false")
        con.register("nodes", frame.to_arrow())
        union = " UNION ALL ".join(f"({q})" for q in selects)
        out = con.sql(f"SELECT CAST(rid AS BIGINT) AS rid, key FROM ({union})").pl()
    finally:
        con.close()
    assert isinstance(out, pl.DataFrame)
    return out


def key_of(kind: int, *values: str) -> int:
    """One key (tests and look-ups of a single value)."""
    con = duckdb.connect(":memory:")
    try:
        text = chr(31).join(values)
        row = con.execute(
            f"SELECT CAST(md5_number_lower(?) >> {64 - KEY_KIND_SHIFT} AS BIGINT)", [text]
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return (kind << KEY_KIND_SHIFT) + int(row[0])


def blocking_rules() -> list[Any]:
    """Candidate pairs. Each rule is an equality on a distinctive key (:data:`BLOCKING_KEYS`), so
    that blocks stay small at millions of records (see docs/linking.md for the measured counts)."""
    from splink import block_on

    return [block_on(*key) for key in BLOCKING_KEYS]


def with_current_blocking(model: dict[str, Any]) -> dict[str, Any]:
    """A saved model with the blocking rules of this code (models trained before a change of the
    rules keep their m/u parameters but block as the code does now)."""
    rules = []
    for key in BLOCKING_KEYS:
        parts = [f'l."{c}" = r."{c}"' for c in key]
        rules.append(
            {
                "blocking_rule": parts[0] if len(parts) == 1 else " AND ".join(f"({p})" for p in parts),
                "sql_dialect": "duckdb",
            }
        )
    return {**model, "blocking_rules_to_generate_predictions": rules}


def settings_creator() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        comparisons=[
            _code_comparison(),
            _text_comparison("trade_name", tf=True, lev=1, jw=(0.88,)),
            _text_comparison("industry_words", lev=None, jw=(0.9,)),
            cl.ExactMatch("county"),
            _text_comparison("address_norm", lev=None, jw=(0.95, 0.88)),
            _text_comparison("legal_rep_norm", lev=1, jw=()),
            cl.ExactMatch("phone_norm"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source", "anchor", "branch_key", "uscc"],
        max_iterations=20,
    )


@dataclass
class DuckDBSettings:
    """How the engine runs DuckDB (``crossreg.linking.services.frames.engine_configure`` sets it
    from ``CROSSREG["LINKING_DUCKDB_*"]``)."""

    memory_limit: str = "3GB"
    """DuckDB's own memory cap (its default is 80 % of the machine's RAM); beyond it, it spills."""
    threads: int | None = None
    """DuckDB's threads (None: one per core)."""
    chunk_nodes: int = 500_000
    """A full run scores its candidate pairs in ``ceil(nodes / chunk_nodes)`` chunks (Splink's
    ``predict_chunk`` on the left side of each pair): each chunk's scored pairs are filtered and
    narrowed before the next is scored, so that DuckDB never holds every pair with its columns."""


DUCKDB = DuckDBSettings()


def configure(
    *, memory_limit: str | None = None, threads: int | None = None, chunk_nodes: int | None = None
) -> DuckDBSettings:
    """Set :data:`DUCKDB`: each setting given, or its default."""
    default = DuckDBSettings()
    DUCKDB.memory_limit = str(memory_limit) if memory_limit else default.memory_limit
    DUCKDB.threads = int(threads) if threads else default.threads
    DUCKDB.chunk_nodes = max(int(chunk_nodes), 1) if chunk_nodes else default.chunk_nodes
    return DUCKDB


def _db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{DUCKDB.memory_limit}'")
    if DUCKDB.threads:
        con.execute(f"SET threads = {int(DUCKDB.threads)}")
    # Spill to the system's temporary directory, not to ./.tmp (DuckDB's default).
    spill = Path(tempfile.gettempdir()) / "crossreg-duckdb"
    spill.mkdir(exist_ok=True)
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


NodeSource = pl.DataFrame | Path
"""The nodes to score: a frame, or a Parquet file of one (a full run hands DuckDB the file and
keeps no copy of the node frame in memory while it scores)."""


def write_nodes(nodes: pl.DataFrame, path: Path) -> Path:
    """The node frame as a Parquet file for :func:`predict` (the caller may then drop the frame)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nodes.write_parquet(path, compression="zstd", compression_level=1, row_group_size=250_000)
    return path


def read_nodes(source: NodeSource, rids: pl.Series | None = None) -> pl.DataFrame:
    """The node frame (or the rows with the given ``rids``) of a :data:`NodeSource`."""
    if isinstance(source, pl.DataFrame):
        return source if rids is None else source.filter(pl.col("rid").is_in(rids.implode()))
    lazy = pl.scan_parquet(source)
    if rids is not None:
        lazy = lazy.filter(pl.col("rid").is_in(rids.implode()))
    return lazy.collect()


def _linker(nodes: NodeSource, settings: Any, con: duckdb.DuckDBPyConnection | None = None) -> Any:
    from splink import DuckDBAPI, Linker

    con = con if con is not None else _db()
    db_api = DuckDBAPI(con)
    if isinstance(nodes, Path):
        path = str(nodes).replace("'", "''")
        con.execute(f"CREATE VIEW crossreg_nodes AS SELECT * FROM read_parquet('{path}')")
        sdf = db_api.register("crossreg_nodes", dataset_display_name="nodes")
    else:
        sdf = db_api.register(nodes.to_arrow(), dataset_display_name="nodes")
    return Linker(sdf, settings, log_level=logging.WARNING)


@dataclass
class TrainedModel:
    settings: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.settings, ensure_ascii=False, sort_keys=True, indent=1)


PRIOR_RECALL = 0.7
"""Share of true matches that equal valid USCCs are assumed to find (for the prior)."""

MAX_TRAINING_NODES = 600_000
"""Above this many nodes the m and u parameters are estimated on a sample (they do not change
with scale); the prior is always computed on all nodes."""


def prior_from_codes(nodes: pl.DataFrame, *, recall: float = PRIOR_RECALL) -> float:
    """The probability that two random nodes match, as Splink estimates it from a deterministic
    rule: pairs with equal valid USCCs, divided by the rule's recall, over all pairs."""
    n = nodes.height
    if n < 2:
        return 1e-6
    sizes = nodes.filter(pl.col("uscc").is_not_null()).group_by("uscc").len().get_column("len")
    pairs = float((sizes * (sizes - 1) // 2).sum())
    return max(min(pairs / recall / (n * (n - 1) / 2), 0.5), 1e-9)


def training_sample(nodes: pl.DataFrame, max_nodes: int = MAX_TRAINING_NODES) -> pl.DataFrame:
    """A sample that keeps records of one trade name together (so that the EM sessions still see
    the matching pairs): the nodes whose trade name (else folded name) hashes into 1 of k buckets."""
    if nodes.height <= max_nodes:
        return nodes
    k = -(-nodes.height // max_nodes)
    key = pl.coalesce("trade_name", "name_norm", pl.lit(""))
    return nodes.filter(key.hash(seed=2021) % k == 0)


def model_train(nodes: pl.DataFrame, *, max_pairs: float = 1e6) -> TrainedModel:
    """Train the model without labels: u by random sampling, the prior from equal valid USCCs,
    m by expectation maximisation in two sessions blocked on different columns (each session
    estimates the columns it does not block on). Above :data:`MAX_TRAINING_NODES` nodes, m and u
    are estimated on a :func:`training_sample`; the prior always comes from all nodes."""
    from splink import block_on

    nodes = nodes_frame(nodes) if "code_kind" not in nodes.columns else nodes
    prior = prior_from_codes(nodes)
    all_nodes = nodes.height
    nodes = training_sample(nodes)
    linker = _linker(nodes, settings_creator())
    linker.training.estimate_probability_two_random_records_match([block_on("uscc")], recall=PRIOR_RECALL)
    # No seed: DuckDB's seeded sampling is many times slower; u estimates from 1e6 pairs are stable enough.
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("trade_name", "county", "industry_words"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("phone_norm"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("code_b1"), estimate_without_term_frequencies=True
    )
    settings = floor_probabilities(linker.misc.save_model_to_json())
    settings["probability_two_random_records_match"] = prior
    return TrainedModel(
        settings=settings,
        summary={"nodes": all_nodes, "sample": nodes.height, "prior": prior, "max_pairs": max_pairs},
    )


M_FLOOR = 1e-3
U_FLOOR = 1e-6


def floor_probabilities(settings: dict[str, Any]) -> dict[str, Any]:
    """No level may be absolute proof: EM on clean data learns m = 0 for "different legal
    representative" (a veto against any typo) and u = 0 for rare levels (infinite weight). Floor
    m at 0.001 and u at 0.000001 so that every comparison's weight is finite."""
    for comp in settings.get("comparisons", []):
        for level in comp.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            if m is not None and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
            if u is not None and u < U_FLOOR:
                level["u_probability"] = U_FLOOR
    return settings


def default_model() -> dict[str, Any]:
    """The model shipped with the code (trained on the synthetic city, floored), used until a
    city has enough records to train its own (``crossreg linking train``)."""
    from importlib import resources

    text = resources.files("crossreg.linking").joinpath("data/default_model.json").read_text(encoding="utf-8")
    return floor_probabilities(json.loads(text))


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------

EDGE_COLUMNS = ["rid_l", "rid_r", "match_probability", "match_weight"]


EDGE_KEEP = (
    "rid_l",
    "rid_r",
    "match_probability",
    "match_weight",
    "branch_key_l",
    "branch_key_r",
    "county_l",
    "county_r",
)


@dataclass
class Predictions:
    """Scored pairs: ``edges`` (narrow: ids, probability, the columns of the hard rules) for all,
    ``band`` (every column, for the review evidence) for those below the auto-link threshold.
    Millions of pairs with every comparison's columns would need gigabytes."""

    edges: pl.DataFrame
    band: pl.DataFrame
    candidates: int = 0
    """Candidate pairs the blocking rules gave (scored, before the threshold); 0 if not counted."""
    chunks: int = 1

    @classmethod
    def concat(cls, parts: Sequence[Predictions]) -> Predictions:
        parts = [p for p in parts if p.edges.height]
        if not parts:
            return cls(edges=pl.DataFrame(), band=pl.DataFrame())
        return cls(
            edges=pl.concat([p.edges for p in parts], how="diagonal_relaxed"),
            band=pl.concat([p.band for p in parts], how="diagonal_relaxed"),
            candidates=sum(p.candidates for p in parts),
            chunks=sum(p.chunks for p in parts),
        )


def _predictions(sdf: Any, band_below: float) -> Predictions:
    rel = sdf.as_duckdbpyrelation()
    edges = rel.select(", ".join(EDGE_KEEP)).pl()
    band = rel.filter(f"match_probability < {float(band_below)!r}").pl()
    assert isinstance(edges, pl.DataFrame) and isinstance(band, pl.DataFrame)
    return Predictions(edges=_filter_edges(edges), band=_filter_edges(band))


def _filter_edges(pred: pl.DataFrame) -> pl.DataFrame:
    """Hard rules on model pairs: the same branch name (a branch is its own object) and an agreeing
    county (or an unknown one)."""
    if pred.height == 0:
        return pred
    return pred.filter(
        (pl.col("branch_key_l") == pl.col("branch_key_r"))
        & (
            pl.col("county_l").is_null()
            | pl.col("county_r").is_null()
            | (pl.col("county_l") == pl.col("county_r"))
        )
    )


def _slim(model: dict[str, Any]) -> dict[str, Any]:
    """Settings for scoring only: the output keeps ids, weights and the hard rules' columns, not
    every comparison's values, levels and weights (at millions of pairs those are gigabytes)."""
    keep = sorted({*model.get("additional_columns_to_retain", []), "branch_key", "county"})
    return {
        **model,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": keep,
    }


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()  # fetchall: DuckDB 2 keeps a half-read result open
    return int(rows[0][0]) if rows else 0


HARD_RULES_SQL = (
    "branch_key_l = branch_key_r AND (county_l IS NULL OR county_r IS NULL OR county_l = county_r)"
)
""":func:`_filter_edges` in SQL, applied to each chunk inside DuckDB."""


def predict(
    nodes: NodeSource,
    model: dict[str, Any],
    *,
    threshold: float,
    band_below: float = 1.0,
    chunks: int | None = None,
) -> Predictions:
    """Score the candidate pairs of ``nodes`` among themselves; pairs at or above ``threshold``
    that pass the hard rules (:func:`_filter_edges`).

    Two passes: every pair is scored with narrow output, in chunks (``chunks``, else one per
    :attr:`DuckDBSettings.chunk_nodes` nodes; each chunk is filtered and cut to ids and scores
    inside DuckDB before the next one runs); the pairs below ``band_below`` (the review band, a few
    thousand) are scored again with every column, for the evidence shown to the reviewer, among
    their own nodes only and with the trade-name frequencies of all nodes, so that their scores
    are the same. ``nodes`` may be a Parquet file (:func:`write_nodes`): DuckDB reads it, and no
    node frame needs to stay in memory."""
    model = with_current_blocking(model)
    linker = _linker(nodes, _slim(model))
    con = linker._db_api.duckdb_con
    n = (
        nodes.height
        if isinstance(nodes, pl.DataFrame)
        else _count(con, "SELECT COUNT(*) FROM crossreg_nodes")
    )
    k = chunks if chunks is not None else max(1, math.ceil(n / DUCKDB.chunk_nodes))
    tf = linker.table_management.compute_tf_table("trade_name").as_duckdbpyrelation().pl()
    parts: list[pl.DataFrame] = []
    candidates = 0
    for i in range(1, k + 1):
        chunk = (i, k)
        blocked = linker.inference.compute_blocked_pairs_for_predict_chunk(
            left_chunk=chunk, right_chunk=(1, 1)
        )
        candidates += _count(con, f"SELECT COUNT(*) FROM {blocked.physical_name}")
        sdf = linker.inference.predict_chunk(
            left_chunk=chunk, right_chunk=(1, 1), threshold_match_probability=threshold, warning_mode="never"
        )
        part = sdf.as_duckdbpyrelation().filter(HARD_RULES_SQL).select(", ".join(EDGE_COLUMNS)).pl()
        assert isinstance(part, pl.DataFrame)
        parts.append(part)
        sdf.drop_table_from_database_and_remove_from_cache()
        blocked.drop_table_from_database_and_remove_from_cache()
        logger.info("predict chunk %s/%s: %s pairs kept, %s candidates so far", i, k, part.height, candidates)
    edges = pl.concat(parts) if parts else pl.DataFrame(schema=dict.fromkeys(EDGE_COLUMNS, pl.Float64))
    edges = edges.with_columns(pl.col("rid_l", "rid_r").cast(pl.Int64))
    assert isinstance(tf, pl.DataFrame)
    del linker, parts
    con.close()
    pred = band_rescore(nodes, model, edges, tf, threshold=threshold, band_below=band_below)
    pred.candidates, pred.chunks = candidates, k
    return pred


def band_rescore(
    nodes: NodeSource,
    model: dict[str, Any],
    edges: pl.DataFrame,
    tf: pl.DataFrame,
    *,
    threshold: float,
    band_below: float,
) -> Predictions:
    """The second pass of :func:`predict`, shared by both backends: the pairs of ``edges`` below
    ``band_below`` rescored with every column (the reviewer's evidence) among their own nodes, on
    DuckDB, with the trade-name frequencies ``tf`` of all nodes so that their scores are the same."""
    model = with_current_blocking(model)
    band_pairs = edges.filter(pl.col("match_probability") < band_below).select("rid_l", "rid_r")
    if band_pairs.height == 0:
        return Predictions(edges=edges, band=edges.clear())
    ids = pl.concat([band_pairs.get_column("rid_l"), band_pairs.get_column("rid_r")]).unique()
    sub = read_nodes(nodes, ids)
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(_db())
    sub_sdf = db_api.register(sub.to_arrow(), dataset_display_name="band_nodes")
    band_linker = Linker(sub_sdf, model, log_level=logging.WARNING)
    tf_sdf = db_api.register(tf.to_arrow(), dataset_display_name="tf_trade_name_lookup")
    band_linker.table_management.register_term_frequency_lookup(tf_sdf, "trade_name")
    wide = band_linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    band = wide.as_duckdbpyrelation().pl()
    assert isinstance(band, pl.DataFrame)
    band = _filter_edges(band).join(band_pairs, on=["rid_l", "rid_r"], how="semi")
    return Predictions(edges=edges, band=band)


def predict_between(
    new: pl.DataFrame,
    existing: pl.DataFrame,
    model: dict[str, Any],
    *,
    threshold: float,
    band_below: float = 1.0,
    tf_trade_name: pl.DataFrame | None = None,
) -> Predictions:
    """Score new rows against existing rows (``predict_between``) and among themselves
    (``predict_within``), with term frequencies from both, or ``tf_trade_name`` (``trade_name``,
    ``tf_trade_name``) when ``existing`` is only a part of the city."""
    from splink import DuckDBAPI, Linker

    con = _db()
    db_api = DuckDBAPI(con)
    both = pl.concat([existing, new], how="vertical_relaxed")
    all_sdf = db_api.register(both.to_arrow(), dataset_display_name="all_nodes")
    new_sdf = db_api.register(new.to_arrow(), dataset_display_name="new_nodes")
    old_sdf = db_api.register(existing.to_arrow(), dataset_display_name="old_nodes")
    del both
    linker = Linker(all_sdf, with_current_blocking(model), log_level=logging.WARNING)
    if tf_trade_name is not None:
        tf_sdf = db_api.register(tf_trade_name.to_arrow(), dataset_display_name="tf_trade_name_lookup")
        linker.table_management.register_term_frequency_lookup(tf_sdf, "trade_name")
    else:
        linker.table_management.compute_tf_table("trade_name")
    parts = []
    if existing.height:
        between = linker.inference.predict_between(
            new_sdf, old_sdf, threshold_match_probability=threshold, warning_mode="never"
        )
        parts.append(_predictions(between, band_below))
    within = linker.inference.predict_within(
        new_sdf, threshold_match_probability=threshold, warning_mode="never"
    )
    parts.append(_predictions(within, band_below))
    return Predictions.concat(parts)


def deterministic_edges(nodes: pl.DataFrame) -> pl.DataFrame:
    """Edges between rows sharing a valid USCC or a valid registration number (a star per value)."""
    out = []
    for col in ("uscc", "registration_no"):
        sub = nodes.filter(pl.col(col).is_not_null()).select("rid", col)
        if sub.height == 0:
            continue
        first = sub.group_by(col).agg(pl.col("rid").min().alias("root"))
        edges = sub.join(first, on=col).filter(pl.col("rid") != pl.col("root"))
        out.append(
            edges.select(pl.col("root").alias("rid_l"), pl.col("rid").alias("rid_r")).with_columns(
                pl.lit(col).alias("kind")
            )
        )
    if not out:
        return pl.DataFrame(schema={"rid_l": pl.Int64, "rid_r": pl.Int64, "kind": pl.Utf8})
    return pl.concat(out)


# ---------------------------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------------------------


@dataclass
class ClusterResult:
    clusters: pl.DataFrame
    """``rid`` → ``root`` (the cluster's id, a member's rid), for every node, in node order."""
    accepted: int
    refused: int
    scores: pl.DataFrame
    """``rid`` → ``score``: the best accepted model probability that joined it (for display)."""

    @property
    def cluster_of(self) -> dict[int, int]:
        """rid → root as a dict (small runs and tests)."""
        return dict(self.clusters.select("rid", "root").iter_rows())

    @property
    def model_edge_of(self) -> dict[int, float]:
        return dict(self.scores.select("rid", "score").iter_rows())


_EDGE_SCHEMA = {"rid_l": pl.Int64, "rid_r": pl.Int64}


def _pairs_frame(pairs: Iterable[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(list(pairs), schema=_EDGE_SCHEMA, orient="row")


def components(rids: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components (``rid`` → ``comp``, the smallest rid of its component) by min-label
    propagation with pointer jumping, vectorised in polars; nodes without edges are their own."""
    rids = rids.cast(pl.Int64)
    e = edges.select(pl.col("rid_l").alias("a"), pl.col("rid_r").alias("b")).cast(pl.Int64)
    e = pl.concat([e, e.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique()
    label = pl.DataFrame({"rid": pl.concat([e["a"]]).unique()}).with_columns(pl.col("rid").alias("comp"))
    while True:
        nb = e.join(label, left_on="b", right_on="rid").group_by("a").agg(pl.col("comp").min().alias("nb"))
        new = label.join(nb, left_on="rid", right_on="a", how="left").select(
            "rid", pl.min_horizontal("comp", "nb").alias("comp")
        )
        # pointer jumping: a node takes its label's label
        new = new.join(
            new.select(pl.col("rid").alias("comp"), pl.col("comp").alias("jump")), on="comp", how="left"
        ).select("rid", pl.min_horizontal("comp", "jump").alias("comp"))
        changed = new.join(label, on="rid", suffix="_old").filter(pl.col("comp") != pl.col("comp_old")).height
        label = new
        if changed == 0:
            break
    out = pl.DataFrame({"rid": rids}).join(label, on="rid", how="left")
    return out.with_columns(pl.coalesce("comp", "rid").alias("comp"))


def cluster(
    nodes: pl.DataFrame,
    *,
    forced: Iterable[tuple[int, int]] = (),
    deterministic: pl.DataFrame | None = None,
    model_edges: pl.DataFrame | None = None,
    threshold: float = DEFAULT_THRESHOLD_MATCH,
    forbidden: Iterable[tuple[int, int]] = (),
    same_anchor_united: bool = True,
) -> ClusterResult:
    """Constrained union–find, strongest edges first (see module docstring).

    Vectorised: the connected components of all edges are computed in polars; a component with at
    most one anchor, one valid USCC and one branch name and no forbidden pair inside is what the
    constrained union–find would build from it (no check can fail), so it is taken whole. Only
    the few components that break a constraint are run through the sequential union–find, edge
    by edge in order, exactly as before."""
    node_cols = nodes.select(
        pl.col("rid").cast(pl.Int64),
        pl.col("anchor").cast(pl.Int64),
        pl.col("uscc"),
        (pl.col("branch_key").fill_null("") if "branch_key" in nodes.columns else pl.lit("")).alias(
            "branch_key"
        ),
    )
    rid_set = node_cols.select("rid")
    # Edges in the order the union–find takes them: same anchor, forced, deterministic, model.
    anchor_edges = pl.DataFrame(schema=_EDGE_SCHEMA)
    if same_anchor_united:
        with_anchor = node_cols.filter(pl.col("anchor").is_not_null()).select("rid", "anchor")
        first = with_anchor.group_by("anchor", maintain_order=True).agg(pl.col("rid").first().alias("rid_l"))
        anchor_edges = (
            with_anchor.join(first, on="anchor")
            .filter(pl.col("rid") != pl.col("rid_l"))
            .select("rid_l", pl.col("rid").alias("rid_r"))
        )
    forced_df = _pairs_frame(forced)
    forced_df = forced_df.join(rid_set, left_on="rid_l", right_on="rid", how="semi").join(
        rid_set, left_on="rid_r", right_on="rid", how="semi"
    )
    det = (
        deterministic.select(pl.col("rid_l", "rid_r").cast(pl.Int64))
        if deterministic is not None and deterministic.height
        else pl.DataFrame(schema=_EDGE_SCHEMA)
    )
    strong = pl.DataFrame(schema={**_EDGE_SCHEMA, "match_probability": pl.Float64})
    if model_edges is not None and model_edges.height:
        strong = (
            model_edges.select(pl.col("rid_l", "rid_r").cast(pl.Int64), pl.col("match_probability"))
            .filter(pl.col("match_probability") >= threshold)
            .join(rid_set, left_on="rid_l", right_on="rid", how="semi")
            .join(rid_set, left_on="rid_r", right_on="rid", how="semi")
            .sort("match_probability", descending=True, maintain_order=True)
        )
    all_edges = pl.concat([anchor_edges, forced_df, det, strong.select("rid_l", "rid_r")])
    comps = components(node_cols.get_column("rid"), all_edges)
    # A component is clean when no union–find check can fail inside it.
    info = node_cols.join(comps, on="rid")
    per_comp = info.group_by("comp").agg(
        pl.col("anchor").drop_nulls().n_unique().alias("anchors"),
        pl.col("uscc").drop_nulls().n_unique().alias("usccs"),
        pl.col("branch_key").n_unique().alias("branches"),
    )
    dirty = per_comp.filter((pl.col("anchors") > 1) | (pl.col("usccs") > 1) | (pl.col("branches") > 1))
    forbidden_df = _pairs_frame(forbidden)
    if forbidden_df.height:
        inside = (
            forbidden_df.join(comps, left_on="rid_l", right_on="rid")
            .join(comps, left_on="rid_r", right_on="rid", suffix="_r")
            .filter(pl.col("comp") == pl.col("comp_r"))
            .select("comp")
        )
        dirty = pl.concat([dirty.select("comp"), inside]).unique()
    dirty_ids = dirty.select("comp")
    clean = comps.join(dirty_ids, on="comp", how="anti")
    clean_strong = strong.join(clean, left_on="rid_l", right_on="rid", how="semi")
    clean_scores = pl.concat(
        [
            clean_strong.select(pl.col("rid_l").alias("rid"), "match_probability"),
            clean_strong.select(pl.col("rid_r").alias("rid"), "match_probability"),
        ]
    )
    edge_count = det.join(clean, left_on="rid_l", right_on="rid", how="semi").height + clean_strong.height
    accepted, refused = edge_count, 0
    roots = clean.select("rid", pl.col("comp").alias("root"))
    if dirty_ids.height:
        members = comps.join(dirty_ids, on="comp", how="semi").select("rid")

        def within(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.join(members, left_on="rid_l", right_on="rid", how="semi")

        sub = _cluster_sequential(
            node_cols.join(members, on="rid", how="semi"),
            unchecked=pl.concat([within(anchor_edges), within(forced_df)]),
            deterministic=within(det),
            strong=within(strong),
            forbidden=forbidden_df,
        )
        roots = pl.concat([roots, sub.clusters])
        clean_scores = pl.concat([clean_scores, sub.scores.rename({"score": "match_probability"})])
        accepted += sub.accepted
        refused += sub.refused
    clusters = node_cols.select("rid").join(roots, on="rid", how="left", maintain_order="left")
    scores = clean_scores.group_by("rid").agg(pl.col("match_probability").max().alias("score"))
    return ClusterResult(clusters=clusters, accepted=accepted, refused=refused, scores=scores)


def _cluster_sequential(
    nodes: pl.DataFrame,
    *,
    unchecked: pl.DataFrame,
    deterministic: pl.DataFrame,
    strong: pl.DataFrame,
    forbidden: pl.DataFrame,
) -> ClusterResult:
    """The constrained union–find over a (small) set of nodes: unchecked unions first (same
    anchor, human matches), then deterministic edges, then model edges strongest first; a checked
    merge is refused when it would join two anchors, two valid USCCs, two branch names or a
    forbidden pair."""
    rids = nodes.get_column("rid").to_list()
    parent: dict[int, int] = {r: r for r in rids}
    size: dict[int, int] = dict.fromkeys(rids, 1)
    anchor_of: dict[int, int | None] = dict(zip(rids, nodes.get_column("anchor").to_list(), strict=True))
    uscc_of: dict[int, str | None] = dict(zip(rids, nodes.get_column("uscc").to_list(), strict=True))
    branch_of: dict[int, str] = dict(zip(rids, nodes.get_column("branch_key").to_list(), strict=True))
    cannot: dict[int, set[int]] = {}
    for a, b in forbidden.iter_rows():
        cannot.setdefault(a, set()).add(b)
        cannot.setdefault(b, set()).add(a)
    members_with_cannot: dict[int, list[int]] = {r: [r] for r in cannot if r in parent}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: int, b: int, *, check: bool) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return True
        if check:
            aa, ab = anchor_of[ra], anchor_of[rb]
            if aa is not None and ab is not None and aa != ab:
                return False
            ua, ub = uscc_of[ra], uscc_of[rb]
            if ua is not None and ub is not None and ua != ub:
                return False
            if branch_of[ra] != branch_of[rb]:
                return False
        small, big = (ra, rb) if size[ra] <= size[rb] else (rb, ra)
        for m in members_with_cannot.get(small, ()):
            for other in cannot[m]:
                if other in parent and find(other) == big:
                    return False
        parent[small] = big
        size[big] += size[small]
        if anchor_of[big] is None:
            anchor_of[big] = anchor_of[small]
        if uscc_of[big] is None:
            uscc_of[big] = uscc_of[small]
        if small in members_with_cannot:
            members_with_cannot.setdefault(big, []).extend(members_with_cannot.pop(small))
        return True

    accepted = refused = 0
    for a, b in unchecked.select("rid_l", "rid_r").iter_rows():
        union(a, b, check=False)
    for a, b in deterministic.select("rid_l", "rid_r").iter_rows():
        if union(a, b, check=True):
            accepted += 1
        else:
            refused += 1
    best: dict[int, float] = {}
    for a, b, p in strong.select("rid_l", "rid_r", "match_probability").iter_rows():
        if union(a, b, check=True):
            accepted += 1
            best[a] = max(best.get(a, 0.0), p)
            best[b] = max(best.get(b, 0.0), p)
        else:
            refused += 1
    return ClusterResult(
        clusters=pl.DataFrame(
            {"rid": rids, "root": [find(r) for r in rids]}, schema={"rid": pl.Int64, "root": pl.Int64}
        ),
        accepted=accepted,
        refused=refused,
        scores=pl.DataFrame(
            {"rid": list(best), "score": list(best.values())}, schema={"rid": pl.Int64, "score": pl.Float64}
        ),
    )


def review_candidates(
    model_edges: pl.DataFrame,
    result: ClusterResult,
    *,
    low: float,
    high: float,
    decided: set[tuple[int, int]],
) -> pl.DataFrame:
    """Pairs scored between the thresholds whose records ended in different clusters, undecided."""
    if model_edges.height == 0:
        return model_edges
    mid = model_edges.filter((pl.col("match_probability") >= low) & (pl.col("match_probability") < high))
    roots = result.clusters.select("rid", "root")
    decided_df = _pairs_frame(sorted(decided)).rename({"rid_l": "lo", "rid_r": "hi"})
    return (
        mid.with_columns(
            pl.min_horizontal("rid_l", "rid_r").alias("lo"), pl.max_horizontal("rid_l", "rid_r").alias("hi")
        )
        .join(roots.rename({"rid": "rid_l", "root": "root_l"}), on="rid_l", how="left")
        .join(roots.rename({"rid": "rid_r", "root": "root_r"}), on="rid_r", how="left")
        .filter(pl.col("root_l").ne_missing(pl.col("root_r")))
        .join(decided_df, on=["lo", "hi"], how="anti")
        .drop("lo", "hi", "root_l", "root_r")
    )


def evidence(row: dict[str, Any], model: dict[str, Any]) -> list[dict[str, Any]]:
    """Per comparison: the level reached and its match weight (positive = for, negative = against)."""
    out = []
    for comp in model.get("comparisons", []):
        name = comp.get("output_column_name")
        gamma = row.get(f"gamma_{name}")
        weight = row.get(f"mw_{name}")
        tf_weight = row.get(f"mw_tf_adj_{name}")
        label = ""
        levels = [lv for lv in comp.get("comparison_levels", [])]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        if gamma is not None and gamma >= 0:
            idx = len(non_null) - 1 - int(gamma)
            if 0 <= idx < len(non_null):
                label = str(non_null[idx].get("label_for_charts", ""))
        elif gamma == -1:
            label = "null"
        total = (weight or 0.0) + (tf_weight or 0.0)
        out.append(
            {
                "comparison": name,
                "level": label,
                "weight": None if weight is None or math.isnan(total) else round(total, 2),
                "left": row.get(f"{name}_l"),
                "right": row.get(f"{name}_r"),
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


@dataclass
class Scores:
    pairs_true: int
    pairs_predicted: int
    pairs_correct: int
    precision: float
    recall: float
    f1: float
    cluster_precision: float
    cluster_recall: float
    records: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _pairs(groups: Sequence[int]) -> int:
    return sum(n * (n - 1) // 2 for n in groups)


def evaluate(predicted: pl.DataFrame, truth: pl.DataFrame) -> Scores:
    """Pairwise precision/recall/F1 and cluster precision/recall.

    Both frames have ``key`` (a record) and ``cluster``. Cluster precision: the share of predicted
    clusters that are exactly a true cluster; cluster recall: the share of true clusters predicted
    exactly.
    """
    j = predicted.select("key", pl.col("cluster").alias("p")).join(
        truth.select("key", pl.col("cluster").alias("t")), on="key", how="inner"
    )
    p_sizes = j.group_by("p").len().get_column("len").to_list()
    t_sizes = j.group_by("t").len().get_column("len").to_list()
    both = j.group_by(["p", "t"]).len().get_column("len").to_list()
    tp, npred, ntrue = _pairs(both), _pairs(p_sizes), _pairs(t_sizes)
    precision = tp / npred if npred else 1.0
    recall = tp / ntrue if ntrue else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # exact clusters: a (p, t) cell that is the whole of p and the whole of t
    cells = j.group_by(["p", "t"]).len().rename({"len": "n"})
    cells = cells.join(j.group_by("p").len().rename({"len": "np"}), on="p").join(
        j.group_by("t").len().rename({"len": "nt"}), on="t"
    )
    exact = cells.filter((pl.col("n") == pl.col("np")) & (pl.col("n") == pl.col("nt"))).height
    n_p = len(p_sizes)
    n_t = len(t_sizes)
    return Scores(
        pairs_true=ntrue,
        pairs_predicted=npred,
        pairs_correct=tp,
        precision=precision,
        recall=recall,
        f1=f1,
        cluster_precision=exact / n_p if n_p else 1.0,
        cluster_recall=exact / n_t if n_t else 1.0,
        records=j.height,
    )
