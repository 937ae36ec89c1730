"""The awakening emulator: built from the lung model's response table, or the fixture."""

import sys
import types

import numpy as np
import pandas as pd
import pytest

from awaken.cohort.emulator import build_emulator
from awaken.core.errors import InputError


def _fake_lung(monkeypatch, variants: bool, table=None):
    fixture = build_emulator("fixture").frame()
    calls = []

    def response_table(virus: str, host: str, vaccinated: bool) -> pd.DataFrame:
        calls.append((virus, host, vaccinated))
        if virus.startswith("sars2-human-") and not variants:
            raise InputError(f"unknown virus {virus!r}")
        key = "sars2-human-wildtype" if virus == "sars2-human" else virus
        rows = fixture[(fixture.virus == key) & (fixture.host == host)
                       & (fixture.vaccinated == vaccinated)]
        out = rows[["severity", "il6_peak", "il6_auc", "fold_change_day28", "extra_doublings"]]
        return (table if table is not None else out).reset_index(drop=True)

    module = types.ModuleType("awaken.lung.response")
    module.response_table = response_table
    monkeypatch.setitem(sys.modules, "awaken.lung.response", module)
    return calls, fixture


def test_fixture_is_labelled_as_such():
    emu = build_emulator("fixture")
    assert emu.source == "fixture" and "not lung-model output" in emu.provenance
    assert emu.values.shape == (6, 2, 2, 5, 4) and len(emu.fingerprint) == 16


def test_built_from_the_lung_function(monkeypatch):
    calls, fixture = _fake_lung(monkeypatch, variants=True)
    emu = build_emulator("auto")
    assert emu.source == "lung" and len(calls) == 24
    np.testing.assert_allclose(emu.values, build_emulator("fixture").values)


def test_variants_fall_back_to_one_sars2_table(monkeypatch):
    _fake_lung(monkeypatch, variants=False)
    emu = build_emulator("lung")
    assert "from sars2-human" in emu.provenance
    np.testing.assert_allclose(emu.values[0], emu.values[3])  # wildtype == omicron


def test_bad_lung_table_is_refused(monkeypatch):
    bad = pd.DataFrame({"severity": ["upper"], "il6_peak": [1.0], "il6_auc": [1.0],
                        "fold_change_day28": [2.0], "extra_doublings": [0.1]})
    _fake_lung(monkeypatch, variants=True, table=bad)
    with pytest.raises(InputError, match="one row per severity class"):
        build_emulator("lung")


def test_lung_source_needs_the_lung_function(monkeypatch):
    monkeypatch.setitem(sys.modules, "awaken.lung.response", None)
    with pytest.raises(InputError, match="no awaken.lung.response"):
        build_emulator("lung")
