"""The bias decomposition: computed from the chain of estimates (not assumed), additive on
the log scale, and the registries built from the truth tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from awaken.reproduce.bias import (
    CHAINS,
    components_table,
    decomposition,
    oracle_registry,
    random_registry,
    what_carries_it,
)


def _rows() -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for config, base in (("all", 1.3), ("none", 0.9)):
        for r in range(6):
            est = {"truth": base * math.exp(rng.normal(0, 0.05)),
                   "random_recorded": base * 0.95, "recorded": base * 2.0 + r * 0.1,
                   "study": base * 1.5, "naive_cox": base * 1.1, "odds_ratio": base * 1.12}
            rows.append({"config": config, "replicate": r,
                         **{f"ukb_or.{k}": v for k, v in est.items()}})
    return rows


def test_components_are_the_log_changes_and_add_up() -> None:
    rows = _rows()
    d = decomposition(rows, "ukb_or")
    on = [r for r in rows if r["config"] == "all"]
    study = np.log([r["ukb_or.study"] for r in on])
    recorded = np.log([r["ukb_or.recorded"] for r in on])
    assert d["components"]["tested_population"]["mean"] == pytest.approx(
        float(np.mean(study - recorded)))
    parts = sum(c["mean"] for k, c in d["components"].items() if k != "testing_selection")
    assert parts == pytest.approx(d["total"]["mean"])
    assert d["log_truth"]["mean"] + parts == pytest.approx(d["log_final"]["mean"])
    split = d["truth_split"]  # effect + confounding = log truth (common random numbers)
    assert split["effect"]["mean"] + split["confounding"]["mean"] == pytest.approx(
        d["log_truth"]["mean"])
    off = [r for r in rows if r["config"] == "none"]
    assert split["confounding"]["mean"] == pytest.approx(
        float(np.mean(np.log([r["ukb_or.truth"] for r in off]))))
    groups = d["components"]["testing_selection"]["mean"]
    assert groups == pytest.approx(d["components"]["selective_testing"]["mean"]
                                   + d["components"]["tested_population"]["mean"])
    assert "selective testing" in what_carries_it(d)  # the largest push up here
    table = components_table(rows)
    assert set(table["kind"]) == {"step", "truth_split", "component", "total"}


def test_an_inestimable_random_step_is_merged_not_hidden() -> None:
    rows = _rows()
    for r in rows[:2]:
        r["ukb_or.random_recorded"] = None
    d = decomposition(rows, "ukb_or")
    assert not d["random_recorded_dropped"] and d["replicates"] == 4
    for r in rows[:6]:
        r["ukb_or.random_recorded"] = None
    d = decomposition(rows, "ukb_or")
    assert d["random_recorded_dropped"] and "recording" in d["components"]
    assert "under_recording" not in d["components"]
    assert d["replicates"] == 6


@pytest.fixture(scope="module")
def tables() -> dict:
    from awaken.cohort import build_emulator
    from awaken.reproduce.human import simulate_tables

    return simulate_tables("ukb", 3000, 11, build_emulator("fixture"))


def test_registries_from_the_truth_table(tables: dict) -> None:
    truth = tables["truth_infections"]
    sars2 = truth[truth["pathogen"] == "sars2"]
    oracle = oracle_registry(tables)
    assert len(oracle) == len(sars2) and (oracle["result"] == "positive").all()
    assert (oracle["date"].to_numpy() == sars2["date"].to_numpy()).all()
    a = random_registry(tables, np.random.default_rng(5))
    b = random_registry(tables, np.random.default_rng(5))
    assert a.equals(b)  # seeded: the same draws
    share = float(sars2["tested"].mean())
    assert abs(len(a) / len(sars2) - share) < 4 * math.sqrt(share / len(sars2)) + 1e-9
    assert set(a["person_id"]) <= set(sars2["person_id"])
    from awaken.reproduce.human import as_cohort

    as_cohort(tables, oracle)  # a valid registry for the designs


def test_every_claim_chain_starts_at_the_truth() -> None:
    assert all(steps[0] == "truth" for steps in CHAINS.values())
    assert CHAINS["ukb_or"][-1] == "odds_ratio"  # the study's own measure
