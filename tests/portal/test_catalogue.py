"""Every text a person reads exists in Russian, and the install compiled the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "adam" / "portal"
RUSSIAN = PORTAL / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def _texts_in_source() -> set[str]:
    method_map = [("adam/**.py", "python"), ("adam/portal/templates/**.html", "jinja2")]
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map=method_map, keywords=KEYWORDS
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_text_has_its_russian_translation() -> None:
    with RUSSIAN.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        m.id: m.string
        for m in catalogue
        if m.id
        and m.string
        and "fuzzy" not in m.flags
        and (not isinstance(m.string, tuple) or all(m.string))
    }
    texts = _texts_in_source()
    assert len(texts) > 40
    missing = sorted(t for t in texts if t not in translated)
    assert missing == [], "run ./dev messages and translate these in messages.po"


def test_the_compiled_catalogue_matches_the_translations() -> None:
    """The .mo the pages read is built from the .po by the install (setup.py), not by hand."""
    with RUSSIAN.open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with RUSSIAN.with_suffix(".mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "reinstall (pip install -e .) or run ./dev messages"


def test_every_document_category_of_the_codelist_has_its_name_listed() -> None:
    from adam.documents.categories import document_categories
    from adam.portal.categories import NAMES

    assert document_categories() == NAMES
