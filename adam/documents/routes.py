"""Project documents and pictures: upload, list, read, download, withdraw."""

from __future__ import annotations

from adam.api import Blueprint

blp = Blueprint("documents", __name__, description="Project documents and pictures")
