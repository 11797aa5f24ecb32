"""What people read for the enforcement case's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, subjects_register, verbs_register

subjects_register(
    {
        "case": _("行政执法案件"),
        "case.case": _("行政执法案件"),
        "case.source": _("案件线索"),
        "case.document": _("执法文书"),
        "case.decision": _("处罚决定"),
        "case.notice": _("处罚告知"),
        "case.evidence": _("证据"),
        "case.penalty": _("处罚建议"),
        "case.defence": _("陈述申辩"),
        "case.payment": _("罚没款缴纳"),
        "case.publication": _("处罚信息公示"),
        "case.benchmark": _("裁量基准"),
        "case.measure": _("行政强制措施"),
        "case.hearing": _("听证"),
        "case.discussion": _("集体讨论"),
        "case.officers": _("办案人员"),
        "case.deadlines": _("办案期限"),
        "case.simplified": _("简易程序"),
    }
)
verbs_register(
    {
        "start_investigation": _("开始调查取证"),
        "submit_review": _("提交案件审核"),
        "submit_legal_review": _("提交法制审核"),
        "pass_legal_review": _("法制审核通过"),
        "return_legal_review": _("法制审核退回"),
        "return_investigation": _("退回补充调查"),
        "issue_notice": _("送达处罚告知书"),
        "request_hearing": _("申请听证"),
        "convene_discussion": _("提请集体讨论"),
        "decide_no_penalty": _("决定不予处罚"),
        "serve_decision": _("送达处罚决定书"),
        "revoke_decision": _("撤销处罚决定"),
        "withdraw_case": _("撤销立案"),
        "archive": _("归档"),
        "suspend": _("中止"),
        "resume": _("恢复办理"),
        "transfer": _("移送"),
        "filed": _("立案"),
        "registered": _("登记"),
        "declined": _("不予立案"),
        "extended": _("延期"),
        "issued": _("制发"),
        "added": _("添加"),
        "served": _("送达"),
        "proposed": _("提出"),
        "waived": _("放弃"),
        "recorded": _("记录"),
        "withdrawn": _("撤回"),
        "drafted": _("起草"),
        "made": _("作出"),
        "held": _("举行"),
        "scheduled": _("安排"),
        "imposed": _("实施"),
        "released": _("解除"),
        "refused": _("不予批准"),
        "reported": _("报告"),
        "emergency": _("当场实施"),
        "assigned": _("指派"),
        "checked": _("检查"),
        "decided": _("当场作出决定"),
    }
)
actions_register(
    {
        "case.late": _("行政执法案件 · 超期提醒"),
        "case.publish_overdue": _("处罚信息公示 · 超期"),
        "case.withdraw_overdue": _("处罚信息公示 · 撤回超期"),
        "case.step": _("行政执法案件 · 办理"),
    }
)
