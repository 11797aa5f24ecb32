"""What people read for the credit codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, subjects_register, verbs_register

subjects_register(
    {
        "credit": _("信用"),
        "credit.event": _("信用事件"),
        "credit.grade": _("信用等级"),
        "credit.model": _("信用评价模型"),
        "credit.repair": _("信用修复"),
        "credit.commitment": _("信用承诺"),
        "credit.commitment_item": _("承诺事项"),
        "credit.access_code": _("查询码"),
        "credit.subscription": _("信用订阅"),
        "credit.evaluate": _("信用评价"),
    }
)
verbs_register({"serious": _("严重失信"), "changed": _("已变更"), "all": _("全部重新评价")})
actions_register({"credit.evaluate.all": _("信用评价 · 全部重新评价")})
