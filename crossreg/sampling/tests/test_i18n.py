"""Every UI string of the sampling and inspections pages is translatable and has its English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from crossreg.sampling.tests.factories import make_plan, sampling_city
from crossreg.web.tests.factories import PASSWORD

APPS = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p for app in ("sampling", "inspections") for p in (APPS / app / "templates").rglob("*.html")
)
CJK = re.compile(r"[\u3400-\u9fff]+")
BLOCK = re.compile(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}", re.S)
SIMPLE = re.compile(r"""{% translate (["'])(.*?)\1 %}""")


def _msgids(text: str) -> list[str]:
    ids = [m.group(2).replace("%", "%%") for m in SIMPLE.finditer(text)]  # as the tag looks it up
    for m in BLOCK.finditer(text):
        body = m.group(1).replace("%", "%%")
        ids.append(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body))
    return ids


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_bare_chinese_in_templates(path: Path) -> None:
    text = BLOCK.sub("", path.read_text())
    text = re.sub(r"<script>.*?</script>|{%.*?%}|{{.*?}}", "", text, flags=re.S)
    assert CJK.findall(text) == [], f"wrap these in {{% translate %}}: {CJK.findall(text)}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_template_string_has_english(path: Path) -> None:
    ids = _msgids(path.read_text())
    assert ids
    with translation.override("en"):
        untranslated = [m for m in ids if translation.gettext(m) == m]
    assert untranslated == []


@pytest.mark.django_db
def test_pages_render_in_english(client, settings) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    city = sampling_city(settings)
    plan = make_plan(city, "smr", divisions=["320902"])
    client.login(username="smr_staff", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "New inspection plan" in client.get("/sampling/").content.decode()
    page = client.get(f"/sampling/plans/{plan.code}/").content.decode()
    assert "Publish the plan and freeze the pool" in page and "公示计划" not in page
    assert "Department tasks" in client.get("/inspections/").content.decode()
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops the cookies
    assert "Double-random inspection results" in client.get("/inspections/public/").content.decode()
