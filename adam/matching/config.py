"""Weights of the duplicate score and the alert threshold.

score = 100 * sigmoid(bias + sum(weight_i * feature_i)); every feature is in [0, 1] (see
``features.Evidence.vector``), so a weight is the log-odds the evidence adds when complete.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

# Order of ``Evidence.vector()``; the Weights fields below carry the same names.
FEATURES: tuple[str, ...] = (
    "title",
    "title_in_text",
    "title_specific",
    "coverage",
    "description",
    "shared_org",
    "same_implementer",
    "same_donor_and_implementer",
    "different_implementers",
    "start_close",
    "budget_close",
    "shared_theme",
    "countries_disjoint",
    "dates_disjoint",
    "phase_conflict",
    "year_conflict",
    "no_text",
    "title_conflict",
    "same_description",
)

# Set by hand, not fitted: the labelled IATI pairs cannot estimate these. Their negatives were
# chosen to share a country and a sector (so sharing either looks like *negative* evidence
# there), no pair differs by phase, and all but 13 periods overlap. The values encode the
# business rule "another country, another period or another phase is another activity":
# each alone outweighs a shared organisation (a phase also outweighs a copied description,
# since a phase II often copies the description of phase I).
FIXED_BY_HAND: dict[str, float] = {
    "shared_theme": 0.0,
    "countries_disjoint": -4.0,
    "dates_disjoint": -4.0,
    "phase_conflict": -12.0,
    "year_conflict": -2.0,
    "no_text": -4.0,
    # Titles that are one sentence naming different specific things (one course in two
    # districts): the IATI negatives were chosen with dissimilar titles, so never show it.
    "title_conflict": -4.0,
    # One description copied under another title is one activity registered twice; the IATI
    # pairs cannot teach it (a funder and an implementer never share their prose).
    "same_description": 3.0,
}
# Fitted features that are evidence *against* a duplicate: their weights are kept <= 0, all
# other fitted weights >= 0 (see fit.py for why signs are constrained).
AGAINST: frozenset[str] = frozenset({"different_implementers"})

# Where the fitted weights sit when the labelled data carry no information on them. The IATI
# negatives never have similar titles (pairs with title Jaccard >= 0.6 were excluded) and
# nearly every positive shares an organisation, so the data cannot say how much a matching
# title is worth on its own; in ADAM two records with the same title, country and period
# should be shown to a reviewer even when the organisation codes were entered differently.
PRIOR: dict[str, float] = {
    "title": 3.0,
    "title_in_text": 1.0,
    "title_specific": 1.0,
    "coverage": 1.0,
    "description": 1.0,
    "start_close": 1.0,
}


# Penalty of the fit: with ~250 training pairs, 1.0 keeps weights near the prior unless the
# data clearly disagree; 0.3 and 3.0 gave the same cross-validated F1 within +-0.03.
L2_PENALTY = 1.0


@dataclass(frozen=True, slots=True)
class Weights:
    """Log-odds weights per feature, the intercept, and the alert threshold (0-100).

    Defaults: ``fit.fit_weights`` on all 308 labelled IATI pairs (../shared/data/iati) with
    L2_PENALTY, PRIOR and FIXED_BY_HAND, rounded to two decimals; the threshold by hand
    (below). Reproduce with ``python -m adam.matching.evaluate ../shared/data/iati --fit``;
    words and organizations are weighed by their counts over the 3,085 activities there, as the
    service weighs them over its registry (rarity.py).

    Cross-validation, 5 folds of whole connected components (no record on both sides), weights
    refitted on four folds and scored on the fifth, threshold 70, pairs sharing a country:
    mean P 0.924, R 0.904, F1 0.907 (all pairs: P 0.922, R 0.851, F1 0.875). Titles alone:
    F1 0.62. Shared organizations and words count by their weight (features.text_signal); the
    earlier rules, and the demo alerts each raised, are in bench/RESULTS.md.
    """

    bias: float = 0.64
    title: float = 2.10
    title_in_text: float = 0.00
    title_specific: float = 0.65
    coverage: float = 0.00
    description: float = 0.00
    shared_org: float = 0.00
    same_implementer: float = 1.96
    same_donor_and_implementer: float = 0.74
    different_implementers: float = -1.49
    start_close: float = 0.46
    budget_close: float = 0.00
    shared_theme: float = FIXED_BY_HAND["shared_theme"]
    countries_disjoint: float = FIXED_BY_HAND["countries_disjoint"]
    dates_disjoint: float = FIXED_BY_HAND["dates_disjoint"]
    phase_conflict: float = FIXED_BY_HAND["phase_conflict"]
    year_conflict: float = FIXED_BY_HAND["year_conflict"]
    no_text: float = FIXED_BY_HAND["no_text"]
    title_conflict: float = FIXED_BY_HAND["title_conflict"]
    same_description: float = FIXED_BY_HAND["same_description"]
    # Held-out F1 is within 0.03 of its best for thresholds 60-85 on these pairs (smoothed
    # optimum 68.5); 70 it is. The labelled sample is 30 % duplicates, far more than a
    # production candidate list, so read the score as a ranking, not as a probability.
    threshold: float = 70.0

    def coefficients(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in FEATURES)

    @classmethod
    def from_coefficients(
        cls, bias: float, coefficients: dict[str, float], threshold: float
    ) -> Weights:
        known = {f.name for f in fields(cls)}
        return cls(
            bias=bias,
            threshold=threshold,
            **{k: v for k, v in coefficients.items() if k in known},
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DEFAULT_WEIGHTS = Weights()
ALERT_THRESHOLD = DEFAULT_WEIGHTS.threshold
