"""Every page of the demo, for every kind of user, in Chinese and in English (issue 18): no raw
codes where people read, and no Chinese source string left untranslated on an English page.

The demo is the real one at a small size (``crossreg seed`` + ``crossreg demo_setup``); the pages
are every named URL pattern, filled from its data (``walk.py``). Raw codes: ledger actions
(``inspection.task.flag_follow_up``), states with an arrow (``assigned→in_progress``), actors
(``user:officer-…``, ``system:demo``), bare region codes (``320903``), ``id:11385``, field keys of
errors (``rules.B.ratio: …``) and, on a Chinese page, English errors (``note: describe the finding``).
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from crossreg.orgs.models import User
from crossreg.web.tests import walk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

#: one user of every kind the demo has (docs/demo-logins.md), and the public
WHO = [
    "scjg_officer",
    "scjg_staff",
    "scjg_head",
    "scjg_legal",
    "spj_approval",
    "spj320902_approval",
    "sfj_justice",
    "leader",
    "dsj_bigdata",
    "hotline",
    "fgw_credit",
    "auditor",
    "admin",
    "anonymous",
]


def test_the_walk_detects_raw_codes_and_untranslated_strings() -> None:
    """The detectors themselves, on the very strings of the issue."""
    page = (
        "<ul><li>start assigned→in_progress</li><li>inspection.task.flag_follow_up</li>"
        "<li>user:officer-32090020210012</li><li>320903</li><li>id:11385</li>"
        "<li>rules.B.ratio: 超出范围</li><li>note: describe the finding</li></ul>"
        "<script>var x = 'user:hidden';</script><p>91320902MA1XXXXXXX 盐都区</p>"
    )
    found = "\n".join(walk.raw_codes(page, "zh-hans"))
    for raw in (
        "assigned→",
        "inspection.task.flag_follow_up",
        "user:officer-32090020210012",
        "'320903'",
        "id:11385",
        "rules.B.ratio: ",
        "note: describe",
    ):
        assert raw in found, raw
    assert "user:hidden" not in found and "91320902MA1XXXXXXX" not in found
    missing = next(iter(walk.untranslated_strings()), None)
    if missing is not None:  # every string translated: nothing to find
        assert walk.untranslated(f"<p>{missing}</p>") == [missing]
    assert walk.untranslated("<p>市场主体</p>") == []  # translated


def test_every_page_of_the_demo_in_both_languages(tmp_path: Path, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # demo_setup signs a checkpoint; tests run with DEBUG off, so no development key is made
    settings.CROSSREG = {
        **settings.CROSSREG,
        "LEDGER_SIGNING_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "LEDGER_TSA_URL": "",
    }
    lists = tmp_path / "lists"
    call_command("seed", seed=2021, entities=400, lists_dir=lists, stdout=StringIO())
    call_command("demo_setup", seed=2021, lists_dir=lists, stdout=StringIO())
    pages = walk.pages()
    names = {p.name for p in pages}
    # the walk reaches the pages of the issue: history lines, ledger, diffs, the 360 page
    for name in (
        "inspections:task_detail",
        "catalog:work_version",
        "catalog:diff",
        "ledger:subject",
        "ledger:index",
        "linking:entity_360",
        "sampling:plan_detail",
        "cases:detail",
        "entity_detail",
        "todo",
        "search",
    ):
        assert name in names, name

    problems: list[str] = []
    read = 0
    for who in WHO:
        client = Client()
        if who != "anonymous":
            client.force_login(User.objects.get(username=who))
        for lang in ("zh-hans", "en"):
            n, found = walk.walk(client, who, lang, pages)
            read += n
            for f in found:
                problems += [f"{f.who} {f.lang} {f.url}: {p}" for p in f.problems]
    assert read > len(WHO) * 2 * 20  # every user read pages, not only refusals
    assert problems == [], "\n".join(problems)
