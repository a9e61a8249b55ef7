"""IATI activity XML: export of the filtered projects, import jobs."""

from __future__ import annotations

from adam.api import Blueprint

blp = Blueprint("iati", __name__, description="IATI activity XML export and import")
