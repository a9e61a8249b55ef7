"""Load the labelled IATI sample (activities.jsonl, pairs.jsonl) as MatchRecords.

IATI publishers name one organisation many ways (``XM-DAC-41121``, ``41121``, a name only,
"UNHCR" vs "United Nations High Commissioner for Refugees"), so each organisation becomes a
small set of alias keys; two records share an organisation when any alias is shared. ADAM
itself stores registry codes, so this aliasing belongs to the IATI mapping, not to the scorer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from adam.matching.normalize import normalize_org_name
from adam.matching.rarity import organization_weight, record_weights
from adam.matching.record import MatchRecord

FUNDING, IMPLEMENTING = "1", "4"
# DAC channel categories ("21000 International NGO", "40000 Multilateral organisations") and
# placeholders name a kind of organisation, not one: sharing them is no evidence. Publishers
# often put a real name next to such a ref ("21000", "NRC/Norwegian Refugee Council"), so only
# the ref is dropped, and the name only if it is a category name too.
_GENERIC_REF = re.compile(r"^(\d{2}000|N/?A|NONE|UNKNOWN|0+)$")
_DAC_PREFIX = re.compile(r"^XM-DAC-(\d[\d-]*)$")
_GENERIC_NAMES = frozenset(
    normalize_org_name(name)
    for name in (
        "", "private donors", "other", "others", "unknown", "various", "n/a", "none", "ngo",
        "international ngo", "national ngo", "regional ngo", "partner country based ngo",
        "donor country based ngo", "developing country based ngo", "ngos and civil society",
        "multilateral", "multilateral organisations", "multilateral organisation",
        "public sector institutions", "private sector institutions", "private sector",
        "government", "governments", "recipient government", "un agencies",
        "united nations agencies, funds and commissions", "academic, training and research",
        "foundation", "public private partnership", "other public sector",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LabelledPair:
    a: str  # activity uid
    b: str
    label: int
    shared_country: bool
    strict_one_to_one: bool


def org_keys(org: dict[str, Any]) -> frozenset[str]:
    """Alias keys of one IATI organisation reference (registry ref and normalised name)."""
    keys: set[str] = set()
    ref = (org.get("ref") or "").strip().upper()
    if ref and not _GENERIC_REF.match(ref):
        keys.add(ref)
        if match := _DAC_PREFIX.match(ref):
            keys.add(match.group(1))
    normalized = normalize_org_name((org.get("name") or "").strip())
    if normalized and normalized not in _GENERIC_NAMES:
        keys.add("name:" + normalized.replace(" ", "-"))
    return frozenset(keys)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def to_record(activity: dict[str, Any]) -> MatchRecord:
    """Map one IATI activity to the fields ADAM stores."""
    donors: set[str] = set()
    implementers: set[str] = set()
    reporter = org_keys(activity.get("reporting_org") or {})
    reporter_roles: set[str] = set()
    for org in activity.get("participating_orgs") or []:
        keys = org_keys(org)
        role = str(org.get("role"))
        if keys & reporter:
            reporter_roles.add(role)
        if role == FUNDING:
            donors |= keys
        elif role == IMPLEMENTING:
            implementers |= keys
    # The publisher is a donor only if it calls itself funding in its own record; implementers
    # usually list themselves as accountable (2) or implementing (4).
    if FUNDING in reporter_roles and IMPLEMENTING not in reporter_roles:
        donors |= reporter
    else:
        implementers |= reporter
    themes = set()
    for sector in activity.get("sectors") or []:
        if str(sector.get("vocabulary")) in {"1", "2"} and sector.get("code"):
            # DAC 3-digit category: close to the granularity of ADAM's themes.
            themes.add("dac-" + str(sector["code"])[:3])
    budget = activity.get("budget") or {}
    return MatchRecord(
        id=activity["uid"],
        title=activity.get("title") or "",
        description=activity.get("description") or "",
        donors=frozenset(donors),
        implementers=frozenset(implementers),
        countries=frozenset(activity.get("recipient_countries") or ()),
        themes=frozenset(themes),
        start=_date(activity.get("start_date")),
        end=_date(activity.get("end_date")),
        budget_amount=budget.get("value"),
        budget_currency=budget.get("currency"),
        iati_identifier=activity.get("iati_identifier"),
    )


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load(folder: str | Path) -> tuple[dict[str, MatchRecord], list[LabelledPair]]:
    """Records (by uid) that appear in a labelled pair, and the pairs."""
    folder = Path(folder)
    pairs = [
        LabelledPair(
            a=row["a_uid"],
            b=row["b_uid"],
            label=int(row["label"]),
            shared_country=bool(row.get("shared_country")),
            strict_one_to_one=bool(row.get("strict_one_to_one")),
        )
        for row in _lines(folder / "pairs.jsonl")
    ]
    wanted = {uid for pair in pairs for uid in (pair.a, pair.b)}
    every = [to_record(row) for row in _lines(folder / "activities.jsonl")]
    records = {str(r.id): r for r in weigh_all(every) if str(r.id) in wanted}
    return records, [p for p in pairs if p.a in records and p.b in records]


def weigh_all(records: list[MatchRecord]) -> list[MatchRecord]:
    """``records`` with their words and organizations weighed by their rarity among them, as
    ADAM weighs a registry's (rarity.py)."""
    documents = document_frequencies(records)
    named: dict[str, int] = {}
    for record in records:
        for code in record.organizations:
            named[code] = named.get(code, 0) + 1
    org_weights = {code: organization_weight(n, len(records)) for code, n in named.items()}
    return [weighed(r, documents, len(records), org_weights) for r in records]


def document_frequencies(records: Iterable[MatchRecord]) -> dict[str, int]:
    """In how many of ``records`` each content word appears (title or description)."""
    documents: dict[str, int] = {}
    for record in records:
        for word in record.title_norm.tokens | record.description_norm.tokens:
            documents[word] = documents.get(word, 0) + 1
    return documents


def weighed(
    record: MatchRecord,
    documents: dict[str, int],
    total: int,
    org_weights: dict[str, float] | None = None,
) -> MatchRecord:
    """``record`` with its words (and organizations) weighed by their rarity among ``total``."""
    weights = record_weights(
        record.title_norm.text.split(), record.description_norm.tokens, documents, total
    )
    orgs = (
        {code: org_weights.get(code, 1.0) for code in record.organizations} if org_weights else None
    )
    return record.with_weights(weights, orgs)


def components(pairs: Iterable[LabelledPair]) -> list[list[LabelledPair]]:
    """Pairs grouped by connected component of the record graph, so folds never share a record."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    pair_list = list(pairs)
    for pair in pair_list:
        parent[find(pair.a)] = find(pair.b)
    groups: dict[str, list[LabelledPair]] = {}
    for pair in pair_list:
        groups.setdefault(find(pair.a), []).append(pair)
    return list(groups.values())
