"""What people read for the sampling codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, fields_register, subjects_register, verbs_register

subjects_register(
    {
        "sampling.plan": _("抽查计划"),
        "sampling.draw": _("随机抽取"),
        "sampling.pool": _("抽查对象库"),
        "sampling.period": _("抽查周期"),
        "sampling": _("双随机抽查"),
    }
)
verbs_register({"refuse": _("被拒绝"), "made": _("已完成")})
actions_register(
    {
        "sampling.draw": _("随机抽取检查对象"),
        "sampling.pool": _("汇总联合检查任务"),
        "sampling.plan.create": _("抽查计划 · 创建"),
        "sampling.plan.publish": _("抽查计划 · 公示"),
        "sampling.draw.refuse": _("随机抽取 · 被拒绝"),
        "sampling.pool.refuse": _("汇总 · 被拒绝"),
    }
)
fields_register(
    {
        "minimum": _("最低数量"),
        "seed": _("随机种子"),
        "plan": _("抽查计划"),
        "officers": _("检查人员"),
        "divisions": _("抽查区域"),
        "period_start": _("周期开始"),
        "period_end": _("周期结束"),
    }
)
