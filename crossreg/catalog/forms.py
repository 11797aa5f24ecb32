from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crossreg.catalog.exchange import _split
from crossreg.catalog.models import ChangeRequest, ItemVersion, Method
from crossreg.catalog.schemas import CheckPointData, ItemContent
from crossreg.entities.models import Industry
from crossreg.orgs.models import Department, Domain

ENTITY_TYPES = [
    ("enterprise", _("企业")),
    ("individual", _("个体工商户")),
    ("coop", _("农民专业合作社")),
    ("other", _("其他")),
]


def industry_choices() -> list[tuple[str, str]]:
    """GB/T 4754-2017 divisions (大类), as "code name" (searchable by either)."""
    return [(i.code, f"{i.code} {i.name}") for i in Industry.objects.order_by("code")]


class ItemForm(forms.Form):
    code = forms.CharField(label=_("事项编码"), max_length=40)
    name = forms.CharField(label=_("事项名称"), max_length=200)
    legal_basis = forms.CharField(
        label=_("设定依据"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    power_items = forms.CharField(
        label=_("关联权力事项编码"), required=False, help_text=_("多个编码用分号分隔"), max_length=500
    )
    methods = forms.MultipleChoiceField(
        label=_("检查方式"), choices=Method.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    entity_types = forms.MultipleChoiceField(
        label=_("适用主体类型"), choices=ENTITY_TYPES, widget=forms.CheckboxSelectMultiple, required=False
    )
    industries = forms.MultipleChoiceField(
        label=_("适用行业"),
        choices=industry_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"data-searchable": "1", "size": "8"}),
        help_text=_("GB/T 4754-2017 行业大类；输入名称或代码筛选，可多选"),
    )
    domains = forms.ModelMultipleChoiceField(
        label=_("重点领域"),
        queryset=Domain.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    default_ratio = forms.DecimalField(
        label=_("默认抽查比例(%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    default_frequency = forms.CharField(label=_("默认检查频次"), required=False, max_length=64)
    procedure = forms.CharField(
        label=_("检查程序"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000
    )
    method_text = forms.CharField(
        label=_("检查方法"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    involved_departments = forms.ModelMultipleChoiceField(
        label=_("会审部门"),
        queryset=Department.objects.filter(parent__isnull=True, role=Department.Role.SUPERVISING),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, lock_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lock_code:
            self.fields["code"].disabled = True

    @classmethod
    def initial_from(cls, version: ItemVersion, content: ItemContent) -> dict[str, Any]:
        return {
            "code": content.code,
            "name": content.name,
            "legal_basis": content.legal_basis,
            "power_items": ";".join(content.power_items),
            "methods": content.methods,
            "entity_types": content.entity_types,
            "industries": list(content.industries),
            "domains": content.domains,
            "default_ratio": content.default_ratio,
            "default_frequency": content.default_frequency,
            "procedure": content.procedure,
            "method_text": content.method,
            "involved_departments": content.involved_departments,
            "revision": version.revision,
        }


class CheckPointForm(forms.Form):
    content = forms.CharField(label=_("检查内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    legal_basis = forms.CharField(
        label=_("检查依据"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    finding = forms.CharField(
        label=_("问题认定标准"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    method = forms.CharField(label=_("检查方法"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [k for k in ("content", "legal_basis", "finding") if data.get(k)]
        if filled and len(filled) < 3:
            raise forms.ValidationError(_("检查内容、检查依据和问题认定标准都要填写"))
        return data


CheckPointFormSet = forms.formset_factory(CheckPointForm, extra=2, can_delete=True)


def content_from_forms(form: ItemForm, formset: Any, *, code: str, department: str) -> ItemContent:
    d = form.cleaned_data
    points: list[CheckPointData] = []
    for f in formset.forms:
        cd = getattr(f, "cleaned_data", None) or {}
        if not cd.get("content") or cd.get("DELETE"):
            continue
        points.append(
            CheckPointData(
                seq=len(points) + 1,
                content=cd["content"],
                legal_basis=cd["legal_basis"],
                finding=cd["finding"],
                method=cd.get("method", ""),
            )
        )
    return ItemContent(
        code=code,
        name=d["name"],
        department=department,
        legal_basis=d["legal_basis"],
        power_items=_split(d["power_items"]),
        methods=d["methods"],
        entity_types=d["entity_types"],
        industries=list(d["industries"]),
        domains=[x.code for x in d["domains"]],
        default_ratio=d["default_ratio"],
        default_frequency=d["default_frequency"],
        procedure=d["procedure"],
        method=d["method_text"],
        involved_departments=[x.code for x in d["involved_departments"]],
        check_points=points,
    )


class ActionForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由/意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effective_on = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ChangeRequestForm(forms.Form):
    reason_kind = forms.ChoiceField(label=_("调整原因"), choices=ChangeRequest.Reason.choices)
    reason = forms.CharField(label=_("调整说明"), widget=forms.Textarea(attrs={"rows": 3}))


class ImportUploadForm(forms.Form):
    """The import page's upload: a file, and for administrators the import mode."""

    file = forms.FileField(
        label=_("清单文件"),
        help_text=_("CSV、XLSX 或 JSON（与导出的格式相同）。先检查，确认后才导入。"),
    )
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("draft", _("草稿：导入后经编制流程审核发布")),
            ("published", _("已审核发布的清单（初始导入）")),
        ],
        initial="draft",
    )

    def __init__(self, *args: Any, allow_published: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_published:  # only administrators load a catalog as published
            del self.fields["mode"]


class ImportConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
