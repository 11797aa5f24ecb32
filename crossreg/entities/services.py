"""Writes to the market-entity registry. Keyword-only, atomic, audited; nothing is written on refusal.

Who may write: a system actor (a string such as ``"system:seed"``), a user with role staff,
dept_admin or admin (or a superuser), or an API token with the ``entities:write`` scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, ProblemList
from crossreg.core.text import text_problem
from crossreg.entities.models import Entity, Industry
from crossreg.entities.names import normalize_name, parse_name
from crossreg.entities.uscc import uscc_check
from crossreg.orgs.models import ApiToken, Division, Domain, User

WRITER_ROLES = frozenset({User.Role.STAFF, User.Role.DEPT_ADMIN, User.Role.ADMIN})

# Fields a caller may set; the parsed name parts, name_norm and the USCC flags are derived.
EDITABLE_FIELDS = (
    "name",
    "uscc",
    "registration_no",
    "entity_type",
    "division",
    "industry",
    "address",
    "legal_rep",
    "registered_on",
    "status",
    "lat",
    "lng",
    "credit_class",
    "key_domains",
)
# Kept out of the audit payload (the ledger may be shown widely): personal data.
_PERSONAL_FIELDS = frozenset({"legal_rep", "address"})

# USCC organisation type (positions 1–2) → entity type.
_TYPE_BY_USCC = {"91": Entity.Type.ENTERPRISE, "92": Entity.Type.INDIVIDUAL, "93": Entity.Type.COOP}

Actor = User | ApiToken | str


def entity_url(entity_id: int) -> str:
    """The entity's page (served by the web app)."""
    return f"/entities/{entity_id}/"


def _actor_for_audit(actor: Actor) -> User | str:
    if isinstance(actor, ApiToken):
        return f"token:{actor.prefix}:{actor.department_id}"
    return actor


def entity_check_writer(*, actor: Actor) -> None:
    """Raise Forbidden unless ``actor`` may create or change entities."""
    if isinstance(actor, str):
        if not actor.startswith("system:"):
            raise Forbidden("system actors are named 'system:<name>'", code="forbidden")
        return
    if isinstance(actor, ApiToken):
        if "entities:write" not in (actor.scopes or []):
            raise Forbidden("this token lacks the scope entities:write", code="scope")
        return
    if not actor.is_authenticated or not actor.is_active:
        raise Forbidden("login required", code="forbidden")
    if not (actor.is_superuser or actor.role in WRITER_ROLES):
        raise Forbidden(
            f"role {actor.get_role_display()} may not change the entity registry", code="forbidden"
        )


def _resolve(data: Mapping[str, Any], problems: ProblemList, *, current: Entity | None) -> dict[str, Any]:
    """Validate and normalise the given fields; returns model values. Collects problems, never raises."""
    out: dict[str, Any] = {}

    if "name" in data:
        name = " ".join(str(data["name"] or "").split())
        bad = text_problem(name, field="name")
        if bad is not None:
            problems.problems.append(bad)
        elif not name:
            problems.add("a name is required", field="name", code="required")
        elif len(name) > 128:
            problems.add(f"name too long: {len(name)} characters, at most 128", field="name")
        else:
            out["name"] = name

    if "uscc" in data:
        raw = str(data["uscc"] or "").strip()
        if not raw:
            out["uscc"] = None
            out["uscc_orgcode_warning"] = False
        else:
            verdict = uscc_check(raw)
            if verdict.kind == "registration_no":
                problems.add(
                    f"{verdict.normalized} is a 15-digit registration number (注册号), not a USCC; "
                    "give it as registration_no",
                    field="uscc",
                    code="registration_no",
                )
            elif not verdict.valid:
                problems.add(f"invalid USCC {verdict.normalized}: {verdict.message}", field="uscc")
            else:
                out["uscc"] = verdict.normalized
                out["uscc_orgcode_warning"] = verdict.orgcode_warning
                out["_uscc_type"] = verdict.normalized[:2]

    if "registration_no" in data:
        raw = str(data["registration_no"] or "").strip()
        if raw:
            verdict = uscc_check(raw)
            if verdict.kind != "registration_no" or not verdict.valid:
                problems.add(
                    f"invalid registration number {verdict.normalized}: "
                    + (verdict.message if verdict.kind == "registration_no" else "it has 15 digits"),
                    field="registration_no",
                )
            else:
                out["registration_no"] = verdict.normalized
        else:
            out["registration_no"] = ""

    if data.get("entity_type"):
        if data["entity_type"] not in Entity.Type.values:
            problems.add(
                f"unknown entity type {data['entity_type']!r}; one of {', '.join(Entity.Type.values)}",
                field="entity_type",
            )
        else:
            out["entity_type"] = data["entity_type"]

    if "division" in data:
        div = data["division"]
        code = div.code if isinstance(div, Division) else str(div or "").strip()
        found = Division.objects.filter(code=code).first() if code else None
        if found is None:
            problems.add(
                f"unknown region code {code!r}" if code else "a region (division) is required",
                field="division",
                code="unknown" if code else "required",
            )
        else:
            out["division"] = found

    if "industry" in data:
        ind = data["industry"]
        if ind in (None, ""):
            out["industry"] = None
        else:
            code = ind.code if isinstance(ind, Industry) else str(ind).strip()
            found_ind = Industry.objects.filter(code=code).first()
            if found_ind is None:
                problems.add(
                    f"unknown industry {code!r}: give a GB/T 4754-2017 division code 01–97",
                    field="industry",
                    code="unknown",
                )
            else:
                out["industry"] = found_ind

    for fname, max_len in (("address", 200), ("legal_rep", 32)):
        if fname in data:
            value = " ".join(str(data[fname] or "").split())
            bad = text_problem(value, field=fname)
            if bad is not None:
                problems.problems.append(bad)
            elif len(value) > max_len:
                problems.add(f"too long: {len(value)} characters, at most {max_len}", field=fname)
            else:
                out[fname] = value

    if "registered_on" in data:
        value = data["registered_on"]
        if value in (None, ""):
            out["registered_on"] = None
        elif isinstance(value, dt.date):
            if value > dt.date.today():
                problems.add("registration date lies in the future", field="registered_on")
            else:
                out["registered_on"] = value
        else:
            try:
                out["registered_on"] = dt.date.fromisoformat(str(value))
            except ValueError:
                problems.add(f"not a date (YYYY-MM-DD): {value!r}", field="registered_on")

    for fname, choices in (("status", Entity.Status), ("credit_class", Entity.CreditClass)):
        if fname in data and data[fname] is not None:
            if data[fname] not in choices.values:
                problems.add(
                    f"unknown value {data[fname]!r}; one of {', '.join(choices.values)}", field=fname
                )
            else:
                out[fname] = data[fname]

    for fname, lo, hi in (("lat", -90.0, 90.0), ("lng", -180.0, 180.0)):
        if fname in data:
            value = data[fname]
            if value is None or value == "":
                out[fname] = None
            else:
                try:
                    num = float(value)
                except (TypeError, ValueError):
                    problems.add(f"not a number: {value!r}", field=fname)
                    continue
                if not lo <= num <= hi:
                    problems.add(f"out of range {lo}…{hi}: {num}", field=fname)
                else:
                    out[fname] = num

    if "key_domains" in data:
        codes = [d.code if isinstance(d, Domain) else str(d) for d in (data["key_domains"] or [])]
        found_domains = list(Domain.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {d.code for d in found_domains})
        if missing:
            problems.add(f"unknown domain(s): {', '.join(missing)}", field="key_domains", code="unknown")
        else:
            out["key_domains"] = found_domains

    # Entity type: inferred from the USCC when not given, and must agree with it when both are.
    uscc_type = out.pop("_uscc_type", None)
    if uscc_type is None and current is not None and current.uscc and "uscc" not in out:
        uscc_type = current.uscc[:2]
    implied = _TYPE_BY_USCC.get(uscc_type) if uscc_type else None
    effective = out.get("entity_type") or (current.entity_type if current is not None else "")
    if implied is not None and effective and effective != implied:
        problems.add(
            f"entity type {effective} contradicts the USCC, whose positions 1–2 ({uscc_type}) "
            f"mean {Entity.Type(implied).label}",
            field="entity_type",
            code="mismatch",
        )
    elif not effective:
        if implied is not None:
            out["entity_type"] = implied
        elif uscc_type is not None:
            out["entity_type"] = Entity.Type.OTHER
        elif not {"entity_type", "uscc"} & problems_fields(problems):
            problems.add("an entity type is required (or a USCC to infer it from)", field="entity_type")
    return out


def problems_fields(problems: ProblemList) -> set[str | None]:
    return {p.field for p in problems.problems}


def _apply_name(entity: Entity, name: str) -> None:
    parts = parse_name(name)
    entity.name = name
    entity.name_norm = normalize_name(name)[:128]
    entity.name_region = parts.region[:32]
    entity.trade_name = parts.trade_name[:32]
    entity.industry_words = parts.industry_words[:32]
    entity.org_form = parts.org_form[:32]
    entity.branch = parts.branch[:32]


def _check_duplicate(uscc: str | None, *, exclude: int | None) -> None:
    if not uscc:
        return
    qs = Entity.objects.filter(uscc=uscc)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    existing = qs.only("pk", "name").first()
    if existing is not None:
        raise Conflict(
            f"USCC {uscc} is already registered to {existing.name} (#{existing.pk})",
            field="uscc",
            code="duplicate",
            link=entity_url(existing.pk),
        )


def _save(entity: Entity) -> None:
    """Save; a concurrent duplicate USCC (unique constraint) becomes the same Conflict."""
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:
        _check_duplicate(entity.uscc, exclude=entity.pk)
        raise


def _audit_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in _PERSONAL_FIELDS:
            out[key] = "(changed)" if value else ""
        elif isinstance(value, Division | Industry):
            out[key] = value.pk
        elif key == "key_domains":
            out[key] = sorted(d.code for d in value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


@transaction.atomic
def entity_create(
    *,
    actor: Actor,
    name: str,
    division: Division | str,
    entity_type: str = "",
    uscc: str | None = None,
    registration_no: str = "",
    industry: Industry | str | None = None,
    address: str = "",
    legal_rep: str = "",
    registered_on: dt.date | str | None = None,
    status: str = Entity.Status.ACTIVE,
    lat: float | None = None,
    lng: float | None = None,
    credit_class: str = Entity.CreditClass.B,
    key_domains: Iterable[Domain | str] = (),
) -> Entity:
    """Register a market entity.

    The USCC is normalised and validated (field ``uscc``); a duplicate is refused with a link to the
    existing entity; an unknown region code is refused (field ``division``). Without a USCC the
    entity is registered and shows as missing one. The name parts and ``name_norm`` are derived.
    """
    entity_check_writer(actor=actor)
    data = {
        "name": name,
        "division": division,
        "entity_type": entity_type,
        "uscc": uscc,
        "registration_no": registration_no,
        "industry": industry,
        "address": address,
        "legal_rep": legal_rep,
        "registered_on": registered_on,
        "status": status,
        "lat": lat,
        "lng": lng,
        "credit_class": credit_class,
        "key_domains": list(key_domains),
    }
    problems = ProblemList()
    values = _resolve(data, problems, current=None)
    problems.raise_if_any()
    _check_duplicate(values.get("uscc"), exclude=None)

    domains = values.pop("key_domains", [])
    entity = Entity(**{k: v for k, v in values.items() if k != "name"})
    _apply_name(entity, values["name"])
    _save(entity)
    if domains:
        entity.key_domains.set(domains)
    audit_record(
        actor=_actor_for_audit(actor),
        action="entity.create",
        subject_type="entity",
        subject_id=entity.pk,
        payload=_audit_payload({**values, "key_domains": domains, "uscc_missing": not entity.uscc}),
    )
    return entity


@transaction.atomic
def entity_update(*, actor: Actor, entity: Entity | int, data: Mapping[str, Any]) -> Entity:
    """Change some fields of an entity (keys of ``data`` from :data:`EDITABLE_FIELDS`).

    Same checks as :func:`entity_create`; the row is locked while it changes; an audit entry lists
    the changed fields (personal data only as "changed").
    """
    entity_check_writer(actor=actor)
    pk = entity if isinstance(entity, int) else entity.pk
    locked = Entity.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        from crossreg.entities.selectors import EntityNotFound

        raise EntityNotFound(f"no entity #{pk}", code="not_found")
    problems = ProblemList()
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    for key in unknown:
        problems.add(f"field {key} cannot be changed", field=key, code="read_only")
    values = _resolve({k: v for k, v in data.items() if k in EDITABLE_FIELDS}, problems, current=locked)
    problems.raise_if_any()
    if "uscc" in values:
        _check_duplicate(values["uscc"], exclude=locked.pk)

    domains = values.pop("key_domains", None)
    changed: dict[str, Any] = {}
    for key, value in values.items():
        old = getattr(locked, key)
        if old != value:
            changed[key] = value
            if key == "name":
                _apply_name(locked, value)
            else:
                setattr(locked, key, value)
    if domains is not None:
        old_codes = set(locked.key_domains.values_list("code", flat=True))
        if old_codes != {d.code for d in domains}:
            changed["key_domains"] = domains
    if not changed:
        return locked
    _save(locked)
    if domains is not None and "key_domains" in changed:
        locked.key_domains.set(domains)
    audit_record(
        actor=_actor_for_audit(actor),
        action="entity.update",
        subject_type="entity",
        subject_id=locked.pk,
        payload={"changed": sorted(changed), "values": _audit_payload(changed)},
    )
    return locked
