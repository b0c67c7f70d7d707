"""A PDF of a generated document, laid out from the same words as its Word file.

Turning a Word file into PDF needs an office suite; reportlab (pip-installable, BSD) lays out
the filled paragraphs instead, with the Bitstream Vera font it ships so that every character of
the text (curly quotes, dashes, £) prints.
"""

import io
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

_FONTS = Path(reportlab.__file__).parent / "fonts"
_REGISTERED = False


def _register_fonts() -> None:
    global _REGISTERED
    if not _REGISTERED:
        pdfmetrics.registerFont(TTFont("Vera", str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("VeraBd", str(_FONTS / "VeraBd.ttf")))
        _REGISTERED = True


def render(paragraphs: list[str], *, title: str, qr_png: bytes | None = None) -> bytes:
    """An A4 PDF: the first paragraph as a heading, the rest as body text."""
    _register_fonts()
    heading = ParagraphStyle("heading", fontName="VeraBd", fontSize=16, leading=20, spaceAfter=8)
    body = ParagraphStyle("body", fontName="Vera", fontSize=10.5, leading=14.5, spaceAfter=6)
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        title=title,
        author="Campaign partner portal",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    story = []
    for number, text in enumerate(paragraphs):
        markup = escape(text).replace("\n", "<br/>")
        story.append(Paragraph(markup, heading if number == 0 else body))
    if qr_png is not None:
        story += [Spacer(1, 6 * mm), Image(io.BytesIO(qr_png), width=30 * mm, height=30 * mm)]
    document.build(story)
    return output.getvalue()
