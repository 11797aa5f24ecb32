"""Forms of the public page and the desk entry (parsing only; services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crossreg.complaints.models import Channel, Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; their size, type and count are checked by the service (naming each file)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> object:
        return list(data) if isinstance(data, list | tuple) else ([data] if data else [])


class PublicForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("您要"), choices=Kind.choices, initial=Kind.REPORT, widget=forms.RadioSelect
    )
    entity_name = forms.CharField(label=_("单位名称"), required=False, max_length=128)
    entity_uscc = forms.CharField(label=_("统一社会信用代码（选填）"), required=False, max_length=18)
    place = forms.CharField(label=_("具体地点"), required=False, max_length=200)
    text = forms.CharField(label=_("反映内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    anonymous = forms.BooleanField(label=_("匿名举报（不留姓名和电话；投诉不能匿名）"), required=False)
    contact_name = forms.CharField(label=_("您的姓名"), required=False, max_length=32)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    attachments = MultipleFileField(label=_("附件（照片、PDF，选填）"), required=False)
    challenge_answer = forms.CharField(label=_("验证题"), max_length=4)
    challenge_token = forms.CharField(widget=forms.HiddenInput)


class DeskForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Kind.choices)
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[(c.value, c.label) for c in Channel if c != Channel.WEB],
        initial=Channel.DESK,
    )
    entity_name = forms.CharField(label=_("单位名称"), required=False, max_length=128)
    entity_uscc = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=18)
    place = forms.CharField(label=_("具体地点"), required=False, max_length=200)
    matter = forms.CharField(label=_("事项领域代码"), required=False, max_length=32)
    title = forms.CharField(label=_("标题"), required=False, max_length=120)
    text = forms.CharField(label=_("反映内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    contact_name = forms.CharField(label=_("姓名"), required=False, max_length=32)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    attachments = MultipleFileField(label=_("附件"), required=False)
