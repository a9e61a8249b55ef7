"""The hand-written logistic regression, threshold choice and fold split."""

from __future__ import annotations

import random

from adam.matching.fit import cv_threshold, fit_logistic, folds
from adam.matching.iati import LabelledPair


def _synthetic(
    n: int, coefficients: tuple[float, float, float], seed: int = 7
) -> tuple[list[list[float]], list[int]]:
    # Labels drawn from a known model: logit = -2 + c0*x0 + c1*x1 + c2*x2.
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        x = [rng.random(), rng.random(), float(rng.random() < 0.3)]
        z = -2 + sum(c * v for c, v in zip(coefficients, x, strict=True))
        rows.append(x)
        labels.append(int(rng.random() < 1 / (1 + 2.718281828**-z)))
    return rows, labels


def test_fit_recovers_a_known_model() -> None:
    rows, labels = _synthetic(4000, (4.0, 0.0, 1.5))
    bias, weights = fit_logistic(rows, labels, offsets=[0.0] * len(rows), l2=0.01)
    assert abs(bias + 2) < 0.4
    assert abs(weights[0] - 4) < 0.6
    assert weights[1] < 0.4
    assert abs(weights[2] - 1.5) < 0.4


def test_weights_are_never_negative() -> None:
    rows, labels = _synthetic(2000, (4.0, -3.0, 0.0))
    _, weights = fit_logistic(rows, labels, offsets=[0.0] * len(rows), l2=0.01)
    assert weights[1] == 0.0


def test_offsets_carry_fixed_weights() -> None:
    rows, labels = _synthetic(4000, (4.0, 0.0, -3.0))
    offsets = [-3.0 * row[2] for row in rows]
    _, weights = fit_logistic([row[:2] for row in rows], labels, offsets=offsets, l2=0.01)
    assert abs(weights[0] - 4) < 0.6


def test_prior_holds_a_weight_the_data_do_not_inform() -> None:
    rows = [[1.0, 0.0], [0.0, 0.0]] * 50
    labels = [1, 0] * 50
    _, weights = fit_logistic(rows, labels, offsets=[0.0] * 100, l2=1.0, prior=[0.0, 2.5])
    assert abs(weights[1] - 2.5) < 1e-6


def test_threshold_sits_in_the_middle_of_the_gap() -> None:
    fold = [(5.0, 0), (10.0, 0), (20.0, 0), (80.0, 1), (90.0, 1), (95.0, 1)]
    threshold = cv_threshold([fold, fold])
    assert 20.0 < threshold <= 80.0
    assert 40.0 <= threshold <= 60.0


def test_threshold_follows_the_folds() -> None:
    # Duplicates score 60-70 and others 40-50: the threshold must fall between them.
    fold = [(40.0, 0), (45.0, 0), (50.0, 0), (60.0, 1), (65.0, 1), (70.0, 1)]
    assert 50.0 < cv_threshold([fold], window=2.0) <= 60.0


def test_folds_never_split_a_record() -> None:
    pairs = [
        LabelledPair("f1", "i1", 1, True, True),
        LabelledPair("f1", "i2", 1, True, False),
        LabelledPair("i1", "i2", 0, True, False),
        LabelledPair("f2", "i3", 1, True, True),
        LabelledPair("x", "y", 0, True, False),
        LabelledPair("z", "w", 0, False, False),
    ]
    split = folds(pairs, 3)
    assert sorted(id(p) for fold in split for p in fold) == sorted(id(p) for p in pairs)
    seen: dict[str, int] = {}
    for index, fold in enumerate(split):
        for pair in fold:
            for record in (pair.a, pair.b):
                assert seen.setdefault(record, index) == index
