"""A case's legal clocks, computed from its dates with :mod:`crossreg.core.calendar` only.

Each clock names its legal basis, its unit (working or calendar days) and its end. A clock is
*met* (done on or before its end), *late* (done after it), *overdue* (not done and past it),
*near* (not done, ending within ``CASE_NEAR_DUE_DAYS``), *running*, or *stopped* (the case is
suspended: Art. 60's 90 days do not run during a hearing, an expert appraisal or a public
announcement — SAMR rule Art. 64).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from crossreg.cases import conf
from crossreg.core.calendar import add_calendar_days, add_workdays

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from crossreg.cases.models import Case, CaseSource, CompulsoryMeasure


@dataclass(frozen=True)
class Clock:
    key: str
    label: str | Promise
    basis: str | Promise
    unit: str  # "workdays" | "days" | "hours"
    due: dt.date | None
    done_on: dt.date | None = None
    stopped: bool = False

    def status(self, today: dt.date) -> str:
        if self.due is None:
            return "stopped" if self.stopped else "running"
        if self.done_on is not None:
            return "met" if self.done_on <= self.due else "late"
        if self.stopped:
            return "stopped"
        if today > self.due:
            return "overdue"
        if (self.due - today).days <= int(conf.get("CASE_NEAR_DUE_DAYS")):
            return "near"
        return "running"

    @property
    def open(self) -> bool:
        return self.done_on is None and not self.stopped and self.due is not None


STATUS_LABELS = {
    "met": _("按期完成"),
    "late": _("逾期完成"),
    "overdue": _("已逾期"),
    "near": _("即将到期"),
    "running": _("计时中"),
    "stopped": _("已中止计时"),
}


def filing_due(discovered_on: dt.date, *, extended: bool = False) -> dt.date:
    """SAMR rule Art. 18: 15 working days of discovery, extendable once by 15."""
    days = int(conf.get("CASE_FILING_WORKDAYS"))
    if extended:
        days += int(conf.get("CASE_FILING_EXTENSION_WORKDAYS"))
    return add_workdays(discovered_on, days)


def decision_due(case: Case, today: dt.date | None = None) -> dt.date:
    """Art. 60: 90 days from filing, plus approved extensions, plus the days the case was suspended
    (a running suspension counts up to ``today``)."""
    extra = case.suspended_days
    if case.suspended_on is not None:
        extra += max(0, ((today or dt.date.today()) - case.suspended_on).days)
    return add_calendar_days(
        case.filed_on, int(conf.get("CASE_DECISION_DAYS")) + case.decision_extension_days + extra
    )


def defence_ends(case: Case) -> dt.date | None:
    """The statement-and-defence period: ``CASE_DEFENCE_WORKDAYS`` working days from service."""
    if case.notice_served_on is None:
        return None
    return conf.period("CASE_DEFENCE_WORKDAYS").end(case.notice_served_on)


def hearing_request_ends(case: Case) -> dt.date | None:
    """Art. 64 (1): a hearing is requested within 5 days of the notice."""
    if case.notice_served_on is None:
        return None
    return add_calendar_days(case.notice_served_on, int(conf.get("CASE_HEARING_REQUEST_DAYS")))


def earliest_hearing(notified_on: dt.date) -> dt.date:
    """Art. 64 (2): the party is notified 7 days before the hearing (no roll: the earliest day)."""
    return notified_on + dt.timedelta(days=int(conf.get("CASE_HEARING_NOTICE_DAYS")))


def service_due(decided_on: dt.date) -> dt.date:
    """Art. 61: the decision is served within 7 days."""
    return add_calendar_days(decided_on, int(conf.get("CASE_SERVICE_DAYS")))


def payment_due(served_on: dt.date) -> dt.date:
    """Art. 67: paid within 15 days of service."""
    return add_calendar_days(served_on, int(conf.get("CASE_PAYMENT_DAYS")))


def publish_due(decided_on: dt.date) -> dt.date:
    """国办发〔2018〕118号: published within 7 working days of the decision."""
    return add_workdays(decided_on, int(conf.get("CASE_PUBLISH_WORKDAYS")))


def withdraw_due(revoked_on: dt.date) -> dt.date:
    """Art. 48: a changed or revoked decision's publication is withdrawn within 3 days."""
    return add_calendar_days(revoked_on, int(conf.get("CASE_WITHDRAW_DAYS")))


def measure_end(starts_on: dt.date, *, extended: bool = False) -> dt.date:
    """行政强制法 Art. 25: sealing/seizure 30 days, once extendable by 30."""
    days = int(conf.get("CASE_MEASURE_DAYS"))
    if extended:
        days += int(conf.get("CASE_MEASURE_EXTENSION_DAYS"))
    return add_calendar_days(starts_on, days)


def source_clocks(source: CaseSource) -> list[Clock]:
    done = source.decided_at.date() if source.decided_at else None
    return [
        Clock(
            "filing",
            _("立案审批"),
            _("市场监管行政处罚程序规定第18条：15个工作日（可延长15个工作日）"),
            "workdays",
            source.filing_due,
            done,
        )
    ]


def case_clocks(case: Case, today: dt.date | None = None) -> list[Clock]:
    """Every clock of ``case`` that has started, in the order of the procedure."""
    from crossreg.cases.models import CaseState, Procedure

    today = today or dt.date.today()
    out: list[Clock] = []
    if case.source is not None and case.procedure == Procedure.ORDINARY:
        out.append(
            Clock(
                "filing",
                _("立案审批"),
                _("市场监管行政处罚程序规定第18条：15个工作日"),
                "workdays",
                case.source.filing_due,
                case.filed_on,
            )
        )
    final = case.decided_on or (
        case.closed_on
        if case.state in (CaseState.WITHDRAWN, CaseState.TRANSFERRED, CaseState.NOT_PENALISED)
        else None
    )
    if case.procedure == Procedure.ORDINARY:
        out.append(
            Clock(
                "decision",
                _("作出处罚决定"),
                _("行政处罚法第60条：立案之日起90日（经批准可延长）"),
                "days",
                decision_due(case, today),
                final,
                stopped=case.state == CaseState.SUSPENDED,
            )
        )
    ends = defence_ends(case)
    if ends is not None:
        done = ends if case.defence_waived or today > ends or case.decided_on else None
        out.append(
            Clock(
                "defence",
                _("陈述申辩期"),
                _("行政处罚法第62条；程序规定第57条：5个工作日"),
                "workdays",
                ends,
                done,
            )
        )
    if case.decided_on is not None:
        out.append(
            Clock(
                "service",
                _("送达处罚决定书"),
                _("行政处罚法第61条：7日内送达"),
                "days",
                service_due(case.decided_on),
                case.served_on,
            )
        )
        if (case.decided_fine or case.decided_confiscation) and case.served_on is not None:
            out.append(
                Clock(
                    "payment",
                    _("缴纳罚没款"),
                    _("行政处罚法第67条：15日内缴纳"),
                    "days",
                    payment_due(case.served_on),
                    case.paid_on,
                )
            )
        if case.publish_due is not None:
            out.append(
                Clock(
                    "publish",
                    _("处罚决定公示"),
                    _("国办发〔2018〕118号：7个工作日内公开"),
                    "workdays",
                    case.publish_due,
                    case.published_at.date() if case.published_at else None,
                )
            )
    if case.withdraw_due is not None:
        withdrawn = case.publication_withdrawn_at.date() if case.publication_withdrawn_at else None
        out.append(
            Clock(
                "withdraw",
                _("撤回公示"),
                _("行政处罚法第48条：3日内撤回"),
                "days",
                case.withdraw_due,
                withdrawn,
            )
        )
    return out


def measure_clocks(measure: CompulsoryMeasure) -> list[Clock]:
    out: list[Clock] = []
    if measure.report_due_at is not None:
        out.append(
            Clock(
                "report",
                _("当场实施后报告"),
                _("行政强制法第19条：24小时内报告"),
                "hours",
                measure.report_due_at.date(),
                measure.reported_at.date() if measure.reported_at else None,
            )
        )
    if measure.ends_on is not None:
        out.append(
            Clock(
                "measure",
                _("查封扣押期限"),
                _("行政强制法第25条：30日，可延长30日"),
                "days",
                measure.ends_on,
                measure.released_on,
            )
        )
    return out


def next_open(clocks: list[Clock]) -> Clock | None:
    """The clock that ends first among those still running."""
    running = [c for c in clocks if c.open]
    return min(running, key=lambda c: c.due or dt.date.max) if running else None
