"""Users, API tokens and the permission policy."""
