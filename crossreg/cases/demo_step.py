"""The cases step of ``crossreg demo_setup`` (order 400), registered in ``CasesConfig.ready``."""

from __future__ import annotations

from crossreg.core.demo import DemoContext


def demo_step(ctx: DemoContext) -> str:
    from crossreg.cases.demo import cases_demo_load

    return cases_demo_load(actor=ctx.actor, seed=ctx.seed)
