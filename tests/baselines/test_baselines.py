"""The main outputs stay where they were accepted (see tests/baselines/outputs.py)."""

from __future__ import annotations

import json

import pytest

from tests.baselines.outputs import BASELINES, compare


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda b: b.name)
def test_output_matches_its_baseline(baseline):
    old = json.loads(baseline.path.read_text())["values"]
    changes = compare(baseline, baseline.compute(), old)
    assert not changes, (
        f"{baseline.name} moved ({len(changes)} values); if intended, run "
        "`python -m tests.baselines.update` and review the diff:\n" + "\n".join(changes[:30]))


def test_compare_sees_a_moved_value():
    baseline = BASELINES[0]
    assert compare(baseline, {"a": 1.0, "b": True}, {"a": 1.0, "b": True}) == []
    assert compare(baseline, {"a": 1.001}, {"a": 1.0}) == ["a: 1.0 -> 1.001"]
    assert compare(baseline, {"b": False}, {"b": True, "c": 2.0}) == [
        "c: gone (was 2.0)", "b: True -> False"]
