"""WSGI entry point: ``gunicorn wsgi:app``."""

from adam import create_app

app = create_app()
