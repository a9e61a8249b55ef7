"""Assistance projects: registration, editing, withdrawal, history and queries."""
