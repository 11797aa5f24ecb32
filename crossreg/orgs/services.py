"""Writes to organisations. Every function is keyword-only, atomic and audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Invalid
from crossreg.orgs.models import ApiToken, Department, User

KNOWN_SCOPES = frozenset({"entities:read", "entities:write", "ledger:read", "lists:push", "complaints:push"})


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, actor: User, name: str, department: Department, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; returns it with the secret, which is never stored and cannot be shown again."""
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise Invalid(
            f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_SCOPES))}",
            field="scopes",
        )
    if not name.strip():
        raise Invalid("a token needs a name", field="name")
    secret = "crg_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        department=department,
        prefix=secret[:12],
        secret_sha256=token_hash(secret),
        scopes=sorted(set(scopes)),
        created_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.issue",
        subject_type="api_token",
        subject_id=token.pk,
        payload={"name": token.name, "department": department.code, "scopes": token.scopes},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            subject_type="api_token",
            subject_id=token.pk,
            payload={"name": token.name},
        )
    return token


@transaction.atomic
def user_password_set(*, actor: User, user: User, password: str | None, via: str) -> User:
    """Set ``user``'s password (``None``: disable password sign-in) and record who did it.

    The record names the actor, the user and the channel (``via``: ``admin``…); never the password
    or its hash. ``user`` is updated in place, so a caller's session hash can follow it.
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action="user.password_set" if password is not None else "user.password_disable",
        subject_type="user",
        subject_id=user.pk,
        payload={"username": user.username, "via": via, "self": actor.pk == user.pk},
    )
    return user
