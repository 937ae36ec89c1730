"""Posterior draws in the claims: validation, which parameters reach the human hosts, and
intervals that say what they carry."""

from __future__ import annotations

import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.reproduce.claims import mouse_claims
from awaken.reproduce.posterior import (
    check_draws,
    fingerprint,
    mouse_posterior_stage,
    read_draws,
    transferable,
)

DRAWS = pd.DataFrame({"k_ctl": [0.9, 1.1], "alpha_il6": [8.0, 8.6]})


def test_draws_are_checked() -> None:
    with pytest.raises(InputError, match="unknown lung parameter"):
        check_draws(pd.DataFrame({"nope": [1.0]}))
    with pytest.raises(InputError, match="outside its allowed range"):
        check_draws(pd.DataFrame({"k_ctl": [-1.0]}))
    with pytest.raises(InputError, match="at least one row"):
        check_draws(DRAWS.iloc[:0])
    weighted = check_draws(DRAWS.assign(weight=[0.0, 1.0]), seed=1)
    assert (weighted["k_ctl"] == 1.1).all() and "weight" not in weighted
    assert fingerprint(DRAWS) == fingerprint(DRAWS.copy()) != fingerprint(DRAWS * 1.01)


def test_read_draws_refuses_other_files(tmp_path) -> None:
    with pytest.raises(InputError, match=".csv or .parquet"):
        read_draws(tmp_path / "draws.txt")
    with pytest.raises(InputError, match="no such file"):
        read_draws(tmp_path / "draws.csv")
    DRAWS.to_csv(tmp_path / "draws.csv", index=False)
    assert read_draws(tmp_path / "draws.csv").equals(DRAWS)


def test_human_hosts_keep_their_own_values() -> None:
    # g and rho are set by the human host presets (assumptions), not taken from the mouse fit
    assert transferable(["g", "rho", "k_ctl", "alpha_il6", "il6_half"]) == [
        "k_ctl", "alpha_il6", "il6_half"]


def test_mouse_claims_carry_the_posterior_range() -> None:
    from awaken.lung import TARGETS, check_targets, run_experiment

    post = mouse_posterior_stage(DRAWS, 10, lambda: None)
    assert post["draws"] == 2
    run = run_experiment("chia2025")
    bounds = {t.id: (t.low, t.high) for t in TARGETS}
    checks = [{"id": r["id"], "statement": r["statement"], "role": r["role"],
               "value": r["value"], "unit": r["unit"], "low": bounds[r["id"]][0],
               "high": bounds[r["id"]][1], "passed": r["passed"]}
              for r in check_targets(run, stochastic=False)]
    mouse = {"checks": checks, "ablations": {}}
    plain = {c["id"]: c for c in mouse_claims(mouse)}
    with_post = {c["id"]: c for c in mouse_claims(mouse, post)}
    c = with_post["il6_required"]["reproduced"]
    assert c["uncertainty"] == "posterior" and c["posterior"]["draws"] == 2
    values = [r["il6ko_vs_iav_d15"] for r in post["rows"]]
    assert c["interval"][0] == pytest.approx(min(values), rel=0.05)
    assert plain["il6_required"]["reproduced"]["interval"] is None
    assert plain["il6_required"]["reproduced"]["uncertainty"].startswith("none")


def test_replicates_cycle_through_the_draws_emulators() -> None:
    from awaken.cohort import build_emulator
    from awaken.reproduce.human import replicates_stage
    from awaken.reproduce.settings import Settings

    fixture = build_emulator("fixture")
    s = Settings(replicates=2, ukb_n=1500, flatiron_n=1500, posterior="2 draws, test")
    res = replicates_stage(s, [fixture, fixture], lambda: None, draws=2)
    assert res["uncertainty"] == "replicates+posterior" and res["posterior_draws"] == 2
    res = replicates_stage(Settings(replicates=1, ukb_n=1500, flatiron_n=1500), [fixture],
                           lambda: None)
    assert res["uncertainty"] == "replicates"


def test_draws_without_transferable_parameters_leave_the_human_claims_alone() -> None:
    from awaken.reproduce.posterior import emulators

    default = object()
    chosen, names = emulators(pd.DataFrame({"g": [0.5], "rho": [0.4]}), 10, default)
    assert chosen == [default] and names == []  # human hosts set g and rho themselves


def test_an_emulator_per_draw_is_built_from_the_lung_model() -> None:
    import numpy as np

    from awaken.cohort import build_emulator

    with pytest.raises(InputError, match="takes no lung parameter overrides"):
        build_emulator("fixture", overrides={"k_ctl": 2.0})
    base = build_emulator()
    drawn = build_emulator(overrides={"alpha_il6": 4.0})
    assert "alpha_il6=4" in drawn.provenance and "alpha_il6" not in base.provenance
    assert not np.array_equal(base.values, drawn.values)  # the draw reaches the response


def test_the_shipped_posterior_file_reads_as_a_draws_table(tmp_path) -> None:
    from importlib import resources

    from awaken.calibrate import posterior_draws
    from awaken.reproduce.posterior import read_draws

    shipped = resources.files("awaken.calibrate") / "data" / "chia2025_posterior.csv"
    copy = tmp_path / "draws.csv"
    copy.write_text(shipped.read_text())  # with its '#' provenance lines
    table = read_draws(copy)
    assert list(table.columns) == list(posterior_draws("chia2025").columns)
    assert len(table) == len(posterior_draws("chia2025")) > 0
