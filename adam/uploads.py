"""File uploads (multipart/form-data) on a blueprint: one form schema over the file and its
fields, and a size limit of the upload's own instead of the app's JSON body limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from adam.errors import AdamError
from adam.web import request_access

# Room in the body for the multipart boundaries and the small form fields beside the file.
FORM_OVERHEAD = 64 * 1024


class _FormAndFilesParser(FlaskParser):
    """Reads the upload's file and its text fields as one form, so one schema checks them
    together (every missing field named in one 422) and OpenAPI shows one multipart body
    (only ``location="files"`` changes)."""

    def load_files(self, req: Any, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


def accept_uploads(
    blp: Blueprint,
    *,
    max_bytes: Callable[[], int],
    too_large: Callable[[int], AdamError],
) -> None:
    """Let ``blp``'s multipart views (``@protected(accepts="multipart")``) take files of up to
    ``max_bytes()``; a larger one is refused with ``too_large(limit)`` (413), in our words."""
    blp.ARGUMENTS_PARSER = _FormAndFilesParser()

    @blp.before_request
    def _read_upload_with_its_own_limit() -> None:
        if request_access().accepts != "multipart":
            return
        limit = max_bytes()
        request.max_content_length = limit + FORM_OVERHEAD
        try:
            request.files  # noqa: B018 - parse the body now, to answer 413 in our words
        except RequestEntityTooLarge:
            raise too_large(limit) from None
