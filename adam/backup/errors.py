"""The one error of backup and restore: its message is a single line for the command line."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that cannot be done, or a backup that does not verify; nothing
    was changed (the message says so when something was)."""
