"""Change an app's settings in a test, as if it had been started with them."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask

from adam.session import SETTINGS_KEY, get_settings
from adam.settings import SESSION_INFO_KEY


def replace_settings(app: Flask, **changes: Any) -> None:
    """Replace fields of the app's settings; sessions made from now on carry the new ones."""
    settings = dataclasses.replace(get_settings(app), **changes)
    app.extensions[SETTINGS_KEY] = settings
    app.extensions["adam.sessionmaker"].configure(info={SESSION_INFO_KEY: settings})
