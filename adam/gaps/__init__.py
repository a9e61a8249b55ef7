"""Gaps and overlaps: what countries need and the partnership endorsed, against what is funded."""
