from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crossreg.orgs.models import Department, Domain


class ImportForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("部门"))
    file = forms.FileField(label=_("名录文件(CSV/XLSX)"))
    system = forms.CharField(label=_("来源系统"), max_length=64, required=False)
    domain = forms.ModelChoiceField(
        queryset=Domain.objects.filter(key=True), label=_("重点领域(可选)"), required=False
    )

    def __init__(
        self, *args: object, departments: object = None, stashed: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        # After the preview the file waits on the server (a token names it): no second upload.
        self.fields["file"].required = not stashed


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("match", _("是同一主体")), ("non_match", _("不是同一主体"))])
    note = forms.CharField(max_length=200, required=False)
