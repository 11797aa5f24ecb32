"""Forms of the web pages. The search form is a plain GET form: it works without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crossreg.web.selectors import county_choices


class EntitySearchForm(forms.Form):
    MODES = (
        ("auto", _("自动识别")),
        ("uscc", _("统一社会信用代码")),
        ("exact", _("名称精确")),
        ("fuzzy", _("名称模糊")),
    )

    q = forms.CharField(
        label=_("统一社会信用代码或名称"),
        max_length=128,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("如 91320902MA1XXXXXXX 或 盐城市恒达建材有限公司"),
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
            }
        ),
    )
    division = forms.ChoiceField(label=_("所属县(市、区)"), required=False)
    mode = forms.ChoiceField(label=_("检索方式"), choices=MODES, required=False, initial="auto")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        division = self.fields["division"]
        assert isinstance(division, forms.ChoiceField)
        division.choices = [("", _("全市")), *county_choices()]

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or "auto"
