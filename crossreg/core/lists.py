"""Working lists: one helper for every list page's pager, filters, sorting and XLSX/CSV export.

A list page declares a :class:`ListSpec` — its columns (header, value, optional sort field) and
its filters — and calls :meth:`ListSpec.page` for the page and :meth:`ListSpec.export` for a
download. Filters and sorting accept only declared values (an unknown sort or choice is ignored,
never passed to the ORM). Exports carry every filtered row, not just the page; CSV is UTF-8 with
a byte-order mark so that Excel opens it in the right encoding, XLSX is written by openpyxl in
write-only mode. Each export is recorded through the ``record`` callback (the read audit,
``orgs.services.data_export_record``: core does not import the apps above it).

Templates: ``lists/controls.html`` (filter form + export links) and ``lists/pager.html``; column
headers link to their sort with ``lists/th.html`` (``{% include "lists/th.html" with col=... %}``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

PER_PAGE_CHOICES = (25, 50, 100)
EXPORT_MAX_ROWS = 50_000
EXPORT_FORMATS = ("csv", "xlsx")
CSV_BOM = "\ufeff"

Value = Callable[[Any], Any]
Apply = Callable[[QuerySet[Any], str], QuerySet[Any]]


@dataclass(frozen=True)
class Column:
    """A column: ``key`` names it in exports, ``label`` heads it, ``value(obj)`` is its cell;
    ``sort`` is the ORM field it sorts by (None: not sortable)."""

    key: str
    label: Any
    value: Value
    sort: str | None = None


@dataclass(frozen=True)
class Filter:
    """A filter: a select of ``choices`` (value, label), or free text when ``choices`` is None.
    ``apply(qs, value)`` narrows the queryset; ``field`` is a shortcut for ``field=value``."""

    name: str
    label: Any
    choices: Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]] | None = None
    field: str = ""
    apply: Apply | None = None

    def options(self) -> list[tuple[str, str]]:
        c = self.choices() if callable(self.choices) else self.choices
        return [(str(v), force_str(lbl)) for v, lbl in (c or [])]

    def narrow(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if self.apply is not None:
            return self.apply(qs, value)
        return qs.filter(**{self.field: value})


def text_filter(name: str, label: Any, *lookups: str) -> Filter:
    """A search box matching any of ``lookups`` (``icontains``)."""

    def apply(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        q = Q()
        for lk in lookups:
            q |= Q(**{f"{lk}__icontains": value})
        return qs.filter(q)

    return Filter(name=name, label=label, choices=None, apply=apply)


@dataclass
class ListState:
    """What :meth:`ListSpec.page` hands to the template."""

    spec: ListSpec
    page: Page[Any]
    values: dict[str, str]
    sort: str
    per_page: int
    base_query: str  # the filters and sort, urlencoded, without page
    filters: list[dict[str, Any]] = field(default_factory=list)

    per_page_choices = PER_PAGE_CHOICES

    @property
    def rows(self) -> list[Any]:
        return list(self.page.object_list)

    @property
    def total(self) -> int:
        return self.page.paginator.count

    @property
    def filtered(self) -> bool:
        return any(self.values.values())

    def headers(self) -> list[dict[str, Any]]:
        """The page's column headers (``spec.page_columns``), with their sort links."""
        shown = set(self.spec.page_columns or [c.key for c in self.spec.columns])
        out = []
        for c in self.spec.columns:
            if c.key not in shown:
                continue
            h: dict[str, Any] = {"key": c.key, "label": c.label, "sortable": bool(c.sort)}
            if c.sort:
                asc = self.sort == c.key
                desc = self.sort == f"-{c.key}"
                nxt = f"-{c.key}" if asc else c.key
                h.update(
                    {
                        "active": asc or desc,
                        "dir": "asc" if asc else "desc" if desc else "",
                        "href": "?" + _query(self.values, sort=nxt, per_page=self.per_page),
                    }
                )
            out.append(h)
        return out

    def page_href(self, n: int) -> str:
        return "?" + _query(self.values, sort=self.sort, per_page=self.per_page, page=n)

    @property
    def prev_href(self) -> str:
        return self.page_href(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_href(self) -> str:
        return self.page_href(self.page.next_page_number()) if self.page.has_next() else ""

    def export_href(self, fmt: str) -> str:
        return "?" + _query(self.values, sort=self.sort, export=fmt)

    @property
    def csv_href(self) -> str:
        return self.export_href("csv")

    @property
    def xlsx_href(self) -> str:
        return self.export_href("xlsx")


def _query(values: dict[str, str], **extra: Any) -> str:
    q = {k: v for k, v in values.items() if v}
    q.update({k: v for k, v in extra.items() if v not in (None, "")})
    if q.get("per_page") == PER_PAGE_CHOICES[0]:
        q.pop("per_page")
    return urlencode(q)


@dataclass(frozen=True)
class ListSpec:
    """One working list: its name (in the export's file name and audit record), columns, filters
    and default sort (a column key, ``-`` for descending)."""

    name: str
    columns: Sequence[Column]
    filters: Sequence[Filter] = ()
    default_sort: str = ""
    page_columns: Sequence[str] = ()  # the columns shown on the page (all when empty); exports have all
    tiebreak: str = "pk"  # a unique field, so that pages never overlap

    def _values(self, request: HttpRequest) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.filters:
            v = request.GET.get(f.name, "").strip()[:100]
            if v and f.choices is not None and v not in {o for o, _ in f.options()}:
                v = ""
            out[f.name] = v
        return out

    def _sort(self, request: HttpRequest) -> str:
        s = request.GET.get("sort", "") or self.default_sort
        keys = {c.key for c in self.columns if c.sort}
        if s.lstrip("-") in keys:
            return s
        return self.default_sort if self.default_sort.lstrip("-") in keys else ""

    def queryset(self, request: HttpRequest, qs: QuerySet[Any]) -> tuple[QuerySet[Any], dict[str, str], str]:
        """``qs`` filtered and sorted as the request asks; with the filter values and the sort."""
        values = self._values(request)
        for f in self.filters:
            if values[f.name]:
                qs = f.narrow(qs, values[f.name])
        sort = self._sort(request)
        if sort:
            col = next(c for c in self.columns if c.key == sort.lstrip("-"))
            assert col.sort is not None
            prefix = "-" if sort.startswith("-") else ""
            qs = qs.order_by(f"{prefix}{col.sort}", f"{prefix}{self.tiebreak}")
        elif not qs.ordered:
            qs = qs.order_by(self.tiebreak)
        return qs, values, sort

    def page(self, request: HttpRequest, qs: QuerySet[Any]) -> ListState:
        qs, values, sort = self.queryset(request, qs)
        try:
            per_page = int(request.GET.get("per_page", PER_PAGE_CHOICES[0]))
        except ValueError:
            per_page = PER_PAGE_CHOICES[0]
        if per_page not in PER_PAGE_CHOICES:
            per_page = PER_PAGE_CHOICES[0]
        page = Paginator(qs, per_page).get_page(request.GET.get("page"))
        state = ListState(
            spec=self,
            page=page,
            values=values,
            sort=sort,
            per_page=per_page,
            base_query=_query(values, sort=sort, per_page=per_page),
        )
        state.filters = [
            {
                "name": f.name,
                "label": f.label,
                "options": f.options() if f.choices is not None else None,
                "value": values[f.name],
            }
            for f in self.filters
        ]
        return state

    def wants_export(self, request: HttpRequest) -> str:
        fmt = request.GET.get("export", "")
        return fmt if fmt in EXPORT_FORMATS else ""

    def export(
        self,
        request: HttpRequest,
        qs: QuerySet[Any],
        *,
        fmt: str,
        record: Callable[..., Any],
        fields: Sequence[str] = (),
    ) -> HttpResponse:
        """Every filtered row (up to :data:`EXPORT_MAX_ROWS`) as CSV or XLSX; ``record(who=,
        what=, rows=, fields=)`` is called once, with the row count (the read audit)."""
        qs, _values, _sort = self.queryset(request, qs)
        rows = [[_cell(c.value(obj)) for c in self.columns] for obj in qs[:EXPORT_MAX_ROWS]]
        headers = [force_str(c.label) for c in self.columns]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.name}-{stamp}.{fmt}"
        if fmt == "csv":
            body: bytes = rows_csv(headers, rows).encode("utf-8")
            ctype = "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body = rows_xlsx(headers, rows, title=self.name)
            ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise ValueError(fmt)
        record(who=request, what=f"{self.name}.{fmt}"[:64], rows=len(rows), fields=list(fields))
        resp = HttpResponse(body, content_type=ctype)
        resp["Content-Disposition"] = f'attachment; filename="{filename}"'
        resp["Cache-Control"] = "no-store"
        return resp


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(_("是") if v else _("否"))
    if isinstance(v, dt.datetime):
        return timezone.localtime(v).replace(tzinfo=None) if timezone.is_aware(v) else v
    if isinstance(v, (int, float, dt.date)):
        return v
    if isinstance(v, (list, tuple)):
        return "、".join(force_str(x) for x in v)
    return force_str(v)


def rows_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text starting with a byte-order mark (Excel then reads it as UTF-8)."""
    buf = io.StringIO()
    buf.write(CSV_BOM)
    w = csv.writer(buf)
    w.writerow(headers)
    for r in rows:
        w.writerow(
            [
                v.isoformat(sep=" ", timespec="minutes")
                if isinstance(v, dt.datetime)
                else v.isoformat()
                if isinstance(v, dt.date)
                else _csv_safe(v)
                for v in r
            ]
        )
    return buf.getvalue()


def _csv_safe(v: Any) -> Any:
    """Cells a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") and not _numeric(v):
        return "'" + v
    return v


def _numeric(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def rows_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    bold = Font(bold=True)
    head = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    ws.freeze_panes = "A2"
    for r in rows:
        ws.append([_csv_safe(v) if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
