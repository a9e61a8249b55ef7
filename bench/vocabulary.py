"""Compare the vocabulary of the synthetic corpus with real IATI activities (Heaps' law).

    .venv/bin/python bench/vocabulary.py [--iati ../shared/data/iati] [--sizes 1000,3000,100000]

For samples of each size it prints the distinct indexed words of titles and of whole records
(as ``adam.duplicates.index.search_values`` normalises them), the words rare enough for the
candidate search (held by at most 0.5 % of records), the rare words per title, and how often
a title recurs in the same country. Real records are drawn from ``activities.jsonl`` (3,085 of
them, so larger sizes are synthetic only).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Generator

from adam.duplicates.index import search_values

Item = tuple[str, str, str]  # title, description, first country


def measure(items: Sequence[Item]) -> dict[str, float]:
    title_vocabulary: set[str] = set()
    df: Counter[str] = Counter()
    titles: list[set[str]] = []
    same_title: Counter[tuple[str, str]] = Counter()
    for title, description, country in items:
        values = search_values(title, description)
        words = set(values["title_terms"].split())
        title_vocabulary |= words
        titles.append(words)
        df.update(words | set(values["description_terms"].split()))
        same_title[(country, values["title_terms"])] += 1
    cap = max(1, int(len(items) * 0.005))
    rare_per_title = sum(sum(1 for w in t if df[w] <= cap) for t in titles) / len(titles)
    repeated = sum(n for n in same_title.values() if n > 1)
    return {
        "records": len(items),
        "title_words": len(title_vocabulary),
        "all_words": len(df),
        "rare_words": sum(1 for n in df.values() if n <= cap),
        "rare_per_title": round(rare_per_title, 2),
        "titles_repeated_in_country": round(repeated / len(items), 3),
    }


def real(folder: Path, size: int, seed: int = 1) -> list[Item]:
    records = [json.loads(line) for line in (folder / "activities.jsonl").open()]
    sample = random.Random(seed).sample(records, min(size, len(records)))
    return [
        (r["title"] or "", r["description"] or "", (r["recipient_countries"] or [""])[0])
        for r in sample
    ]


def synthetic(size: int, seed: int = 42) -> list[Item]:
    gen = Generator(seed)
    drafts = (gen.project() for _ in range(size))
    return [(d.title, d.description, d.countries[0]) for d in drafts]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iati", type=Path, default=Path("../shared/data/iati"))
    parser.add_argument("--sizes", default="500,1000,3000,30000,100000")
    args = parser.parse_args(argv)
    columns = ("records", "title_words", "all_words", "rare_words", "rare_per_title")
    columns += ("titles_repeated_in_country",)
    print("| source | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for size in (int(s) for s in args.sizes.split(",")):
        sources = [("synthetic", synthetic(size))]
        if (args.iati / "activities.jsonl").exists() and size <= 3085:
            sources.insert(0, ("real IATI", real(args.iati, size)))
        for name, items in sources:
            figures = measure(items)
            print(f"| {name} | " + " | ".join(str(figures[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
