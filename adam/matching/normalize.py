"""Text normalisation for the duplicate matcher: run once per record, never per pair.

Two officers describing one activity write "Strengthening of Border Liaison Offices (Phase II)"
and "BLO programme, 2nd phase"; the scorer should see the same content words in both and the
phase as a separate fact. Everything here is pure (stdlib only) and deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from adam.matching.vocabulary import (
    ACRONYMS,
    CYRILLIC_ACRONYMS,
    FUNCTION_WORDS,
    NOT_SINGULAR,
    ORDINALS,
    PHASE_WORDS,
    PREFIXES_TO_JOIN,
    ROMAN,
    RU_FIELD_STEMS,
    RU_SUFFIXES,
    SPELLING,
    STOP_WORDS,
    TRANSLIT,
)

_YEAR = re.compile(r"^(19[89]\d|20\d\d)$")
_DOTTED_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}", re.UNICODE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC_CHAR = re.compile(r"[\u0400-\u04ff]")
# Cyrillic phrases by their first word, in the vocabulary's order (the first match wins).
_CYRILLIC_PHRASES: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _acronym in CYRILLIC_ACRONYMS.items():
    _CYRILLIC_PHRASES.setdefault(_phrase[0], []).append((_phrase, _acronym))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text reduced to its content words, with phase and year markers set aside."""

    text: str  # content words joined by spaces, in their original order
    tokens: frozenset[str]
    phases: frozenset[int]
    years: frozenset[int]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lowercase, transliterate Cyrillic, drop accents and punctuation."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text.lower())
    text = strip_accents(text.translate(TRANSLIT))
    return " ".join(_TOKEN.findall(text))


def singular(word: str) -> str:
    """English plural -> singular by suffix rules; good enough for matching, not for grammar."""
    if len(word) <= 3 or word in NOT_SINGULAR or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stem_russian(word: str) -> str:
    if len(word) < 5:
        return word
    for suffix in RU_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=262144)
def _word(word: str) -> str:
    """One raw token's form (a pure function of the token, so cached: a field's vocabulary is
    small and every text repeats it)."""
    if _CYRILLIC_CHAR.search(word):
        return strip_accents(_stem_russian(word).translate(TRANSLIT))
    return _latin_word(word)


def _latin_word(word: str) -> str:
    word = strip_accents(word)
    word = SPELLING.get(word, word)
    if word.endswith("isation"):
        word = word[:-7] + "ization"
    return singular(word)


def _base_tokens(text: str) -> list[str]:
    """Tokens after transliteration, stemming and spelling; stop words still present."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text.lower())
    raw = _TOKEN.findall(text.replace("ё", "е"))
    out: list[str] = []
    i = 0
    while i < len(raw):
        for phrase, acronym in _CYRILLIC_PHRASES.get(raw[i], ()):
            if tuple(raw[i : i + len(phrase)]) == phrase:
                out.append(acronym)
                i += len(phrase)
                break
        else:
            out.append(_word(raw[i]))
            i += 1
    return _join_prefixes(out)


def surface_forms(text: str) -> dict[str, str]:
    """Each word of ``text`` as written, by the form matching keeps of it (first seen wins);
    words that matching joins or replaces by an acronym are not in it."""
    found: dict[str, str] = {}
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    for raw in _TOKEN.findall(text):
        found.setdefault(_word(raw.lower().replace("ё", "е")), raw)
    return found


def _join_prefixes(tokens: list[str]) -> list[str]:
    # "counter-narcotics", "counter narcotics" and "counternarcotics" must give one token.
    out: list[str] = []
    for token in tokens:
        if out and out[-1] in PREFIXES_TO_JOIN and token.isalpha() and len(token) > 3:
            out[-1] += token
        else:
            out.append(token)
    return out


@lru_cache(maxsize=1)
def _acronym_phrases() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The long forms of acronyms, by their first word, longest first."""
    phrases = [
        (tuple(_base_tokens(long_form)), acronym)
        for acronym, long_forms in ACRONYMS.items()
        for long_form in long_forms
    ]
    # Longest first so "united nations office on drugs and crime" wins over "united nations".
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, acronym in sorted(phrases, key=lambda item: len(item[0]), reverse=True):
        by_first.setdefault(phrase[0], []).append((phrase, acronym))
    return by_first


def _collapse_acronyms(tokens: list[str]) -> list[str]:
    phrases = _acronym_phrases()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, acronym in phrases.get(tokens[i], ()):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                out.append(acronym)
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _phase_number(token: str) -> int | None:
    if token.isdigit() and 0 < int(token) < 20:
        return int(token)
    return ROMAN.get(token) or ORDINALS.get(token)


def _extract_markers(tokens: list[str]) -> tuple[list[str], set[int], set[int]]:
    kept: list[str] = []
    phases: set[int] = set()
    years: set[int] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in PHASE_WORDS and (number := _phase_number(nxt)) is not None:
            phases.add(number)
            i += 2
            continue
        if nxt in PHASE_WORDS and (number := _phase_number(token)) is not None:
            phases.add(number)
            i += 2
            continue
        if _YEAR.match(token):
            years.add(int(token))
        elif token not in PHASE_WORDS:
            kept.append(token)
        i += 1
    return kept, phases, years


def normalize_text(text: str | None) -> NormalizedText:
    """Normalise a title or description for scoring."""
    tokens = _collapse_acronyms(_base_tokens(text or ""))
    kept, phases, years = _extract_markers(tokens)
    words: list[str] = []
    for token in kept:
        # Single letters are initials or stray roman numerals: no evidence either way.
        if token in STOP_WORDS or len(token) == 1 or token.startswith(RU_FIELD_STEMS):
            continue
        if words and words[-1] == token:  # "International Organization for Migration (IOM)"
            continue
        words.append(token)
    return NormalizedText(" ".join(words), frozenset(words), frozenset(phases), frozenset(years))


@lru_cache(maxsize=65536)
def normalize_code(code: str) -> str:
    """Organisation, country and theme codes compare case-insensitively and without spaces."""
    return re.sub(r"\s+", "", code).lower()


def normalize_org_name(name: str) -> str:
    """Canonical key for an organisation known only by name (no registry code).

    A parenthesised acronym is dropped when the name is given in full, so
    "International Organization for Migration (IOM)" and "International Organisation for
    Migration" meet; a name that is only an acronym collapses like the long form.
    """
    without_brackets = re.sub(r"\([^)]*\)", " ", name).strip() or name
    tokens = _collapse_acronyms(_base_tokens(without_brackets))
    return " ".join(t for t in tokens if t not in FUNCTION_WORDS)
