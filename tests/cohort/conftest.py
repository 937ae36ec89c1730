"""Shared small configurations for the cohort tests (kept small: seconds each)."""

from __future__ import annotations

import pytest

from awaken.cohort import build_emulator, build_model, load_config


@pytest.fixture(scope="session")
def emulator():
    return build_emulator("fixture")


@pytest.fixture(scope="session")
def ukb_small():
    return load_config("ukb", n=3000, chunk_size=1000, seed=7)


@pytest.fixture(scope="session")
def ukb_model(ukb_small, emulator):
    return build_model(ukb_small, emulator)
