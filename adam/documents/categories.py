"""The IATI DocumentCategory codelist (A01 ... B18), read once from the shipped XML, and the
kinds of a Paris Pact event's documents."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

CODELIST = (
    Path(__file__).resolve().parent.parent / "reference" / "data" / "iati" / "DocumentCategory.xml"
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# An event's papers are not an activity's: IATI has no agenda or presentation. Their codes are
# three letters, so in the one category column they never meet an IATI code (a letter and two
# digits).
EVENT_CATEGORIES: dict[str, str] = {
    "AGN": "Agenda",
    "PRS": "Presentation",
    "RPT": "Report",
    "STM": "Statement",
    "PTL": "List of participants",
    "OTH": "Other document",
}


@cache
def document_categories() -> dict[str, str]:
    """Code -> English name, in the codelist's order; withdrawn codes are left out."""
    # A local, trusted file; still, no entity expansion and no network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(CODELIST), parser).getroot()
    categories: dict[str, str] = {}
    for item in root.iter("codelist-item"):
        if item.get("status") == "withdrawn":
            continue
        code = (item.findtext("code") or "").strip()
        names = [n for n in item.findall("name/narrative") if n.get(XML_LANG) in (None, "en")]
        if code:
            categories[code] = (names[0].text or "").strip() if names else code
    return categories


def is_category(code: str) -> bool:
    return code in document_categories()


def is_event_category(code: str) -> bool:
    return code in EVENT_CATEGORIES


def category_name(code: str) -> str:
    return document_categories().get(code) or EVENT_CATEGORIES.get(code, code)
