"""Sampling API: plans (scoped to the caller's department), draw, period report and pooling."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema

from crossreg.core.errors import Forbidden, NotFound
from crossreg.orgs.models import User
from crossreg.sampling import selectors, services
from crossreg.sampling.models import SamplingPlan

router = Router(tags=["sampling"])


class PlanOut(Schema):
    code: str
    name: str
    department: str
    kind: str
    period: str
    status: str
    pool_root: str
    pool_size: int
    rules: dict[str, Any]
    seed_source: str
    seed_due: str
    seed: str | None
    algorithm: str
    published_at: str | None
    drawn_at: str | None
    selected: int


class DrawIn(Schema):
    seed: str


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden(_("抽查接口需要以个人身份登录"), code="forbidden")
    return user


def _plan(request: HttpRequest, code: str) -> SamplingPlan:
    plan = selectors.plan_visible_list(user=_user(request)).filter(code=code).first()
    if plan is None:
        raise NotFound(_("没有该抽查计划"), field="code")
    return plan


@router.get("/plans", response=list[PlanOut])
def plans(request: HttpRequest, period: str = "") -> list[dict[str, Any]]:
    qs = selectors.plan_visible_list(user=_user(request)).order_by("code")
    if period:
        qs = qs.filter(period=period)
    return [selectors.plan_summary(p) for p in qs[:500]]


@router.get("/plans/{code}", response=PlanOut)
def plan(request: HttpRequest, code: str) -> dict[str, Any]:
    return selectors.plan_summary(_plan(request, code))


@router.get("/plans/{code}/bundle")
def bundle(request: HttpRequest, code: str) -> dict[str, object]:
    return services.plan_bundle(_plan(request, code))


@router.post("/plans/{code}/publish", response=PlanOut)
def publish(request: HttpRequest, code: str) -> dict[str, Any]:
    return selectors.plan_summary(services.plan_publish(actor=_user(request), plan=_plan(request, code)))


@router.post("/plans/{code}/draw", response=PlanOut)
def draw(request: HttpRequest, code: str, body: DrawIn) -> dict[str, Any]:
    return selectors.plan_summary(
        services.plan_draw(actor=_user(request), plan=_plan(request, code), seed=body.seed)
    )


# A period code as the plans store it (at most 16 characters, e.g. 2026Q4); longer ones answer 422
# (a refused pooling run records its period, which a longer code did not fit: a 500 on PostgreSQL).
PERIOD = Path(..., min_length=1, max_length=16, description="抽查周期, e.g. 2026Q4.")


@router.get("/periods/{period}/report")
def report(request: HttpRequest, period: str = PERIOD) -> dict[str, Any]:
    _user(request)
    return services.period_report(period=period)


@router.post("/periods/{period}/pool")
def pool(request: HttpRequest, period: str = PERIOD) -> dict[str, Any]:
    run = services.period_pool(actor=_user(request), period=period)
    return run.report
