"""The demo's steps, contributed by the apps that own them.

``crossreg demo_setup`` (run by ``make demo`` after ``crossreg seed``) runs every registered step in
``order``. Each app registers its step from its ``AppConfig.ready()``; core never imports a domain
app. A step must be idempotent: run again, it does nothing that is already done, and returns a
short summary for the console.

Orders in use (leave gaps): catalog 100, object base (linking) 200, sampling 300, cases 400,
credit 500, clues 600, complaints 700, exchange 800.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoContext:
    seed: int  # the seed the city was made with
    actor: str  # "system:demo"
    lists_dir: str  # where `crossreg seed` wrote the departments' lists


@dataclass(frozen=True)
class DemoStep:
    name: str  # e.g. "cases"
    order: int
    run: Callable[[DemoContext], str]  # returns a one-line summary


_STEPS: dict[str, DemoStep] = {}


def demo_step_register(step: DemoStep) -> None:
    _STEPS[step.name] = step


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))
