"""A policy run: the table's measures, intervals over runs, posterior draws (one emulator per
draw) or 'simulation only' said out loud, output folders refused, forced or resumed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.policy import SIMULATION_ONLY, WITH_POSTERIOR, parse_scenarios, run_policy
from awaken.policy.posterior import default_draws_table, lung_emulator, select_draws

TEXT = """
[settings]
preset = "england-breast"
n = 1500
runs = 3
horizon_years = 4.0

[[scenarios]]
name = "flu-30-49"
[[scenarios.vaccination]]
name = "flu"
product = "influenza"
start = 2020-10-01
end = 2020-12-15
age_min = 30.0
age_max = 50.0
coverage = 0.8

[[scenarios]]
name = "nobody"
[[scenarios.vaccination]]
name = "flu"
product = "influenza"
start = 2020-10-01
end = 2020-12-15
age_min = 30.0
age_max = 50.0
coverage = 0.0

[[scenarios]]
name = "covid-antiviral"
[[scenarios.antivirals]]
pathogen = "sars2"
coverage = 1.0
severe_rr = { value = 0.3, range = [0.1, 0.5], source = "test" }
"""
DRAWS = pd.DataFrame({"draw": [0, 1], "alpha_il6": [8.34, 6.0], "il6_half": [81.34, 100.0]})
MEASURES = {"infections_averted", "severe_infections_averted", "awakenings_averted",
            "lung_metastases_averted", "cancer_deaths_averted", "life_years_gained",
            "vaccinated", "doses", "nnv_lung_metastasis", "nnv_cancer_death"}


@pytest.fixture(scope="module")
def spec():
    return parse_scenarios(TEXT)


def test_table_and_outputs(spec, spy, tmp_path):
    out = tmp_path / "run"
    result = run_policy(spec, out, draws="none", emulator=spy)
    t = result.table
    assert set(t["measure"]) == MEASURES
    assert set(t["scenario"]) == {"flu-30-49", "nobody", "covid-antiviral"}
    assert (t["uncertainty"] == SIMULATION_ONLY).all() and (t["runs"] == 3).all()
    by = t.set_index(["scenario", "measure"])
    # a scenario that reaches nobody: every difference exactly 0, nobody vaccinated
    assert (t.loc[t["scenario"] == "nobody", "value"].fillna(0.0) == 0.0).all()
    assert by.loc[("flu-30-49", "vaccinated"), "value"] > 0
    assert by.loc[("covid-antiviral", "vaccinated"), "value"] == 0
    severe = by.loc[("covid-antiviral", "severe_infections_averted")]
    assert severe["value"] > 0 and severe["low"] <= severe["value"] <= severe["high"]
    runs = result.runs
    base = runs[runs.arm == "baseline"].set_index("run")
    nobody = runs[runs.arm == "nobody"].set_index("run")
    pd.testing.assert_frame_equal(base.drop(columns="arm"), nobody.drop(columns="arm"),
                                  check_exact=True)
    assert len(spy.calls) == 3 and all(c == {} for c in spy.calls)
    for name in ("policy.csv", "policy.json", "runs.csv", "policy.png", "policy.svg"):
        assert (out / name).stat().st_size > 0
    saved = json.loads((out / "policy.json").read_text())
    assert saved["uncertainty"] == SIMULATION_ONLY and len(saved["table"]) == len(t)
    assert pd.read_csv(out / "policy.csv").shape[0] == len(t)


def test_same_seed_same_table(spec, spy):
    a = run_policy(spec, draws="none", emulator=spy, runs=2, n=800)
    b = run_policy(spec, draws="none", emulator=spy, runs=2, n=800)
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)
    c = run_policy(spec, draws="none", emulator=spy, runs=2, n=800, seed=4)
    assert not a.runs.equals(c.runs)


def test_posterior_draws_give_one_emulator_per_run(spec, spy):
    result = run_policy(spec, draws=DRAWS, emulator=spy, runs=4, n=600)
    assert (result.table["uncertainty"] == WITH_POSTERIOR).all()
    expect = [{"alpha_il6": a, "il6_half": h} for a, h in
              zip(DRAWS.alpha_il6, DRAWS.il6_half, strict=True)]
    assert spy.calls == [expect[0], expect[0], expect[1], expect[1]]  # rows spread evenly
    weighted = select_draws(DRAWS.assign(weight=[0.0, 1.0]), 3, seed=0)
    assert weighted == [expect[1]] * 3
    # a mouse posterior's tumour growth rate does not replace the human value: said so
    spy.calls.clear()
    mixed = run_policy(spec, draws=DRAWS.assign(g=[0.5, 0.6]), emulator=spy, runs=2, n=600)
    assert spy.calls == expect and "not carried over" in mixed.meta["posterior"]
    only = run_policy(spec, draws=pd.DataFrame({"g": [0.5, 0.6]}), emulator=spy, runs=2,
                      n=600)
    assert only.meta["uncertainty"] == SIMULATION_ONLY


def test_default_posterior_or_said_so(spec, spy):
    table, source = default_draws_table()
    result = run_policy(spec, draws=None, emulator=spy, runs=2, n=500)
    if table is None:
        assert result.meta["uncertainty"] == SIMULATION_ONLY
        assert "not available" in result.meta["posterior"]
    else:
        assert result.meta["uncertainty"] == WITH_POSTERIOR


def test_bad_draws_tables(spec, spy):
    with pytest.raises(InputError, match="'colour' is not a lung parameter"):
        run_policy(spec, draws=DRAWS.assign(colour=1.0), emulator=spy)
    with pytest.raises(InputError, match="outside its allowed range"):
        run_policy(spec, draws=DRAWS.assign(alpha_il6=-1.0), emulator=spy)


def test_lung_emulator_follows_the_draw():
    default = lung_emulator({})
    other = lung_emulator({"alpha_il6": 4.0})
    assert default.values.shape == other.values.shape
    assert not np.array_equal(default.values, other.values)
    assert lung_emulator({"alpha_il6": 4.0}).values.tobytes() == other.values.tobytes()


def test_output_folder_refused_forced_resumed(spec, spy, tmp_path):
    out = tmp_path / "run"
    first = run_policy(spec, out, draws="none", emulator=spy, runs=2, n=500)
    with pytest.raises(InputError, match="already holds a policy run"):
        run_policy(spec, out, draws="none", emulator=spy, runs=2, n=500)
    before = len(spy.calls)
    again = run_policy(spec, out, draws="none", emulator=spy, runs=2, n=500, resume=True)
    assert len(spy.calls) == before  # both runs reused
    pd.testing.assert_frame_equal(first.table, again.table)
    with pytest.raises(InputError, match="other scenarios or settings"):
        run_policy(spec, out, draws="none", emulator=spy, runs=2, n=600, resume=True)
    forced = run_policy(spec, out, draws="none", emulator=spy, runs=2, n=600, force=True)
    assert forced.meta["settings"]["n"] == 600
    text = (out / "policy.json").read_text()
    run_policy(spec, out, draws="none", emulator=spy, runs=2, n=600, force=True)
    assert (out / "policy.json").read_text() == text  # same seed, same file
    with pytest.raises(InputError, match="--resume or --force, not both"):
        run_policy(spec, out, draws="none", emulator=spy, resume=True, force=True)
    with pytest.raises(InputError, match="runs=0 must be an integer >= 1"):
        run_policy(spec, draws="none", emulator=spy, runs=0)
    # one seed rule for every layer (core.checks): below 2**32, the limit printed in full
    with pytest.raises(InputError, match="seed=4294967296 must be an integer >= 0 and "
                                         "<= 4,294,967,295"):
        run_policy(spec, draws="none", emulator=spy, seed=2**32)
    with pytest.raises(InputError, match="horizon_years='6' must be a number of years"):
        run_policy(spec, draws="none", emulator=spy, horizon_years="6")  # type: ignore[arg-type]


def test_il6_blockade_effect_comes_from_the_lung_model():
    from awaken.cohort.config import SEVERITIES
    from awaken.policy.arms import il6_overrides
    from awaken.policy.scenarios import Il6Blockade

    early = Il6Blockade(coverage=1.0, start_day=3.0, end_day=17.0, efficacy=0.9)
    base = lung_emulator({})
    blocked = lung_emulator(il6_overrides(early))
    assert "il6_block_start" in blocked.provenance
    h = SEVERITIES.index("hospitalised")
    # the blockade lowers the dormant cells' day-28 fold change of hospitalised infections
    assert (blocked.values[:, :, 0, h, 2] < base.values[:, :, 0, h, 2]).all()


def test_more_doses_than_the_kernel_keeps_is_refused(spy):
    spec = parse_scenarios("[[scenarios]]\nname = 's'\n")
    with pytest.raises(InputError, match="more than the 32 the cohort kernel keeps"):
        run_policy(spec, draws="none", emulator=spy, horizon_years=15.0)
    assert spy.calls == []
