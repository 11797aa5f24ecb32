"""The demo's clue step (order 600): devices, rules, a generated signal history, outcomes."""

from __future__ import annotations

from crossreg.core.demo import DemoContext


def demo_step(ctx: DemoContext) -> str:
    from crossreg.clues.demo import demo_build

    return demo_build(seed=ctx.seed, actor=ctx.actor)
