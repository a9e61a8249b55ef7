"""ETags ``"<id>-<version>"`` for versioned records, so If-Match carries the version a client
read; each domain's ``etag`` module names its own refusals around these."""

from __future__ import annotations

import re

from adam.errors import PreconditionFailed, PreconditionRequired, Text

_TAG = re.compile(r'^(?:W/)?"(\d+)-(\d+)"$')


def etag(record_id: int, version: int) -> str:
    return f'"{record_id}-{version}"'


def expected_version(
    header: str | None,
    record_id: int,
    *,
    required: bool,
    missing: Text,
    foreign: Text,
) -> int | None:
    """The version the client claims to hold, from an If-Match header.

    ``*`` means "any version" (returns None). A tag for another record can never match.
    :raises PreconditionRequired: no header where one is required (``missing``).
    :raises PreconditionFailed: the header holds no tag for this record (``foreign``), or
        is sent blank where it may be left out (the document's pattern refuses blank).
    """
    if header is None or not header.strip():
        if required:
            raise PreconditionRequired(missing)
        if header is not None:  # sent, but blank: no tag, so none of this record's
            raise PreconditionFailed(foreign)
        return None
    if header.strip() == "*":
        return None
    for part in header.split(","):
        match = _TAG.match(part.strip())
        if match and int(match.group(1)) == record_id:
            return int(match.group(2))
    raise PreconditionFailed(foreign)


def matches(header: str | None, record_id: int, version: int) -> bool:
    """For If-None-Match: does the client already hold this version?"""
    if not header:
        return False
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in tags or etag(record_id, version) in tags
