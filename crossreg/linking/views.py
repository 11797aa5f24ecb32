"""Pages of the supervision-object base: import, review queue, base membership, the 360 partial.

Views parse input, call a service or selector, and render; they hold no business logic. Who may
do what is checked here *and* again by the services (the server decides, never the page).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crossreg.core.errors import DomainError, Problem
from crossreg.entities import selectors as entity_selectors
from crossreg.linking import selectors, services
from crossreg.linking.forms import DecisionForm, ImportForm
from crossreg.linking.models import ReviewPair
from crossreg.orgs.models import Department
from crossreg.orgs.permissions import Capability, user_can
from crossreg.orgs.services import data_access_record

# What an import refused, in the UI's language; the service's own (English) detail follows.
PROBLEM_LEADS = {
    "too_large": gettext_lazy("文件超过大小限制"),
    "empty": gettext_lazy("文件是空的"),
    "malformed": gettext_lazy("文件格式有误,无法读取"),
    "format": gettext_lazy("不支持的文件格式"),
    "encoding": gettext_lazy("文件编码无法识别(请使用 UTF-8 或 GBK)"),
    "missing_columns": gettext_lazy("缺少必需的列:名称(如“单位名称”“企业名称”“主体名称”)"),
    "forbidden": gettext_lazy("您无权为该部门导入名录"),
}

# The counts of an import report, by the service's key; an unknown key is shown as it is.
COUNT_LABELS = {
    "rows": gettext_lazy("行数"),
    "new": gettext_lazy("新增记录"),
    "kept": gettext_lazy("未变记录"),
    "changed": gettext_lazy("变更记录"),
    "left": gettext_lazy("移出记录"),
    "linked_records": gettext_lazy("已关联记录"),
    "clusters": gettext_lazy("关联结果(主体数)"),
    "new_entities": gettext_lazy("新建的仅见于名录的主体"),
    "review_pairs": gettext_lazy("待人工审核的记录对"),
    "pairs_scored": gettext_lazy("模型比较的记录对"),
    "deterministic_edges": gettext_lazy("按代码确定关联"),
    "base_joined": gettext_lazy("新入库主体"),
    "base_left": gettext_lazy("出库主体"),
    "base_size": gettext_lazy("对象库主体数"),
    "duplicate_rows": gettext_lazy("重复行(已导入,见警告)"),
    "code_conflicts": gettext_lazy("代码相同、分支机构不同(待审核)"),
    "former_name_edges": gettext_lazy("按曾用名关联的记录对"),
}


# The model's comparisons and levels (Splink's column names and chart labels), as a reviewer reads them.
COMPARISON_LABELS = {
    "code": gettext_lazy("代码"),
    "trade_name": gettext_lazy("字号"),
    "industry_words": gettext_lazy("行业用语"),
    "county": gettext_lazy("县(市、区)"),
    "address_norm": gettext_lazy("地址"),
    "legal_rep_norm": gettext_lazy("法定代表人/负责人"),
    "phone_norm": gettext_lazy("电话"),
    "branch": gettext_lazy("分支机构"),
}
LEVEL_LABELS = {
    "no comparable code": gettext_lazy("无可比较的代码"),
    "same code": gettext_lazy("代码相同"),
    "same organisation code": gettext_lazy("组织机构代码相同"),
    "code differs by a typo or a transposition": gettext_lazy("代码相差一个字符或两字符互换"),
    "different codes": gettext_lazy("代码不同"),
    "null": gettext_lazy("一方缺失"),
    "exact": gettext_lazy("相同"),
    "edit distance <= 1": gettext_lazy("相差一个字"),
    "jaro-winkler >= 0.95": gettext_lazy("几乎相同"),
    "jaro-winkler >= 0.9": gettext_lazy("高度相似"),
    "jaro-winkler >= 0.88": gettext_lazy("相似"),
    "different": gettext_lazy("不同"),
    "All other comparisons": gettext_lazy("不同"),
}


def _level_text(level: str) -> str:
    if level.endswith(" is NULL"):
        return str(LEVEL_LABELS["null"])
    if level.startswith("Exact match on "):
        return str(LEVEL_LABELS["exact"])
    return str(LEVEL_LABELS.get(level, level))


def _evidence_rows(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A pair's evidence for the page: what was compared, the level reached and its weight. (The
    compared values are the records shown side by side above: the evidence's ``left``/``right`` do
    not say which of the pair's two records each one is.)"""
    return [
        {
            "label": str(COMPARISON_LABELS.get(e.get("comparison", ""), e.get("comparison", ""))),
            "level": _level_text(str(e.get("level") or "")),
            "weight": e.get("weight"),
        }
        for e in evidence or []
    ]


def _problem_text(p: Problem) -> str:
    """One refusal as the user reads it: where (row/column), what, and the technical detail."""
    if p.code == "required" and p.row is not None:
        return _("第 %(row)d 行:名称为空") % {"row": p.row}
    lead = PROBLEM_LEADS.get(p.code)
    where = _("第 %(row)d 行") % {"row": p.row} if p.row is not None else ""
    text = f"{where}:{p.message}" if where else p.message
    return f"{lead}({text})" if lead else text


def _upload_limit() -> int:
    return int(settings.CROSSREG.get("UPLOAD_MAX_BYTES") or 200 * 1024 * 1024)


def _importable_departments(user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code")
    if getattr(user, "is_superuser", False) or getattr(user, "role", "") == "admin":
        return qs
    dept = getattr(user, "department_id", None)
    return qs.filter(pk=dept) if dept and user_can(user, Capability.EDIT_ENTITY) else qs.none()


FIELD_LABELS = {
    "name": gettext_lazy("名称"),
    "uscc_raw": gettext_lazy("统一社会信用代码/注册号"),
    "address": gettext_lazy("地址"),
    "legal_rep": gettext_lazy("法定代表人/负责人"),
    "phone": gettext_lazy("联系电话"),
    "local_id": gettext_lazy("部门编号"),
    "region": gettext_lazy("所属区县/乡镇"),
}

DUPLICATE_LABELS = {
    "same_row": gettext_lazy("各列完全相同"),
    "same_id": gettext_lazy("部门编号相同"),
    "same_code": gettext_lazy("统一社会信用代码(注册号)相同"),
    "same_name_address": gettext_lazy("名称和地址相同,均无有效代码"),
}


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:10])
    return shown + ("…" if len(rows) > 10 else "")


def _warning_text(w: dict[str, Any]) -> str:
    """One warning of an import (or its preview) as the user reads it."""
    kind = w.get("kind")
    if kind == "duplicate":
        return _("第 %(rows)s 行重复(%(why)s):%(value)s") % {
            "rows": _rows_text(list(w.get("rows") or [])),
            "why": DUPLICATE_LABELS.get(str(w.get("match")), w.get("match")),
            "value": w.get("value") or "",
        }
    if kind == "duplicate_more":
        return _("另有 %(n)d 组重复行") % {"n": int(w.get("groups") or 0)}
    if kind == "title_rows":
        return _("表头在第 %(row)d 行;其上的标题行未导入:%(text)s") % {
            "row": int(w.get("header_row") or 1),
            "text": " / ".join(str(t) for t in w.get("rows") or []),
        }
    if kind == "footer_rows":
        return _("第 %(rows)s 行是表尾说明,未作为记录导入:%(text)s") % {
            "rows": _rows_text(list(w.get("rows") or [])),
            "text": " / ".join(str(t) for t in w.get("texts") or []),
        }
    return str(w)


def _posted_mapping(request: HttpRequest) -> dict[str, str]:
    """The mapping the user chose on the preview: ``map_<field>`` = a header, or "" for not used
    (the service refuses a header the file does not have)."""
    return {f: request.POST.get(f"map_{f}", "")[:200] for f in FIELD_LABELS if f"map_{f}" in request.POST}


def _preview_context(preview: services.ImportPreview, token: str) -> dict[str, Any]:
    return {
        "token": token,
        "preview": preview,
        "fields": [
            {"field": f, "label": str(label), "header": preview.mapping.get(f, ""), "required": f == "name"}
            for f, label in FIELD_LABELS.items()
        ],
        "preview_warnings": [_warning_text(w) for w in preview.warnings],
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """Two steps: the file is read and its header, column mapping and first rows are shown (the
    preview, nothing written); the user may change the mapping, then confirms the import."""
    departments = _importable_departments(request.user)
    if not departments.exists():
        raise PermissionDenied(_("只有监管部门的工作人员可以导入本部门名录"))
    posted = request.POST.get("department") if request.method == "POST" else None
    if posted and not departments.filter(pk=posted).exists():
        raise PermissionDenied(_("您无权为该部门导入名录"))
    initial = {"department": departments.first()} if departments.count() == 1 else {}
    token = request.POST.get("token", "") if request.method == "POST" else ""
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        departments=departments,
        initial=initial,
        stashed=bool(token),
    )
    result = None
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        content: bytes | None = None
        file_name = ""
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            if upload is not None and upload.size > _upload_limit():
                # Refused before the file is read into memory (the service checks again).
                detail = _("文件 %(size)s 字节,上限 %(limit)s 字节") % {
                    "size": f"{upload.size:,}",
                    "limit": f"{_upload_limit():,}",
                }
                form.add_error(None, f"{PROBLEM_LEADS['too_large']}({detail})")
            elif upload is not None:
                content, file_name, token = upload.read(), upload.name, ""
            elif token:
                try:
                    content, file_name, stashed_dept = services.upload_stashed(
                        token=token,
                        user_id=request.user.pk,  # type: ignore[arg-type]
                    )
                except DomainError:
                    form.add_error(None, _("上传的文件已失效,请重新选择文件"))
                    token = ""
                else:
                    if stashed_dept != form.cleaned_data["department"].pk:
                        form.add_error(None, _("上传的文件已失效,请重新选择文件"))
                        content, token = None, ""
            else:
                form.add_error("file", _("请选择名录文件"))
        if content is not None:
            department = form.cleaned_data["department"]
            try:
                if action == "import" and token:
                    result = services.source_list_import(
                        actor=request.user,  # type: ignore[arg-type]
                        department=department,
                        content=content,
                        file_name=file_name,
                        system=form.cleaned_data["system"],
                        domain=form.cleaned_data["domain"],
                        mapping=_posted_mapping(request) or None,
                    )
                    services.upload_discard(token)
                else:
                    mapping = (_posted_mapping(request) or None) if token else None
                    preview = services.source_list_preview(
                        actor=request.user,  # type: ignore[arg-type]
                        department=department,
                        content=content,
                        file_name=file_name,
                        mapping=mapping,
                    )
                    if not token:
                        token = services.upload_stash(
                            user_id=request.user.pk,  # type: ignore[arg-type]
                            department=department.pk,
                            content=content,
                            file_name=file_name,
                        )
                    context = _preview_context(preview, token)
                    for p in preview.problems:
                        form.add_error(None, _problem_text(p))
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied(_("您无权为该部门导入名录")) from None
                for p in exc.problems:
                    form.add_error(None, _problem_text(p))
            else:
                if result is not None and result.created:
                    messages.success(request, _("名录已导入"))
                elif result is not None:
                    messages.info(request, _("该文件与当前名录相同,未作改动"))
        if form.errors:
            status = 400
    counts = (
        [(str(COUNT_LABELS.get(k, k)), v) for k, v in result.counts.items()]
        if result is not None and result.created
        else []
    )
    warnings = [_warning_text(w) for w in result.warnings] if result is not None else []
    lists = selectors.source_list_list(user=request.user)[:30]  # type: ignore[arg-type]
    return render(
        request,
        "linking/import.html",
        {"form": form, "result": result, "counts": counts, "warnings": warnings, "lists": lists, **context},
        status=status,
    )


@login_required
@require_GET
def base_members(request: HttpRequest) -> HttpResponse:
    domain = request.GET.get("domain") or None
    department = request.GET.get("department") or None
    q = request.GET.get("q", "").strip()
    try:
        qs = selectors.base_member_list(user=request.user, domain=domain, department=department, q=q)  # type: ignore[arg-type]
    except DomainError as exc:  # another department's list: need-to-know
        raise PermissionDenied(str(exc)) from None
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    departments = list(selectors.base_department_choices(user=request.user))
    names = {
        d.code: d.short_name or d.name
        for d in Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code")
    }
    rows = [
        (
            s,
            [
                names.get(code, code)
                for code in selectors.departments_shown(user=request.user, codes=s.departments)
            ],
        )
        for s in page
    ]
    return render(
        request,
        "linking/base.html",
        {
            "page": page,
            "rows": rows,
            "domains": selectors.key_domains(),
            "departments": departments,
            "domain": domain,
            "department": department,
            "q": q,
            "can_import": _importable_departments(request.user).exists(),
            "can_review": services.can_review(request.user),
        },
    )


def _require_reviewer(request: HttpRequest) -> None:
    if not services.can_review(request.user):
        raise PermissionDenied(_("只有大数据管理局和系统管理员可以审核"))


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    status = request.GET.get("status", ReviewPair.Status.PENDING)
    if status not in ReviewPair.Status.values:
        status = ReviewPair.Status.PENDING
    qs = selectors.review_pair_list(user=request.user, status=status)  # type: ignore[arg-type]
    page = Paginator(qs.select_related("decided_by"), 20).get_page(request.GET.get("page"))
    pairs = [(pair, _evidence_rows(pair.evidence)) for pair in page]
    return render(
        request,
        "linking/review.html",
        {"page": page, "pairs": pairs, "status": status, "form": DecisionForm()},
    )


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    pair = get_object_or_404(ReviewPair, pk=pk)
    form = DecisionForm(request.POST)
    page = request.POST.get("page", "")
    back = reverse("linking:review") + (f"?page={page}" if page.isdigit() else "")
    if not form.is_valid():
        messages.error(request, _("请选择审核结论"))
        return redirect(back)
    if request.POST.get("keep"):  # the reviewer keeps the earlier decisions: nothing is written
        messages.info(request, _("已保留之前的审核结论,本次结论未保存"))
        return redirect(back)
    reopen = [int(x) for x in request.POST.getlist("reopen") if x.isdigit()]
    try:
        services.review_pair_decide(
            actor=request.user,  # type: ignore[arg-type]
            pair=pair,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            reopen=reopen,
        )
    except services.DecisionConflict as exc:
        # Show the reviewer what the decision contradicts, and let them choose.
        conflicts = (
            ReviewPair.objects.filter(pk__in=[c.pk for c in exc.conflicts])
            .select_related("record", "record__department", "other_record", "other_record__department")
            .select_related("other_entity", "decided_by")
            .order_by("decided_at", "pk")
        )
        return render(
            request,
            "linking/review_conflict.html",
            {
                "pair": ReviewPair.objects.select_related(
                    "record", "record__department", "other_record", "other_record__department", "other_entity"
                ).get(pk=pair.pk),
                "decision": form.cleaned_data["decision"],
                "decision_label": dict(ReviewPair.Status.choices)[form.cleaned_data["decision"]],
                "note": form.cleaned_data["note"],
                "conflicts": conflicts,
                "page": page if page.isdigit() else "",
                "retried": bool(reopen),
            },
            status=409,
        )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from None
        messages.error(request, str(exc))
    else:
        messages.success(request, _("审核结论已保存"))
    return redirect(back)


@login_required
@require_POST
def entity_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.can_review(request.user):
        raise PermissionDenied(_("只有大数据管理局和系统管理员可以拆分主体"))
    entity = _visible_entity(request, pk)
    ids = [int(x) for x in request.POST.getlist("records") if x.isdigit()]
    if not ids:
        messages.error(request, _("请勾选要拆出的记录"))
        return redirect("entity_detail", pk=pk)
    try:
        new = services.entity_split(actor=request.user, entity=entity, record_ids=ids)  # type: ignore[arg-type]
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from None
        messages.error(request, _("无法拆分:%(reason)s") % {"reason": exc})
        return redirect("entity_detail", pk=pk)
    messages.success(request, _("已拆分为新主体"))
    return redirect("entity_detail", pk=new.pk)


def _visible_entity(request: HttpRequest, pk: int) -> Any:
    try:
        return entity_selectors.entity_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404("no such entity") from None


@login_required
@require_GET
def entity_360(request: HttpRequest, pk: int) -> HttpResponse:
    """The 360 section alone (htmx, or for pages that include it lazily)."""
    entity = _visible_entity(request, pk)
    ctx = selectors.entity_360_context(user=request.user, entity=entity)  # type: ignore[arg-type]
    if not ctx["personal_masked"] and any(g.name == "legal_rep" and g.value for g in ctx["golden"]):
        data_access_record(  # personal data shown unmasked: recorded (the read audit)
            who=request,
            subject_type="entity",
            subject_ids=entity.pk,
            what="linking.entity_360",
            fields=["legal_rep"],
        )
    if request.headers.get("HX-Request"):
        return render(request, "linking/partials/entity_360.html", {"l360": ctx})
    # opened directly (a bookmark, a new tab): the section inside a whole, styled page
    return render(request, "linking/entity_360_page.html", {"l360": ctx, "entity": entity})
