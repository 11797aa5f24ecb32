"""Walking every page of the demo: the URL patterns filled from the database, and what a page may
not show a person (raw codes, untranslated source strings in English).

Used by ``test_labels_walk.py`` on a small seeded demo; also runnable against a demo database::

    PYTHONPATH=. python -m crossreg.web.tests.walk scjg_officer leader
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

CJK = re.compile(r"[\u3400-\u9fff]")

# --- what a person must not read ------------------------------------------------------------

RAW = {
    "action code": re.compile(r"(?<![\w./-])[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*(?![\w./-])"),
    "state arrow": re.compile(r"(?<![\w])[a-z]+_[a-z_]+\s*→|→\s*[a-z]+_[a-z_]+(?![\w])"),
    "transition code": re.compile(r"(?<![\w])(?:assigned|in_progress|submitted|draft)\s*→"),
    "actor code": re.compile(r"(?<![\w])(?:user|token|system):[\w.-]+"),
    "region code": re.compile(r"(?<![\w.:/-])3209\d\d(?![\w./-])"),
    "id code": re.compile(r"(?<![\w])id:\d+"),
    "field key": re.compile(r"(?<![\w.])(?:[a-z]+_[a-z_]+|[a-z]+(?:\.[A-Za-z0-9_]+)+): "),
}
#: on a Chinese page, any English "key: text" is a service's raw error (``note: describe the finding``)
RAW_ZH = {"english error": re.compile(r"(?<![\w.])[a-z][a-z_.]*: [a-z]{2,}")}


class _Text(HTMLParser):
    """The text a person reads: text nodes outside <script>, <style>, <pre> and <code>."""

    SKIP = {"script", "style", "pre", "code", "textarea", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def text_nodes(html: str) -> list[str]:
    p = _Text()
    p.feed(html)
    return p.nodes


def raw_codes(html: str, lang: str = "zh-hans") -> list[str]:
    """Raw codes in the page's text: ``["action code: inspection.task.start", …]``."""
    found = []
    patterns = {**RAW, **(RAW_ZH if lang.startswith("zh") else {})}
    for node in text_nodes(html):
        if node.startswith(("http://", "https://")):
            continue
        for name, rx in patterns.items():
            for m in rx.finditer(node):
                found.append(f"{name}: {m.group(0)!r} in {node[:120]!r}")
    return found


# --- untranslated source strings ------------------------------------------------------------

_TRANS_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
_PY_CALL = re.compile(
    r"""(?<![\w.])(?:_|gettext|gettext_lazy|pgettext_lazy|gettext_noop)\(\s*(["'])(.+?)(?<!\\)\1\s*[,)]"""
)


@cache
def source_strings() -> frozenset[str]:
    """Every Chinese source string of a template tag or a ``gettext`` call, without placeholders."""
    root = Path(settings.BASE_DIR) / "crossreg"
    out: set[str] = set()
    for path in root.rglob("*.html"):
        for m in _TRANS_TAG.finditer(path.read_text(encoding="utf-8")):
            out.add(m.group(2))
    for path in root.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        for m in _PY_CALL.finditer(path.read_text(encoding="utf-8")):
            out.add(m.group(2))
    return frozenset(s for s in out if CJK.search(s) and "%" not in s and "{" not in s)


@cache
def untranslated_strings() -> frozenset[str]:
    """The source strings the English catalogue does not translate."""
    with translation.override("en"):
        return frozenset(s for s in source_strings() if translation.gettext(s) == s)


def untranslated(html: str) -> list[str]:
    """Source strings left in Chinese on an English page (a whole text node, or inside one)."""
    missing = untranslated_strings()
    found = []
    for node in text_nodes(html):
        if not CJK.search(node):
            continue
        core = node.strip(" :：·()（）|,，。.→←»«*")
        if core in missing:
            found.append(core)
            continue
        for s in missing:
            if len(s) >= 6 and s in node:
                found.append(s)
    return sorted(set(found))


# --- the pages ------------------------------------------------------------------------------

SKIP_PREFIXES = ("admin:", "api:", "jobs:progress")
SKIP_NAMES = {"logout", "set_language", "healthz", "readyz", "metrics", "notices:badge"}
SKIP_SUFFIXES = (".json", ".csv", ".xlsx", ".pdf", "bundle.json")


def _patterns(
    resolver: URLResolver | None = None, prefix: str = "", ns: str = ""
) -> Iterator[tuple[str, str]]:
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _patterns(p, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", prefix + str(p.pattern)


def page_names() -> list[str]:
    """Every named HTML page (no API, admin, file exports, or POST-only actions)."""
    out = []
    for name, route in _patterns():
        if name.startswith(SKIP_PREFIXES) or name in SKIP_NAMES:
            continue
        if route.endswith(SKIP_SUFFIXES) or "<str:fmt>" in route or ".<" in route:
            continue
        if re.search(r"(action|act|publish|draw|pool|read|cancel|replay|toggle|decide|split)/?$", route):
            continue
        out.append(name)
    return sorted(set(out))


@dataclass
class Page:
    name: str
    url: str


def _first(model: str, field: str = "pk", **filters: Any) -> Any:
    from django.apps import apps

    app, name = model.split(".")
    return (
        apps.get_model(app, name)
        .objects.filter(**filters)
        .order_by("pk")
        .values_list(field, flat=True)
        .first()
    )


def _obj(model: str, attr: str) -> Any:
    from django.apps import apps

    app, name = model.split(".")
    obj = apps.get_model(app, name).objects.order_by("pk").first()
    return None if obj is None else getattr(obj, attr)


def _args_for(name: str) -> list[Any] | None:
    """Arguments that reach a real object of the demo for ``name`` (None: nothing to show)."""
    table: dict[str, Callable[[], Any]] = {
        "entity_detail": lambda: _first("entities.Entity"),
        "catalog:item": lambda: _first("catalog.SupervisionItem", "code", published__isnull=False),
        "catalog:diff": lambda: _first(
            "catalog.SupervisionItem", "code", published__isnull=False, versions__number=2
        ),
        "catalog:work_item": lambda: _first("catalog.SupervisionItem", "code"),
        "catalog:work_item_new_version": lambda: _first(
            "catalog.SupervisionItem", "code", published__isnull=False
        ),
        "catalog:work_change_request_new": lambda: _first(
            "catalog.SupervisionItem", "code", published__isnull=False
        ),
        "catalog:work_diff": lambda: _first("catalog.SupervisionItem", "code", versions__number=2),
        "catalog:work_version": lambda: _first("catalog.ItemVersion"),
        "catalog:work_version_edit": lambda: _first("catalog.ItemVersion", status="draft"),
        "catalog:work_change_request": lambda: _first("catalog.ChangeRequest"),
        "inspections:task_detail": lambda: _first("inspections.InspectionTask", "code", status="published"),
        "sampling:plan_detail": lambda: _first("sampling.SamplingPlan", "code"),
        "sampling:public_plan": lambda: _first("sampling.SamplingPlan", "code", status="published"),
        "sampling:period": lambda: _first("sampling.SamplingPlan", "period"),
        "linking:entity_360": lambda: _first("linking.SourceRecord", "entity_id", entity__isnull=False),
        "cases:detail": lambda: _first("cases.Case"),
        "cases:source": lambda: _first("cases.CaseSource"),
        "cases:proof": lambda: None,
        "complaints:detail": lambda: _first("complaints.Submission", "receipt_code"),
        "complaints:track_code": lambda: None,
        "credit:entity": lambda: _first("entities.Entity"),
        "credit:repair_apply": lambda: None,
        "credit:repair": lambda: _first("credit.RepairApplication"),
        "credit:model": lambda: _obj("credit.ModelVersion", "label"),
        "clues:bundle": lambda: _first("clues.ClueBundle"),
        "clues:proof": lambda: None,
        "exchange:target": lambda: _first("outbox.Target", "code"),
        "exchange:delivery": lambda: _first("outbox.Delivery"),
        "exchange:report": lambda: _first("exchange.ReconciliationReport"),
        "jobs:detail": lambda: _first("jobs.Job"),
        "ledger:subject": lambda: None,
        "help_guide": lambda: "officer",
    }
    fn = table.get(name)
    if fn is None:
        return None
    try:
        value = fn()
    except (LookupError, FieldError):  # a model or field this deployment does not have
        return None
    return None if value is None else [value]


def pages() -> list[Page]:
    out = []
    for name in page_names():
        try:
            out.append(Page(name, reverse(name)))
            continue
        except Exception:
            pass
        args = _args_for(name)
        if args is None:
            continue
        try:
            out.append(Page(name, reverse(name, args=args)))
        except Exception:
            continue
    # the ledger timelines of a task and an entity (raw actions and actors are read there)
    task = _first("inspections.InspectionTask", "code", status="published")
    if task:
        out.append(Page("ledger:subject", f"/ledger/subject/inspection.task/{task}/"))
    entity = _first("entities.Entity")
    if entity:
        out.append(Page("ledger:subject", f"/ledger/subject/entity/{entity}/"))
    return out


@dataclass
class Finding:
    who: str
    lang: str
    url: str
    status: int
    problems: list[str]


def walk(client: Client, who: str, lang: str, only: list[Page] | None = None) -> tuple[int, list[Finding]]:
    """GET every page as ``client`` in ``lang``; the pages it reads and what is wrong on them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    findings: list[Finding] = []
    read = 0
    for page in only or pages():
        resp = client.get(page.url, follow=False)
        if resp.status_code >= 500:
            findings.append(Finding(who, lang, page.url, resp.status_code, ["server error"]))
            continue
        if resp.status_code != 200 or "html" not in resp.get("Content-Type", ""):
            continue
        read += 1
        html = resp.content.decode()
        problems = raw_codes(html, lang)
        if lang == "en":
            problems += [f"untranslated: {s}" for s in untranslated(html)]
        if problems:
            findings.append(Finding(who, lang, page.url, resp.status_code, problems))
    return read, findings


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    settings.ALLOWED_HOSTS = ["*"]
    from crossreg.orgs.models import User

    for username in sys.argv[1:] or ["admin"]:
        c = Client()
        if username != "anonymous":
            c.force_login(User.objects.get(username=username))
        for lang in ("zh-hans", "en"):
            n, found = walk(c, username, lang)
            print(f"== {username} {lang}: {n} pages, {len(found)} with problems")
            for f in found:
                print(f"  {f.url} [{f.status}]")
                for p in f.problems[:12]:
                    print(f"     {p}")
