"""A small corpus of projects that differ in every filtered field."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def corpus(register: Any, make_org: Any) -> dict[str, dict[str, Any]]:
    make_org("jp-mofa", "Ministry of Foreign Affairs of Japan")
    return {
        "blo": register(),
        "treat": register(
            title="Family-based drug dependence treatment",
            description="Treatnet training for clinicians in Osh and Bishkek.",
            countries=["KG"],
            themes=["demand-reduction"],
            donors=["us-inl"],
            implementers=["unodc"],
            start_date="2023-01-01",
            end_date="2024-12-31",
            status="closed",
            budget={"amount": "300000.50", "currency": "EUR"},
        ),
        "ccp": register(
            title="Port control unit in Bandar Abbas",
            description="Container Control Programme profiling training.",
            countries=["IR", "AF"],
            themes=["border-control", "precursor-control"],
            donors=["jp-mofa", "gb-fcdo"],
            implementers=["unodc", "tj-dca"],
            start_date="2026-01-01",
            end_date=None,
            budget={"amount": "2000000", "currency": "USD"},
        ),
        "ru": register(
            title="Профилактика наркомании среди молодёжи",
            description="Тренинги для школьных психологов в Алматы.\nВторая строка, с запятой.",
            countries=["KZ"],
            themes=["demand-reduction"],
            donors=["us-inl"],
            implementers=["unodc"],
            status="pipeline",
            start_date=None,
            end_date=None,
            budget=None,
        ),
    }
