"""The inspection record (检查记录表) as a PDF: fpdf2 with the CJK font of :mod:`crossreg.core.pdf`.

The same content as the print view (``inspections/task_print.html``): the task, the entity, the
departments and officers (with their confirmations), every check point and its result, the
photos (thumbnails with their SHA-256), the conclusion and the ledger proof link (also as a QR
code) where anyone with access can verify that the record has not been changed.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.core.pdf import cjk_font, qr_png
from crossreg.inspections import photos as photo_thumbs


def record_pdf(ctx: dict[str, Any]) -> bytes:
    """``ctx`` is the task page's context (``views._task_context``)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    task = ctx["task"]
    font = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("cjk", fname=font)
    pdf.add_page()
    pdf.set_title(f"{_('检查记录表')} {task.code}")
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, _("检查记录表"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, f"{_('任务编号')}：{task.code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def field_row(label: str, value: str) -> None:
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 6, f"{label}：{value}", new_x="LMARGIN", new_y="NEXT")

    entity = task.entity
    field_row(_("检查对象"), entity.name)
    field_row(_("统一社会信用代码"), entity.uscc or "—")
    field_row(_("地址"), entity.address or entity.division.name)
    field_row(
        _("检查类型"),
        f"{_('联合检查') if task.joint else _('部门检查')} · {task.get_trigger_display()} · {task.period}",
    )
    field_row(_("检查日期"), task.inspected_on.isoformat() if task.inspected_on else "—")
    place = task.location_text or (
        f"{task.location_lat:.6f}, {task.location_lng:.6f}" if task.location_lat is not None else "—"
    )
    field_row(_("检查地点"), place)
    field_row(
        _("检查部门"),
        "、".join(f"{d.department.name}（{d.get_role_display()}）" for d in ctx["departments"]),
    )
    officers = "；".join(
        f"{o.officer.name} {o.officer.certificate_no}（{o.department.short_name}"
        f"{'，' + _('主办') if o.lead else ''}"
        f"{'，' + _('已确认') + ' ' + timezone.localtime(o.confirmed_at).strftime('%Y-%m-%d %H:%M') if o.confirmed_at else ''}）"
        for o in ctx["officers"]
    )
    field_row(_("执法人员"), officers)
    field_row(_("状态"), task.get_status_display())
    pdf.ln(2)

    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, _("检查内容与结果"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    head = FontFace(emphasis=None, fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=(8, 80, 50, 20, 32), headings_style=head, line_height=5, text_align="LEFT"
    ) as table:
        row = table.row()
        for h in ("#", _("检查内容"), _("依据"), _("结果"), _("说明")):
            row.cell(h)
        for p in ctx["points"]:
            row = table.row()
            row.cell(str(p.seq))
            row.cell(p.content)
            row.cell(p.legal_basis or "")
            row.cell(str(p.get_result_display()))
            row.cell(p.note or "")
    pdf.ln(3)
    pdf.set_font("cjk", size=10)
    field_row(_("检查结论"), task.summary or "—")

    shots = ctx["photos"]
    if shots:
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, _("现场照片"), new_x="LMARGIN", new_y="NEXT")
        x0, size, gap = pdf.l_margin, 40, 4
        x, y = x0, pdf.get_y()
        for ph in shots:
            try:
                thumb = photo_thumbs.thumbnail(ph)
            except photo_thumbs.NotAnImage:
                continue
            if x + size > pdf.w - pdf.r_margin:
                x, y = x0, y + size + 10
            if y + size + 10 > pdf.h - pdf.b_margin:
                pdf.add_page()
                x, y = x0, pdf.get_y()
            pdf.image(io.BytesIO(thumb), x=x, y=y, w=size, h=size, keep_aspect_ratio=True)
            pdf.set_xy(x, y + size + 1)
            pdf.set_font("cjk", size=6)
            pdf.multi_cell(size, 2.5, ph.sha256, new_x="LEFT", new_y="NEXT")
            x += size + gap
        pdf.set_xy(x0, y + size + 12)

    url = ctx["proof_url"]
    y = pdf.get_y() + 4
    if y > pdf.h - pdf.b_margin - 32:
        pdf.add_page()
        y = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=y, w=28, h=28, link=url)
    pdf.set_xy(pdf.l_margin + 32, y)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(
        0,
        5,
        f"{_('本记录的每一步均记入防篡改存证（默克尔日志），扫码或访问以下地址核验：')}\n{url}\n"
        f"{_('生成时间')}：{timezone.localtime().strftime('%Y-%m-%d %H:%M')}",
        new_x="LMARGIN",
        new_y="NEXT",
        link=url,
    )
    return bytes(pdf.output())
