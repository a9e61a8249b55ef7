"""PDF documents for a reader to keep or print: A4, DejaVu Sans (Latin and Cyrillic), text that
wraps and runs on to the next page, and a footer with the page number and a note.

fpdf2 embeds only the glyphs a document uses (a subset of the font), so a report stays small;
the fonts ship inside the package (``fonts/``, see ``adam/exports/fonts/README.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts" / "dejavu-2.37.3"
FAMILY = "DejaVu"
BODY_SIZE = 9.5
MUTED = (90, 90, 90)
BLACK = (0, 0, 0)
RULE = (180, 180, 180)
# Millimetres (the unit of the document); A4 is 210 x 297.
MARGIN = 15
LINE = 4.6
# A heading this close to the page's foot moves to the next page with what follows it.
KEEP_WITH_NEXT = 30
PAGE_NUMBER = "{page}"
PAGE_COUNT = "{nb}"

# C0 controls (but tab and line feed) and DEL: they have no glyph, and fpdf2 would draw boxes.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: object) -> str:
    """Text as the document prints it: line ends made ``\\n``, tabs spaces, controls gone."""
    found = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROLS.sub("", found)


class Document(FPDF):
    """An A4 portrait page of DejaVu Sans text; ``page_label`` is the footer's page number, a
    text holding ``{page}`` (this page) and ``{nb}`` (how many), and ``note`` its other side."""

    def __init__(self, *, title: str, language: str, page_label: str, note: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.page_label = page_label
        self.note = note
        self.add_font(FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.alias_nb_pages(PAGE_COUNT)
        self.set_title(clean(title))
        self.set_lang(language)
        self.set_creator("ADAM")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*MUTED)
        width = self.epw / 2
        self.cell(width, LINE, clean(self.note), align="L")
        page = self.page_label.replace(PAGE_NUMBER, str(self.page_no()))
        self.cell(width, LINE, page, align="R")
        self.set_text_color(*BLACK)

    def title_block(self, text: str) -> None:
        self._paragraph(text, size=15, bold=True, line=7)
        self.ln(1)

    def heading(self, text: str) -> None:
        """A section's heading with a rule under it, kept on a page with some of its text."""
        if self.will_page_break(KEEP_WITH_NEXT):
            self.add_page()
        self.ln(3)
        self._paragraph(text, size=12.5, bold=True, line=6)
        self.rule()

    def paragraph(
        self, text: str, *, bold: bool = False, muted: bool = False, indent: float = 0
    ) -> None:
        self._paragraph(text, bold=bold, muted=muted, indent=indent)

    def labelled(self, label: str, text: str, *, indent: float = 0) -> None:
        """``Label: text`` on one run of lines, the label bold, wrapping under the indent."""
        left = self.l_margin
        self.set_left_margin(left + indent)
        self.set_x(left + indent)
        self.set_font(FAMILY, "B", BODY_SIZE)
        self.write(LINE, clean(label) + ": ")
        self.set_font(FAMILY, "", BODY_SIZE)
        self.write(LINE, clean(text))
        self.ln(LINE)
        self.set_left_margin(left)
        self.set_x(left)

    def bullets(self, items: list[str], *, indent: float = 4) -> None:
        for item in items:
            self._paragraph("• " + item, indent=indent)

    def rule(self) -> None:
        self.ln(1)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)

    def _paragraph(
        self,
        text: str,
        *,
        size: float = BODY_SIZE,
        bold: bool = False,
        muted: bool = False,
        indent: float = 0,
        line: float = LINE,
    ) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*(MUTED if muted else BLACK))
        self.set_x(self.l_margin + indent)
        # multi_cell wraps at spaces, breaks a word wider than the line, and starts a new page
        # when the next line would cross the bottom margin.
        self.multi_cell(self.epw - indent, line, clean(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*BLACK)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
