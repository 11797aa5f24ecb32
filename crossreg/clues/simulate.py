"""Realistic HJ 212 streams for the demo city's monitored sites (pure: no Django, no broker).

Each device emits one packet per step (CN 2051 minute data by default, 2061 hourly) with COD
(w01018) and ammonia nitrogen (w21003). Behaviour comes from the synthetic city's hidden truth
(:mod:`crossreg.synth.propensity`): the chance that a site starts an exceedance episode in an hour
grows with its entity's violation propensity, times a per-device noise factor, plus a base rate of
false alarms unrelated to it (sensor drift, spikes too short to count). Outages (no data, or
stopped / fault flags), maintenance and calibration windows, and a share of corrupted packets (bad
CRC, truncated, unknown command) are mixed in. Everything is a function of the seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from crossreg.clues.hj212 import packet_build, packet_frame
from crossreg.synth.propensity import uniform, violation_propensity

COD_LIMIT = 50.0  # GB 8978 class-1 COD limit, mg/L (the rule's default)
NH3_LIMIT = 8.0


@dataclass(frozen=True)
class SimDevice:
    mn: str
    entity_id: int
    industry: str = ""


@dataclass(frozen=True)
class SimConfig:
    seed: int = 20260101
    start: dt.datetime = dt.datetime(2026, 3, 10, 8, 0)  # device local time
    steps: int = 120
    step_minutes: int = 1
    cn: str = "2051"
    episode_rate: float = 0.6  # per hour, at propensity 1 (times the device's noise)
    false_alarm_rate: float = 0.01  # per hour, independent of propensity (sustained)
    spike_rate: float = 0.05  # per hour, short spikes that never make a sustained exceedance
    outage_rate: float = 0.01  # per hour
    bad_packet_share: float = 0.003
    force_exceed: frozenset[str] = frozenset()  # devices made to exceed from step 10 (tests, demo)


def device_rates(cfg: SimConfig, devices: Sequence[SimDevice]) -> np.ndarray:
    """Per device: the hourly chance of starting an exceedance episode (hidden truth + noise)."""
    ids = np.array([d.entity_id for d in devices], dtype=np.uint64)
    p = violation_propensity(cfg.seed, ids, [d.industry for d in devices])
    noise = np.exp(0.5 * (uniform(cfg.seed, ids, stream=41) - 0.5) * 2)  # ×0.6 … ×1.6
    return np.clip(cfg.episode_rate * p * noise + cfg.false_alarm_rate, 0, 1)


def stream(cfg: SimConfig, devices: Sequence[SimDevice]) -> Iterator[tuple[str, str]]:
    """Yield (MN, packet) in time order, device by device within a step."""
    rates = device_rates(cfg, devices)
    per_step = cfg.step_minutes / 60.0
    rng = np.random.default_rng(cfg.seed)
    n = len(devices)
    episode_left = np.zeros(n, dtype=np.int64)
    outage_left = np.zeros(n, dtype=np.int64)
    spike_left = np.zeros(n, dtype=np.int64)
    maint_left = np.zeros(n, dtype=np.int64)
    base = rng.uniform(0.35, 0.7, n) * COD_LIMIT
    forced = np.array([d.mn in cfg.force_exceed for d in devices])
    steps_per_hour = max(1, 60 // cfg.step_minutes)
    for step in range(cfg.steps):
        when = cfg.start + dt.timedelta(minutes=step * cfg.step_minutes)
        u = rng.random((6, n))
        start_ep = (episode_left == 0) & (u[0] < rates * per_step)
        episode_left[start_ep] = rng.integers(
            max(2, 35 // cfg.step_minutes), max(3, 120 // cfg.step_minutes), start_ep.sum()
        )
        if step == 10:
            episode_left[forced] = max(40 // cfg.step_minutes, 3)
        start_spike = (spike_left == 0) & (u[1] < cfg.spike_rate * per_step)
        spike_left[start_spike] = rng.integers(1, max(2, 10 // cfg.step_minutes), start_spike.sum())
        start_out = (outage_left == 0) & (u[2] < cfg.outage_rate * per_step) & ~forced
        outage_left[start_out] = rng.integers(
            max(1, 30 // cfg.step_minutes), max(2, 120 // cfg.step_minutes), start_out.sum()
        )
        start_maint = (
            (maint_left == 0) & (u[3] < 0.004 * per_step * steps_per_hour / steps_per_hour) & ~forced
        )
        maint_left[start_maint] = max(1, 20 // cfg.step_minutes)
        cod = base * rng.normal(1.0, 0.08, n)
        cod = np.where(episode_left > 0, COD_LIMIT * rng.uniform(1.2, 2.2, n), cod)
        cod = np.where(spike_left > 0, COD_LIMIT * rng.uniform(1.1, 1.6, n), cod)
        nh3 = NH3_LIMIT * rng.uniform(0.2, 0.6, n)
        for i, dev in enumerate(devices):
            if outage_left[i] > 0:
                if u[4, i] < 0.5:
                    continue  # no data at all
                flag = "F" if u[5, i] < 0.5 else "D"
            elif maint_left[i] > 0:
                flag = "M" if u[5, i] < 0.6 else "C"
            else:
                flag = "N"
            packet = packet_build(
                mn=dev.mn,
                cn=cfg.cn,
                data_time=when,
                values=[("w01018", round(float(cod[i]), 2), flag), ("w21003", round(float(nh3[i]), 3), flag)],
                qn=when.strftime("%Y%m%d%H%M%S") + f"{i % 1000:03d}",
            )
            if u[4, i] < cfg.bad_packet_share and not forced[i]:
                packet = _corrupt(packet, int(u[5, i] * 3))
            yield dev.mn, packet
        episode_left[episode_left > 0] -= 1
        spike_left[spike_left > 0] -= 1
        outage_left[outage_left > 0] -= 1
        maint_left[maint_left > 0] -= 1


def _corrupt(packet: str, kind: int) -> str:
    if kind == 0:  # a flipped digit: bad CRC
        return packet.replace("w01018-", "w01019-", 1)
    if kind == 1:  # cut short
        return packet[: len(packet) // 2]
    seg = (
        packet[6:-6].replace("CN=2051", "CN=9014").replace("CN=2061", "CN=9014").replace("CN=2011", "CN=9014")
    )
    return packet_frame(seg)  # framed right, an unknown command
