"""docs/model.md: its generated sections must match the model declarations."""

from __future__ import annotations

import pytest

from awaken.lung import docs
from awaken.lung.model import PARAMETERS, PROCESSES, STATES


def test_model_md_is_up_to_date() -> None:
    path = docs.DOCS_MODEL
    if not path.exists():
        pytest.skip(f"{path} does not exist yet (create it with the GENERATED markers)")
    text = path.read_text(encoding="utf-8")
    assert docs.render(text) == text, (
        "docs/model.md is out of date with awaken.lung.model; run `python -m awaken.lung.docs`"
    )


def test_render_replaces_only_between_markers() -> None:
    prose = "# Title\n\nHand-written prose.\n\n"
    blocks = "".join(
        f"{docs._BEGIN.format(name=n)}\nSTALE-CONTENT\n{docs._END.format(name=n)}\n\nmore prose\n"
        for n in docs.SECTIONS
    )
    out = docs.render(prose + blocks)
    assert out.startswith(prose)
    assert "STALE-CONTENT" not in out
    assert out.count("more prose") == len(docs.SECTIONS)
    assert docs.render(out) == out
    for p in PARAMETERS:
        assert f"`{p.name}`" in out
    for proc in PROCESSES:
        assert f"`{proc.id}`" in out
    for s in STATES:
        assert f"d({s.id})/dt" in out


def test_missing_markers_are_reported() -> None:
    with pytest.raises(docs.StaleMarkersError, match="BEGIN GENERATED"):
        docs.render("# no markers here\n")
