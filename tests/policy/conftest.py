"""Small scenario files and a fast emulator factory for the policy tests (seconds each)."""

from __future__ import annotations

import pytest

from awaken.cohort import build_emulator


@pytest.fixture(scope="session")
def fixture_emulator():
    return build_emulator("fixture")


@pytest.fixture
def spy(fixture_emulator):
    """An emulator factory that records the overrides it was asked for (fixture table)."""
    calls: list[dict[str, float]] = []

    def factory(overrides: dict[str, float]):
        calls.append(dict(overrides))
        return fixture_emulator

    factory.calls = calls  # type: ignore[attr-defined]
    return factory
