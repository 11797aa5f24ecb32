"""The synthetic city's hidden truth about behaviour: each entity's propensity to violate.

This is ground truth, kept apart like the lists' truth (docs/synthetic-city.md): no page, API or
model of the platform reads it. Generators of history (past inspections, penalties, complaints,
IoT exceedances, clues) draw from it, so that a credit model or a risk model that targets well can
be told from one that does not, and the targeting lift is a measurement, not a constant.

``violation_propensity(seed, ids)`` is the probability that an inspection of the entity in a
quarter finds a violation. It is a pure, vectorised function of the city seed and the entity's
primary key: every generator (credit history, clue signals, complaints) sees the same truth
without storing it. A small share of entities are persistent offenders (propensity 0.4–0.8); most
are clean (≈ 0.02–0.1); key industries (catering, food, chemicals) run higher.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)

#: GB/T 4754 division -> multiplier of the base propensity.
INDUSTRY_RISK: dict[str, float] = {"62": 1.8, "14": 1.5, "26": 1.6, "25": 1.4, "27": 1.3, "54": 1.2}


def _splitmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def uniform(seed: int, ids: npt.ArrayLike, stream: int = 0) -> npt.NDArray[np.float64]:
    """Deterministic U(0,1) per (seed, id, stream): the same entity always gets the same draw."""
    arr = np.asarray(ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = arr ^ _splitmix64(
            np.full(arr.shape, (seed * 1_000_003 + stream) & 0xFFFFFFFFFFFFFFFF, np.uint64)
        )
    return (_splitmix64(key) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def violation_propensity(
    seed: int, ids: npt.ArrayLike, industries: npt.ArrayLike | None = None
) -> npt.NDArray[np.float64]:
    """P(an inspection in a quarter finds a violation), per entity id (hidden truth)."""
    u = uniform(seed, ids, stream=1)
    p = 0.02 + 0.08 * u  # most entities: 2–10 %
    offender = uniform(seed, ids, stream=2) < 0.06  # 6 %: persistent offenders
    p = np.where(offender, 0.4 + 0.4 * u, p)
    if industries is not None:
        ind = np.asarray(industries, dtype=object)
        mult = np.array([INDUSTRY_RISK.get(str(i or "")[:2], 1.0) for i in ind], dtype=np.float64)
        p = np.minimum(p * mult, 0.95)
    return p
