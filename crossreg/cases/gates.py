"""The legal gates of the procedure: each returns the problems that forbid a step, naming the rule.

Pure functions over a case and its related rows (no writes). The services call them after the
workflow table has said the actor may try the transition; a gate that fails refuses the step and
nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from crossreg.cases import clocks, conf
from crossreg.cases.models import HEARING_KINDS, CaseState, PenaltyKind
from crossreg.core.errors import Problem

if TYPE_CHECKING:
    from crossreg.cases.models import Case, DiscretionEntry
    from crossreg.orgs.models import Officer

KIND_WEIGHT = {k.value: i for i, k in enumerate(PenaltyKind)}


def officers_problems(
    officers: Sequence[Officer], *, entity_id: int, department_id: str, on: dt.date
) -> list[Problem]:
    """Art. 42: at least two officers holding valid certificates, of the case's department;
    Art. 43: none with a declared relation to the party (as sampling recuses them)."""
    from crossreg.inspections.models import OfficerRelation

    out: list[Problem] = []
    valid = [o for o in officers if o.can_enforce(on) and o.department_id == department_id]
    for o in officers:
        if not o.can_enforce(on):
            out.append(
                Problem(
                    _("行政处罚法第42条：执法人员 %(name)s 的执法证无效或已暂停执法") % {"name": o.name},
                    field="officers",
                    code="art42",
                )
            )
        elif o.department_id != department_id:
            out.append(
                Problem(
                    _("行政处罚法第42条：执法人员 %(name)s 不属于本部门") % {"name": o.name},
                    field="officers",
                    code="art42",
                )
            )
    if len({o.pk for o in valid}) < 2:
        out.append(
            Problem(
                _("行政处罚法第42条：调查取证须有两名以上持有效执法证的执法人员"),
                field="officers",
                code="art42",
            )
        )
    related = set(
        OfficerRelation.objects.filter(officer__in=[o.pk for o in officers], entity_id=entity_id).values_list(
            "officer_id", flat=True
        )
    )
    for o in officers:
        if o.pk in related:
            out.append(
                Problem(
                    _("行政处罚法第43条：执法人员 %(name)s 与当事人有利害关系，应当回避") % {"name": o.name},
                    field="officers",
                    code="art43",
                )
            )
    return out


def hearing_right(case: Case) -> list[str]:
    """Art. 63: why the party has a right to a hearing for the proposed penalty ([] if none)."""
    why: list[str] = []
    kinds = set(case.proposed_kinds)
    if case.proposed_fine >= conf.yuan("CASE_HEARING_FINE", case.party_kind):
        why.append(_("较大数额罚款"))
    if case.proposed_confiscation >= conf.yuan("CASE_HEARING_CONFISCATION", case.party_kind):
        why.append(_("没收较大数额违法所得、非法财物"))
    for k in sorted(kinds & {str(k) for k in HEARING_KINDS}):
        why.append(str(PenaltyKind(k).label))
    return why


def legal_review_triggers(case: Case) -> list[str]:
    """Art. 58: the reasons legal review is mandatory before the decision ([] if none)."""
    why: list[str] = []
    if case.major_public_interest:
        why.append(_("涉及重大公共利益（第58条第1项）"))
    if case.hearing_held:
        why.append(_("直接关系当事人重大权益，经过听证程序（第58条第2项）"))
    if case.complex_case:
        why.append(_("案件情况疑难复杂、涉及多个法律关系（第58条第3项）"))
    if case.proposed_fine >= conf.yuan("CASE_LEGAL_REVIEW_FINE", case.party_kind) or set(
        case.proposed_kinds
    ) & {str(k) for k in HEARING_KINDS}:
        why.append(_("法律、法规规定应当进行法制审核（第58条第4项，本地规定的数额和种类）"))
    return why


def discretion_problems(
    entry: DiscretionEntry | None, *, kinds: Iterable[str], fine: Decimal, reason: str, field: str = "fine"
) -> list[Problem]:
    """The published discretion benchmark: the amount within the legal range; a deviation from the
    suggested band needs a written reason; a kind the entry does not provide is refused."""
    if entry is None:
        return []
    out: list[Problem] = []
    kinds = set(kinds)
    allowed = set(entry.kinds) | {PenaltyKind.WARNING.value}
    extra = kinds - allowed
    if extra:
        out.append(
            Problem(
                _("裁量基准 %(code)s：%(clause)s 未规定此处罚种类：%(kinds)s")
                % {
                    "code": entry.code,
                    "clause": entry.legal_clause,
                    "kinds": "、".join(str(PenaltyKind(k).label) for k in sorted(extra)),
                },
                field="kinds",
                code="discretion_kind",
            )
        )
    if PenaltyKind.FINE in kinds or fine:
        if fine < entry.fine_min or fine > entry.fine_max:
            out.append(
                Problem(
                    _("裁量基准 %(code)s：%(clause)s 规定的罚款幅度为 %(lo)s–%(hi)s 元，%(fine)s 元超出范围")
                    % {
                        "code": entry.code,
                        "clause": entry.legal_clause,
                        "lo": entry.fine_min,
                        "hi": entry.fine_max,
                        "fine": fine,
                    },
                    field=field,
                    code="discretion_range",
                )
            )
        elif (fine < entry.suggested_min or fine > entry.suggested_max) and not reason.strip():
            out.append(
                Problem(
                    _("裁量基准 %(code)s：建议幅度为 %(lo)s–%(hi)s 元，偏离须书面说明理由")
                    % {"code": entry.code, "lo": entry.suggested_min, "hi": entry.suggested_max},
                    field="deviation_reason",
                    code="discretion_reason",
                )
            )
    return out


def defence_problems(case: Case, today: dt.date) -> list[Problem]:
    """Art. 62 (with 63/64): notice served; the defence period over or waived; a requested hearing held."""
    out: list[Problem] = []
    if case.notice_served_on is None:
        out.append(
            Problem(
                _("行政处罚法第62条：处罚告知书尚未送达当事人，不得作出决定"),
                field="notice_served_on",
                code="art62",
            )
        )
        return out
    ends = clocks.defence_ends(case)
    if not case.defence_waived and ends is not None and today <= ends:
        out.append(
            Problem(
                _("行政处罚法第62条：陈述申辩期至 %(d)s 届满，当事人未放弃，不得作出决定") % {"d": ends},
                field="defence",
                code="art62",
            )
        )
    if hearing_right(case):
        req_end = clocks.hearing_request_ends(case)
        if (
            case.hearing_requested_on is None
            and not case.defence_waived
            and req_end is not None
            and today <= req_end
        ):
            out.append(
                Problem(
                    _("行政处罚法第64条：听证申请期至 %(d)s 届满，不得作出决定") % {"d": req_end},
                    field="hearing",
                    code="art64",
                )
            )
    if case.hearing_requested_on is not None and not case.hearing_held:
        out.append(
            Problem(_("行政处罚法第64条：当事人已申请听证，听证尚未举行"), field="hearing", code="art64")
        )
    return out


def legal_review_problems(case: Case) -> list[Problem]:
    """Art. 58: a passed review after the last notice when any trigger holds."""
    triggers = legal_review_triggers(case)
    if not triggers:
        return []
    if _passed_review_current(case):
        return []
    return [
        Problem(
            _("行政处罚法第58条：须经法制审核通过方可作出决定（%(why)s）") % {"why": "；".join(triggers)},
            field="legal_review",
            code="art58",
        )
    ]


def _passed_review_current(case: Case) -> bool:
    last = case.legal_reviews.order_by("-at", "-id").first()
    if last is None or last.opinion != last.Opinion.PASSED:
        return False
    notice = case.events.filter(transition="issue_notice").order_by("-at", "-id").first()
    return notice is None or (last.at, last.pk) >= (notice.at, 0)


def discussion_problems(case: Case) -> list[Problem]:
    """Art. 57: collective discussion by the heads for major or complex cases."""
    if not (case.major_case or case.complex_case):
        return []
    notice = case.events.filter(transition="issue_notice").order_by("-at", "-id").first()
    qs = case.discussions.all()
    if notice is not None:
        qs = qs.filter(at__gte=notice.at)
    if qs.exists():
        return []
    return [
        Problem(
            _("行政处罚法第57条：情节复杂或重大违法行为的案件，须经负责人集体讨论决定"),
            field="discussion",
            code="art57",
        )
    ]


def heavier_problems(
    case: Case, *, kinds: Sequence[str], fine: Decimal, confiscation: Decimal
) -> list[Problem]:
    """Art. 45: the decision may not be heavier than the notice."""
    out: list[Problem] = []
    heaviest = max((KIND_WEIGHT.get(k, 0) for k in case.proposed_kinds), default=-1)
    new = [k for k in kinds if k not in case.proposed_kinds and KIND_WEIGHT.get(k, 99) > heaviest]
    if new:
        out.append(
            Problem(
                _("行政处罚法第45条：不得因当事人陈述申辩而给予更重的处罚（告知书未载明：%(k)s）")
                % {"k": "、".join(str(PenaltyKind(k).label) for k in new)},
                field="kinds",
                code="art45",
            )
        )
    if fine > case.proposed_fine:
        out.append(
            Problem(
                _("行政处罚法第45条：罚款 %(a)s 元高于告知书载明的 %(b)s 元")
                % {"a": fine, "b": case.proposed_fine},
                field="fine",
                code="art45",
            )
        )
    if confiscation > case.proposed_confiscation:
        out.append(
            Problem(
                _("行政处罚法第45条：没收金额 %(a)s 元高于告知书载明的 %(b)s 元")
                % {"a": confiscation, "b": case.proposed_confiscation},
                field="confiscation",
                code="art45",
            )
        )
    return out


def decision_deadline_problems(case: Case, today: dt.date) -> list[Problem]:
    due = clocks.decision_due(case, today)
    if today > due:
        return [
            Problem(
                _("行政处罚法第60条：作出决定的期限已于 %(d)s 届满，须先经批准延长") % {"d": due},
                field="decision_due",
                code="art60",
            )
        ]
    return []


def simplified_problems(*, party_kind: str, kinds: Sequence[str], fine: Decimal) -> list[Problem]:
    """Art. 51: a warning, or a fine up to 200 yuan (citizens) / 3,000 yuan (organisations)."""
    out: list[Problem] = []
    extra = set(kinds) - {PenaltyKind.WARNING.value, PenaltyKind.FINE.value}
    if extra or not kinds:
        out.append(Problem(_("行政处罚法第51条：简易程序只适用于警告或者罚款"), field="kinds", code="art51"))
    limit = conf.yuan("CASE_SIMPLIFIED_MAX_FINE", party_kind)
    if fine > limit:
        out.append(
            Problem(
                _("行政处罚法第51条：当场处罚的罚款不得超过 %(n)s 元") % {"n": limit},
                field="fine",
                code="art51",
            )
        )
    return out


def stage_open(case: Case) -> bool:
    return case.state in (CaseState.INVESTIGATION, CaseState.REVIEW)
