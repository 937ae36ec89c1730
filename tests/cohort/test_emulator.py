"""The awakening emulator: built from the lung model's response table, or the fixture."""

import sys
import types

import numpy as np
import pandas as pd
import pytest

from awaken.cohort.emulator import build_emulator
from awaken.core.errors import InputError


def test_fixture_is_labelled_as_such():
    emu = build_emulator("fixture")
    assert emu.source == "fixture" and "not lung-model output" in emu.provenance
    assert emu.values.shape == (6, 2, 2, 5, 4) and len(emu.fingerprint) == 16


def test_built_from_the_lung_function():
    from awaken.lung.response import response_table

    emu = build_emulator("lung")
    assert emu.source == "lung" and emu.provenance == "awaken.lung.response.response_table"
    frame = emu.frame()
    rows = frame[(frame.virus == "flu-human") & (frame.host == "human-65plus")
                 & frame.vaccinated]
    expected = response_table("flu-human", "human-65plus", True)
    columns = ["il6_peak", "il6_auc", "extra_doublings"]
    np.testing.assert_allclose(rows[columns].to_numpy(), expected[columns].to_numpy(),
                               rtol=1e-9, atol=1e-9)


def test_variants_have_their_own_tables():
    emu = build_emulator("lung")
    assert not np.allclose(emu.values[0], emu.values[3])  # wildtype != omicron


def test_bad_lung_table_is_refused(monkeypatch, tmp_path):
    bad = pd.DataFrame({"severity": ["upper"], "il6_peak": [1.0], "il6_auc": [1.0],
                        "fold_change_day28": [2.0], "extra_doublings": [0.1]})
    module = types.ModuleType("awaken.lung.response")
    module.response_table = lambda virus, host, vaccinated: bad
    module.response_key = lambda virus, host, vaccinated: "bad-table"
    monkeypatch.setitem(sys.modules, "awaken.lung.response", module)
    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path))
    with pytest.raises(InputError, match="one row per severity class"):
        build_emulator("lung")


def test_a_net_loss_at_a_slow_rate_is_no_acceleration(monkeypatch, tmp_path):
    """A re-run whose infection leaves a slow lesion's burden lower (negative extra doublings,
    as some posterior draws give at Td 500 d) counts as no acceleration; NaN is refused."""
    from awaken.cohort.emulator import SEVERITIES

    def table(virus, host, vaccinated, overrides=None, extra=-0.004):
        rerun = overrides is not None and "g" in overrides
        return pd.DataFrame({"severity": list(SEVERITIES), "il6_peak": 1.0, "il6_auc": 1.0,
                             "fold_change_day28": 2.0,
                             "extra_doublings": extra if rerun else 0.5})

    module = types.ModuleType("awaken.lung.response")
    module.response_table = table
    module.response_key = lambda virus, host, vaccinated, **kw: f"net-loss {tmp_path}"
    monkeypatch.setitem(sys.modules, "awaken.lung.response", module)
    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path))
    emu = build_emulator("lung")
    assert emu.lesion_doublings is not None and (emu.lesion_doublings == 0.0).all()
    module.response_table = lambda *a, **kw: table(*a, **kw, extra=float("nan"))
    module.response_key = lambda virus, host, vaccinated, **kw: f"nan {tmp_path}"
    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path / "nan"))  # not the table built above
    with pytest.raises(InputError, match="extra doublings must be finite"):
        build_emulator("lung")


def test_lung_source_needs_the_lung_function(monkeypatch, tmp_path):
    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path))  # no table built before
    monkeypatch.setitem(sys.modules, "awaken.lung.response", None)
    with pytest.raises(InputError, match="no awaken.lung.response"):
        build_emulator("lung")


def _refuse(*args, **kwargs):
    raise AssertionError("recomputed")


def test_lung_table_is_cached_by_what_it_depends_on(tmp_path, monkeypatch):
    from awaken.lung.response import response_key

    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path))
    first = build_emulator("lung")
    assert len(list((tmp_path / "emulator").glob("*.npy"))) == 1
    again = build_emulator("lung")
    np.testing.assert_array_equal(first.values, again.values)
    # found again by the package's digest, without the lung model: the same emulator
    np.testing.assert_array_equal(first.lesion_doublings, again.lesion_doublings)
    assert (again.fingerprint, again.provenance, again.doubling_days, again.source) == (
        first.fingerprint, first.provenance, first.doubling_days, first.source)
    from awaken.cohort import emulator as E

    monkeypatch.setattr(E, "_package_digest", lambda: "another package")
    monkeypatch.setattr(E, "_from_lung", _refuse)
    with pytest.raises(AssertionError, match="recomputed"):
        build_emulator("lung")  # a changed package recomputes the key (and finds the table)
    assert response_key("flu-human", "human") != response_key("flu-human", "human", True)
    assert response_key("flu-human", "human") != response_key(
        "flu-human", "human", overrides={"g": 0.03})


def test_lesion_doublings_are_the_lung_model_rerun_at_the_lesions_rate():
    # the lung model's doublings are at its own ~30-day rate; pathway (b) uses the lung model
    # re-run with the lesion's division rate g = ln 2 / Td (at TD_GRID, log-log between),
    # where the former conversion x * T_lung / Td overstated weak bursts 2.6-4 fold
    from awaken.cohort.emulator import TD_GRID, conversion_check, lung_doubling_days

    emu = build_emulator("lung")
    assert emu.doubling_days == pytest.approx(lung_doubling_days()) and 20 < emu.doubling_days < 60
    assert emu.lesion_doublings is not None
    assert emu.lesion_doublings.shape == (6, 2, 2, 5, len(TD_GRID))
    fixture = build_emulator("fixture")
    assert fixture.doubling_days == 30.0 and fixture.lesion_doublings is None
    np.testing.assert_allclose(fixture.doublings_at(np.array([100.0]))[..., 0],
                               fixture.values[..., 3] * 30.0 / 100.0)
    check = conversion_check(doubling_days=(103.0, 241.0, 130.0, 350.0))
    on_grid = check[check.doubling_days.isin(TD_GRID)]
    np.testing.assert_allclose(on_grid.emulator, on_grid.rerun_at_td, rtol=1e-9, atol=1e-12)
    bursts = check[check.severity.isin(["lower", "hospitalised", "critical"])]
    np.testing.assert_allclose(bursts.emulator, bursts.rerun_at_td, rtol=0.05)  # between
    assert (bursts.lung_model > 3 * bursts.rerun_at_td).all()  # copying: far too strong
    lower = check[check.severity == "lower"]
    assert (lower.converted > 2 * lower.rerun_at_td).all()  # the former conversion's error
    severe = check[check.severity.isin(["hospitalised", "critical"])]
    np.testing.assert_allclose(severe.converted, severe.rerun_at_td, rtol=0.15)
