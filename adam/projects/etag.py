"""ETags for projects: ``"<id>-<version>"``, so If-Match carries the version a client read."""

from __future__ import annotations

from adam import etags
from adam.errors import N_

MISSING = N_(
    "Send If-Match with the ETag from your last GET of this project, so a change "
    "made meanwhile by someone else is never overwritten."
)
FOREIGN = N_("If-Match holds no ETag of this project; read it again.")


def expected_version(header: str | None, project_id: int, *, required: bool) -> int | None:
    """The version the client claims to hold, from an If-Match header (``*``: any, None).

    :raises PreconditionRequired: no header where one is required.
    :raises PreconditionFailed: the header holds no tag for this project.
    """
    return etags.expected_version(
        header, project_id, required=required, missing=MISSING, foreign=FOREIGN
    )
