"""Reads of the market-entity registry, scoped to the caller.

Who sees what: a logged-in user of a department (or one who sees all departments) sees the whole
registry; an API token needs the scope ``entities:read``; anyone else sees nothing. Personal data
(the operator of an individual business) is masked unless the caller is a logged-in department user.

Search: by USCC or registration number (normalised), by exact name (on ``name_norm``) and by fuzzy
name — pg_trgm on the name's core with a GIN index on PostgreSQL (see ``_fuzzy_postgres`` and
docs/entity-search.md), candidates by trade name and bigrams ranked with difflib elsewhere (SQLite).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal, get_args

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, connections, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from crossreg.core.errors import NotFound
from crossreg.core.masking import mask_name
from crossreg.core.subjects import subject_readable
from crossreg.entities.models import Entity
from crossreg.entities.names import fuzzy_query_key, name_core, normalize_name, parse_name
from crossreg.entities.uscc import uscc_normalize
from crossreg.orgs.models import ApiToken, User
from crossreg.orgs.permissions import Principal

SearchMode = Literal["auto", "uscc", "exact", "fuzzy"]
SEARCH_MODES: tuple[str, ...] = ("auto", "uscc", "exact", "fuzzy")
SearchMatch = Literal["uscc", "registration_no", "exact", "contains", "fuzzy"]
"""How a hit matched: a code, the registration number, the exact name, a name that contains the
query (auto mode), or a similar name. The API's response schema uses this very type."""
SEARCH_MATCHES: tuple[str, ...] = get_args(SearchMatch)
FUZZY_MIN_SCORE = 0.3
"""Least similarity a fuzzy hit needs (pg_trgm's default ``similarity_threshold``)."""
_SQLITE_CANDIDATES = 2000


class EntityNotFound(NotFound, ObjectDoesNotExist):
    """No such entity, or not visible to the caller (the API answers 404, views Http404)."""


@dataclass(frozen=True)
class SearchHit:
    entity: Entity
    score: float
    match: SearchMatch


def can_read(user: Any) -> bool:
    """Whether the caller may read the registry at all."""
    if isinstance(user, ApiToken):
        return "entities:read" in (user.scopes or []) and user.revoked_at is None
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user.department_id is not None or user.sees_all_departments
    return False


def can_see_personal(user: Any) -> bool:
    """Personal data is shown to logged-in department users, never to tokens or anyone else."""
    return isinstance(user, User) and can_read(user)


def supervises(user: Any, entity: Entity) -> bool:
    """Does the caller's department supervise ``entity``, or does the caller see every department
    (leaders, the big-data bureau, administrators)? Supervision is what the apps above the registry
    know (a current record on the department's list, its tasks, cases…): they grant it through the
    ledger subject ``entity`` (crossreg.core.subjects), so the same rule decides who reads the
    entity's record and who sees its natural persons unmasked."""
    if not can_see_personal(user):
        return False
    principal = Principal.of(user)
    if principal.sees_all:
        return True
    return subject_readable(principal=principal, subject_type="entity", subject_id=str(entity.pk))


def personal_masked(entity: Entity, *, user: Any) -> bool:
    """Must the natural person behind ``entity`` (the operator of an individual business) be masked
    for this caller? Yes for tokens and anyone outside the departments that supervise it."""
    return entity.entity_type == Entity.Type.INDIVIDUAL and not supervises(user, entity)


def legal_rep_for(entity: Entity, *, user: Any) -> str:
    """The legal representative / operator as the caller may see it: an individual business's
    operator is a natural person, masked (core.masking.mask_name) unless :func:`supervises`."""
    if personal_masked(entity, user=user):
        return mask_name(entity.legal_rep)
    return entity.legal_rep


def entity_queryset(*, user: Any) -> QuerySet[Entity]:
    """Every entity the caller may see, with division and industry joined (no N+1)."""
    if not can_read(user):
        return Entity.objects.none()
    return Entity.objects.select_related("division", "industry")


def entity_list(
    *,
    user: Any,
    q: str = "",
    division: str | None = None,
    entity_type: str | None = None,
    industry: str | None = None,
    section: str | None = None,
    status: str | None = None,
    credit_class: str | None = None,
    uscc_missing: bool | None = None,
    key_domain: str | None = None,
) -> QuerySet[Entity]:
    """Filtered list, ordered by id. ``division`` is a code prefix (3209 = all of Yancheng);
    ``q`` matches a USCC/registration number, or a substring of the normalised name."""
    qs = entity_queryset(user=user)
    if division:
        qs = qs.filter(division__code__startswith=division.strip())
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if industry:
        qs = qs.filter(industry_id=industry)
    if section:
        qs = qs.filter(industry__section=section.upper())
    if status:
        qs = qs.filter(status=status)
    if credit_class:
        qs = qs.filter(credit_class=credit_class)
    if uscc_missing is not None:
        qs = qs.filter(Q(uscc__isnull=True) | Q(uscc="")) if uscc_missing else qs.exclude(uscc__isnull=True)
    if key_domain:
        qs = qs.filter(key_domains__code=key_domain)
    if q.strip():
        code = uscc_normalize(q)
        cond = Q(name_norm__contains=normalize_name(q))
        if len(code) in (15, 18):
            cond |= Q(uscc=code) | Q(registration_no=code)
        qs = qs.filter(cond)
    return qs.order_by("id")


def entity_get(*, user: Any, pk: int) -> Entity:
    """One entity with its division, industry and key domains; EntityNotFound if not visible."""
    entity = entity_queryset(user=user).prefetch_related("key_domains").filter(pk=pk).first()
    if entity is None:
        raise EntityNotFound(f"no entity #{pk}", code="not_found")
    return entity


def _looks_like_code(q: str) -> bool:
    code = uscc_normalize(q)
    return code.isascii() and code.isalnum() and len(code) in (15, 18)


def resolve_mode(q: str, mode: str) -> str:
    if mode != "auto":
        return mode
    return "uscc" if _looks_like_code(q) else "auto"


def _trigram_count(text: str) -> int:
    """How many trigrams pg_trgm makes of ``text``: each word (letters and digits) padded with two
    blanks before and one after (close enough for choosing a threshold)."""
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return sum(len(w) + 1 for w in words)


def fuzzy_close_threshold(core: str) -> float:
    """Least similarity of a *close* core (across the city), for a query core of ``n`` trigrams (a
    one-word core of ``k`` characters has ``k + 1``): at most two of the query's trigrams missing
    and at least three shared. pg_trgm's GIN index lets a row through only if it shares
    ``threshold * n`` of the query's trigrams, so this prunes the index scan too."""
    n = max(_trigram_count(core), 1)
    return round(min(1.0, max(2.5 / n, (n - 2.5) / n, FUZZY_MIN_SCORE)), 4)


# Words no name contains (pg_trgm counts Greek letters as letters; normalize_name never makes
# lower-case ones): appended to a query core, each adds two trigrams that no row shares.
_NEVER = "αβγδεζηθικλμνξοπρστυφχψω"


def fuzzy_typo_query(core: str) -> tuple[str, float]:
    """(query, threshold) for ``search_core % query`` that finds the core with a one-character
    typo (changed, missing or extra) while making pg_trgm's GIN index prune.

    For a query core of ``m`` trigrams, the name meant shares ``m - 3`` of them (``m - 2`` if the
    query misses a character). The index lets a row through if it shares ``threshold × (query
    trigrams)``; the recheck then needs ``similarity ≥ threshold``, whose denominator also counts
    the row's own trigrams. So the threshold is chosen to make the index require ``r = m - 3``
    shared trigrams (at least 2) while the recheck still accepts the name meant — which alone is
    impossible for a five-character core (2/6 and 3/9 are the same number): trigrams no row
    shares are added to the query (words of ``_NEVER``) until it is. This is what keeps the names
    that share only the industry words (…食品店: two trigrams; …进出口贸易: four) out of the
    candidates, each of which would be read from the table to be rechecked.
    """
    m = max(_trigram_count(core), 1)
    r = min(m, max(2, m - 3))
    # The names meant, as (shared trigrams, their own trigrams): one changed, one missing from
    # the query, one extra in the query.
    meant = [(c, k) for c, k in ((m - 3, m), (m - 2, m + 1), (m - 3, m - 1)) if c >= r] or [(m, m)]
    for words in range(len(_NEVER) + 1):
        d = 2 * words
        low = (r - 1) / (m + d)  # r - 1 shared trigrams must not pass the index
        high = min(c / (m + d + k - c) for c, k in meant)  # the name meant must pass the recheck
        if low < high:
            break
    padded = core + "".join(" " + ch for ch in _NEVER[:words])
    return padded, round((low + high) / 2, 4)


def _fuzzy_postgres(qs: QuerySet[Entity], norm: str, limit: int) -> list[SearchHit]:
    """Trigram search on the name's core, ranked by the similarity of the whole folded names.

    Whole names share 盐城市, the county and 有限公司, so a trigram index on them returns a sizeable
    part of the city for any name (~150,000 candidates at a million entities). PostgreSQL keeps
    each name's core (``search_core``) and first county (``search_county``, '' for none) in
    generated columns with one GIN index over both (migrations 0006, 0007). A query matches, in one
    statement (a BitmapOr of scans of that index), either

    - across the city, a close core: ``core <<% search_core`` (strict word similarity; for a core
      of one word, the similarity of the two cores), the core taken as from a stored name and, if
      different, as ``fuzzy_query_key`` reads it; or
    - among the names of the county the query names (of no county, if it names none), a core with
      a typo: ``search_county = county AND search_core % core``, the region read leniently
      (``fuzzy_query_key``: 射阳 for 射阳县, 盐城经济技术发区 for …开发区).

    Thresholds (:func:`fuzzy_close_threshold`, :func:`fuzzy_typo_query`) are set for this
    transaction only (``set_config(..., true)``). Hits are ranked by the similarity of the whole
    folded names, so the county and form the query names count too.
    """
    county, county_core = fuzzy_query_key(norm)
    cores = [c for c in dict.fromkeys((name_core(norm), county_core)) if len(c) >= 2]
    if not cores:  # nothing distinctive (a region or a form alone)
        return []
    table = connections[qs.db].ops.quote_name(Entity._meta.db_table)
    conds = [f"%s <<%% {table}.search_core" for _ in cores]
    params: list[Any] = list(cores)
    typo_query, typo = fuzzy_typo_query(county_core)
    if len(county_core) >= 2:
        conds.append(f"({table}.search_county = %s AND {table}.search_core %% %s)")
        params += [county, typo_query]
    close = min(fuzzy_close_threshold(c) for c in cores)
    with transaction.atomic(using=qs.db, savepoint=False), connections[qs.db].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.strict_word_similarity_threshold', %s, true), "
            "set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(close), str(typo)],
        )
        return _trigram_hits(qs, " OR ".join(conds), params, norm, limit)


def _trigram_hits(
    qs: QuerySet[Entity], where: str, params: list[Any], norm: str, limit: int
) -> list[SearchHit]:
    from django.contrib.postgres.search import TrigramSimilarity

    found = (
        qs.filter(RawSQL(f"({where})", params, output_field=BooleanField()))
        .annotate(score=TrigramSimilarity("name_norm", norm))
        .order_by("-score", "id")[:limit]
    )
    return [SearchHit(e, round(float(e.score), 4), "fuzzy") for e in found]


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _fuzzy_fallback(qs: QuerySet[Entity], norm: str, limit: int) -> list[SearchHit]:
    """Without pg_trgm: candidates that share the trade name, a character of it or a bigram of the
    name's distinctive part (region and form left out), ranked by difflib's ratio on the normalised
    name. Industry-word bigrams are tried only if that finds too few (they match many entities)."""
    parts = parse_name(norm)
    trade = parts.trade_name
    core = (trade + parts.industry_words) or norm
    tiers: list[Q] = []
    first = Q(name_norm__contains=core)
    if trade:
        first |= Q(trade_name=trade)
        for gram in _bigrams(trade):
            first |= Q(name_norm__contains=gram)
        if len(trade) >= 2:
            for ch in trade:
                first |= Q(trade_name__contains=ch)
    tiers.append(first)
    industry_grams = _bigrams(parts.industry_words) or ([] if trade else _bigrams(norm))
    if industry_grams:
        second = Q()
        for gram in industry_grams[:4]:
            second |= Q(name_norm__contains=gram)
        tiers.append(second)

    candidates: dict[int, str] = {}
    for cond in tiers:
        rows = qs.filter(cond).values_list("id", "name_norm")[:_SQLITE_CANDIDATES]
        candidates.update(dict(rows))
        if len(candidates) >= limit:
            break
    scored = []
    for pk, cand in candidates.items():
        score = difflib.SequenceMatcher(None, norm, cand, autojunk=False).ratio()
        if score >= FUZZY_MIN_SCORE:
            scored.append((score, pk))
    scored.sort(key=lambda t: (-t[0], t[1]))
    top = scored[:limit]
    by_id = qs.in_bulk([pk for _, pk in top])
    return [SearchHit(by_id[pk], round(score, 4), "fuzzy") for score, pk in top if pk in by_id]


def entity_search(
    *,
    user: Any,
    q: str,
    mode: str = "auto",
    limit: int = 20,
    division: str | None = None,
    entity_type: str | None = None,
    industry: str | None = None,
    status: str | None = None,
) -> list[SearchHit]:
    """Scored search. ``auto``: a USCC-looking query searches codes, anything else exact name
    hits first (score 1.0), then fuzzy ones. ``uscc``, ``exact``, ``fuzzy`` do only that."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    limit = max(1, min(limit, 100))
    qs = entity_list(
        user=user, division=division, entity_type=entity_type, industry=industry, status=status
    ).order_by()
    q = q.strip()
    if not q or not can_read(user):
        return []
    mode = resolve_mode(q, mode)

    if mode == "uscc":
        code = uscc_normalize(q)
        hits: list[SearchHit] = []
        for e in qs.filter(Q(uscc=code) | Q(registration_no=code)).order_by("id")[:limit]:
            hits.append(SearchHit(e, 1.0, "uscc" if e.uscc == code else "registration_no"))
        return hits

    norm = normalize_name(q)
    hits = []
    if mode != "fuzzy":  # fuzzy mode lists fuzzy hits only (an exact name scores highest there)
        hits = [SearchHit(e, 1.0, "exact") for e in qs.filter(name_norm=norm).order_by("id")[:limit]]
    if mode == "exact" or (mode == "auto" and len(hits) >= limit):
        return hits
    if mode == "auto":
        # Names that contain the folded query (a trade name, a fragment): a clerk who types 恒达建材
        # expects 盐城市恒达建材有限公司, whose trigram similarity to so short a query is low. On
        # PostgreSQL the trigram GIN index serves this LIKE for queries of three or more characters.
        exact_pks = {h.entity.pk for h in hits}
        for e in (
            qs.filter(name_norm__contains=norm).exclude(pk__in=exact_pks).order_by("id")[: limit - len(hits)]
        ):
            hits.append(SearchHit(e, round(len(norm) / max(len(e.name_norm), 1), 4), "contains"))
        if len(hits) >= limit:
            return hits
    fuzzy = (
        _fuzzy_postgres(qs, norm, limit)
        if connection.vendor == "postgresql"
        else _fuzzy_fallback(qs, norm, limit)
    )
    seen = {h.entity.pk for h in hits}
    if mode == "fuzzy":
        return fuzzy
    for hit in fuzzy:
        if hit.entity.pk not in seen and len(hits) < limit:
            hits.append(hit)
            seen.add(hit.entity.pk)
    return hits


__all__ = [
    "SEARCH_MATCHES",
    "SEARCH_MODES",
    "EntityNotFound",
    "SearchHit",
    "SearchMatch",
    "can_read",
    "can_see_personal",
    "entity_get",
    "entity_list",
    "entity_queryset",
    "entity_search",
    "legal_rep_for",
    "personal_masked",
    "supervises",
]


# --- the ledger subject "entity" (registered in apps.py) ----------------------------------------
# The registry is department-neutral: who may read an entity's record is granted by the apps
# above that know who supervises it (the object base's current lists, the entity's tasks, cases…).


def entity_subject_visible(principal: Principal, subject_id: str) -> bool:
    return False


def entity_subject_url(subject_id: str) -> str | None:
    return f"/entities/{subject_id}/" if subject_id.isdigit() else None


def entity_subject_display(subject_id: str) -> str:
    if not subject_id.isdigit() or len(subject_id) > 18:
        return subject_id
    name = Entity.objects.filter(pk=int(subject_id)).values_list("name", flat=True).first()
    return name or subject_id
