"""How much a shared word says: rare words are evidence, the field's common words are not.

Two projects of one donor in one country share "drug", "border" and "training" whatever they
are about; a shared district, unit or programme name ("Ishkashim", "KAVRAS") is what a
duplicate shares and a sibling does not (Splink's term-frequency adjustment, applied to words).
A word's weight falls from 1 for a word in one project to 0 for a word in ``COMMON_SHARE`` of
them, on a log scale (inverse document frequency, rescaled so that the weight means the same
at 35 projects and at a million).

The caller supplies document frequencies (the service from its search index, the evaluation
from the labelled sample), so this module stays pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

# A word held by this share of projects (or by COMMON_MIN, in a small registry) weighs nothing.
COMMON_SHARE = 0.05
COMMON_MIN = 20
# Description words kept per record beside all of its title words: the rarest carry the
# evidence, and a record's weights are stored with it, so they must stay few.
DESCRIPTION_TERMS = 24


def common_count(total: int) -> float:
    """Document frequency from which a word carries no weight."""
    return max(float(COMMON_MIN), COMMON_SHARE * total)


def term_weight(documents: int, total: int) -> float:
    """Weight 0-1 of a word held by ``documents`` of ``total`` projects."""
    common = common_count(total)
    if documents >= common:
        return 0.0
    return math.log(common / max(documents, 1)) / math.log(common)


# Projects a registry needs before an organization's count says how specific it is: two
# projects of one implementer in a registry of five say nothing of that implementer.
ORGANIZATION_EVIDENCE = 400


def organization_weight(projects: int, total: int) -> float:
    """Weight 0-1 of an organization named by ``projects`` of ``total`` projects: as a word's,
    scaled down while the registry is too small to tell a common organization from a rare one."""
    return term_weight(projects, total) * min(1.0, total / ORGANIZATION_EVIDENCE)


def record_weights(
    title_words: Iterable[str],
    description_words: Iterable[str],
    documents: Mapping[str, int],
    total: int,
) -> dict[str, float]:
    """Weights of a record's title words and of its rarest description words (zeros left out).

    ``documents`` maps a word to the number of projects holding it; a word missing from it is
    taken as held by one project (it is new).
    """
    weights: dict[str, float] = {}
    for word in title_words:
        weight = term_weight(documents.get(word, 1), total)
        if weight > 0:
            weights[word] = round(weight, 3)
    described = sorted(
        (
            (term_weight(documents.get(word, 1), total), word)
            for word in set(description_words)
            if word not in weights
        ),
        key=lambda item: (-item[0], item[1]),
    )
    for weight, word in described[:DESCRIPTION_TERMS]:
        if weight > 0:
            weights[word] = round(weight, 3)
    return weights


def format_weights(weights: Mapping[str, float]) -> str:
    """``"word=0.83 other=0.5"``: the stored form (words never hold ``=`` or spaces)."""
    return " ".join(f"{word}={weight:g}" for word, weight in weights.items())


def parse_weights(text: str) -> dict[str, float]:
    # Words and weights alternate once "=" is a space (words hold neither): a third faster
    # than splitting each item, and a registration's check reads forty records' weights.
    parts = text.replace("=", " ").split()
    return dict(zip(parts[::2], map(float, parts[1::2]), strict=True))
