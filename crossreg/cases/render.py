"""An issued document as DOCX (docxtpl) and PDF (fpdf2 with a CJK font), with a QR code of its
public proof link (segno).

The text whose SHA-256 is in the ledger is the template rendered with the document's stored
context; the DOCX is the same template filled by docxtpl, the PDF the same text typeset. Both
print the number, the SHA-256 and the short link.
"""

from __future__ import annotations

import io
from functools import lru_cache

from crossreg.cases import conf
from crossreg.cases.models import Document, DocumentTemplate
from crossreg.core.pdf import FONT_CANDIDATES, cjk_font, qr_png

__all__ = ["FONT_CANDIDATES", "cjk_font", "document_docx", "document_pdf", "proof_url"]


def proof_url(document: Document) -> str:
    return f"{str(conf.get('CASE_PUBLIC_BASE_URL')).rstrip('/')}/cases/d/{document.short}/"


def document_pdf(document: Document) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.add_font("cjk", fname=cjk_font())
    lines = document.text.splitlines()
    pdf.set_font("cjk", size=12)
    if lines:
        pdf.cell(0, 8, lines[0], align="C", new_x="LMARGIN", new_y="NEXT")
    if len(lines) > 1:
        pdf.set_font("cjk", size=18)
        pdf.cell(0, 12, lines[1], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    if len(lines) > 2:
        pdf.cell(0, 8, lines[2], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=11)
    for line in lines[3:]:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    url = proof_url(document)
    y = pdf.get_y()
    if y > 240:
        pdf.add_page()
        y = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=y, w=30, h=30, link=url)
    pdf.set_xy(pdf.l_margin + 34, y)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(
        0,
        5,
        f"扫码或访问以下地址核验本文书未被篡改：\n{url}\nSHA-256: {document.sha256}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


@lru_cache(maxsize=32)
def _docx_template_bytes(template_id: int, body: str) -> bytes:
    """A DOCX whose paragraphs are the template's lines (Jinja placeholders kept for docxtpl)."""
    from docx import Document as Docx

    d = Docx()
    for i, line in enumerate(body.splitlines()):
        p = d.add_paragraph(line)
        if i == 1:
            p.style = d.styles["Title"]
    d.add_paragraph("{{ proof_line }}")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def document_docx(document: Document) -> bytes:
    from docxtpl import DocxTemplate

    template: DocumentTemplate = document.template
    tpl = DocxTemplate(io.BytesIO(_docx_template_bytes(template.pk, template.body)))
    context = {**document.context, "proof_line": f"核验：{proof_url(document)}  SHA-256: {document.sha256}"}
    tpl.render(context, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
