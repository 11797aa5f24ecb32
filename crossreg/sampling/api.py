"""Sampling API: plans (scoped to the caller's department), draw, period report and pooling."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

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
    source: str
    source_reason: str
    seed_source: str
    seed_due: str
    seed_due_at: str | None
    seed: str | None
    seed_reference: str | None
    algorithm: str
    published_at: str | None
    drawn_at: str | None
    selected: int


class DrawIn(Schema):
    seed: str
    seed_reference: str = Field(
        "", description="Where anyone can check the seed (the announcement's URL or issue number). Required."
    )


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
    """The public bundle (no entity's credit class): docs/draw-verification.md."""
    return services.plan_bundle(_plan(request, code))


@router.get("/plans/{code}/auditor-bundle")
def auditor_bundle(request: HttpRequest, code: str) -> dict[str, object]:
    """The full assignment (every pooled entity's class), for discipline inspection and audit only
    (``audit_draws``); each download is recorded."""
    user = _user(request)
    if not selectors.can_audit_draws(user):
        raise Forbidden(_("只有纪检监察、审计人员可以下载完整分层（审计验证包）"), code="forbidden")
    plan = selectors.plan_for_auditor(user=user, code=code)
    if plan is None:
        raise NotFound(_("没有该抽查计划"), field="code")
    return services.plan_auditor_bundle_read(actor=user, plan=plan)


@router.post("/plans/{code}/publish", response=PlanOut)
def publish(request: HttpRequest, code: str) -> dict[str, Any]:
    return selectors.plan_summary(services.plan_publish(actor=_user(request), plan=_plan(request, code)))


@router.post("/plans/{code}/draw", response=PlanOut)
def draw(request: HttpRequest, code: str, body: DrawIn) -> dict[str, Any]:
    return selectors.plan_summary(
        services.plan_draw(
            actor=_user(request),
            plan=_plan(request, code),
            seed=body.seed,
            seed_reference=body.seed_reference,
        )
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
