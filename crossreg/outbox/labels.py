"""What people read for the outbox codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import subjects_register, verbs_register

subjects_register(
    {
        "outbox.delivery": _("数据推送"),
        "outbox.target": _("推送目标"),
        "outbox.subscription": _("推送订阅"),
        "exchange.backfill": _("历史数据补推"),
        "exchange.inbound": _("外部数据接收"),
        "exchange.mapping": _("字段映射"),
        "exchange.reconciliation": _("对账"),
        "exchange.target": _("推送目标"),
    }
)
verbs_register(
    {
        "replayed": _("重新推送"),
        "receipt": _("回执"),
        "removed": _("已删除"),
        "imported": _("已导入"),
        "tested": _("已测试"),
        "cancel_requested": _("请求取消"),
    }
)
