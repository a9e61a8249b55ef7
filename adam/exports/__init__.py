"""Spreadsheet answers (CSV and Excel) for the project list and the tables."""
