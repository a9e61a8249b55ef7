"""One way to make a portal blueprint: its templates, and errors shown as pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from adam.portal import errors

TEMPLATES = Path(__file__).resolve().parent / "templates"


def portal_blueprint(name: str, import_name: str) -> Blueprint:
    blueprint = Blueprint(name, import_name, template_folder=str(TEMPLATES))
    errors.register(blueprint)
    return blueprint
