"""A plausible past for the synthetic city: inspections, penalties and complaints per entity.

Drawn from the hidden violation propensity (``crossreg.synth.propensity``), which stays apart: the
history holds only what a platform would have recorded (an inspection's outcome, a penalty, a
justified complaint), never the propensity. Each quarter an entity is

- drawn at random (undirected, the unbiased comparison group) with probability ``random_rate``;
- inspected on a directed basis (clues, complaints, key industries) with a probability that rises
  with its propensity (targeting is imperfect but not blind);
- when inspected, found in violation with probability = its propensity; a finding leads to a
  penalty with probability ``penalty_rate`` (30 % minor, 60 % ordinary, 10 % serious);
- the subject of a justified complaint with a probability that rises with its propensity.

Pure and vectorised (numpy); deterministic in (seed, ids, today). ``crossreg.credit`` stores the rows
as credit events (source ``synth.history``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

from crossreg.synth.propensity import uniform, violation_propensity


def quarter_starts(today: dt.date, quarters: int) -> list[dt.date]:
    q0 = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    out = []
    y, m = q0.year, q0.month
    for _ in range(quarters):
        m -= 3
        if m < 1:
            m += 12
            y -= 1
        out.append(dt.date(y, m, 1))
    return sorted(out)


def history_generate(
    *,
    seed: int,
    ids: npt.ArrayLike,
    industries: npt.ArrayLike | None,
    today: dt.date,
    quarters: int = 12,
    random_rate: float = 0.06,
    directed_base: float = 0.02,
    directed_slope: float = 0.25,
    penalty_rate: float = 0.35,
) -> pl.DataFrame:
    """Columns: entity_id, kind, severity, category (random/directed), occurred_on, source_id."""
    ids_a = np.asarray(ids, dtype=np.int64)
    p = violation_propensity(seed, ids_a, industries)
    frames = []
    for qi, start in enumerate(quarter_starts(today, quarters)):
        s = 100 + qi * 10
        day = uniform(seed, ids_a, s) * 88
        when = np.datetime64(start) + day.astype("timedelta64[D]")
        rnd = uniform(seed, ids_a, s + 1) < random_rate
        directed = ~rnd & (uniform(seed, ids_a, s + 2) < directed_base + directed_slope * p)
        inspected = rnd | directed
        found = inspected & (uniform(seed, ids_a, s + 3) < p)
        u_pen = uniform(seed, ids_a, s + 4)
        penal = found & (u_pen < penalty_rate)
        u_sev = uniform(seed, ids_a, s + 5)
        complaint = uniform(seed, ids_a, s + 6) < 0.01 + 0.15 * p
        qlabel = f"{start.year}Q{(start.month - 1) // 3 + 1}"
        cat = np.where(rnd, "random", "directed")
        kind = np.where(found, "inspection_finding", "inspection_clean")
        sev = np.full(len(ids_a), "none")  # a supervision result, not a dishonesty record
        m = inspected
        frames.append(
            pl.DataFrame(
                {
                    "entity_id": ids_a[m],
                    "kind": kind[m],
                    "severity": sev[m],
                    "category": cat[m],
                    "occurred_on": when[m],
                    "source_id": [f"{qlabel}-insp-{i}" for i in ids_a[m]],
                }
            )
        )
        pen_sev = np.where(u_sev < 0.3, "minor", np.where(u_sev < 0.9, "ordinary", "serious"))
        frames.append(
            pl.DataFrame(
                {
                    "entity_id": ids_a[penal],
                    "kind": np.full(int(penal.sum()), "penalty"),
                    "severity": pen_sev[penal],
                    "category": cat[penal],
                    "occurred_on": (when + np.timedelta64(30, "D"))[penal],
                    "source_id": [f"{qlabel}-pen-{i}" for i in ids_a[penal]],
                }
            )
        )
        cwhen = np.datetime64(start) + (uniform(seed, ids_a, s + 7) * 88).astype("timedelta64[D]")
        frames.append(
            pl.DataFrame(
                {
                    "entity_id": ids_a[complaint],
                    "kind": np.full(int(complaint.sum()), "complaint_justified"),
                    "severity": np.full(int(complaint.sum()), "minor"),
                    "category": np.full(int(complaint.sum()), ""),
                    "occurred_on": cwhen[complaint],
                    "source_id": [f"{qlabel}-cmp-{i}" for i in ids_a[complaint]],
                }
            )
        )
    out = pl.concat(
        [
            f.with_columns(pl.col("occurred_on").cast(pl.Date), pl.col("entity_id").cast(pl.Int64))
            for f in frames
        ]
    )
    return out.filter(pl.col("occurred_on") < pl.lit(today)).sort(["occurred_on", "entity_id", "kind"])
