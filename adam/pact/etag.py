"""ETags for events and recommendations: ``"<id>-<version>"``, so If-Match carries the
version a client read."""

from __future__ import annotations

from adam import etags
from adam.errors import N_


def event_version(header: str | None, event_id: int, *, required: bool) -> int | None:
    """The event version the client claims to hold, from If-Match (``*``: any, None).

    :raises PreconditionRequired: no header where one is required.
    :raises PreconditionFailed: the header holds no tag for this event.
    """
    return etags.expected_version(
        header,
        event_id,
        required=required,
        missing=N_(
            "Send If-Match with the ETag from your last GET of this event, so a change "
            "made meanwhile by someone else is never overwritten."
        ),
        foreign=N_("If-Match holds no ETag of this event; read it again."),
    )


def recommendation_version(
    header: str | None, recommendation_id: int, *, required: bool
) -> int | None:
    """The recommendation version the client claims to hold, from If-Match.

    :raises PreconditionRequired: no header where one is required.
    :raises PreconditionFailed: the header holds no tag for this recommendation.
    """
    return etags.expected_version(
        header,
        recommendation_id,
        required=required,
        missing=N_(
            "Send If-Match with the ETag from your last GET of this recommendation, so a "
            "change made meanwhile by someone else is never overwritten."
        ),
        foreign=N_("If-Match holds no ETag of this recommendation; read it again."),
    )
