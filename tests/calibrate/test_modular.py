"""The modular chia2025 calibration: reparametrisation, held-out arm, PBS, draws loader."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from awaken.calibrate import literature, posterior_draws
from awaken.calibrate.draws import read_draws, write_draws
from awaken.calibrate.modular import (
    HELD_OUT_CHOICES,
    dcc_immune_module,
    il6_course,
    interval_loglik,
    roles,
    virus_il6_module,
)
from awaken.calibrate.reparam import MODEL_PARAMETERS, QUANTITIES, from_model, to_model
from awaken.cli import app
from awaken.core.errors import InputError
from awaken.lung.experiments import CHIA2025
from awaken.lung.model import PARAMETERS_BY_NAME
from awaken.lung.targets import TARGETS


@pytest.fixture(scope="module")
def course():
    return il6_course({})


@pytest.fixture(scope="module")
def dcc():
    return dcc_immune_module({}, "iav_cd4_depleted")


def test_reparametrisation_round_trip(course):
    rng = np.random.default_rng(3)
    for _ in range(20):
        params = {k: PARAMETERS_BY_NAME[k].value * float(np.exp(rng.normal(0, 0.5)))
                  for k in MODEL_PARAMETERS}
        back = to_model(from_model(params, course), course)
        assert back == pytest.approx(params, rel=1e-9)
        q = from_model(params, course)
        assert from_model(to_model(q, course), course) == pytest.approx(q, rel=1e-9)
    assert set(from_model(params, course)) == set(QUANTITIES)


def test_reparametrisation_refuses_bad_quantities(course):
    q = from_model({k: PARAMETERS_BY_NAME[k].value for k in MODEL_PARAMETERS}, course)
    with pytest.raises(InputError, match="cd4_brake"):
        to_model({**q, "cd4_brake": 0.9}, course)
    with pytest.raises(InputError, match="missing"):
        to_model({"k_ctl": 1.0}, course)


def test_priors_declared_once_with_sources():
    names = [p.name for p in (*literature.VIRUS_IL6, *literature.DCC_IMMUNE)]
    assert len(names) == len(set(names))
    assert set(QUANTITIES) == {p.name for p in literature.DCC_IMMUNE}
    halle = literature.PRIORS["k_ctl"]
    assert halle.median == pytest.approx(np.sqrt(2 * 16)) and "Halle" in halle.source
    for p in literature.PRIORS.values():
        assert p.source and p.lower < p.median < p.upper


def _with_wild_cd4_arm(monkeypatch):
    """CHIA2025 with a CD4-depletion arm whose awakened cells divide 3x faster."""
    from dataclasses import replace

    from awaken.calibrate import modular

    arms = tuple(replace(a, overrides={**a.overrides, "g": 1.8})
                 if a.name == "iav_cd4_depleted" else a for a in CHIA2025.arms)
    monkeypatch.setattr(modular, "CHIA2025", replace(CHIA2025, arms=arms))


def test_held_out_arm_is_never_in_the_distance(dcc, monkeypatch):
    arms = {a.name for a in dcc.experiment.arms}
    assert "iav_cd4_depleted" not in arms and {"pbs", "iav", "iav_il6ko"} <= arms
    assert not any(c.startswith("cd4_depleted") for c in dcc.checks)
    held = {k for k, v in roles("iav_cd4_depleted").items() if v == "held_out"}
    assert held == {"cd4_depleted_d28", "cd4_depleted_cd8_numbers",
                    "cd4_depleted_cd8_activation"}
    z = dcc.prior_sample(np.random.default_rng(0), 2)
    before = dcc.loglik(z)
    other = dcc_immune_module({}, "iav_il6ko")
    other_before = other.loglik(other.prior_sample(np.random.default_rng(0), 2))
    _with_wild_cd4_arm(monkeypatch)  # changes only the CD4-depletion arm
    assert np.array_equal(before, dcc_immune_module({}, "iav_cd4_depleted").loglik(z))
    # the same change does reach a fit that uses the CD4 arm (the test can fail)
    other = dcc_immune_module({}, "iav_il6ko")
    assert not np.array_equal(other_before,
                              other.loglik(other.prior_sample(np.random.default_rng(0), 2)))


def test_pbs_is_fitted(dcc):
    assert "pbs_flat" in dcc.checks
    assert roles("iav_cd4_depleted")["pbs_flat"] == "fitted:dcc_immune"
    # a PBS burden that drifts by 50% costs far more than one within the statement
    i = dcc.checks.index("pbs_flat")
    values = np.ones((2, len(dcc.checks)))
    for j, c in enumerate(dcc.checks):
        t = next(t for t in TARGETS if t.id == c)
        values[:, j] = t.low if np.isfinite(t.low) and t.low > 0 else min(t.high, 1.0) / 2
    values[0, i], values[1, i] = 0.05, 0.5
    ll = interval_loglik(values, dcc.checks)
    assert ll[0] - ll[1] > 50


def test_every_check_has_a_role():
    for arm in HELD_OUT_CHOICES:
        role = roles(arm)
        assert set(role) == {t.id for t in TARGETS}
        assert set(role.values()) <= {"fitted:virus_il6", "fitted:dcc_immune", "held_out",
                                      "predicted"}
        assert ("held_out" in role.values()) == (arm != "none")
        assert role["pbs_escape"] == "predicted" and role["sars2_fold_d15"] == "predicted"


def test_interval_reading_is_flat_inside_and_falls_outside():
    checks = ("iav_fold_d15",)
    ll = interval_loglik(np.array([[200.0], [500.0], [2000.0], [50.0], [np.nan]]), checks)
    assert ll[0] == pytest.approx(ll[1], abs=1e-3)
    assert ll[2] < ll[0] - 1 and ll[3] < ll[0] - 1
    assert ll[4] == -np.inf


def test_virus_module_uses_only_wild_type():
    m = virus_il6_module()
    assert [a.name for a in m.experiment.arms] == ["iav"]
    sims = m.simulate(m.scaled(np.array([[p.median for p in literature.VIRUS_IL6]])))
    assert np.all(np.isfinite(sims))


def test_cli_modular_tiny(tmp_path):
    out = tmp_path / "m"
    result = CliRunner().invoke(app, ["calibrate", "chia2025", "--out", str(out),
                                      "--populations", "1", "--particles", "6",
                                      "--draws", "2", "--escape-draws", "0"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["predictive"]) == {t.id for t in TARGETS}
    assert set(summary["roles"]) == {t.id for t in TARGETS}
    assert set(summary["held_out"]).isdisjoint(summary["fitted"])
    assert set(summary["narrowing"]) == {p.name for p in literature.PRIORS.values()}
    draws = posterior_draws("chia2025", path=out / "posterior_draws.csv")
    assert len(draws) == 2 and set(draws.columns) <= set(PARAMETERS_BY_NAME)
    assert {"command", "seed", "date", "model_fingerprint"} <= set(draws.attrs["provenance"])
    assert summary["meta"]["reproducible"] is True and summary["problem"] == "chia2025"
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"summary.json", "posterior_draws.csv", "dcc_immune/posterior.parquet"} <= set(
        manifest["files"])
    args = ["calibrate", "chia2025", "--out", str(out), "--populations", "1", "--particles",
            "6", "--draws", "2", "--escape-draws", "0"]
    before = (out / "summary.json").read_bytes()
    again = CliRunner().invoke(app, args)
    assert isinstance(again.exception, InputError)
    assert "already holds a finished fit" in str(again.exception)
    resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0 and "nothing to resume" in resumed.output
    assert (out / "summary.json").read_bytes() == before


def test_cli_modular_refuses_unknown_arm(tmp_path):
    result = CliRunner().invoke(app, ["calibrate", "chia2025", "--out",
                                      str(tmp_path), "--held-out", "pbs"])
    assert isinstance(result.exception, InputError)  # awaken's main prints it, exits 2
    assert "iav_cd4_depleted" in str(result.exception)


def test_posterior_draws_errors(tmp_path):
    with pytest.raises(InputError, match="choose one of: chia2025"):
        posterior_draws("nope")
    with pytest.raises(InputError, match="not found; make it with awaken calibrate"):
        posterior_draws("chia2025", path=tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("# seed: 0\ng,not_a_parameter\n0.5,1\n")
    with pytest.raises(InputError, match="not_a_parameter"):
        posterior_draws("chia2025", path=bad)
    hole = tmp_path / "hole.csv"
    hole.write_text("g,rho\n0.5,\n")
    with pytest.raises(InputError, match="rho"):
        read_draws(hole)
    with pytest.raises(InputError, match="unknown columns"):
        write_draws(tmp_path / "w.csv", pd.DataFrame({"x": [1.0]}), {})


def test_shipped_draws_load_and_fit_the_model():
    draws = posterior_draws("chia2025")
    assert len(draws) >= 50
    prov = draws.attrs["provenance"]
    assert {"command", "seed", "date", "model_fingerprint", "held_out"} <= set(prov)
    for name in draws.columns:
        decl = PARAMETERS_BY_NAME[name]
        assert draws[name].between(decl.low, decl.high).all(), name


def test_a_tie_with_the_default_is_not_better():
    from awaken.calibrate.modular_run import does_better

    assert not does_better(22, 22) and not does_better(21, 22) and does_better(23, 22)
