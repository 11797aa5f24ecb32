"""The periodic deadline check: notices for near-due and overdue clocks (through ``notices``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.cases import clocks, conf
from crossreg.cases.models import Case, CaseSource
from crossreg.core.audit import audit_record
from crossreg.notices.services import notice_send
from crossreg.orgs.models import Department


@transaction.atomic
def deadlines_notify(*, today: dt.date | None = None) -> dict[str, int]:
    """One notice per department listing how many of its cases are overdue or near due, and each
    overdue publication or withdrawal by name (those are public obligations)."""
    today = today or timezone.localdate()
    near = today + dt.timedelta(days=int(conf.get("CASE_NEAR_DUE_DAYS")))
    counts: dict[str, dict[str, int]] = {}
    for dept_id, due in Case.objects.filter(next_due__isnull=False, next_due__lte=near).values_list(
        "department_id", "next_due"
    ):
        c = counts.setdefault(dept_id, {"overdue": 0, "near": 0})
        c["overdue" if due is not None and due < today else "near"] += 1
    for dept_id in CaseSource.objects.filter(
        status=CaseSource.Status.REGISTERED, filing_due__lt=today
    ).values_list("department_id", flat=True):
        counts.setdefault(dept_id, {"overdue": 0, "near": 0})["overdue"] += 1
    depts = Department.objects.in_bulk(list(counts))
    for dept_id, c in counts.items():
        notice_send(
            verb="case.deadlines",
            subject=_("案件时限：已逾期 %(o)s 件，即将到期 %(n)s 件") % {"o": c["overdue"], "n": c["near"]},
            link="/cases/deadlines/",
            departments=[depts[dept_id]],
        )
    late_pub = list(
        Case.objects.filter(
            published_at__isnull=True, publish_due__lt=today, revoked_on__isnull=True
        ).values_list("number", "department_id")[:1000]
    )
    late_wd = list(
        Case.objects.filter(publication_withdrawn_at__isnull=True, withdraw_due__lt=today).values_list(
            "number", "department_id"
        )[:1000]
    )
    for number, dept_id in late_pub:
        notice_send(
            verb="case.publish_overdue",
            subject=_("处罚决定逾期未公示：%(n)s") % {"n": number},
            link="/cases/deadlines/",
            departments=[Department(pk=dept_id)],
        )
    for number, dept_id in late_wd:
        notice_send(
            verb="case.withdraw_overdue",
            subject=_("撤销的处罚决定逾期未撤回公示：%(n)s") % {"n": number},
            link="/cases/deadlines/",
            departments=[Department(pk=dept_id)],
        )
    summary = {
        "departments": len(counts),
        "publications_overdue": len(late_pub),
        "withdrawals_overdue": len(late_wd),
    }
    audit_record(
        actor="system:cases",
        action="case.deadlines.checked",
        subject_type="case.deadlines",
        subject_id=today.isoformat(),
        payload=summary,
    )
    return summary


def case_clock_rows(case: Case, today: dt.date) -> list[dict[str, object]]:
    return [
        {"clock": c, "status": c.status(today), "status_label": clocks.STATUS_LABELS[c.status(today)]}
        for c in clocks.case_clocks(case, today)
    ]
