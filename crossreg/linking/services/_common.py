"""Shared helpers of the linking services: actors, thresholds, permission checks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from crossreg.core.errors import Forbidden
from crossreg.linking import engine
from crossreg.orgs.models import Department, User
from crossreg.orgs.permissions import Capability, user_can

Actor = User | str


RECORD_STD_FIELDS = (
    "uscc_raw",
    "uscc_norm",
    "uscc",
    "uscc_valid",
    "registration_no",
    "orgcode",
    "name",
    "name_norm",
    "name_region",
    "trade_name",
    "industry_words",
    "org_form",
    "branch",
    "division_code",
    "county",
    "address",
    "address_core",
    "legal_rep",
    "phone",
)


def thresholds() -> tuple[float, float]:
    """(auto-link threshold, review threshold) on the match probability: configuration, with defaults."""
    conf = getattr(settings, "CROSSREG", {})
    return (
        float(conf.get("LINKING_THRESHOLD_MATCH", engine.DEFAULT_THRESHOLD_MATCH)),
        float(conf.get("LINKING_THRESHOLD_REVIEW", engine.DEFAULT_THRESHOLD_REVIEW)),
    )


def _var_dir() -> Path:
    path = Path(getattr(settings, "VAR_DIR", "var")) / "linking"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _check_import_permission(actor: Actor, department: Department) -> None:
    if isinstance(actor, str):
        return  # a system actor (command line, API token checked by the caller)
    if not user_can(actor, Capability.EDIT_ENTITY, department):
        raise Forbidden(
            f"you may not import lists for {department.name}", field="department", code="forbidden"
        )


def can_review(user: Any) -> bool:
    """Clerical review is the big-data bureau's (数据标准) and the administrators' work."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in (User.Role.BIGDATA, User.Role.ADMIN))


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
