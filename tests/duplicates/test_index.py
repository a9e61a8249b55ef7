"""The matcher's index: word weights and organization-country keys written with each project,
and the word counts they come from (snapshot, live counts, process cache)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from adam.cli import main
from adam.duplicates import terms
from adam.duplicates.models import MatchKey, ProjectSearch
from adam.matching import rarity
from adam.matching.rarity import parse_weights
from adam.reference.models import Organization
from adam.session import new_session

Register = Callable[..., dict[str, Any]]


def _keys(app: Flask, project_id: int) -> set[tuple[str, str, str | None]]:
    with new_session(app) as session:
        rows = session.execute(
            select(Organization.code, MatchKey.country_code, MatchKey.start_date)
            .join(Organization, Organization.id == MatchKey.organization_id)
            .where(MatchKey.project_id == project_id)
        )
        return {(code, country, str(start) if start else None) for code, country, start in rows}


def _weights(app: Flask, project_id: int) -> str | None:
    with new_session(app) as session:
        return session.scalar(
            select(ProjectSearch.weights).where(ProjectSearch.project_id == project_id)
        )


def test_registration_writes_weights_and_one_key_per_organization_and_country(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    project = register(countries=["TJ", "AF"], title="Border liaison offices in Ishkashim")
    weights = parse_weights(_weights(app, project["id"]) or "")
    assert weights["ishkashim"] == 1.0  # a word no other project holds
    assert _keys(app, project["id"]) == {
        ("gb-fcdo", "TJ", "2025-03-01"),
        ("gb-fcdo", "AF", "2025-03-01"),
        ("unodc", "TJ", "2025-03-01"),
        ("unodc", "AF", "2025-03-01"),
    }

    patch_project(project["id"], countries=["KG"], donors=["us-inl"], start_date="2025-04-01")

    assert _keys(app, project["id"]) == {
        ("us-inl", "KG", "2025-04-01"),
        ("unodc", "KG", "2025-04-01"),
    }


def test_word_counts_come_from_the_snapshot_then_from_the_index(
    app: Flask, register: Register
) -> None:
    register(title="Border liaison offices in Ishkashim")
    register(title="Border liaison offices in Vanj")
    with app.app_context(), new_session(app) as session:
        assert terms.refresh_term_stats(session) == 2
        session.commit()
    register(title="Canine units in Vanj")  # after the snapshot: counted live
    with app.app_context(), new_session(app) as session:
        terms.clear_cache()
        counts, total = terms.document_frequencies(session, ["vanj", "ishkashim", "canine", "x"])
        assert total == 3
        # The index has outgrown the snapshot (3 projects, 2 counted): every count is live.
        assert counts == {"vanj": 2, "ishkashim": 1, "canine": 1, "x": 0}
        terms.clear_cache()
        assert terms.refresh_term_stats(session) == 3
        session.commit()
        counts, _ = terms.document_frequencies(session, ["vanj"])
        assert counts == {"vanj": 2}
        assert not terms.snapshot_is_stale(session)


def test_organizations_weigh_by_how_many_projects_name_them(
    app: Flask, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        register(title=f"Project number {i}")
    register(title="A small grant", donors=["us-inl"], implementers=["tj-dca"])
    with app.app_context(), new_session(app) as session:
        by_code = dict(session.execute(select(Organization.code, Organization.id)).all())
        unodc, dca = by_code["unodc"], by_code["tj-dca"]
        terms.clear_cache()
        # Seven projects tell nothing yet of which organization is common.
        assert max(terms.organization_weights(session, [unodc, dca]).values()) < 0.05
        # As if the registry were large enough (the counts are the same).
        monkeypatch.setattr(rarity, "ORGANIZATION_EVIDENCE", 1)
        terms.clear_cache()
        weights = terms.organization_weights(session, [unodc, dca])
    assert weights[unodc] < weights[dca]
    assert weights[dca] == pytest.approx(rarity.term_weight(1, 7))


def test_organization_counts_come_from_the_snapshot_then_from_the_links(
    app: Flask, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        register(title=f"Project number {i}", donors=["us-inl"], implementers=["tj-dca"])
    with app.app_context(), new_session(app) as session:
        by_code = dict(session.execute(select(Organization.code, Organization.id)).all())
        inl, dca = by_code["us-inl"], by_code["tj-dca"]
        terms.refresh_term_stats(session)
        session.commit()
        stored = dict(
            session.execute(select(terms.SearchTermStat.term, terms.SearchTermStat.documents)).all()
        )
        assert stored[terms.organization_key(inl)] == 3
        assert stored[terms.organization_key(dca)] == 3

        def live(*_args: Any, **_kwargs: Any) -> dict[str, int]:
            raise AssertionError("counted live although the snapshot holds the organization")

        with monkeypatch.context() as patch:
            patch.setattr(terms, "_live_organization_counts", live)
            terms.clear_cache()
            assert terms.organization_weights(session, [inl, dca]) == {
                inl: rarity.organization_weight(3, 3),
                dca: rarity.organization_weight(3, 3),
            }
        # A snapshot the index has outgrown is not trusted: counted live again.
        register(title="Another one", donors=["us-inl"])
        terms.clear_cache()
        counted: list[list[str]] = []
        original = terms._live_organization_counts

        def spy(session: Any, keys: list[str], limit: int) -> dict[str, int]:
            counted.append(keys)
            return original(session, keys, limit)

        monkeypatch.setattr(terms, "_live_organization_counts", spy)
        weights = terms.organization_weights(session, [inl])
    assert counted == [[terms.organization_key(inl)]]
    assert weights == {inl: rarity.organization_weight(4, 4)}


def test_reindex_weighs_rows_written_before_weights_existed(app: Flask, register: Register) -> None:
    project = register(title="Border liaison offices in Ishkashim")
    with new_session(app) as session:
        session.execute(
            update(ProjectSearch)
            .where(ProjectSearch.project_id == project["id"])
            .values(weights=None)
        )
        session.execute(MatchKey.__table__.delete())
        session.commit()

    result = app.test_cli_runner().invoke(main, ["duplicates", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Indexed 1 projects" in result.output
    assert "ishkashim" in parse_weights(_weights(app, project["id"]) or "")
    assert _keys(app, project["id"])


def test_the_worker_refreshes_a_stale_snapshot_of_word_counts(
    app: Flask, register: Register
) -> None:
    register(title="Border liaison offices in Ishkashim")
    with new_session(app) as session:
        assert terms.snapshot_is_stale(session)  # never taken

    result = app.test_cli_runner().invoke(main, ["worker", "--once"])

    assert result.exit_code == 0, result.output
    with new_session(app) as session:
        assert not terms.snapshot_is_stale(session)
        stored = session.scalar(
            select(terms.SearchTermStat.documents).where(terms.SearchTermStat.term == "ishkashim")
        )
        assert stored == 1


def test_a_snapshot_over_ids_with_gaps_is_not_stale_and_serves_the_counts(
    app: Flask, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids have gaps (rolled-back registrations burn them on PostgreSQL): a snapshot just
    taken must count as fresh, or every registration would count its words live."""
    projects = [register(title=f"Canine units in Vanj, phase {n}") for n in range(4)]
    with new_session(app) as session:  # three of four ids missing from the index: a gap
        session.execute(delete(ProjectSearch).where(ProjectSearch.project_id != projects[-1]["id"]))
        session.commit()
    with app.app_context(), new_session(app) as session:
        assert terms.refresh_term_stats(session) == 1
        session.commit()
        assert not terms.snapshot_is_stale(session)

        def live(*_args: Any, **_kwargs: Any) -> dict[str, int]:
            raise AssertionError("counted live although the snapshot is fresh")

        monkeypatch.setattr(terms, "_live_counts", live)
        terms.clear_cache()
        counts, total = terms.document_frequencies(session, ["vanj", "canine"])
        assert counts == {"vanj": 1, "canine": 1} and total == projects[-1]["id"]


def test_a_long_description_of_new_words_is_counted_in_several_statements(
    app: Flask, register: Register
) -> None:
    words = " ".join(f"zq{i}x" for i in range(300))  # none of them in the index yet
    project = register(title="Border liaison offices in Ishkashim", description=words)
    assert project["duplicate_check"] == "done"
    weights = parse_weights(_weights(app, project["id"]) or "")
    assert {"ishkashim", "zq0x"} <= set(weights)


def test_postgresql_word_index_has_no_pending_list_and_refresh_renews_statistics(
    app: Flask, register: Register, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("GIN pending lists and planner statistics are PostgreSQL's")
    from sqlalchemy import text

    register()
    with new_session(app) as session:
        options = session.scalar(
            text("SELECT reloptions FROM pg_class WHERE relname = 'ix_project_search_document'")
        )
        # A pending list would be read in full by every search until a VACUUM merged it.
        assert "fastupdate=off" in (options or [])
        terms.refresh_term_stats(session)
        session.commit()
        analyzed = session.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'project_search'")
        )
    assert analyzed is not None
