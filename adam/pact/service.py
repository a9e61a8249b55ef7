"""The public interface of the Paris Pact's consultative mechanism: what the workflows, the
coverage suggestions, the demo loader, the portal and the routes call.

Code outside ``adam.pact`` imports this module only (``from adam.pact import service as
pact_service``), as it does ``adam.duplicates.service``. The work is done in:

- ``events``: events registered, read, edited, withdrawn, restored and listed, and their history;
- ``recommendations``: recommendations registered, read, edited and listed, and their history;
- ``recommendation_states``: their moves through the states and their follow-up status;
- ``notes``: progress notes, and whom they are scoped to (``note_scope``);
- ``codes``: recommendation codes; ``writes``: what every write shares (version checks).
"""

from adam.pact.codes import KIND_PREFIX, code_prefix
from adam.pact.events import (
    create_event,
    event_history,
    event_snapshot,
    get_event,
    restore_event,
    search_events,
    update_event,
    withdraw_event,
)
from adam.pact.filters import EventFilters, RecommendationFilters
from adam.pact.follow_up import FollowUp
from adam.pact.notes import add_progress_note, note_scope, progress_notes
from adam.pact.recommendation_states import (
    TRANSITIONS,
    set_follow_up,
    set_recommendation_state,
)
from adam.pact.recommendations import (
    create_recommendation,
    describe,
    get_recommendation,
    read_recommendation,
    recommendation_history,
    search_recommendations,
    snapshot,
    update_recommendation,
)

__all__ = [
    "KIND_PREFIX",
    "TRANSITIONS",
    "EventFilters",
    "FollowUp",
    "RecommendationFilters",
    "add_progress_note",
    "code_prefix",
    "create_event",
    "create_recommendation",
    "describe",
    "event_history",
    "event_snapshot",
    "get_event",
    "get_recommendation",
    "note_scope",
    "progress_notes",
    "read_recommendation",
    "recommendation_history",
    "restore_event",
    "search_events",
    "search_recommendations",
    "set_follow_up",
    "set_recommendation_state",
    "snapshot",
    "update_event",
    "update_recommendation",
    "withdraw_event",
]
