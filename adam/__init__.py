"""ADAM: coordination of counter-narcotics technical assistance (Paris Pact)."""

from adam.app import create_app

__all__ = ["create_app"]
