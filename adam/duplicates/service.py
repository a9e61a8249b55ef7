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
"""

from adam.duplicates.check import MATCHED_FIELDS, check_project, dry_check
from adam.duplicates.inbox import AlertFilters, get_alert, list_alerts, resolve_alert
from adam.duplicates.index import (
    index_values,
    insert_match_keys,
    insert_weighed,
    unindexed_project_ids,
)
from adam.duplicates.raising import CheckOutcome, Found
from adam.duplicates.scan import check_new, reindex_missing, scan, scan_total
from adam.duplicates.terms import refresh_if_stale, refresh_term_stats

__all__ = [
    "MATCHED_FIELDS",
    "AlertFilters",
    "CheckOutcome",
    "Found",
    "check_new",
    "check_project",
    "dry_check",
    "get_alert",
    "index_values",
    "insert_match_keys",
    "insert_weighed",
    "list_alerts",
    "refresh_if_stale",
    "refresh_term_stats",
    "reindex_missing",
    "resolve_alert",
    "scan",
    "scan_total",
    "unindexed_project_ids",
]
