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


# --- service messages (errors naming the field) ---------------------------------------------------

SERVICES = [
    APPS / "sampling" / "services.py",
    APPS / "catalog" / "services.py",
    APPS / "catalog" / "workflow.py",
]


def _service_msgids(path: Path) -> list[str]:
    """The literal first arguments of ``_()`` / ``gettext()`` calls in ``path``."""
    import ast

    ids = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "gettext", "gettext_lazy"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            ids.append(node.args[0].value)
    return ids


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_service_message_is_translatable_and_has_english(path: Path) -> None:
    source = path.read_text()
    # no bare message: every error's text goes through gettext
    bare = re.findall(r"""(?:Invalid|Conflict|Forbidden|NotFound|\.add)\(\s*f?["'][^"']*""", source)
    assert bare == [], f"wrap these messages in gettext: {bare}"
    ids = _service_msgids(path)
    assert ids
    with translation.override("en"):
        untranslated = [m for m in ids if CJK.search(m) and translation.gettext(m) == m]
    assert untranslated == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "请说明取消原因"), ("en", "Give the reason for the withdrawal")],
)
def test_catalog_service_error_in_the_ui_language(language: str, message: str) -> None:
    from crossreg.catalog.models import PowerItem
    from crossreg.catalog.services import power_item_withdraw
    from crossreg.core.errors import Invalid
    from crossreg.orgs.models import Department, Division

    city = Division.objects.create(code="320900", name="盐城市", level="city")
    spj = Department.objects.create(code="spj", name="盐城市行政审批局", role="approval", division=city)
    pi = PowerItem.objects.create(code="330217001000", name="检查", kind="inspection", department=spj)
    with translation.override(language), pytest.raises(Invalid) as info:
        power_item_withdraw(actor="system:test", power_item=pi, reason=" ")
    assert info.value.problems[0].message == message
    assert (info.value.problems[0].field, info.value.problems[0].code) == ("reason", "required")


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "抽查比例 150%% 超出 0–100%% 范围"), ("en", "ratio 150%% is outside 0–100%%")],
)
def test_sampling_rule_error_in_the_ui_language(language: str, message: str) -> None:
    from crossreg.core.errors import ProblemList
    from crossreg.sampling.services import _rules_validate

    problems = ProblemList()
    with translation.override(language):
        _rules_validate({"B": {"ratio": "150", "minimum": 0}}, triggered=False, problems=problems)
    assert [p.message for p in problems.problems] == [message.replace("%%", "%")]
    assert problems.problems[0].code == "out_of_range"
