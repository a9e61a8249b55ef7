"""An import's report as text, for the command line."""

from __future__ import annotations

from adam.errors import WHOLE, AdamError, messages_text
from adam.iati.models import ImportJob, ImportOutcome

# Outcomes listed one line each; created, updated and unchanged are only counted.
LISTED = (ImportOutcome.SKIPPED.value, ImportOutcome.FAILED.value)


def error_text(error: AdamError) -> str:
    """Why a file was refused: what the error says of it (its line is in the message)."""
    details = {field: texts for field, texts in error.details.items() if field != "line"}
    return messages_text(details, bare=("file", WHOLE)) or error.message


def summary_text(job: ImportJob) -> str:
    c = job.counters()
    lines = [
        f"Import job {job.id} ({job.filename}): {job.status}. {c['total']} activities: "
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['skipped']} skipped, {c['failed']} failed; {c['alerts']} duplicate alerts raised."
    ]
    for entry in job.report or []:
        if entry["outcome"] in LISTED:
            lines.append(
                f"  line {entry['line']}: {entry['iati_identifier'] or '(no identifier)'} "
                f"{entry['outcome']}: {entry['reason']}"
            )
        elif entry["alerts"]:
            lines.append(
                f"  line {entry['line']}: {entry['iati_identifier']} {entry['outcome']} "
                f"(project {entry['project_id']}), {entry['alerts']} duplicate alert(s)"
            )
    if job.error:
        lines.append(f"  error: {job.error}")
    lines.append(f"Full report (notes on each activity): GET /api/v1/imports/{job.id}")
    return "\n".join(lines)
