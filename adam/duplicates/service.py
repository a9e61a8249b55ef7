"""The public interface of duplicate detection: what the workflows, the IATI importer and the
command line call.

Code outside ``adam.duplicates`` imports this module only (``from adam.duplicates import
service as duplicates_service``, plus ``settings`` for ``MatcherSettings``) and looks names up
through it when it calls them, so that a name replaced here is replaced for every caller
(``scan.check_new`` also checks through here). The work is done in:

- ``check``: one project's check as it is written (index it, find, score, raise), or a dry
  run's of a project never saved (find, score);
- ``records``: stored projects read as candidates; ``raising``: alerts for scored pairs;
- ``inbox``: the alerts people see and resolve;
- ``index``, ``terms``, ``candidates``: the search index, its word counts, candidate search;
- ``scan``: many projects at once (``adam duplicates scan``, a bulk import).

The coverage suggestions (``adam.coverage``) search the same index for the projects that
serve a need or a recommendation: ``Probe``, ``by_words``, ``load_candidates``,
``search_values`` and the word counts are theirs too.
"""

from adam.duplicates.candidates import Limits, Probe, by_words
from adam.duplicates.check import MATCHED_FIELDS, check_project, dry_check
from adam.duplicates.inbox import AlertFilters, get_alert, list_alerts, resolve_alert
from adam.duplicates.index import (
    index_values,
    insert_match_keys,
    insert_weighed,
    search_values,
    unindexed_project_ids,
)
from adam.duplicates.raising import CheckOutcome, Found
from adam.duplicates.records import Candidate, load_candidates
from adam.duplicates.scan import check_new, reindex_missing, scan, scan_total
from adam.duplicates.terms import (
    document_frequencies,
    indexed_total,
    refresh_if_stale,
    refresh_term_stats,
)

__all__ = [
    "MATCHED_FIELDS",
    "AlertFilters",
    "Candidate",
    "CheckOutcome",
    "Found",
    "Limits",
    "Probe",
    "by_words",
    "check_new",
    "check_project",
    "document_frequencies",
    "dry_check",
    "get_alert",
    "index_values",
    "indexed_total",
    "insert_match_keys",
    "insert_weighed",
    "list_alerts",
    "load_candidates",
    "refresh_if_stale",
    "refresh_term_stats",
    "reindex_missing",
    "resolve_alert",
    "scan",
    "scan_total",
    "search_values",
    "unindexed_project_ids",
]
