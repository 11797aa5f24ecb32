"""Who did it: the one way services name their actor in history rows and ledger entries.

A service's ``actor`` is a signed-in :class:`~crossreg.orgs.models.User`, a department system's
:class:`~crossreg.orgs.models.ApiToken`, or a string naming a system actor (``"system:seed"``,
``"system:inspections"``). History rows keep both the user (a foreign key, when there is one) and
a label; the ledger records the label.
"""

from __future__ import annotations

from typing import TypeAlias

from crossreg.orgs.models import ApiToken, User

#: What a service's ``actor`` may be (the ledger records users and system actors).
Actor: TypeAlias = User | str
#: Services that API tokens call directly (entities, linking) take a token too.
TokenActor: TypeAlias = User | ApiToken | str


def actor_user(actor: TokenActor | None) -> User | None:
    """The user behind ``actor``, if it is one."""
    return actor if isinstance(actor, User) else None


def actor_label(actor: TokenActor | None) -> str:
    """``user:<username>``, ``token:<prefix>`` or the system actor's own name (the ledger's form)."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    if isinstance(actor, ApiToken):
        return f"token:{actor.prefix}"
    return f"user:{actor.get_username()}"


def actor_is_system(actor: TokenActor | None) -> bool:
    return isinstance(actor, str) and actor.startswith("system:")
