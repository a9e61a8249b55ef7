"""Precision/recall of the matcher on the labelled IATI pairs, with cross-validation.

    python -m adam.matching.evaluate ../shared/data/iati [--threshold T] [--folds 5] [--fit]

Cross-validation refits the weights on k-1 folds (whole connected components, so no record
is on both sides) and scores the held-out fold at the alert threshold, so its figures estimate
performance on records never tuned on. The frozen defaults from ``config.py`` were fitted on
../shared/data/iati: their figures are in-sample there and held-out on any other folder.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adam.matching.config import DEFAULT_WEIGHTS, FEATURES, L2_PENALTY, Weights
from adam.matching.features import compare
from adam.matching.fit import Example, cv_threshold, fit_weights, folds
from adam.matching.iati import LabelledPair, load
from adam.matching.record import MatchRecord
from adam.matching.score import logit, percent, score

CURVE_THRESHOLDS = tuple(range(5, 100, 5))


@dataclass(frozen=True, slots=True)
class Figures:
    precision: float
    recall: float
    f1: float
    positives: int
    flagged: int

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"
            f"  ({self.positives} dup, {self.flagged} flagged)"
        )


@dataclass(frozen=True, slots=True)
class FoldResult:
    weights: Weights
    shared_country: Figures
    all_pairs: Figures


def figures(scores: Sequence[float], labels: Sequence[int], threshold: float) -> Figures:
    """Precision, recall and F1 of "score >= threshold" (precision 1.0 when nothing is flagged)."""
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    flagged = sum(1 for s in scores if s >= threshold)
    positives = sum(labels)
    precision = tp / flagged if flagged else 1.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * tp / (flagged + positives) if flagged + positives else 0.0
    return Figures(precision, recall, f1, positives, flagged)


def pr_curve(
    scores: Sequence[float], labels: Sequence[int], thresholds: Sequence[float] = CURVE_THRESHOLDS
) -> list[tuple[float, Figures]]:
    return [(t, figures(scores, labels, t)) for t in thresholds]


def examples(records: dict[str, MatchRecord], pairs: Sequence[LabelledPair]) -> list[Example]:
    out = []
    for pair in pairs:
        evidence = compare(records[pair.a], records[pair.b])
        out.append(Example(pair, evidence.vector(), evidence))
    return out


def scores_of(items: Sequence[Example], weights: Weights) -> list[float]:
    # Same arithmetic as score.score_value, on evidence computed once.
    return [
        100.0 if ex.evidence.same_identifier else percent(logit(ex.evidence, weights))
        for ex in items
    ]


def _split(items: Sequence[Example], weights: Weights, threshold: float) -> tuple[Figures, Figures]:
    values = scores_of(items, weights)
    labels = [ex.pair.label for ex in items]
    shared = [
        (s, y) for s, y, ex in zip(values, labels, items, strict=True) if ex.pair.shared_country
    ]
    return (
        figures([s for s, _ in shared], [y for _, y in shared], threshold),
        figures(values, labels, threshold),
    )


def cross_validate(
    items: Sequence[Example],
    *,
    k: int = 5,
    threshold: float | None = None,
    l2: float = L2_PENALTY,
) -> tuple[list[FoldResult], list[list[tuple[Example, float]]]]:
    """Per-fold results at ``threshold`` (default: config's), and each fold's held-out scores.

    Weights are refitted on the other folds every time, so a fold's pairs are scored by a
    model that never saw them (nor any other pair of their records).
    """
    cut = DEFAULT_WEIGHTS.threshold if threshold is None else threshold
    by_pair = {id(ex.pair): ex for ex in items}
    results: list[FoldResult] = []
    held_out_scores: list[list[tuple[Example, float]]] = []
    for held_out in folds([ex.pair for ex in items], k):
        held_ids = {id(p) for p in held_out}
        train = [ex for ex in items if id(ex.pair) not in held_ids]
        test = [by_pair[id(p)] for p in held_out]
        weights = fit_weights(train, l2=l2, threshold=cut)
        shared, everything = _split(test, weights, cut)
        results.append(FoldResult(weights, shared, everything))
        held_out_scores.append(list(zip(test, scores_of(test, weights), strict=True)))
    return results, held_out_scores


def choose_threshold(
    held_out_scores: Sequence[Sequence[tuple[Example, float]]], *, shared_country_only: bool = True
) -> float:
    """The threshold cross-validation supports (see ``fit.cv_threshold``)."""
    return cv_threshold(
        [
            [
                (s, ex.pair.label)
                for ex, s in fold
                if ex.pair.shared_country or not shared_country_only
            ]
            for fold in held_out_scores
        ]
    )


def mean(values: Sequence[Figures]) -> tuple[float, float, float]:
    n = len(values) or 1
    return (
        sum(v.precision for v in values) / n,
        sum(v.recall for v in values) / n,
        sum(v.f1 for v in values) / n,
    )


def microseconds_per_pair(records: dict[str, MatchRecord], pairs: Sequence[LabelledPair]) -> float:
    """Wall time of ``score`` (features, model and reasons) per pair, best of 5 runs."""
    work = [(records[p.a], records[p.b]) for p in pairs]
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for a, b in work:
            score(a, b)
        best = min(best, time.perf_counter() - started)
    return best / len(work) * 1e6


def microseconds_per_record(records: dict[str, MatchRecord]) -> float:
    """Cost of building (normalising) a MatchRecord, best of 3 runs."""
    originals = list(records.values())
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for r in originals:
            MatchRecord(id=r.id, title=r.title, description=r.description)
        best = min(best, time.perf_counter() - started)
    return best / max(1, len(originals)) * 1e6


def _print_curve(title: str, scored: Sequence[tuple[Example, float]]) -> None:
    print(f"\n{title}")
    print("  thr   shared-country P / R / F1    all pairs P / R / F1")
    shared = [(s, ex.pair.label) for ex, s in scored if ex.pair.shared_country]
    every = [(s, ex.pair.label) for ex, s in scored]
    for (t, a), (_, b) in zip(
        pr_curve([s for s, _ in shared], [y for _, y in shared]),
        pr_curve([s for s, _ in every], [y for _, y in every]),
        strict=True,
    ):
        print(
            f"  {t:>3.0f}   {a.precision:.3f} / {a.recall:.3f} / {a.f1:.3f}"
            f"      {b.precision:.3f} / {b.recall:.3f} / {b.f1:.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with activities.jsonl and pairs.jsonl")
    parser.add_argument("--threshold", type=float, default=None, help="fixed alert threshold")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=L2_PENALTY, help="L2 penalty of the fit")
    parser.add_argument("--fit", action="store_true", help="print weights fitted on all pairs")
    args = parser.parse_args(argv)

    records, pairs = load(args.folder)
    items = examples(records, pairs)
    n_shared = sum(1 for p in pairs if p.shared_country)
    print(
        f"{len(pairs)} labelled pairs ({sum(p.label for p in pairs)} duplicates), "
        f"{n_shared} share a country"
    )

    results, held_out = cross_validate(items, k=args.folds, threshold=args.threshold, l2=args.l2)
    cut = DEFAULT_WEIGHTS.threshold if args.threshold is None else args.threshold
    print(
        f"\n{args.folds}-fold cross-validation by connected component "
        f"(weights refitted on the other folds), threshold {cut:.1f}"
    )
    for i, result in enumerate(results, 1):
        print(f"  fold {i}")
        print(f"    shared country  {result.shared_country}")
        print(f"    all pairs       {result.all_pairs}")
    for label, key in (("shared country", "shared_country"), ("all pairs", "all_pairs")):
        p, r, f = mean([getattr(res, key) for res in results])
        print(f"  mean {label:15s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    _print_curve(
        "PR curve, held-out scores of all folds pooled", [x for fold in held_out for x in fold]
    )
    print(
        f"  threshold supported by cross-validation (shared-country F1, smoothed): "
        f"{choose_threshold(held_out):.1f}"
    )

    threshold = DEFAULT_WEIGHTS.threshold if args.threshold is None else args.threshold
    shared, everything = _split(items, DEFAULT_WEIGHTS, threshold)
    print(f"\nFrozen defaults (config.py), threshold {threshold:.1f}, no refitting")
    print(f"  shared country  {shared}")
    print(f"  all pairs       {everything}")
    _print_curve(
        "PR curve, frozen defaults",
        list(zip(items, scores_of(items, DEFAULT_WEIGHTS), strict=True)),
    )

    print(
        f"\nscore(): {microseconds_per_pair(records, pairs):.1f} µs per pair "
        "(features + model + reasons; records normalised beforehand)"
    )
    print(
        f"MatchRecord(): {microseconds_per_record(records):.0f} µs per record "
        "(normalisation, once per record at write time)"
    )
    if args.fit:
        fitted = fit_weights(items, l2=args.l2, threshold=choose_threshold(held_out))
        print("\nWeights fitted on all pairs:")
        for name in ("bias", *FEATURES, "threshold"):
            print(f"    {name}: float = {getattr(fitted, name):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
