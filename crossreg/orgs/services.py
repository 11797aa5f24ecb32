"""Writes to organisations. Every function is keyword-only, atomic and audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Invalid
from crossreg.orgs.models import ApiToken, DataAccess, Department, User

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


# -- the read audit (who looked at which company's or person's personal data; every export) -----
def _access_context(who: object) -> dict[str, Any]:
    from crossreg.orgs.permissions import Principal

    principal = Principal.of(who)
    ctx: dict[str, Any] = {
        "actor": principal.label,
        "user": principal.user,
        "department_id": principal.department_id,
    }
    request = who if hasattr(who, "META") else None
    if request is not None:
        meta = request.META
        ctx["ip"] = meta.get("REMOTE_ADDR") or None
        ctx["request_id"] = str(getattr(request, "request_id", "") or meta.get("HTTP_X_REQUEST_ID", ""))[:64]
    return ctx


def data_access_record(
    *,
    who: object,
    subject_type: str,
    subject_ids: Sequence[str | int] | str | int,
    what: str,
    fields: Sequence[str] = (),
) -> int:
    """Record that ``who`` (a request — preferred, it gives the address and request id — a user, a
    token or a Principal) was shown the personal data ``fields`` of these subjects (``"entity"`` ids,
    or ``"person"`` ids) on ``what`` (the page or API, e.g. ``"entities.detail"``). One row per
    subject, one INSERT for all. Returns the number of rows. Call it where the data is rendered
    unmasked; the public (anonymous) sees masked data only and is not recorded."""
    ctx = _access_context(who)
    if ctx["actor"] == "anonymous":
        return 0
    ids = [subject_ids] if isinstance(subject_ids, str | int) else list(subject_ids)
    now = timezone.now()
    DataAccess.objects.bulk_create(
        [
            DataAccess(
                at=now,
                kind=DataAccess.Kind.READ,
                subject_type=subject_type,
                subject_id=str(i)[:64],
                what=what[:64],
                fields=list(fields),
                **ctx,
            )
            for i in ids
        ]
    )
    return len(ids)


def data_export_record(
    *,
    who: object,
    what: str,
    rows: int,
    subject_type: str = "export",
    subject_id: str = "",
    fields: Sequence[str] = (),
) -> DataAccess:
    """Record one export (a CSV/XLSX/JSON download of records): who, what, how many rows, which
    personal fields it carried. Every export is recorded, whether or not it holds personal data."""
    return DataAccess.objects.create(
        kind=DataAccess.Kind.EXPORT,
        subject_type=subject_type,
        subject_id=str(subject_id)[:64],
        what=what[:64],
        rows=rows,
        fields=list(fields),
        **_access_context(who),
    )
