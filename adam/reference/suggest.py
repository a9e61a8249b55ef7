"""Which known codes an unknown one most likely means: a typo in the code ("TX" for TJ), another
code of the same thing (TJK), or a name, whole or mistyped, in English or Russian (Tajikistan,
Таджикистан). Pure: the callers hand in what is known."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

# Names are compared only from four characters on: two or three ("UN", "of") are contained in
# too many names to point at one.
MIN_NAME_QUERY = 4
# How names are compared, each with its weight (as rapidfuzz's WRatio weighs them): the whole
# name, and its words in any order ("Korea, Republic of") or some of them ("Drug Control Agency").
# WRatio itself is not used: it also gives 85.5 to names that merely share a word such as "and"
# with the query (its partial token set ratio), and its partial ratio takes a third of the time
# at 10,000 organizations; a query found inside a name counts instead (CONTAINED).
_NAME_SCORERS = (
    (fuzz.ratio, 1.0),
    (fuzz.token_sort_ratio, 0.95),
    (fuzz.token_set_ratio, 0.95),
)
# The score of a query found inside a name ("Tajik" in Tajikistan), as WRatio would give it.
CONTAINED = 90.0
# 90 for a query contained in a name ("border" in "Border control and management"), 95 for one
# typo in a ten-letter name ("Kyrgystan"); a word that is no name stays well below ("asdfgh"
# against Afghanistan: 72, "hello" against Chile: 51).
NAME_CUTOFF = 85
# An exact other code or name outranks any typo.
EXACT = 200.0
# Candidates much further than the closest are left out: beside "unodc" (one typo from "undoc")
# "undp" (two) is noise.
MARGIN = 15.0
# Among codes as many typos away, one with the same characters swapped comes first ("JT": TJ).
SWAP_BONUS = 5.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A known thing: the code to suggest, and what else a person may call it."""

    code: str
    # Other codes, forgiven typos as the code is (ISO alpha-3).
    codes: tuple[str, ...] = ()
    # Codes taken only as they are (a theme's number: "12" is not a typo of 2).
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    # Among equally close candidates the lower rank comes first (ADAM's own countries).
    rank: int = 0


def max_edits(length: int) -> int:
    """The typos (a character wrong, missing, extra, or two swapped) forgiven in a code or name
    of ``length`` characters: one in a two-letter code is a typo, two would be any code."""
    if length <= 4:
        return 1
    if length <= 8:
        return 2
    return 3


class CodeIndex:
    """The candidates' codes and names, prepared once for many look-ups."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates = list(candidates)
        self._exact: dict[str, list[int]] = {}
        self._codes: list[str] = []
        self._code_owner: list[int] = []
        self._names: list[str] = []
        self._name_owner: list[int] = []
        for i, candidate in enumerate(self.candidates):
            for code in (candidate.code, *candidate.codes):
                key = code.strip().casefold()
                self._codes.append(key)
                self._code_owner.append(i)
                self._exact.setdefault(key, []).append(i)
            for alias in candidate.aliases:
                self._exact.setdefault(alias.strip().casefold(), []).append(i)
            for name in candidate.names:
                processed = utils.default_process(name)
                if processed:
                    self._names.append(processed)
                    self._name_owner.append(i)
                    self._exact.setdefault(processed, []).append(i)

    def scores(self, given: str) -> dict[int, float]:
        """Each close candidate's score (higher is closer), by its place in ``candidates``."""
        key = given.strip().casefold()
        processed = utils.default_process(given)
        exact = self._exact.get(key) or self._exact.get(processed)
        if exact:
            return dict.fromkeys(exact, EXACT)
        best: dict[int, float] = {}

        def keep(owner: int, score: float) -> None:
            if score > best.get(owner, 0.0):
                best[owner] = score

        # A single character means nothing yet: every code has one in common with it.
        if len(key) >= 2:
            for form, distance, i in process.extract(
                key, self._codes, scorer=OSA.distance, score_cutoff=max_edits(len(key)), limit=None
            ):
                if distance < len(key):
                    # A code of another length counts one typo more: "UX" is a typo of an
                    # alpha-2 code (UZ) before it is one of LUX.
                    edits = distance + (len(form) != len(key))
                    score = 100.0 * (1 - edits / max(len(key), len(form)))
                    if sorted(key) == sorted(form):
                        score += SWAP_BONUS
                    keep(self._code_owner[i], score)
        if len(processed) >= MIN_NAME_QUERY:
            for form, distance, i in process.extract(
                processed,
                self._names,
                scorer=OSA.distance,
                score_cutoff=max_edits(len(processed)),
                limit=None,
            ):
                keep(self._name_owner[i], 100.0 * (1 - distance / max(len(processed), len(form))))
            for scorer, weight in _NAME_SCORERS:
                for _form, score, i in process.extract(
                    processed,
                    self._names,
                    scorer=scorer,
                    score_cutoff=NAME_CUTOFF / weight,
                    limit=None,
                ):
                    keep(self._name_owner[i], score * weight)
            # Only the query inside a name: a short name inside a longer query ("Oman" in
            # "Romania and others") is no sign that the person meant it.
            for i, name in enumerate(self._names):
                if processed in name:
                    keep(self._name_owner[i], CONTAINED)
        return best


def nearest(given: str, known: CodeIndex | Iterable[Candidate], limit: int = 3) -> list[str]:
    """The codes of up to ``limit`` known candidates closest to ``given``, closest first; none
    when nothing is reasonably close."""
    index = known if isinstance(known, CodeIndex) else CodeIndex(known)
    scores = index.scores(given)
    ordered = sorted(
        scores,
        key=lambda i: (
            -scores[i],
            index.candidates[i].rank,
            index.candidates[i].code.casefold(),
        ),
    )
    found: list[str] = []
    for i in ordered:
        if scores[i] < scores[ordered[0]] - MARGIN:
            break
        code = index.candidates[i].code
        if code not in found:
            found.append(code)
        if len(found) == limit:
            break
    return found
