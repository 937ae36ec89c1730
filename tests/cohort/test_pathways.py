"""Each pathway's delay from infection to detection is what docs/cohort.md says it is."""

import numpy as np

from awaken.cohort import build_model, load_config, simulate_chunk
from awaken.cohort.tumour import doubling_days


def _cfg(**parameters):
    return load_config("england-breast", n=4000, seed=11, update={"parameters": parameters})


def test_awakening_alone_shows_years_later(emulator):
    # (a): a lesion woken by an infection needs the whole growth, 10 doublings x Td
    cfg = load_config("england-breast", n=4000, seed=11, update={
        "parameters": {"awakening_per_log_fold": 1.0}, "pathways": {"acceleration": False}})
    t = simulate_chunk(build_model(cfg, emulator), 0, 4000)
    les = t["truth_lesions"]
    woke = les[les["event"] == "woke_by_infection"].set_index(["person_id", "lesion"])["day"]
    det = les[les["event"] == "detected"].set_index(["person_id", "lesion"])["day"]
    both = woke.to_frame("woke").join(det.rename("detected"), how="inner")
    assert len(woke) > 50
    td_min = doubling_days(cfg).min()
    doublings = cfg.value("detect_log2_cells") - cfg.value("dormant_log2_cells")
    assert (both["detected"] - both["woke"] >= doublings * td_min - 1e-6).all()
    assert len(both) < len(woke)  # most woken lesions are still subclinical at the end


def test_acceleration_moves_detection_by_delta_times_td(emulator):
    # (b): with common random numbers, a lesion accelerated once by D doublings is detected
    # exactly D * Td earlier than in the same world without the burst
    on = _cfg(acceleration_scale=3.0, acceleration_halving=30.0)
    off = _cfg(acceleration_scale=0.0, acceleration_halving=30.0)
    runs = [simulate_chunk(build_model(c, emulator), 0, 4000) for c in (on, off)]
    les_on, les_off = (r["truth_lesions"] for r in runs)
    acc = les_on[les_on["event"] == "accelerated"]
    once = acc.groupby(["person_id", "lesion"]).filter(lambda g: len(g) == 1)
    key = ["person_id", "lesion"]
    det_on = les_on[les_on["event"] == "detected"].set_index(key)["day"]
    det_off = les_off[les_off["event"] == "detected"].set_index(key)["day"]
    subtype = runs[0]["persons"].set_index("person_id")["subtype"].astype(str)
    td = dict(zip(("luminal", "her2", "tnbc", "none"), doubling_days(on), strict=True))
    rows = once.set_index(key).join(det_on.rename("on")).join(det_off.rename("off")).dropna()
    assert len(rows) > 10
    tdi = subtype.reindex(rows.index.get_level_values(0)).map(td).to_numpy()
    expected = rows["off"].to_numpy() - rows["extra_doublings"].to_numpy() * tdi
    np.testing.assert_allclose(rows["on"].to_numpy(), np.maximum(expected, rows["day"]),
                               atol=1e-6)


def test_death_pathways_act_within_weeks(emulator):
    # (c), (d): infection deaths follow the infection by 3 + Exp(15) days
    cfg = load_config("england-breast", n=6000, seed=5, update={
        "parameters": {"advanced_death_ratio": 30.0, "attribution_metastatic": 1.0}})
    t = simulate_chunk(build_model(cfg, emulator), 0, 6000)
    inf = t["truth_infections"]
    fatal = inf[inf["fatal"]].groupby("person_id")["day"].min()
    deaths = t["deaths"].set_index("person_id")["date"]
    start = np.datetime64("2020-01-01")
    lag = (deaths.reindex(fatal.index) - start).dt.days - fatal.round()
    lag = lag.dropna()
    assert len(lag) > 5 and lag.median() < 40
    # (d) with attribution 1: every infection death of a person with a metastasis is 'cancer'
    dead = t["deaths"].set_index("person_id")
    first_met = (t["metastases"].groupby("person_id")["date"].min() - start).dt.days
    on_time = lag[lag >= 2].index
    with_met = [p for p in on_time if p in first_met.index and first_met[p] < fatal[p]]
    assert len(with_met) > 0 and (dead.loc[with_met, "cause"] == "cancer").all()


def test_acceleration_uses_the_lesions_own_doublings(emulator):
    # (b): a lesion of doubling time Td gets the emulator's doublings at Td (the lung model
    # re-run at its rate; the fixture converts through time: extra * doubling_days / Td), so
    # detection moves extra(Td) * Td days earlier; one infection, a size-independent burst
    import dataclasses

    cfg = _cfg(acceleration_scale=1.0, acceleration_halving=30.0)
    td = dict(zip(("luminal", "her2", "tnbc", "none"), doubling_days(cfg), strict=True))
    per_td = np.array([4.0, 2.6, 1.9, 1.3, 0.9, 0.5, 0.2])  # at TD_GRID, falling with Td
    lesion = np.broadcast_to(per_td, (*emulator.values.shape[:-1], per_td.size)).copy()
    rerun = dataclasses.replace(emulator, lesion_doublings=lesion)
    for emu in (emulator, rerun):
        t = simulate_chunk(build_model(cfg, emu), 0, 4000)
        les = t["truth_lesions"]
        acc = les[les["event"] == "accelerated"].set_index(["person_id", "day"])
        inf = t["truth_infections"].set_index(["person_id", "day"])
        one = inf[inf["extra_doublings"] > 0].join(acc[["lesion", "log2_cells"]], how="inner")
        one = one[~one.index.duplicated(keep=False)]  # infections that accelerated one lesion
        assert len(one) > 10
        subtype = t["persons"].set_index("person_id")["subtype"].astype(str)
        tdi = subtype.reindex(one.index.get_level_values(0)).map(td).to_numpy()
        size = one["log2_cells"].to_numpy() - one["extra_doublings"].to_numpy()
        shrink = 2.0 ** (-(size - cfg.value("dormant_log2_cells")) / 30.0)
        doublings = one["extra_doublings"].to_numpy() / shrink  # the emulator's, at Td
        if emu is rerun:  # every class and host has the same curve: its value at Td
            expected = rerun.doublings_at(tdi)[0, 0, 0, 0]
            np.testing.assert_allclose(doublings, expected, rtol=1e-9)
            assert len(set(np.round(doublings, 9))) > 1  # subtypes differ
        else:  # the fixture: lung-model doublings x 30 days / Td, at most the table's maximum
            ratio = doublings * tdi / emulator.doubling_days
            assert np.all(ratio <= emulator.values[..., 3].max() + 1e-9) and np.all(ratio > 0)
