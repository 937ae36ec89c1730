"""Every command's ``--help``: flags take no value, so none shows a value placeholder."""

from __future__ import annotations

import click
import pytest
import typer

from awaken.cli import app, main


def _paths() -> list[list[str]]:
    """The command path (after ``awaken``) of every group and command."""
    out: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        out.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


PATHS = _paths()


def _help(path: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*path, "--help"])
    assert stop.value.code in (0, None)
    return capsys.readouterr().out


def test_the_walk_finds_every_layer():
    names = {" ".join(p) for p in PATHS}
    assert {"lung simulate", "epi design", "calibrate datasets", "cohort", "policy",
            "reproduce"} <= names
    assert len(PATHS) > 20


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "awaken")
def test_flags_show_no_placeholder(path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = _help(path, capsys)
    assert "--help" in text
    assert "<bool>" not in text, text
    help_line = next(line for line in text.splitlines() if "--help" in line)
    assert "<" not in help_line, help_line


def test_options_with_values_still_show_their_type(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = _help(["lung", "simulate"], capsys)
    days = next(line for line in text.splitlines() if "--days" in line)
    plot = next(line for line in text.splitlines() if "--plot" in line)
    assert "<float>" in days and "<" not in plot
