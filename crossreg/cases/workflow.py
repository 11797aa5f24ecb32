"""The ordinary procedure of an enforcement case: ONE table of allowed transitions.

Each entry is ``(from state, transition) → (to state, capability)``. The capability is checked
for the case's department (``Principal.can(capability, case.department_id)``): the case handlers
(staff, officers: HANDLE_CASES), the department head (``dept_head``: DECIDE_CASES) and the
department's legal reviewer (``legal``: CASE_LEGAL_REVIEW). The legal gates that a transition must
also pass (Art. 42, 45, 57, 58, 62, 63/64 …) are in :mod:`crossreg.cases.gates`; the table says who
may try, the gates say whether the law allows it now.

``resume`` returns to the state the case was suspended from (``RESUME_TARGET``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crossreg.cases.models import CaseState as S
from crossreg.orgs.permissions import Capability, Principal

H, D, L = Capability.HANDLE_CASES, Capability.DECIDE_CASES, Capability.CASE_LEGAL_REVIEW
RESUME_TARGET = "*suspended_from*"

_SUSPENDABLE = (
    S.FILED,
    S.INVESTIGATION,
    S.REVIEW,
    S.NOTICE,
    S.HEARING,
    S.LEGAL_REVIEW,
    S.REVIEWED,
    S.DISCUSSION,
)
_DECIDABLE = (S.NOTICE, S.HEARING, S.REVIEWED, S.DISCUSSION)

TRANSITIONS: dict[tuple[str, str], tuple[str, Capability]] = {
    (S.FILED, "start_investigation"): (S.INVESTIGATION, H),
    (S.INVESTIGATION, "submit_review"): (S.REVIEW, H),
    (S.REVIEW, "return_investigation"): (S.INVESTIGATION, D),
    (S.REVIEW, "issue_notice"): (S.NOTICE, D),
    (S.NOTICE, "request_hearing"): (S.HEARING, H),
    (S.NOTICE, "submit_legal_review"): (S.LEGAL_REVIEW, H),
    (S.HEARING, "submit_legal_review"): (S.LEGAL_REVIEW, H),
    (S.LEGAL_REVIEW, "pass_legal_review"): (S.REVIEWED, L),
    (S.LEGAL_REVIEW, "return_legal_review"): (S.INVESTIGATION, L),
    (S.NOTICE, "convene_discussion"): (S.DISCUSSION, D),
    (S.HEARING, "convene_discussion"): (S.DISCUSSION, D),
    (S.REVIEWED, "convene_discussion"): (S.DISCUSSION, D),
    **{(s, "decide"): (S.DECIDED, D) for s in _DECIDABLE},
    **{(s, "decide_no_penalty"): (S.NOT_PENALISED, D) for s in (S.REVIEW, *_DECIDABLE)},
    (S.DECIDED, "serve_decision"): (S.ENFORCEMENT, H),
    (S.ENFORCEMENT, "close"): (S.CLOSED, D),
    (S.NOT_PENALISED, "close"): (S.CLOSED, D),
    (S.CLOSED, "archive"): (S.ARCHIVED, H),
    **{(s, "withdraw_case"): (S.WITHDRAWN, D) for s in (S.FILED, S.INVESTIGATION, S.REVIEW)},
    **{(s, "transfer"): (S.TRANSFERRED, D) for s in (S.FILED, S.INVESTIGATION, S.REVIEW)},
    **{(s, "suspend"): (S.SUSPENDED, D) for s in _SUSPENDABLE},
    (S.SUSPENDED, "resume"): (RESUME_TARGET, D),
    **{(s, "revoke_decision"): (S.REVOKED, D) for s in (S.DECIDED, S.ENFORCEMENT, S.CLOSED, S.ARCHIVED)},
}

TRANSITION_NAMES: list[str] = sorted({t for _, t in TRANSITIONS})

#: What people read for each transition (buttons, history, messages).
LABELS = {
    "start_investigation": _("开始调查取证"),
    "submit_review": _("提交案件审核"),
    "return_investigation": _("退回补充调查"),
    "issue_notice": _("批准并制发处罚告知书"),
    "request_hearing": _("当事人申请听证"),
    "submit_legal_review": _("提交法制审核"),
    "pass_legal_review": _("法制审核通过"),
    "return_legal_review": _("法制审核退回"),
    "convene_discussion": _("提请集体讨论"),
    "decide": _("作出处罚决定"),
    "decide_no_penalty": _("作出不予处罚决定"),
    "serve_decision": _("送达处罚决定书"),
    "close": _("结案"),
    "archive": _("归档"),
    "withdraw_case": _("撤销立案"),
    "transfer": _("移送"),
    "suspend": _("中止调查"),
    "resume": _("恢复调查"),
    "revoke_decision": _("撤销或变更处罚决定"),
}


def target(state: str, transition: str, suspended_from: str = "") -> str | None:
    """The state ``transition`` leads to from ``state``, or ``None`` if the table has no such step."""
    entry = TRANSITIONS.get((state, transition))
    if entry is None:
        return None
    return suspended_from if entry[0] == RESUME_TARGET else entry[0]


def capability_for(state: str, transition: str) -> Capability | None:
    entry = TRANSITIONS.get((state, transition))
    return entry[1] if entry else None


def may(principal: Principal, *, state: str, transition: str, department_id: str) -> bool:
    """May ``principal`` make ``transition`` from ``state`` on a case of ``department_id``?"""
    cap = capability_for(state, transition)
    return cap is not None and principal.can(cap, department_id)


def allowed(principal: Principal, *, state: str, department_id: str) -> list[str]:
    """The transitions ``principal`` may attempt from ``state`` (the gates may still refuse)."""
    return [t for (s, t), (_, cap) in TRANSITIONS.items() if s == state and principal.can(cap, department_id)]


# -- capabilities for actions that are not state transitions (one place, on the same table) --------
ACTIONS: dict[str, Capability] = {
    "register_source": H,
    "file": D,
    "decline_source": D,
    "extend_filing": D,
    "assign_officers": H,
    "add_evidence": H,
    "propose_penalty": H,
    "serve_notice": H,
    "waive_defence": H,
    "schedule_hearing": H,
    "record_hearing": H,
    "record_discussion": D,
    "extend_decision": D,
    "record_payment": H,
    "publish": H,
    "withdraw_publication": H,
    "issue_document": H,
    "simplified_decide": H,
    "measure_propose": H,
    "measure_approve": D,
    "measure_extend": D,
    "measure_release": D,
    "measure_emergency": H,
    "measure_report": D,
    "benchmark_edit": D,
    "benchmark_publish": D,
}


ACTION_LABELS = {
    "register_source": _("登记案件来源"),
    "file": _("批准立案"),
    "decline_source": _("决定不予立案"),
    "extend_filing": _("延长立案期限"),
    "assign_officers": _("指派执法人员"),
    "add_evidence": _("附卷证据"),
    "propose_penalty": _("提出拟处罚意见"),
    "serve_notice": _("记录告知书送达"),
    "waive_defence": _("记录放弃陈述申辩"),
    "schedule_hearing": _("安排听证"),
    "record_hearing": _("记录听证"),
    "record_discussion": _("记录集体讨论"),
    "extend_decision": _("批准延长办案期限"),
    "record_payment": _("记录缴款"),
    "publish": _("公示处罚决定"),
    "withdraw_publication": _("撤回公示"),
    "issue_document": _("制发执法文书"),
    "simplified_decide": _("当场处罚"),
    "measure_propose": _("提请行政强制措施"),
    "measure_approve": _("批准行政强制措施"),
    "measure_extend": _("延长查封扣押期限"),
    "measure_release": _("解除行政强制措施"),
    "measure_emergency": _("当场实施行政强制措施"),
    "measure_report": _("审查当场实施的强制措施"),
    "benchmark_edit": _("编制裁量基准"),
    "benchmark_publish": _("发布裁量基准"),
}


def may_act(principal: Principal, action: str, department_id: str) -> bool:
    return principal.can(ACTIONS[action], department_id)
