"""An invoice as a PDF (fpdf2): the same facts as the invoice page, on one A4 page.

DejaVu Sans is used when the system has it (every character of a title prints); otherwise
the built-in Helvetica, with characters outside Latin-1 replaced.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from broker.payments.invoices import Invoice

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
REPLACE = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "×": "x", "·": "-"}


def _font(pdf: FPDF) -> tuple[str, bool]:
    for d in FONT_DIRS:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def render(inv: Invoice, *, issuer: str = "Parity", link: str | None = None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {inv.number}")
    pdf.set_author(issuer)
    pdf.set_creator("Parity")
    pdf.add_page()
    family, unicode_ok = _font(pdf)

    def t(text: str) -> str:
        if unicode_ok:
            return text
        for a, b in REPLACE.items():
            text = text.replace(a, b)
        return text.encode("latin-1", "replace").decode("latin-1")

    def para(text: str, size: int = 10, bold: bool = False, h: float = 5.5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, h, t(text), new_x="LMARGIN", new_y="NEXT")

    para(f"Invoice {inv.number}", 18, True, 9)
    para(f"Status: {inv.status_text}", 11, True)
    pdf.ln(2)
    para(f"Issued: {inv.issued_at:%Y-%m-%d}    Due: {inv.due_at:%Y-%m-%d %H:%M} UTC")
    para(f"Bill to: {inv.bill_to}")
    para(f"Issued by: {issuer}, the marketplace, for the vendor {inv.vendor}")
    para(f"Payment: {inv.method_text}")
    pdf.ln(4)

    widths = (88, 20, 36, 36)
    pdf.set_font(family, "B", 10)
    for w, head in zip(widths, ("Description", "Units", "Unit price", "Amount")):
        pdf.cell(w, 7, t(head), border="B", align="L" if head == "Description" else "R")
    pdf.ln()
    pdf.set_font(family, "", 10)
    y = pdf.get_y()
    pdf.multi_cell(widths[0], 5.5, t(f"{inv.description}\nPeriod {inv.period_text}"))
    end_y = pdf.get_y()
    pdf.set_xy(pdf.l_margin + widths[0], y)
    pdf.cell(widths[1], 5.5, f"{inv.units:,}", align="R")
    pdf.cell(widths[2], 5.5, t(inv.unit_price), align="R")
    pdf.cell(widths[3], 5.5, t(inv.amount), align="R")
    pdf.set_y(max(end_y, y + 5.5) + 1)
    pdf.set_font(family, "B", 11)
    pdf.cell(sum(widths[:3]), 8, t("Total"), border="T", align="R")
    pdf.cell(widths[3], 8, t(inv.amount), border="T", align="R")
    pdf.ln(10)
    para(inv.fee_text, 9)
    if inv.how_to_pay:
        pdf.ln(3)
        para("How to pay", 12, True, 7)
        for line in inv.how_to_pay:
            para(line)
        if link:
            para(f"This invoice online: {link}", 9)
    return bytes(pdf.output())
