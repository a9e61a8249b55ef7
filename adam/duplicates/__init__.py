"""Duplicate detection around the pure matcher: the search index, candidates, alerts, scans."""
