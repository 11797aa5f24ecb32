"""Ledger subjects as a contract each domain app fulfils.

Every ledger entry names a subject (``subject_type``, ``subject_id``). The app that owns the noun —
``catalog`` owns ``item_version``, ``inspections`` owns ``task``, ``cases`` owns ``case`` … —
registers its subject types here from its ``AppConfig.ready()``::

    from crossreg.core.subjects import SubjectType, subject_type_register

    class CasesConfig(AppConfig):
        def ready(self) -> None:
            from crossreg.cases import selectors
            subject_type_register(
                SubjectType(
                    name="case",
                    label=_("案件"),
                    visible=selectors.case_subject_visible,   # (principal, subject_id) -> bool
                    public=selectors.case_subject_public,     # (subject_id) -> bool (published)
                    url=selectors.case_subject_url,           # (subject_id) -> str | None
                    display=selectors.case_subject_display,   # (subject_id) -> str
                )
            )

The ledger imports only ``core`` and ``orgs`` and asks this registry who may read a record, what
to call it and where its page is; it never imports a domain app. Because the app's pages, API and
the ledger all answer from the same ``visible`` rule (which should be built on the app's own
``QuerySet.visible_to(principal)``), they cannot disagree.

A higher app may widen who reads a lower app's subject without the lower app knowing it: the
object base (``linking``) lets the departments that supervise an entity read the entity's record,
inspections the departments and officers of its tasks — ``subject_grant_register("entity", fn)``
from their ``ready()``. A grant only adds readers; ``readable_by`` is the one rule.

A subject id appears in URLs as it is (ledger URLs use ``<path:subject_id>``, so ids such as
``JG-CGJ-001/v2`` work); ``url_id``/``from_url_id`` let a type choose another form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crossreg.core.errors import NotFound

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from crossreg.orgs.permissions import Principal


def _never(subject_id: str) -> bool:
    return False


def _no_url(subject_id: str) -> str | None:
    return None


def _as_is(subject_id: str) -> str:
    return subject_id


@dataclass(frozen=True)
class SubjectType:
    """How the ledger treats one kind of subject. Registered once, by the app that owns it."""

    name: str  # the ledger's ``subject_type``, e.g. "case" (≤ 32 characters)
    label: str | Promise  # what people read, e.g. _("案件")
    # May this principal read the subject's record? Must answer False (not raise) for an unknown id.
    visible: Callable[[Principal, str], bool]
    # Is the subject published, so that anyone (anonymous included) may read its record?
    public: Callable[[str], bool] = field(default=_never)
    # The subject's own page, if it has one.
    url: Callable[[str], str | None] = field(default=_no_url)
    # A short human name for the subject (e.g. the case number), for timelines and search.
    display: Callable[[str], str] = field(default=_as_is)
    # How the id is written in a URL path segment, and back.
    url_id: Callable[[str], str] = field(default=_as_is)
    from_url_id: Callable[[str], str] = field(default=_as_is)

    def readable_by(self, principal: Principal, subject_id: str) -> bool:
        """The one rule: published subjects are readable by anyone, others by ``visible`` or a
        grant registered by a higher app (:func:`subject_grant_register`)."""
        if self.public(subject_id) or self.visible(principal, subject_id):
            return True
        return any(grant(principal, subject_id) for grant in _GRANTS.get(self.name, ()))


_REGISTRY: dict[str, SubjectType] = {}
_GRANTS: dict[str, list[Callable[[Principal, str], bool]]] = {}


def subject_grant_register(name: str, visible: Callable[[Principal, str], bool]) -> None:
    """Let a higher app add readers of subject type ``name`` (registered by a lower app)."""
    grants = _GRANTS.setdefault(name, [])
    if visible not in grants:
        grants.append(visible)


def subject_type_register(subject_type: SubjectType) -> None:
    """Register ``subject_type``; registering the same name twice with another definition fails."""
    if len(subject_type.name) > 32 or not subject_type.name:
        raise ValueError(f"subject type name must be 1–32 characters: {subject_type.name!r}")
    existing = _REGISTRY.get(subject_type.name)
    if existing is not None and existing != subject_type:
        raise ValueError(f"subject type {subject_type.name!r} is already registered by another app")
    _REGISTRY[subject_type.name] = subject_type


def subject_type_get(name: str) -> SubjectType:
    """The registered type, or ``NotFound`` (the same answer as for a subject one may not read)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NotFound(f"unknown subject type {name!r}", field="subject_type") from None


def subject_types() -> list[SubjectType]:
    return sorted(_REGISTRY.values(), key=lambda t: t.name)


def subject_readable(*, principal: Principal, subject_type: str, subject_id: str) -> bool:
    """May ``principal`` read the record of this subject? False for unknown types."""
    st = _REGISTRY.get(subject_type)
    return st is not None and st.readable_by(principal, str(subject_id))
