"""The reportlab rendering of bench/render_formats.py: an HTML page laid out on two columns with a
running header (the title) and a footer ("Page 3"), ruled tables with their header row repeated
when they split across a page break, and the built-in CID font STSong-Light for Chinese."""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
    Paragraph,
    Preformatted,
    Table,
    TableStyle,
)

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "table", "dt", "dd", "blockquote"}
SKIPPED = {"script", "style", "head", "title", "meta"}


def _style(size: float, chinese: bool, bold: bool = False) -> ParagraphStyle:
    font = "STSong-Light" if chinese else ("Helvetica-Bold" if bold else "Helvetica")
    return ParagraphStyle(f"s{size}{chinese}{bold}", fontName=font, fontSize=size, leading=size * 1.35,
                          spaceAfter=size * 0.5, wordWrap="CJK" if chinese else None)


def _blocks(page: str) -> list[tuple[str, object]]:
    """(tag, text or rows) of each block element of the page's body, in order."""
    root = lxml.html.document_fromstring(page)
    out: list[tuple[str, object]] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED:
            return
        if tag == "table":
            rows = [[" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
                    for row in element.xpath(".//tr")]
            out.append(("table", [r for r in rows if any(r)]))
            return
        if tag == "pre":
            out.append(("pre", element.text_content()))
            return
        if tag in BLOCKS and not any(isinstance(c.tag, str) and c.tag in BLOCKS for c in element):
            text = " ".join(element.text_content().split())
            if text:
                out.append((tag, text))
            return
        for child in element:
            walk(child)

    body = root.find("body")
    walk(body if body is not None else root)
    return out


def reportlab_pdf(page: str, out: Path, title: str) -> None:
    blocks = _blocks(page)
    chinese = bool(_CJK.search(" ".join(str(b) for _, b in blocks[:20])))
    margin, gap = 2 * cm, 0.8 * cm
    width, height = A4
    column = (width - 2 * margin - gap) / 2
    frames = [Frame(margin, margin, column, height - 2 * margin, id="left"),
              Frame(margin + column + gap, margin, column, height - 2 * margin, id="right")]
    running = title or (str(blocks[0][1]) if blocks else "")

    def decorate(canvas, document) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("STSong-Light" if chinese else "Helvetica", 8)
        canvas.drawString(margin, height - 1.2 * cm, running[:90])
        canvas.drawRightString(width - margin, 1.1 * cm, f"Page {document.page}")
        canvas.restoreState()

    body, small = _style(10, chinese), _style(8, chinese)
    story = []
    for tag, content in blocks:
        if tag == "table":
            rows = content if isinstance(content, list) else []
            if not rows:
                continue
            ncols = max(len(r) for r in rows)
            cells = [[Paragraph(html.escape(c), small) for c in r + [""] * (ncols - len(r))] for r in rows]
            table = Table(cells, colWidths=[column / ncols] * ncols, repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
            story.append(table)
        elif tag == "pre":
            story.append(Preformatted(str(content), ParagraphStyle("pre", fontName="Courier", fontSize=6,
                                                                   leading=8)))
        elif tag.startswith("h") and len(tag) == 2:
            size = {"h1": 15, "h2": 13}.get(tag, 11.5)
            story.append(Paragraph(html.escape(str(content)), _style(size, chinese, bold=True)))
        else:
            story.append(Paragraph(html.escape(str(content)), body))
    document = BaseDocTemplate(str(out), pagesize=A4, title=title)
    document.addPageTemplates([PageTemplate(id="two", frames=frames, onPage=decorate)])
    document.build(story)
