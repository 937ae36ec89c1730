import numpy as np

from awaken.calibrate import DATASETS, load


def test_every_dataset_loads_with_citation():
    for name, ds in DATASETS.items():
        frame = load(name)
        assert len(frame) > 0, name
        assert ds.citation and ds.source


def test_baccam_zeros_are_censored_not_zero():
    data = load("baccam2006")
    assert len(data) == 42 and data["patient"].nunique() == 6
    censored = data[data["censored"] == 1]
    assert censored["log10_titre"].isna().all()
    assert (data.loc[data["censored"] == 0, "log10_titre"] > 0.5).all()
    assert np.allclose(data["detection_limit_log10"], 0.5)
    assert set(censored["day"]) == {6, 7}


def test_chia_targets_have_intervals_or_bounds():
    t = load("chia2025")
    assert set(t["use"]) == {"calibration", "timing", "prediction"}
    one_sided = t["low"].isna() ^ t["high"].isna()
    assert (t.loc[one_sided, "sigma"] > 0).all()
    row = t.set_index("target_id").loc["iav_fold_d15"]
    assert (row["low"], row["high"]) == (100, 1000)


def test_pan2017_hazards_match_cumulative_risk():
    t = load("pan2017")
    assert np.allclose(1 - np.exp(-15 * t["yearly_hazard"]), t["risk_years_5_to_20"], atol=1e-5)
