"""What a write workflow answers: the project as written, with its duplicate check's findings;
a need as written, with the projects suggested as serving it.

Here, not in either domain: each joins two domains' answers, and no domain's schemas may
import another's.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from adam.coverage.schemas import LinkSchema, ServedSchema
from adam.duplicates.schemas import PossibleDuplicateSchema
from adam.needs.schemas import NeedOutSchema
from adam.pact.schemas import RecommendationDetailSchema
from adam.projects.schemas import ProjectOutSchema

_POSSIBLE_DUPLICATES = PossibleDuplicateSchema(many=True)
_SERVES = ServedSchema(many=True)


class ProjectWrittenSchema(ProjectOutSchema):
    """A project just registered or changed, with the duplicate check's findings."""

    possible_duplicates = ma.fields.Method(
        "_possible_duplicates",
        metadata={"description": "Likely duplicates, best first, each with its alert id"},
    )
    duplicate_check = ma.fields.String(
        metadata={
            "description": "done; failed (the project is saved, the check is not); or "
            "not_needed (an edit of fields that cannot make a duplicate)"
        }
    )

    serves = ma.fields.Method(
        "_serves",
        metadata={
            "description": "The open needs and endorsed recommendations the project likely "
            "serves, best first, each with its score and reasons (stored as suggested links)"
        },
    )

    def _possible_duplicates(self, written: Any) -> list[dict[str, Any]]:
        return _POSSIBLE_DUPLICATES.dump(written.possible_duplicates)

    def _serves(self, written: Any) -> list[dict[str, Any]]:
        return _SERVES.dump(written.serves)

    # What is dumped is a ``workflows.projects.Written``: the project's own fields come from
    # its ``project``, the check's from the outcome beside it.
    _WRITTEN = frozenset({"possible_duplicates", "duplicate_check", "serves"})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr in self._WRITTEN else obj.project
        return super().get_attribute(source, attr, default)

    def _budget(self, written: Any) -> dict[str, str] | None:
        return super()._budget(written.project)

    def _contact(self, written: Any) -> dict[str, str | None] | None:
        return super()._contact(written.project)


_LINKS = LinkSchema(many=True)


class NeedWrittenSchema(NeedOutSchema):
    """A need just registered or changed, with the projects suggested as serving it."""

    suggested_projects = ma.fields.Method(
        "_suggested_projects",
        metadata={
            "description": "The live projects that likely serve the need, best first, each a "
            "suggested link with its score and reasons, to confirm or reject"
        },
    )

    def _suggested_projects(self, written: Any) -> list[dict[str, Any]]:
        return _LINKS.dump(written.suggested_projects)

    # What is dumped is a ``workflows.needs.NeedWritten``: the need's own fields come from
    # its ``need``, the suggestions from beside it.
    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr == "suggested_projects" else obj.need
        return super().get_attribute(source, attr, default)

    def _cost(self, written: Any) -> dict[str, str] | None:
        return super()._cost(written.need)


class RecommendationWrittenSchema(RecommendationDetailSchema):
    """A recommendation just registered, changed or moved, with its follow-up and the projects
    suggested as serving it."""

    suggested_projects = ma.fields.Method(
        "_suggested_projects",
        metadata={
            "description": "The live projects that likely serve the recommendation, best "
            "first, each a suggested link with its score and reasons, to confirm or reject"
        },
    )

    def _suggested_projects(self, written: Any) -> list[dict[str, Any]]:
        return _LINKS.dump(written.suggested_projects)

    # What is dumped is a ``workflows.recommendations.RecommendationWritten``.
    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr == "suggested_projects" else obj.follow_up
        return super().get_attribute(source, attr, default)
