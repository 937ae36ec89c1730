"""Defects a new user hit (issue 11), each with the test that would fail without its fix."""

from __future__ import annotations

import contextlib
import io

import pytest
import typer

from awaken.cli import app, main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def _helps() -> dict[str, str]:
    texts: dict[str, str] = {}

    def walk(command: object, path: list[str]) -> None:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), pytest.raises(SystemExit):
            main([*path, "--help"])
        texts[" ".join(path) or "awaken"] = buffer.getvalue()
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return texts


def test_no_help_points_to_files_the_wheel_does_not_ship(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    for command, text in _helps().items():
        assert "docs/" not in text, (command, [ln for ln in text.splitlines() if "docs/" in ln])


def test_the_lung_summary_names_every_lung_command():
    from awaken.cli import lung

    summary = lung.app.info.help
    assert isinstance(summary, str)
    words = {"export-sbml": "SBML", "simulate": "simulate", "stochastic": "stochastic",
             "experiment": "experiment", "response": "response", "presets": "presets",
             "parameters": "parameters"}
    names = {c.name or c.callback.__name__ for c in lung.app.registered_commands}
    assert names == set(words)
    for name in names:
        assert words[name] in summary, name


def test_epi_schema_prints_the_cohort_tables(capsys):
    code, out, _ = _run(["epi", "schema"], capsys)
    assert code == 0
    for table in ("persons", "infections", "vaccinations", "metastases", "deaths"):
        assert f"### `{table}`" in out


@pytest.mark.parametrize("command", [["lung", "simulate", "--days", "3"],
                                     ["lung", "stochastic", "--mice", "4", "--days", "3"]])
def test_a_failing_figure_leaves_no_table(command, tmp_path, monkeypatch, capsys):
    from matplotlib.figure import Figure

    def broken(self, *args, **kwargs):
        raise RuntimeError("the figure could not be drawn")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="could not be drawn"):
        main([*command, "--plot", "--out", str(tmp_path / "t.csv")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["lung", "simulate", "--days", "3"],
                                     ["lung", "stochastic", "--mice", "4", "--days", "3"]])
def test_a_folder_where_the_figure_goes_leaves_no_table(command, tmp_path, capsys):
    (tmp_path / "t.png").mkdir()
    code, _, err = _run([*command, "--plot", "--out", str(tmp_path / "t.csv")], capsys)
    assert code == 2 and "t.png" in err and "it is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png"]


def test_plot_writes_table_and_figure(tmp_path, capsys):
    code, _, err = _run(["lung", "stochastic", "--mice", "4", "--days", "3", "--plot", "--out",
                         str(tmp_path / "m.csv")], capsys)
    assert code == 0, err
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "m.csv").stat().st_size > 0


def test_a_period_string_is_read_as_two_dates():
    from awaken.epi import make_design

    design = make_design("ukb_like", period="2020-12-01:2021-01-01")
    assert design.period == ("2020-12-01", "2021-01-01")


def test_stochastic_progress_reports_batches_and_keeps_the_paths():
    import numpy as np
    import pandas as pd

    from awaken.lung import Setup, simulate_mice

    heard: list[tuple[int, int]] = []
    with_bar = simulate_mice(Setup(), 45, 6.0, seed=4, progress=lambda d, n: heard.append((d, n)))
    plain = simulate_mice(Setup(), 45, 6.0, seed=4)
    pd.testing.assert_frame_equal(with_bar.frame(), plain.frame())
    np.testing.assert_array_equal(with_bar.awakened, plain.awakened)
    assert len(heard) > 5 and heard[-1] == (45, 45)
    assert [d for d, _ in heard] == sorted({d for d, _ in heard})


def test_experiment_progress_names_each_step(tmp_path):
    from awaken.lung import run_experiment
    from awaken.lung.outputs import write_experiment

    heard: list[str] = []
    write_experiment(run_experiment("chia2025"), tmp_path, n_mice=2, progress=heard.append)
    assert any(text.startswith("stochastic mice: arm 1 of") for text in heard)
    assert any("ablations" in text for text in heard) and heard[-1] == "writing"


@pytest.mark.parametrize(("args", "message"), [
    (["calibrate", "chia2025", "--particles", "1000000000"], "<= 100,000"),
    (["lung", "simulate", "--days", "1e7"], "<= 3650"),
    (["lung", "stochastic", "--mice", "100000000"], "GiB"),
    (["epi", "synth", "--n", "1000000000000"], "GiB"),
    (["lung", "experiment", "chia2025", "--seed", "4294967296"], "<= 4,294,967,295"),
])
def test_numbers_beyond_the_machine_are_refused_at_once(args, message, tmp_path, capsys):
    suffix = {"simulate": "t.csv", "stochastic": "t.csv", "synth": "c.duckdb"}.get(args[1], "o")
    code, _, err = _run([*args, "--out", str(tmp_path / suffix)], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) <= 2, err
    assert list(tmp_path.iterdir()) == []


def test_too_many_experiment_mice_are_refused_before_any_solve(monkeypatch, tmp_path, capsys):
    import awaken.lung.experiments as experiments

    def solve(*args, **kwargs):
        raise AssertionError("the arms were solved before the size was checked")

    monkeypatch.setattr(experiments, "run_experiment", solve)
    code, _, err = _run(["lung", "experiment", "chia2025", "--mice", "100000000", "--out",
                         str(tmp_path / "o")], capsys)
    assert code == 2 and "GiB" in err and "compiling" not in err, err
    assert list(tmp_path.iterdir()) == []


def test_the_package_ships_its_mit_license():
    from importlib.metadata import metadata
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert "MIT License" in (root / "LICENSE").read_text()
    meta = metadata("awaken")
    assert "MIT" in (meta.get("License-Expression") or meta.get("License") or "")


@pytest.mark.parametrize(("toml", "allowed"), [
    ("[cohort]\nsize = 3\n", "n, start, end, seed"),
    ("[[exposure.sars2_waves]]\nname = 'w'\nvariant = 'alpha'\npeak = 2021-01-01\n"
     "sd_weeks = 3\nattack = 0.1\nheight = 1\n", "name, variant, peak, sd_weeks"),
])
def test_an_unknown_config_key_lists_the_keys_of_its_section(toml, allowed, tmp_path, capsys):
    (tmp_path / "c.toml").write_text(toml)
    code, _, err = _run(["cohort", "simulate", "--preset", "ukb", "--config",
                         str(tmp_path / "c.toml"), "--out", str(tmp_path / "x.duckdb")], capsys)
    assert code == 2 and "allowed here:" in err and allowed in err, err
    assert "docs/" not in err
