"""The engine: chunk- and worker-independent, common random numbers, pathways switch."""

import numpy as np
import pandas as pd
import pytest

from awaken.cohort import build_model, load_config, simulate, simulate_chunk
from awaken.core.errors import InputError
from awaken.epi import load_cohort


def _concat(parts):
    return {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in parts[0]}


def _equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k].reset_index(drop=True), b[k].reset_index(drop=True),
                                      check_dtype=False, obj=k)


def test_chunking_does_not_change_results(ukb_model):
    whole = simulate_chunk(ukb_model, 0, 3000)
    parts = _concat([simulate_chunk(ukb_model, lo, hi)
                     for lo, hi in ((0, 700), (700, 2100), (2100, 3000))])
    _equal(whole, parts)
    assert len(whole["truth_infections"]) > 1000


def _with(cfg, **update):
    data = cfg.model_dump()
    for section, values in update.items():
        data[section] = {**data[section], **values} if isinstance(values, dict) else values
    return type(cfg).model_validate(data)


def test_intervention_reaching_nobody_is_bit_identical(ukb_small, emulator, ukb_model):
    deliveries = [*ukb_small.model_dump()["vaccination"]["deliveries"],
                  {"name": "nobody", "product": "rsv", "start": "2021-01-01",
                   "end": "2021-02-01", "age_min": 125.0, "coverage": 1.0}]
    cfg = _with(ukb_small, vaccination={"deliveries": deliveries})
    base = simulate_chunk(ukb_model, 0, 2000)
    _equal(base, simulate_chunk(build_model(cfg, emulator), 0, 2000))


def test_higher_coverage_vaccinates_a_superset(ukb_small, emulator, ukb_model):
    data = ukb_small.model_dump()
    for d in data["vaccination"]["deliveries"]:
        if d["name"] == "flu-2021-50-64":
            d["coverage"] = 0.9
    more = build_model(type(ukb_small).model_validate(data), emulator)
    before = simulate_chunk(ukb_model, 0, 2000)["vaccinations"]
    after = simulate_chunk(more, 0, 2000)["vaccinations"]

    def flu_2021(v):
        d = v[(v["product"] == "influenza") & v["date"].between("2021-10-15", "2022-01-31")]
        return set(d["person_id"])

    assert flu_2021(before) < flu_2021(after)


def test_pathways_switch(ukb_small, emulator):
    boost = {"awakening_per_log_fold": 0.5, "acceleration_scale": 5.0}
    on = build_model(_with(ukb_small, parameters=boost), emulator)
    off = build_model(_with(ukb_small, parameters=boost,
                            pathways={"awakening": False, "acceleration": False}), emulator)
    a, b = simulate_chunk(on, 0, 3000), simulate_chunk(off, 0, 3000)
    assert a["truth_awakenings"]["by_infection"].sum() > 0
    assert b["truth_awakenings"]["by_infection"].sum() == 0
    assert (b["truth_lesions"]["event"] == "accelerated").sum() == 0
    # the same infections happen until a pathway changes someone's course
    assert len(a["truth_infections"]) == pytest.approx(len(b["truth_infections"]), rel=0.02)
    assert len(a["metastases"]) > len(b["metastases"])


def test_acceleration_moves_detection_earlier(ukb_small, emulator):
    # FACTS 5: a burst of D doublings moves detection ~D*Td earlier
    cfg = _with(ukb_small, parameters={"acceleration_scale": 3.0, "acceleration_halving": 30.0},
                pathways={"awakening": False})
    t = simulate_chunk(build_model(cfg, emulator), 0, 3000)["truth_lesions"]
    acc = t[t["event"] == "accelerated"]
    assert len(acc) > 0 and (acc["extra_doublings"] > 0).all()


def test_output_loads_with_epi_and_resumes(tmp_path, ukb_small, emulator):
    out = tmp_path / "c.duckdb"
    r = simulate(ukb_small, out, emulator=emulator)
    cohort = load_cohort(out)
    assert len(cohort.persons) == ukb_small.cohort.n
    assert r.rows["infections"] == len(cohort.infections)
    with pytest.raises(InputError, match="exists; pass --force"):
        simulate(ukb_small, out, emulator=emulator)
    # an interrupted Parquet run: chunk 1 finished, then resumed
    folder = tmp_path / "parts"
    from awaken.cohort import storage
    from awaken.cohort.run import _manifest

    work, _ = storage.prepare(folder, _manifest(ukb_small, emulator), False, False)
    storage.write_chunk(work, 1, simulate_chunk(build_model(ukb_small, emulator), 1000, 2000))
    with pytest.raises(InputError, match="--resume"):
        simulate(ukb_small, folder, emulator=emulator)
    r2 = simulate(ukb_small, folder, emulator=emulator, resume=True)
    assert (r2.chunks_run, r2.chunks_skipped) == (2, 1)
    again = load_cohort(folder)
    for name, frame in cohort.tables().items():
        pd.testing.assert_frame_equal(frame, again.tables()[name], obj=name)


def test_dask_workers_give_identical_output(tmp_path, ukb_small, emulator):
    a = simulate(ukb_small, tmp_path / "one.duckdb", emulator=emulator)
    b = simulate(ukb_small, tmp_path / "two.duckdb", emulator=emulator, workers=2)
    assert b.backend.startswith("2 local")
    ca, cb = load_cohort(a.path), load_cohort(b.path)
    for name, frame in ca.tables().items():
        pd.testing.assert_frame_equal(frame, cb.tables()[name], obj=name)
    assert np.array_equal(ca.persons["end_date"], cb.persons["end_date"])


def test_scheduler_address_gives_identical_output(tmp_path, ukb_small, emulator):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        r = simulate(ukb_small, tmp_path / "s.duckdb", emulator=emulator,
                     scheduler=cluster.scheduler_address)
    assert r.backend.startswith("dask ")
    local = simulate(ukb_small, tmp_path / "l.duckdb", emulator=emulator)
    a, b = load_cohort(local.path), load_cohort(r.path)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], obj=name)


def test_flatiron_enters_at_diagnosis(emulator):
    cfg = load_config("flatiron", n=2000)
    t = simulate_chunk(build_model(cfg, emulator), 0, 2000)
    p = t["persons"]
    start = pd.Timestamp(cfg.cohort.start)
    expected = p["diagnosis_date"].where(p["diagnosis_date"] > start, start)
    pd.testing.assert_series_equal(p["entry_date"], expected, check_names=False)
    assert (p["cancer_type"] == "breast").all() and (p["sex"] == "female").all()
    assert (p["entry_date"] > start).mean() > 0.2  # diagnosed during the window


def test_interrupted_run_leaves_no_output_and_resumes(tmp_path, ukb_small, emulator):
    out = tmp_path / "i.duckdb"

    def stop_after_first(done, total):
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(ukb_small, out, emulator=emulator, progress=stop_after_first)
    assert not out.exists() and (tmp_path / "i.duckdb.partial").is_dir()
    r = simulate(ukb_small, out, emulator=emulator, resume=True)
    assert (r.chunks_skipped, r.chunks_run) == (1, 2)
    whole = simulate(ukb_small, tmp_path / "w.duckdb", emulator=emulator)
    a, b = load_cohort(out), load_cohort(whole.path)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], obj=name)


def test_arrow_tables_are_the_frames_as_stored(ukb_model):
    """A run writes Arrow tables built from the arrays: the same as the frames converted."""
    from awaken.cohort import storage
    from awaken.cohort.model import chunk_tables

    frames, tables = simulate_chunk(ukb_model, 500, 1500), chunk_tables(ukb_model, 500, 1500)
    assert frames.keys() == tables.keys()
    for name, frame in frames.items():
        expected = storage._arrow(frame)
        assert tables[name].schema.equals(expected.schema), name
        assert tables[name].equals(expected), name
    assert tables["truth_awakenings"].num_rows > 0 and tables["deaths"].num_rows > 0


def test_duckdb_resume_appends_worker_parts_in_chunk_order(tmp_path, ukb_small, emulator):
    """A chunk left as Parquet parts (as a Dask worker writes it) ahead of the chunks before
    it is appended after them: the file is the same as a fresh run's."""
    from awaken.cohort import storage
    from awaken.cohort.run import _manifest

    out = tmp_path / "r.duckdb"
    work, _ = storage.prepare(out, _manifest(ukb_small, emulator), False, False)
    storage.write_chunk(work, 1, simulate_chunk(build_model(ukb_small, emulator), 1000, 2000))
    r = simulate(ukb_small, out, emulator=emulator, resume=True)
    assert (r.chunks_run, r.chunks_skipped) == (2, 1)
    assert r.rows["persons"] == ukb_small.cohort.n and not work.exists()
    fresh = simulate(ukb_small, tmp_path / "f.duckdb", emulator=emulator)
    assert r.rows == fresh.rows
    a, b = load_cohort(out), load_cohort(fresh.path)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], obj=name)


def test_more_doses_than_the_kernel_keeps_is_refused(tmp_path, emulator):
    from awaken.cohort.kernel import MAX_DOSES
    from awaken.cohort.vaccines import most_doses

    base = load_config("ukb", n=100)
    assert most_doses(base) <= MAX_DOSES
    many = [{"name": f"extra-{i}", "product": "influenza", "start": f"{2020 + i // 12}-"
             f"{1 + i % 12:02d}-01", "end": f"{2020 + i // 12}-{1 + i % 12:02d}-20",
             "age_min": 0, "age_max": 130, "coverage": 0.5} for i in range(MAX_DOSES + 1)]
    cfg = load_config("ukb", n=100, update={"vaccination": {"deliveries": many}})
    assert most_doses(cfg) == MAX_DOSES + 1
    with pytest.raises(InputError, match=f"more than the {MAX_DOSES} the cohort kernel keeps"):
        simulate(cfg, tmp_path / "x.duckdb", emulator=emulator)
    assert not list(tmp_path.iterdir())
    # a delivery nobody takes up, or one after the window, offers no dose
    cold = [{**d, "coverage": 0.0} if i == 0 else d for i, d in enumerate(many)]
    assert most_doses(load_config("ukb", n=100, update={"vaccination": {"deliveries": cold}})
                      ) == MAX_DOSES


def test_bad_scheduler_or_workers_is_refused_before_anything_is_written(tmp_path, ukb_small,
                                                                        emulator):
    with pytest.raises(InputError, match="must be an address like tcp://host:8786"):
        simulate(ukb_small, tmp_path / "x.duckdb", emulator=emulator, scheduler="localhost")
    with pytest.raises(InputError, match="workers=0 must be an integer >= 1"):
        simulate(ukb_small, tmp_path / "x.duckdb", emulator=emulator, workers=0)
    assert not list(tmp_path.iterdir())
