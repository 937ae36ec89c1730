"""The command line's mistakes, ours or the parser's, are one line and exit code 2."""

from __future__ import annotations

import pytest

from awaken.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


@pytest.mark.parametrize(("args", "message"), [
    (["lung", "simulate", "--dayz", "3", "--out", "x.csv"], "No such option: --dayz"),
    (["lung", "stochastic", "--mice", "1e7", "--out", "x.csv"], "'--mice'"),
    (["lung", "simulat"], "No such command"),
    (["epi", "synth", "--seed", "-1", "--out", "x.duckdb"], "<= 4,294,967,295"),
    (["lung", "simulate", "--days", "1e300", "--out", "x.csv"], "<= 3650"),
])
def test_mistakes_print_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], err


def test_usage_errors_point_to_help(capsys):
    _, _, err = _run(["lung", "simulate", "--dayz", "3"], capsys)
    assert "awaken lung simulate --help" in err


def test_help_and_no_arguments_exit_0(capsys):
    assert _run(["--help"], capsys)[0] == 0
    code, out, _ = _run([], capsys)
    assert code == 0 and "Usage" in out


def test_calibrate_refuses_a_seed_beyond_32_bits_at_once(capsys, tmp_path):
    code, _, err = _run(["calibrate", "baccam2006", "--out", str(tmp_path / "b"), "--seed",
                         str(2**32)], capsys)
    assert code == 2 and "seed=4294967296 must be" in err


def test_a_path_the_system_refuses_is_one_line_whatever_the_command(capsys, monkeypatch):
    from awaken.cli import lung

    def refuse(*args, **kwargs):
        raise OSError(36, "File name too long", "/tmp/" + "x" * 300)

    monkeypatch.setattr(lung, "_setup", refuse)
    code, _, err = _run(["lung", "simulate", "--out", "t.csv"], capsys)
    assert code == 2
    assert err.strip().splitlines() == [f"error: cannot read or write '/tmp/{'x' * 300}': "
                                        "File name too long"]
