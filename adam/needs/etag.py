"""ETags for needs: ``"<id>-<version>"``, so If-Match carries the version a client read."""

from __future__ import annotations

import re

from adam.errors import N_, PreconditionFailed, PreconditionRequired

_TAG = re.compile(r'^(?:W/)?"(\d+)-(\d+)"$')


def etag(need_id: int, version: int) -> str:
    return f'"{need_id}-{version}"'


def expected_version(header: str | None, need_id: int, *, required: bool) -> int | None:
    """The version the client claims to hold (``*``: any, None).

    :raises PreconditionRequired: no header where one is required.
    :raises PreconditionFailed: the header holds no tag for this need.
    """
    if header is None or not header.strip():
        if required:
            raise PreconditionRequired(
                N_(
                    "Send If-Match with the ETag from your last GET of this need, so a change "
                    "made meanwhile by someone else is never overwritten."
                )
            )
        return None
    if header.strip() == "*":
        return None
    for part in header.split(","):
        match = _TAG.match(part.strip())
        if match and int(match.group(1)) == need_id:
            return int(match.group(2))
    raise PreconditionFailed(N_("If-Match holds no ETag of this need; read it again."))


def matches(header: str | None, need_id: int, version: int) -> bool:
    """For If-None-Match: does the client already hold this version?"""
    if not header:
        return False
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in tags or etag(need_id, version) in tags
