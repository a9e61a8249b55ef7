"""``adam import iati FILE...``: imports as a coordinator, shows progress, prints the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from adam.cli import main
from adam.iati.models import ImportJob
from adam.projects.models import Project
from adam.session import new_session
from tests.iati.import_helpers import DATA, Act, iati_file


def _languages(app: Flask) -> Counter[str]:
    with new_session(app) as session:
        return Counter(session.scalars(select(Project.language)))


def test_the_command_imports_files_with_a_progress_bar_and_prints_the_report(
    app: Flask, tmp_path: Path
) -> None:
    own = tmp_path / "own.xml"
    own.write_bytes(iati_file(Act("Q-1"), Act("Q-2", countries=[])))
    result = app.test_cli_runner().invoke(
        main,
        ["import", "iati", str(DATA / "dportal_100.xml"), str(own), "--default-theme", "research"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "dportal_100.xml" in result.stderr and "own.xml" in result.stderr  # the bars' labels
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("Import job ")
        and "(dportal_100.xml): done. 77 activities: 69 created" in line
        for line in lines
    )
    assert any("(own.xml): done. 2 activities: 1 created" in line for line in lines)
    assert any(
        line.strip().startswith("line ") and "Q-2 skipped: no recipient country in scope" in line
        for line in lines
    )
    # The real file's narratives are in several languages, each kept in its own.
    languages = _languages(app)
    assert languages["es"] == 22 and languages["fr"] == 14 and languages["pt"] == 2
    assert sum(languages.values()) == 70

    again = app.test_cli_runner().invoke(main, ["import", "iati", str(own)])
    assert again.exit_code == 0 and "1 unchanged" in again.stdout


def test_a_malformed_file_stops_the_command_before_anything_is_imported(
    app: Flask, tmp_path: Path
) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(iati_file(Act("R-1")))
    broken = tmp_path / "broken.xml"
    content = iati_file(Act("R-2"))
    broken.write_bytes(content[: content.index(b"<recipient-country") + 5])
    result = app.test_cli_runner().invoke(main, ["import", "iati", str(good), str(broken)])
    assert result.exit_code != 0
    assert f"{broken}: Line " in result.output and "not well-formed XML" in result.output
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_unknown_options_are_refused(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        main, ["import", "iati", str(DATA / "dportal_10.xml"), "--publisher-org", "nobody"]
    )
    assert result.exit_code != 0
    assert "publisher_org: Unknown organization: nobody. Register it" in result.output
