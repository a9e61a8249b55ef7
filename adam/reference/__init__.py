"""Reference data: countries, organizations and the thematic taxonomy."""
