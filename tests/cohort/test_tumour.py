"""Tumour biology: without infections the simulated late recurrence reproduces Pan 2017."""

import math

import numpy as np
import pytest

from awaken.cohort import build_model, load_config, simulate_chunk
from awaken.cohort.tumour import detected_by, pan2017, reservoir_by_stage


def pan_config(t_stage: str, nodes: str, n: int, subtype_er: float = 1.0):
    shares = {"N0": 0.0, "N1-3": 0.0, "N4-9": 0.0}
    shares[nodes] = 1.0
    return load_config("england-breast", update={
        "cohort": {"n": n, "chunk_size": n, "start": "2005-01-01", "end": "2020-01-01"},
        "population": {"diagnosis_start": "2000-01-01", "diagnosis_end": "2000-01-01",
                       "er_positive": subtype_er, "her2_positive": 0.0,
                       "t1": 1.0 if t_stage == "T1" else 0.0, "nodes_t1": shares,
                       "nodes_t2": shares},
        "exposure": {"sars2_waves": [], "influenza_seasons": [], "rsv_seasons": []},
        "parameters": {"other_cause_scale": 0.0},
    })


def test_reservoir_calibration_is_exact_analytically():
    cfg = load_config("ukb")
    m = reservoir_by_stage(cfg)
    window = detected_by(cfg, 20.0) - detected_by(cfg, 5.0)
    for row in pan2017().itertuples():
        t = int(row.t_stage[1]) - 1
        n = ("N0", "N1-3", "N4-9").index(row.nodes)
        assert math.isclose(1 - math.exp(-m[t, n] * window), row.risk_years_5_to_20)
    assert np.all(np.diff(m, axis=1) > 0) and np.all(m[1] > m[0])


@pytest.mark.parametrize(("t_stage", "nodes", "risk"), [("T1", "N0", 0.13), ("T2", "N4-9", 0.41)])
def test_simulated_recurrence_years_5_to_20(emulator, t_stage, nodes, risk):
    n = 20000
    cfg = pan_config(t_stage, nodes, n)
    tables = simulate_chunk(build_model(cfg, emulator), 0, n)
    got = tables["metastases"]["person_id"].nunique() / n
    sd = math.sqrt(risk * (1 - risk) / n)
    assert abs(got - risk) < 4 * sd, (got, risk)
    assert tables["deaths"]["cause"].isin(["cancer"]).all()
    assert tables["infections"].empty or (tables["infections"]["result"] == "negative").all()
