"""The answer formats a client may ask for, by ``?format=`` name and by media type."""

from __future__ import annotations

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A document to read and print; asked for by ``?format=pdf`` only (not one of FORMATS).
PDF = "application/pdf"
# In order of preference when an Accept header allows several equally (``*/*`` means JSON).
FORMATS = {"json": JSON, "csv": CSV, "xlsx": XLSX}
