"""Two texts' shared words, marked: the words are compared as the duplicate matcher compares
them (``adam.matching.normalize``), so "Offices" in one title marks "office" in the other, and
"Border Liaison Offices" marks "BLO" (the matcher reads both as one word).

The result is built piece by piece: every piece of the text is escaped, and only the matched
words are wrapped in ``<mark>``, so markup in a title shows as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from markupsafe import Markup, escape

from adam.matching.normalize import fold, normalize_text
from adam.matching.vocabulary import ACRONYMS, CYRILLIC_ACRONYMS

# A run of letters or digits: what the normaliser reads as one raw word.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def shared_words(first: str | None, second: str | None) -> frozenset[str]:
    """The content words (in the matcher's normal form) that both texts contain."""
    return normalize_text(first).tokens & normalize_text(second).tokens


@lru_cache(maxsize=65536)
def _tokens(word: str) -> frozenset[str]:
    return normalize_text(word).tokens


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    """One word's normal form, or (a stop word, which the matcher drops) its folded form."""
    return normalize_text(word).text or fold(word)


def _long_forms(shared: frozenset[str]) -> Iterator[list[str]]:
    """The words (as keys) of each phrase the matcher reads as one of the shared words."""
    for acronym, long_forms in ACRONYMS.items():
        if acronym in shared:
            for long_form in long_forms:
                yield [_key(w) for w in _WORD.findall(long_form)]
    for phrase, acronym in CYRILLIC_ACRONYMS.items():
        if acronym in shared and len(phrase) > 1:
            yield [_key(w) for w in phrase]


def _marked(words: list[str], shared: frozenset[str]) -> set[int]:
    marked = {i for i, word in enumerate(words) if _tokens(word) & shared}
    phrases = [p for p in _long_forms(shared) if p]
    if phrases:
        keys = [_key(word) for word in words]
        for phrase in phrases:
            size = len(phrase)
            for start in range(len(keys) - size + 1):
                if keys[start : start + size] == phrase:
                    marked.update(range(start, start + size))
    return marked


def highlight(text: str | None, shared: frozenset[str]) -> Markup:
    """``text`` escaped, with each word whose normal form is in ``shared`` in ``<mark>``."""
    text = text or ""
    found = list(_WORD.finditer(text)) if shared else []
    marked = _marked([m.group(0) for m in found], shared) if found else set()
    pieces: list[Markup] = []
    end = 0  # the text before ``end`` is in ``pieces``; unmarked runs are escaped whole
    for i in sorted(marked):
        match = found[i]
        pieces.append(escape(text[end : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group(0))
        end = match.end()
    pieces.append(escape(text[end:]))
    return Markup("").join(pieces)
