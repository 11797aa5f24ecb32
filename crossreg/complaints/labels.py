"""What people read for the complaint's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, subjects_register, verbs_register

subjects_register(
    {
        "complaint": _("投诉举报"),
        "complaint.report": _("举报"),
        "complaint.reply": _("答复"),
        "complaint_routing": _("分办规则"),
        "report_reward": _("举报奖励"),
    }
)
verbs_register(
    {
        "receive": _("登记"),
        "classify": _("分类"),
        "route": _("分办"),
        "intake": _("受理登记"),
        "mark_duplicate": _("标为重复件"),
        "mediate": _("调解"),
        "end_mediation": _("终止调解"),
        "justify": _("认定举报属实"),
        "unjustify": _("认定举报不实"),
        "open_case": _("立案查处"),
        "reply": _("答复"),
        "sent": _("已发送"),
        "justified": _("认定属实"),
        "overdue": _("超期"),
        "compute": _("计算奖励"),
        "finance_approve": _("财务批准"),
        "finance_refuse": _("财务不予批准"),
        "pay": _("发放"),
    }
)
actions_register({"complaint_routing.publish": _("分办规则 · 发布")})
