"""Documents, files and pictures kept next to each project."""
