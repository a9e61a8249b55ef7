"""The specific words of synthetic projects: districts, units, programme names, acronyms.

Real registrations name the district, the unit, the programme and the equipment they are
about ("Construction of 5 border check posts ... for 2nd border batallion in Jowzjan"), so their
vocabulary keeps growing with the corpus (Heaps' law). Templates filled from a few dozen place
names do not: the first corpus of these benchmarks had ~950 distinct words at any size, so at
1M projects each title was repeated about 70 times in its country, which no registry looks
like and which made every registration match dozens of projects.

Pools are drawn once from a seeded generator; words are picked Zipf-distributed (a few
common, a long tail of rare ones), as names are in real text. ``bench/vocabulary.py`` compares
the resulting growth with the real IATI activities in ``../shared/data/iati``.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence

# Syllables in the manner of the route's toponyms (Tajik/Uzbek/Pashto/Persian, Balkan, Gulf).
ONSETS = (
    "b", "d", "f", "g", "h", "j", "k", "kh", "l", "m", "n", "p", "q", "r", "s", "sh", "t",
    "v", "z", "zh", "ch", "gh", "y", "dz", "br", "dr", "kr", "st", "tr", "",
)  # fmt: skip
NUCLEI = ("a", "o", "u", "i", "e", "oi", "ai", "ya", "yu", "ar", "ur", "ol", "an", "in", "ov")
CODAS = ("", "", "n", "r", "sh", "k", "m", "t", "z", "d", "b", "l", "kh", "st")
TOPONYM_ENDINGS = (
    "obod", "abad", "kala", "kent", "khel", "dara", "shahr", "pur", "tepa", "bulak", "sai",
    "ovo", "ica", "evo", "grad", "ani", "iya", "an", "stan", "zor", "chi", "ak", "li", "",
)  # fmt: skip
UNIT_KINDS = (
    "border detachment", "border outpost", "customs post", "mobile team", "regional department",
    "district police unit", "port control unit", "air cargo control unit", "drug squad",
    "canine unit", "interdiction unit", "investigation department", "forensic section",
    "training centre", "treatment clinic", "rehabilitation centre", "prison health unit",
    "community health centre", "farmers' cooperative", "water users' association",
)  # fmt: skip
EQUIPMENT = (
    "TruNarc handheld Raman analysers", "Gemini analysers", "ion scanners", "X-ray scanners",
    "container scanners", "fibrescopes", "density meters", "body-worn cameras",
    "thermal imaging cameras", "night-vision goggles", "VHF radios", "satellite phones",
    "all-terrain vehicles", "pick-up trucks", "motorcycles", "drones", "GPS trackers",
    "GC-MS instruments", "FTIR spectrometers", "fume hoods", "evidence lockers",
    "case management software", "i2 analyst notebooks", "servers", "tablets",
    "solar panels", "greenhouses", "drip irrigation kits", "cold storage rooms",
    "methadone dispensers", "naloxone kits", "HIV test kits", "mobile clinics",
)  # fmt: skip
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th")


def _syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)


def _pseudo_word(rng: random.Random, syllables: int, ending: str = "") -> str:
    return "".join(_syllable(rng) for _ in range(syllables)) + ending


def _unique(rng: random.Random, n: int, make: object) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(make(rng), None)  # type: ignore[operator]
    return list(seen)


class Zipf:
    """Draws from ``items`` with probability proportional to 1 / rank**exponent."""

    def __init__(self, items: Sequence[str], exponent: float) -> None:
        self.items = list(items)
        weights = [1.0 / (rank**exponent) for rank in range(1, len(self.items) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_left(self.cumulative, point)]


class Lexicon:
    """Pools of specific words, the same for a given seed."""

    def __init__(self, countries: Sequence[str], seed: int = 7) -> None:
        rng = random.Random(seed)
        # Districts and towns: 3,000 per country, a handful much commoner than the rest.
        self.toponyms = {
            code: Zipf(
                [
                    w.capitalize()
                    for w in _unique(
                        rng,
                        3000,
                        lambda r: _pseudo_word(r, r.choice((1, 2, 2)), r.choice(TOPONYM_ENDINGS)),
                    )
                ],
                0.9,
            )
            for code in countries
        }
        # Programme code names ("the Zarafshon initiative") and acronyms ("KAVRAS").
        self.codenames = Zipf(
            [w.capitalize() for w in _unique(rng, 60_000, lambda r: _pseudo_word(r, 3))], 0.8
        )
        letters = "ABCDEFGHIKLMNOPRSTUVZ"
        self.acronyms = Zipf(
            _unique(
                rng,
                60_000,
                lambda r: "".join(r.choice(letters) for _ in range(r.choice((3, 4, 5)))),
            ),
            0.8,
        )
        self.equipment = Zipf(EQUIPMENT, 0.7)
        self.units = Zipf(UNIT_KINDS, 0.6)

    def place(self, rng: random.Random, country: str) -> str:
        return self.toponyms[country].draw(rng)

    def unit(self, rng: random.Random, country: str) -> str:
        kind = self.units.draw(rng)
        roll = rng.random()
        if roll < 0.4:
            return f"{rng.choice(ORDINALS)} {kind} of {self.place(rng, country)}"
        if roll < 0.7:
            return f"{kind} No. {rng.randrange(1, 120)} in {self.place(rng, country)}"
        return f"{self.place(rng, country)} {kind}"

    def programme(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.5:
            return f"{self.codenames.draw(rng)} project ({self.acronyms.draw(rng)})"
        if roll < 0.8:
            return f"{self.acronyms.draw(rng)} programme"
        return f"{self.codenames.draw(rng)} initiative"
