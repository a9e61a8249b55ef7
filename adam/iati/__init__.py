"""IATI activity XML: export and import."""
