"""The documents API contract: the upload form, the metadata out, the list queries."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.documents.categories import EVENT_CATEGORIES, category_name, document_categories
from adam.documents.models import Document
from adam.fields import FilePart, PatchSchema, QueryBoolean, Text
from adam.reference.codes import enum, language_codes
from adam.reference.schemas import UserRefSchema


def _title(*, required: bool) -> Text:
    return Text(
        required=required,
        single_line=True,
        strip=True,
        validate=validate.Length(min=1, max=500, error="Give a title of 1 to 500 characters."),
    )


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class DocumentUploadSchema(ma.Schema):
    """The upload form: multipart/form-data with these parts."""

    file = FilePart(required=True, metadata={"description": "The file (at most 25 MiB)."})
    title = _title(required=True)
    category = Text(
        required=True,
        single_line=True,
        metadata={
            "description": "IATI DocumentCategory code, e.g. A01, A05 (budget), A08 (results)",
            "example": "A08",
            **enum(document_categories()),
        },
    )
    language = Text(
        single_line=True,
        load_default="en",
        metadata={
            "description": "ISO 639-1 code of the document's language",
            "example": "ru",
            **enum(language_codes()),
        },
    )

    @ma.pre_load
    def _normalize(self, data: Any, **_: Any) -> Any:
        if hasattr(data, "get"):
            data = {key: data.get(key) for key in data}
            if "category" in data:
                data["category"] = _upper(data["category"])
            if "language" in data:
                data["language"] = _lower(data["language"])
        return data


class DocumentPatchSchema(PatchSchema):
    title = _title(required=False)
    category = Text(single_line=True, metadata=enum(document_categories()))
    language = Text(single_line=True, metadata=enum(language_codes()))

    @ma.pre_load
    def _normalize(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if "category" in data:
                data["category"] = _upper(data["category"])
            if "language" in data:
                data["language"] = _lower(data["language"])
        return data


class EventDocumentUploadSchema(DocumentUploadSchema):
    """An event's document: the same parts, its category one of an event's papers."""

    category = Text(
        required=True,
        single_line=True,
        metadata={
            "description": "AGN agenda, PRS presentation, RPT report, STM statement, "
            "PTL list of participants, OTH other",
            "example": "AGN",
            **enum(EVENT_CATEGORIES),
        },
    )


class EventDocumentPatchSchema(DocumentPatchSchema):
    category = Text(single_line=True, metadata=enum(EVENT_CATEGORIES))


class DocumentListQuerySchema(ma.Schema):
    withdrawn = QueryBoolean(
        load_default=False,
        metadata={"description": "Only the withdrawn documents (for the project's editors)"},
    )


class DocumentOutSchema(ma.Schema):
    id = ma.fields.Integer()
    # Exactly one of the two: the project or the event the document belongs to.
    project_id = ma.fields.Integer(allow_none=True)
    event_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    category = ma.fields.Method("_category")
    language = ma.fields.String()
    filename = ma.fields.String()
    media_type = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "Bytes served (pictures: without metadata)"})
    sha256 = ma.fields.String(metadata={"description": "Of the bytes served; also their ETag"})
    is_picture = ma.fields.Boolean()
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    content_url = ma.fields.String(attribute="content_path")
    thumbnail_url = ma.fields.String(attribute="thumbnail_path", allow_none=True)
    created_at = ma.fields.DateTime()
    created_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    updated_at = ma.fields.DateTime()
    withdrawn_at = ma.fields.DateTime(allow_none=True)

    def _category(self, document: Document) -> dict[str, str]:
        return {"code": document.category_code, "name": category_name(document.category_code)}


class DocumentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DocumentOutSchema))


class PictureOutSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    filename = ma.fields.String()
    media_type = ma.fields.String()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    content_url = ma.fields.String(attribute="content_path")
    thumbnail_url = ma.fields.String(attribute="thumbnail_path")


class PictureListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PictureOutSchema))
