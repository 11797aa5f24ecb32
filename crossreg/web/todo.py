"""The signed-in person's to-do list and landing page: what waits for them, across the apps.

Each section reads through its app's own selectors, scoped to the principal, and is shown only to
those whose role works on it (a section that answers nothing for the role is left out, so no
link on the page answers 403). Every section costs a count and at most :data:`SHOWN` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crossreg.orgs.models import User
from crossreg.orgs.permissions import Capability, Principal

SHOWN = 5
_R = User.Role


@dataclass
class Row:
    label: str
    url: str
    note: str = ""


@dataclass
class Section:
    key: str
    title: str | Promise
    url: str
    count: int
    rows: list[Row] = field(default_factory=list)
    empty: str | Promise = ""  # what to say when there is nothing (default: 暂无待办)


def landing_url(user: Any) -> str:
    """Where ``user`` starts after signing in: the place of their daily work."""
    p = Principal.from_user(user)
    role = getattr(user, "role", "")
    if user.is_superuser or role == _R.ADMIN:
        return reverse("dashboard")
    if role in (_R.LEADER, _R.BIGDATA):
        return reverse("dashboard")
    if role == _R.OFFICER:
        return reverse("inspections:task_list")
    if role == _R.LEGAL:
        return reverse("cases:legal_queue")
    if role == _R.JUSTICE:
        return reverse("catalog:work_index")  # the legality review queue
    if role == _R.HOTLINE:
        return reverse("complaints:inbox")
    if role == _R.CREDIT:
        return reverse("credit:models")
    if role == _R.FINANCE:
        return reverse("complaints:rewards")
    if role == _R.AUDITOR:
        return reverse("sampling:plan_list")  # the draws, each with its verifiable bundle
    if p.is_authenticated:
        return reverse("todo")
    return reverse("home")


def _inspection_sections(p: Principal, user: Any, today: dt.date) -> list[Section]:
    from crossreg.inspections import selectors as insp
    from crossreg.inspections.models import TaskStatus

    out: list[Section] = []
    url = reverse("inspections:task_list")
    if p.has(Capability.INSPECT):
        mine = insp.task_mine(user=user).filter(
            Q(window_start__lte=today, window_end__gte=today)
            | Q(status__in=[TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_CONFIRMATION])
        )
        mine = mine.exclude(status__in=[TaskStatus.PUBLISHED, TaskStatus.SUBMITTED, TaskStatus.FOLLOW_UP])
        out.append(_tasks_section("tasks_today", _("今日检查任务"), url, mine))
    if p.has(Capability.MANAGE_INSPECTIONS) and p.department_id:
        own = insp.task_visible_list(user=user).filter(departments__department_id=p.department_id)
        out.append(
            _tasks_section(
                "tasks_publish",
                _("待公示的检查结果"),
                url,
                own.filter(status__in=[TaskStatus.SUBMITTED, TaskStatus.FOLLOW_UP]),
            )
        )
        out.append(
            _tasks_section(
                "tasks_overdue",
                _("已超过检查期限的任务"),
                url,
                own.filter(
                    window_end__lt=today,
                    status__in=[
                        TaskStatus.ASSIGNED,
                        TaskStatus.IN_PROGRESS,
                        TaskStatus.AWAITING_CONFIRMATION,
                    ],
                ),
            )
        )
    return out


def _tasks_section(key: str, title: Any, url: str, qs: Any) -> Section:
    qs = qs.distinct().select_related("entity").order_by("window_end", "code")
    rows = [
        Row(
            label=f"{t.code} {t.entity.name}",
            url=reverse("inspections:task_detail", args=[t.code]),
            note=str(_("截止 %(date)s") % {"date": t.window_end.isoformat()}),
        )
        for t in qs[:SHOWN]
    ]
    return Section(key=key, title=title, url=url, count=qs.count(), rows=rows)


def _catalog_sections(user: Any) -> list[Section]:
    from crossreg.catalog.selectors import tasks_for

    t = tasks_for(user=user)
    url = reverse("catalog:work_index")
    kinds: list[tuple[str, Any, list[Any], bool]] = [
        ("drafts", _("本部门监管事项草稿"), t["drafts"], False),
        ("joint", _("待本部门会审的监管事项"), t["joint"], False),
        ("convene", _("待组织集中会审"), t["convene"], False),
        ("first", _("待初审的调整申请"), t["first"], True),
        ("legality", _("待合法性审核"), t["legality"], False),
        ("requests", _("本局的调整申请"), t["requests"], True),
        ("owner", _("待本部门提出意见的调整申请"), t.get("owner", []), True),
    ]
    role = getattr(user, "role", "")
    out = []
    for key, title, items, is_request in kinds:
        if not items and not (key == "requests" and role == _R.APPROVAL):
            continue
        rows = []
        for obj in items[:SHOWN]:
            if is_request:
                rows.append(
                    Row(
                        label=f"{obj.item.code} {obj.version.name}",
                        url=reverse("catalog:work_change_request", args=[obj.pk]),
                        note=str(obj.get_status_display()),
                    )
                )
            elif getattr(obj, "on_adjust_track", False) and obj.change_request_id:
                rows.append(
                    Row(
                        label=f"{obj.item.code} {obj.name}",
                        url=reverse("catalog:work_change_request", args=[obj.change_request_id]),
                        note=str(_("调整申请")),
                    )
                )
            else:
                rows.append(
                    Row(
                        label=f"{obj.item.code} {obj.name}",
                        url=reverse("catalog:work_version", args=[obj.pk]),
                        note=f"v{obj.number}",
                    )
                )
        out.append(
            Section(
                key=f"catalog_{key}",
                title=title,
                url=url,
                count=len(items),
                rows=rows,
                empty=_(
                    "暂无调整申请。要调整一项已发布的监管事项，请在公开清单中打开该事项，点击“申请调整”。"
                )
                if key == "requests"
                else "",
            )
        )
    return out


def _case_sections(p: Principal, today: dt.date) -> list[Section]:
    from crossreg.cases import selectors as cases

    out = []
    if p.has(Capability.CASE_LEGAL_REVIEW):
        qs = cases.legal_queue(principal=p)
        out.append(
            Section(
                key="cases_legal",
                title=_("待法制审核的案件"),
                url=reverse("cases:legal_queue"),
                count=qs.count(),
                rows=[
                    Row(label=c.number or str(c.pk), url=reverse("cases:detail", args=[c.pk]))
                    for c in qs[:SHOWN]
                ],
            )
        )
    if p.has(Capability.HANDLE_CASES) or p.has(Capability.DECIDE_CASES):
        qs = cases.deadline_list(principal=p).filter(next_due__lte=today + dt.timedelta(days=7))
        out.append(
            Section(
                key="cases_due",
                title=_("已到期或七日内到期的案件"),
                url=reverse("cases:deadlines"),
                count=qs.count(),
                rows=[
                    Row(
                        label=c.number or str(c.pk),
                        url=reverse("cases:detail", args=[c.pk]),
                        note=str(_("期限 %(date)s") % {"date": c.next_due}),
                    )
                    for c in qs[:SHOWN]
                ],
            )
        )
        src = cases.sources_pending(principal=p)
        out.append(
            Section(
                key="cases_sources",
                title=_("待决定是否立案的线索"),
                url=reverse("cases:list"),
                count=src.count(),
                rows=[
                    Row(
                        label=f"{s.entity.name if s.entity else s.pk}",
                        url=reverse("cases:source", args=[s.pk]),
                    )
                    for s in src[:SHOWN]
                ],
            )
        )
    return out


def _complaint_sections(p: Principal) -> list[Section]:
    from crossreg.complaints import selectors as comp

    out = []
    if p.has(Capability.HANDLE_COMPLAINTS):
        qs = comp.inbox(principal=p)
        out.append(
            Section(
                key="complaints",
                title=_("待办理的投诉举报"),
                url=reverse("complaints:inbox"),
                count=qs.count(),
                rows=[
                    Row(
                        label=s.receipt_code,
                        url=reverse("complaints:detail", args=[s.receipt_code]),
                        note=str(s.get_state_display()),
                    )
                    for s in qs[:SHOWN]
                ],
            )
        )
    if p.has(Capability.APPROVE_REWARDS):
        rewards = comp.reward_queue(principal=p)
        out.append(
            Section(
                key="rewards",
                title=_("待审批的举报奖励"),
                url=reverse("complaints:rewards"),
                count=rewards.count(),
            )
        )
    return out


def _clue_sections(p: Principal) -> list[Section]:
    from crossreg.clues import selectors as clues
    from crossreg.clues.models import ClueBundle

    if not p.has(Capability.HANDLE_CLUES) or not p.department_id:
        return []
    qs = clues.bundle_list(principal=p, status=ClueBundle.Status.OPEN)
    return [
        Section(
            key="clues",
            title=_("待处置的监测线索"),
            url=reverse("clues:inbox"),
            count=qs.count(),
            rows=[
                Row(label=b.entity.name if b.entity else str(b.pk), url=reverse("clues:bundle", args=[b.pk]))
                for b in qs[:SHOWN]
            ],
        )
    ]


def _notice_sections(user: Any) -> list[Section]:
    from crossreg.notices.selectors import notice_visible_list

    qs = notice_visible_list(user=user).filter(read_at__isnull=True).order_by("-created_at")
    return [
        Section(
            key="notices",
            title=_("未读通知"),
            url=reverse("notices:inbox"),
            count=qs.count(),
            rows=[Row(label=n.subject, url=n.link or reverse("notices:inbox")) for n in qs[:SHOWN]],
            empty=_("没有未读通知"),
        )
    ]


def todo_sections(*, user: Any, today: dt.date | None = None) -> list[Section]:
    """What waits for ``user``, section by section (only the sections of their role)."""
    today = today or timezone.localdate()
    p = Principal.from_user(user)
    if not p.is_authenticated:
        return []
    out: list[Section] = []
    out += _inspection_sections(p, user, today)
    out += _catalog_sections(user)
    out += _case_sections(p, today)
    out += _complaint_sections(p)
    out += _clue_sections(p)
    out += _notice_sections(user)
    return out
