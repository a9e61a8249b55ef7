"""An import's report as text, for the command line."""

from __future__ import annotations

from adam.errors import AdamError
from adam.iati.models import ImportJob, ImportOutcome

# Outcomes listed one line each; created, updated and unchanged are only counted.
LISTED = (ImportOutcome.SKIPPED.value, ImportOutcome.FAILED.value)


def error_text(error: AdamError) -> str:
    details = "; ".join(
        f"{' '.join(messages)}" if field in ("file", "line") else f"{field}: {' '.join(messages)}"
        for field, messages in error.details.items()
        if field != "line"
    )
    return details or error.message


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
