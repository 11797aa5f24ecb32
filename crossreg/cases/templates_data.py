"""Version 1 of the enforcement document templates (loaded by a data migration).

Each body is Jinja text, one paragraph a line, the same placeholders docxtpl fills in the DOCX.
``fields`` are required: a context without one of them refuses to render and names it.
"""

from __future__ import annotations

from typing import Any

TEMPLATES: list[dict[str, Any]] = [
    {
        "kind": "filing",
        "title": "立案审批表",
        "word": "立",
        "fields": ["case_number", "party", "title", "officers", "filed_on"],
        "body": "{{ department }}\n立案审批表\n{{ number }}\n当事人：{{ party }}\n统一社会信用代码：{{ uscc }}\n案由：{{ title }}\n"
        "承办人员：{{ officers }}\n立案日期：{{ filed_on }}",
    },
    {
        "kind": "questioning",
        "title": "询问笔录",
        "word": "询",
        "fields": ["party", "officers", "date", "record"],
        "body": "{{ department }}\n询问笔录\n{{ number }}\n被询问人：{{ party }}\n询问人：{{ officers }}\n时间：{{ date }}\n{{ record }}",
    },
    {
        "kind": "onsite",
        "title": "现场检查笔录",
        "word": "检",
        "fields": ["party", "officers", "date", "record"],
        "body": "{{ department }}\n现场检查笔录\n{{ number }}\n当事人：{{ party }}\n检查人员：{{ officers }}\n时间：{{ date }}\n{{ record }}",
    },
    {
        "kind": "notice",
        "title": "行政处罚告知书",
        "word": "告",
        "fields": ["case_number", "party", "facts", "penalty", "date"],
        "body": "{{ department }}\n行政处罚告知书\n{{ number }}\n{{ party }}：\n经查，{{ facts }}\n依据{{ legal_clause }}，本机关拟对你（单位）"
        "作出如下行政处罚：{{ penalty }}，罚款 {{ fine }} 元，没收 {{ confiscation }} 元。\n根据《中华人民共和国行政处罚法》第四十四条、"
        "第四十五条，你（单位）可在收到本告知书之日起{{ defence_days }}个工作日内进行陈述和申辩。\n听证权利（第六十三条）：{{ hearing_right }}。"
        "要求听证的，应当在告知后五日内提出。\n案件编号：{{ case_number }}\n{{ date }}",
    },
    {
        "kind": "hearing",
        "title": "听证通知书",
        "word": "听",
        "fields": ["party", "hearing_on", "date"],
        "body": "{{ department }}\n听证通知书\n{{ number }}\n{{ party }}：\n本机关定于{{ hearing_on }}举行听证（行政处罚法第六十四条）。\n{{ date }}",
    },
    {
        "kind": "legal_review",
        "title": "法制审核意见书",
        "word": "法审",
        "fields": ["case_number", "review_opinion", "date"],
        "body": "{{ department }}\n法制审核意见书\n{{ number }}\n案件：{{ case_number }} {{ title }}\n审核意见：{{ review_opinion }}\n{{ date }}",
    },
    {
        "kind": "discussion",
        "title": "集体讨论记录",
        "word": "讨",
        "fields": ["case_number", "participants", "discussion", "date"],
        "body": "{{ department }}\n集体讨论记录\n{{ number }}\n案件：{{ case_number }} {{ title }}\n参加人员：{{ participants }}\n"
        "讨论结论：{{ discussion }}\n{{ date }}",
    },
    {
        "kind": "decision",
        "title": "行政处罚决定书",
        "word": "处罚",
        "fields": ["case_number", "party", "facts", "penalty", "date"],
        "body": "{{ department }}\n行政处罚决定书\n{{ number }}\n当事人：{{ party }}\n统一社会信用代码：{{ uscc }}\n住所：{{ address }}\n"
        "法定代表人（负责人）：{{ representative }}\n违法事实：{{ facts }}\n处罚依据：{{ legal_clause }}\n"
        "处罚内容：{{ penalty }}，罚款 {{ fine }} 元，没收 {{ confiscation }} 元。\n当事人应当自收到本决定书之日起{{ payment_days }}日内缴纳罚款"
        "（行政处罚法第六十七条）。逾期不缴纳的，每日按罚款数额的百分之三加处罚款（第七十二条）。\n"
        "如不服本决定，可依法申请行政复议或者提起行政诉讼。\n程序：{{ procedure }}　案件编号：{{ case_number }}\n{{ date }}",
    },
    {
        "kind": "service",
        "title": "送达回证",
        "word": "送",
        "fields": ["case_number", "party", "served_on"],
        "body": "{{ department }}\n送达回证\n{{ number }}\n受送达人：{{ party }}\n送达文书：{{ case_number }} 行政处罚决定书\n送达日期：{{ served_on }}",
    },
    {
        "kind": "measure",
        "title": "查封扣押决定书",
        "word": "强制",
        "fields": ["party", "measure_kind", "items", "measure_until", "reason"],
        "body": "{{ department }}\n查封（扣押）决定书\n{{ number }}\n当事人：{{ party }}\n措施：{{ measure_kind }}\n理由和依据：{{ reason }}\n"
        "财物清单：{{ items }}\n期限至：{{ measure_until }}（行政强制法第二十五条：不得超过三十日，情况复杂的经批准可延长三十日）\n{{ date }}",
    },
    {
        "kind": "closing",
        "title": "结案报告",
        "word": "结",
        "fields": ["case_number", "state", "date"],
        "body": "{{ department }}\n结案报告\n{{ number }}\n案件：{{ case_number }} {{ title }}\n处理结果：{{ penalty }}（{{ state }}）\n{{ date }}",
    },
]
