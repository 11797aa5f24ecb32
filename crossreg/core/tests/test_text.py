"""Text hygiene: markup refused at entry with the field named; ordinary Chinese text passes."""

from __future__ import annotations

import polars as pl
import pytest

from crossreg.core.errors import Invalid
from crossreg.core.text import MARKUP_REGEX, has_markup, text_clean, text_clean_fields

MARKUP = [
    "<script>alert(1)</script>",
    "盐城<b>恒达</b>有限公司",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)",
    "<a href='x'",
    "</p>",
    "x<br/>y",
    "<SCRIPT>",
    "a &lt; b",
    "&#60;script",
    "&#x3c;",
    "javascript:alert(1)",
    "<!-- x -->",
    "<![CDATA[x]]>",
]
PLAIN = [
    "A&B有限公司",
    "<5吨锅炉",
    "1<2>0",
    "《盐城》",
    "盐城市亭湖区恒达商行(原名恒达饭店)",
    "Tom & Jerry",
    "数据:1",
    "a < b > c",
    "＜script＞",  # full-width brackets are not markup
]


@pytest.mark.parametrize("value", MARKUP)
def test_markup_is_refused_naming_the_field(value: str) -> None:
    assert has_markup(value)
    with pytest.raises(Invalid) as exc:
        text_clean(value, field="name")
    [problem] = exc.value.problems
    assert (problem.field, problem.code) == ("name", "markup")
    assert "name" in problem.message


@pytest.mark.parametrize("value", PLAIN)
def test_plain_text_passes_stripped(value: str) -> None:
    assert not has_markup(value)
    assert text_clean(f"  {value} ", field="name") == value


def test_polars_and_python_apply_the_same_rule() -> None:
    values = MARKUP + PLAIN
    got = pl.DataFrame({"v": values}).select(pl.col("v").str.contains(MARKUP_REGEX)).to_series().to_list()
    assert got == [has_markup(v) for v in values] == [True] * len(MARKUP) + [False] * len(PLAIN)


def test_control_characters_and_line_breaks() -> None:
    with pytest.raises(Invalid) as exc:
        text_clean("恒达\x00商行", field="name")
    assert exc.value.problems[0].code == "control"
    with pytest.raises(Invalid):
        text_clean("第一行\n第二行", field="name")
    assert text_clean("第一行\n第二行", field="note", multiline=True) == "第一行\n第二行"
    assert text_clean(None, field="note") == ""


def test_several_fields_reported_together() -> None:
    with pytest.raises(Invalid) as exc:
        text_clean_fields({"name": "<b>x</b>", "address": "<i>y</i>", "legal_rep": "张三"})
    assert {p.field for p in exc.value.problems} == {"name", "address"}
