"""Sampling's step of ``crossreg demo_setup`` (registered in ``SamplingConfig.ready``)."""

from __future__ import annotations

from crossreg.core.demo import DemoContext


def demo_step(ctx: DemoContext) -> str:
    from crossreg.sampling.demo import sampling_demo_load

    report = sampling_demo_load(actor=ctx.actor, seed=ctx.seed)
    summary = report if isinstance(report, dict) else getattr(report, "__dict__", report)
    return str(summary)
