"""Who may do what, for which department: one table, checked on the server.

A capability is granted by role; most are scoped to the user's own department (a county bureau's
staff act for that bureau only). Leaders, the big-data bureau and system administrators see every
department; only administrators act for any department.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from crossreg.orgs.models import ApiToken, Department, User


class Capability(StrEnum):
    VIEW_REGISTRY = "view_registry"  # search and read market entities
    EDIT_ENTITY = "edit_entity"  # create/correct registry entries
    VIEW_DEPARTMENT_DATA = "view_department_data"  # a department's lists, plans, inspections
    MANAGE_DEPARTMENT = "manage_department"  # officers, users, tokens of the department
    INSPECT = "inspect"  # field inspection tasks
    CONVENE_REVIEW = "convene_review"  # approval bureau: catalog joint review, change requests
    LEGALITY_REVIEW = "legality_review"  # justice bureau: legality review
    VIEW_ALL = "view_all"  # see every department's data (leaders, big data)
    # --- the back half (cases, credit, clues, complaints, exchange) ---
    HANDLE_CASES = "handle_cases"  # register sources, investigate, draft documents (staff, officers)
    DECIDE_CASES = "decide_cases"  # department head: filing approval, decisions, extensions
    CASE_LEGAL_REVIEW = "case_legal_review"  # 法制审核 of the department's major decisions (Art. 58)
    CREDIT_REVIEW = "credit_review"  # development-and-reform commission: credit models, repair policy
    HANDLE_CLUES = "handle_clues"  # a department's clue inbox, remote handling
    HANDLE_COMPLAINTS = "handle_complaints"  # intake, routing, handling of complaints and reports
    APPROVE_REWARDS = "approve_rewards"  # finance approval of report rewards
    AUDIT_DRAWS = "audit_draws"  # discipline inspection / audit: auditor bundles of draws
    # --- arranging the department's own work ---
    MANAGE_INSPECTIONS = "manage_inspections"  # plan and draw, create/cancel/publish inspection tasks


_R = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "staff": frozenset(
        {
            _R.VIEW_REGISTRY,
            _R.EDIT_ENTITY,
            _R.VIEW_DEPARTMENT_DATA,
            _R.HANDLE_CASES,
            _R.HANDLE_CLUES,
            _R.HANDLE_COMPLAINTS,
            _R.MANAGE_INSPECTIONS,
        }
    ),
    "dept_admin": frozenset(
        {
            _R.VIEW_REGISTRY,
            _R.EDIT_ENTITY,
            _R.VIEW_DEPARTMENT_DATA,
            _R.MANAGE_DEPARTMENT,
            _R.MANAGE_INSPECTIONS,
        }
    ),
    "officer": frozenset(
        {_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.INSPECT, _R.HANDLE_CASES, _R.HANDLE_CLUES}
    ),
    "dept_head": frozenset(
        {
            _R.VIEW_REGISTRY,
            _R.VIEW_DEPARTMENT_DATA,
            _R.HANDLE_CASES,
            _R.DECIDE_CASES,
            _R.HANDLE_CLUES,
            _R.HANDLE_COMPLAINTS,
        }
    ),
    "legal": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.CASE_LEGAL_REVIEW}),
    "credit": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.CREDIT_REVIEW}),
    "hotline": frozenset({_R.VIEW_REGISTRY, _R.HANDLE_COMPLAINTS}),
    "finance": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.APPROVE_REWARDS}),
    "auditor": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.AUDIT_DRAWS}),
    "approval": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.CONVENE_REVIEW}),
    "justice": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.LEGALITY_REVIEW}),
    "bigdata": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.VIEW_ALL}),
    "leader": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.VIEW_ALL}),
    "admin": frozenset(Capability),
}


def user_can(user: User | None, capability: Capability, department: Department | None = None) -> bool:
    """True if ``user`` holds ``capability`` for ``department`` (or at all, when none is given)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    caps = ROLE_CAPABILITIES.get(user.role, frozenset())
    if capability not in caps:
        return False
    if department is None:
        return True
    if user.role == "admin":
        return True
    if (
        capability in {Capability.VIEW_DEPARTMENT_DATA, Capability.VIEW_REGISTRY}
        and Capability.VIEW_ALL in caps
    ):
        return True
    return user.department_id is not None and user.department_id == department.pk


# --- who is asking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who asks: a signed-in user, a department's system with an API token, or the public.

    Every selector's ``visible_to(principal)`` and every capability check takes one of these; build
    it once per request with :meth:`of`. ``department_id`` is the department whose data the principal
    acts for (``None`` for the public and for users without a department).
    """

    kind: Literal["user", "token", "anonymous"]
    user: User | None = None
    token: ApiToken | None = None
    department_id: str | None = None
    role: str | None = None
    caps: frozenset[Capability] = frozenset()
    sees_all: bool = False

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def anonymous(cls) -> Principal:
        return cls(kind="anonymous")

    @classmethod
    def from_user(cls, user: User | AnonymousUser | None) -> Principal:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls.anonymous()
        real = cast("User", user)
        caps = frozenset(Capability) if real.is_superuser else ROLE_CAPABILITIES.get(real.role, frozenset())
        return cls(
            kind="user",
            user=real,
            department_id=real.department_id,
            role=real.role,
            caps=caps,
            sees_all=real.sees_all_departments,
        )

    @classmethod
    def from_token(cls, token: ApiToken) -> Principal:
        """A department's system reads its own department's data (its scopes say which API parts)."""
        caps = frozenset({Capability.VIEW_REGISTRY, Capability.VIEW_DEPARTMENT_DATA})
        return cls(kind="token", token=token, department_id=token.department_id, caps=caps)

    @classmethod
    def of(cls, who: object) -> Principal:
        """From a request (``request.auth`` for the API, else ``request.user``), a user, a token,
        a Principal or ``None``."""
        from crossreg.orgs.models import ApiToken
        from crossreg.orgs.models import User as UserModel

        if isinstance(who, Principal):
            return who
        if isinstance(who, ApiToken):
            return cls.from_token(who)
        if isinstance(who, UserModel):
            return cls.from_user(who)
        if who is None:
            return cls.anonymous()
        auth = getattr(who, "auth", None)  # an HttpRequest through ninja
        if isinstance(auth, ApiToken | UserModel):
            return cls.of(auth)
        user = getattr(who, "user", None)
        if user is not None:
            return cls.from_user(user)
        return cls.anonymous()

    # -- questions -----------------------------------------------------------------------------
    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and (self.user.is_superuser or self.role == "admin")

    def has(self, capability: Capability) -> bool:
        """Holds ``capability`` for some department (its own, or all)."""
        return capability in self.caps

    def can(self, capability: Capability, department_id: str | None = None) -> bool:
        """Holds ``capability`` for ``department_id`` (or at all, when none is given)."""
        if capability not in self.caps:
            return False
        if department_id is None or self.is_admin:
            return True
        if self.sees_all and capability in {Capability.VIEW_DEPARTMENT_DATA, Capability.VIEW_REGISTRY}:
            return True
        return self.department_id is not None and self.department_id == department_id

    def reads_department(self, department_id: str | None) -> bool:
        """May read the data of ``department_id`` (its own, or every department's)."""
        return self.can(Capability.VIEW_DEPARTMENT_DATA, department_id) if department_id else self.sees_all

    @property
    def label(self) -> str:
        """The actor label used in the ledger and in history lines."""
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        if self.token is not None:
            return f"token:{self.token.prefix}"
        return "anonymous"
