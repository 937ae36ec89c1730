"""Mistakes a new user makes in the lung API and CLI: one clear InputError each."""

from __future__ import annotations

import json

import pytest

from awaken.core.errors import InputError
from awaken.lung import Intervention, Setup, run_experiment, simulate, simulate_mice


@pytest.mark.parametrize(("call", "message"), [
    (lambda: simulate(Setup(), days="60"), "must be a number of days"),
    (lambda: simulate("iav-pr8"), r"simulate\(Setup\('iav-pr8'\)\)"),
    (lambda: simulate(Setup(), days=1e300), "<= 3650"),
    (lambda: Setup(interventions=("il6_blockade:1-5:0.9",)), "Intervention.parse"),
    (lambda: Setup(virus="ebola"), "unknown virus 'ebola'; choose one of"),
    (lambda: Setup(host=3), "must be a preset name"),
    (lambda: run_experiment(5), "run_experiment needs an experiment name"),
    (lambda: simulate_mice(Setup(), 10, 5.0, seed=2**32), "<= 4,294,967,295"),
    (lambda: simulate_mice(Setup(), 10, 5.0, seed=-1), "<= 4,294,967,295"),
    (lambda: simulate_mice(Setup(), 10**9, 30.0), "GiB"),
])
def test_wrong_types_and_values_are_input_errors(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_set_cannot_invert_or_stretch_a_window():
    with pytest.raises(InputError, match="il6_block_end=2 is before il6_block_start=5"):
        Setup(overrides={"il6_block_start": 5, "il6_block_end": 2}).vector()
    window = (Intervention("il6_blockade", 1, 10, 0.9),)
    with pytest.raises(InputError, match="set by the il6_blockade intervention"):
        Setup(interventions=window, overrides={"il6_block_end": 15}).vector()
    with pytest.raises(InputError, match="when the run has ended"):
        simulate(Setup(interventions=(Intervention("il6_blockade", 70, 80, 0.9),)), days=60)


def test_cli_set_twice_is_refused():
    from awaken.cli.lung import _overrides

    with pytest.raises(InputError, match="given twice"):
        _overrides(["beta=1e-5", "beta=2e-5"])


def test_trajectory_plot_is_a_figure():
    from matplotlib.figure import Figure

    fig = simulate(Setup(), days=5).plot(title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert fig.axes[0].get_yscale() == "log"


def test_experiment_files_are_one_set_with_a_manifest(tmp_path):
    from awaken.lung.outputs import write_experiment

    files = write_experiment(run_experiment("chia2025"), tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["awaken"] and manifest["seed"] == 0 and manifest["experiment"] == "chia2025"
    assert {e["file"] for e in manifest["files"].values()} == {
        p.name for p in (files.results, files.figure, files.summary, files.targets,
                         files.ablations)} | {"results.csv-metadata.json",
                                              "targets.csv-metadata.json"}
    assert manifest["units"]["fold_change"] == "1"
    assert "unit" in (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
    newest = max(p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name != "manifest.json")
    assert (tmp_path / "manifest.json").stat().st_mtime_ns >= newest


def test_presets_command_lists_presets_and_intervention_kinds(capsys):
    from awaken.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["lung", "presets"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    for word in ("iav-pr8", "sars2-ma10", "mouse-il6ko", "critical", "il6_blockade",
                 "cd4_depletion"):
        assert word in out


def test_stochastic_says_what_share_of_mice_had_an_awakening(tmp_path, capsys):
    from awaken.cli import main

    with pytest.raises(SystemExit):
        main(["lung", "stochastic", "--mice", "20", "--days", "5", "--out",
              str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert "at least one cell awakened in" in err and "of 20 mice (none in" in err
