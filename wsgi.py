"""WSGI entry point: ``gunicorn wsgi:app``."""

from adam.app import create_app

app = create_app()
