"""Finding projects: the search page."""

from __future__ import annotations

from flask import render_template

from adam.access import page
from adam.portal.blueprint import portal_blueprint

blp = portal_blueprint("portal_projects", __name__)


@page
@blp.route("/projects")
def search() -> tuple[str, int]:
    """Projects, with the list's filters as facets."""
    return render_template("portal/search.html"), 200
