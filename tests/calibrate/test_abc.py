import json

import numpy as np
import pytest

from awaken.calibrate import Problem, abcsmc
from awaken.core.errors import InputError


@pytest.fixture(scope="module")
def tiny(tables):
    truth = np.array([[np.log10(4.0), 3.0]])
    return Problem("tiny", **tables()).synthetic(truth, np.random.default_rng(5)), truth


def test_abc_single_core_is_reproducible_and_covers_truth(tiny, tmp_path):
    problem, truth = tiny
    runs = [abcsmc.fit(problem, populations=3, particles=40, seed=7, n_procs=1,
                       db=tmp_path / f"r{i}.db") for i in range(2)]
    np.testing.assert_array_equal(runs[0].z, runs[1].z)
    assert runs[0].meta["reproducible"] and runs[0].meta["temperatures"][-1] == 1.0
    lo, hi = np.quantile(runs[0].samples(2000), [0.005, 0.995], axis=0)
    assert np.all((lo <= truth[0]) & (truth[0] <= hi))


def _interrupted(problem, db, populations, after=0):
    def stop(t, last, info):
        if t == after:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        abcsmc.fit(problem, populations=populations, particles=20, seed=1, n_procs=1, db=db,
                   progress=stop)


@pytest.mark.parametrize("after", [0, 2])
def test_abc_resumed_run_is_identical_to_an_uninterrupted_one(tiny, tmp_path, after):
    problem, _ = tiny
    whole = abcsmc.fit(problem, populations=4, particles=20, seed=1, n_procs=1,
                       db=tmp_path / "whole.db")
    db = tmp_path / "abc.db"
    _interrupted(problem, db, 4, after=after)
    resumed = abcsmc.fit(problem, populations=4, particles=20, seed=1, n_procs=1, db=db,
                         resume=True)
    np.testing.assert_array_equal(resumed.z, whole.z)
    np.testing.assert_array_equal(resumed.weights, whole.weights)
    assert resumed.meta["temperatures"] == whole.meta["temperatures"]
    assert resumed.meta["reproducible"] is True and "note" not in resumed.meta


def test_abc_resume_without_saved_state_continues_and_says_it_is_not_reproducible(tiny,
                                                                                  tmp_path):
    problem, _ = tiny
    db = tmp_path / "abc.db"
    _interrupted(problem, db, 4)
    identity = json.loads(db.with_suffix(".json").read_text())
    del identity["state"]  # e.g. killed between storing a generation and its state
    db.with_suffix(".json").write_text(json.dumps(identity))
    more = abcsmc.fit(problem, populations=4, particles=20, seed=1, n_procs=1, db=db,
                      resume=True)
    temps = more.meta["temperatures"]
    assert more.meta["populations"] == 4 and temps[-1] == 1.0
    assert all(a >= b for a, b in zip(temps, temps[1:], strict=False))  # the ladder goes on
    assert temps[1] > 1.0  # the ladder is not cut short at the first resumed generation
    assert more.meta["reproducible"] is False and "resumed" in more.meta["note"]
    assert more.meta["resumed_at_generation"] == 1
    with pytest.raises(InputError, match="different fit"):
        abcsmc.fit(problem, populations=4, particles=30, seed=1, n_procs=1, db=db, resume=True)


def test_abc_resume_of_a_finished_history_runs_nothing(tiny, tmp_path):
    problem, _ = tiny
    db = tmp_path / "abc.db"
    first = abcsmc.fit(problem, populations=2, particles=20, seed=1, n_procs=1, db=db)
    again = abcsmc.fit(problem, populations=3, particles=20, seed=1, n_procs=1, db=db,
                       resume=True)
    assert again.meta["populations"] == 2 and again.run_id == first.run_id
    np.testing.assert_array_equal(again.z, first.z)
    assert again.meta["reproducible"] is True  # nothing was run after the stored ladder


def test_abc_resume_refuses_a_missing_or_corrupt_history(tiny, tmp_path):
    problem, _ = tiny
    with pytest.raises(InputError, match="no ABC history"):
        abcsmc.fit(problem, populations=2, particles=20, db=tmp_path / "none.db", resume=True)
    db = tmp_path / "abc.db"
    abcsmc.fit(problem, populations=1, particles=10, seed=1, n_procs=1, db=db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 100)
    with pytest.raises(InputError, match="not a readable ABC history") as err:
        abcsmc.fit(problem, populations=2, particles=10, seed=1, n_procs=1, db=db, resume=True)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kwargs", [{"particles": 100_001}, {"particles": 1},
                                    {"populations": 101}, {"seed": 2**32}, {"seed": -1}])
def test_abc_refuses_sizes_beyond_its_limits(tiny, tmp_path, kwargs):
    problem, _ = tiny
    args = {"populations": 2, "particles": 10, "seed": 0, **kwargs}
    with pytest.raises(InputError, match=next(iter(kwargs))):
        abcsmc.fit(problem, db=tmp_path / "x.db", **args)
    assert not (tmp_path / "x.db").exists()


def test_abc_on_a_dask_cluster(tiny, tmp_path):
    from distributed import Client, LocalCluster

    problem, _ = tiny
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result = abcsmc.fit(problem, populations=2, particles=20, seed=3, client=client,
                            db=tmp_path / "dask.db")
        assert result.meta["sampler"] == "dask client"
        by_address = abcsmc.fit(problem, populations=1, particles=10, seed=3,
                                scheduler=cluster.scheduler_address, db=tmp_path / "addr.db")
    assert len(result.z) == 20 and np.isclose(result.weights.sum(), 1.0)
    assert by_address.meta["sampler"].startswith("dask ")


def test_unreachable_scheduler_is_an_input_error(tiny, tmp_path):
    problem, _ = tiny
    with pytest.raises(InputError, match="scheduler"):
        abcsmc.fit(problem, populations=1, particles=5, scheduler="tcp://127.0.0.1:1",
                   db=tmp_path / "x.db", connect_timeout=1.0)


def test_abc_local_processes_after_openmp_was_used(tiny, tmp_path):
    problem, _ = tiny
    problem.loglik(problem.nominal[None])  # numba's OpenMP runs in this process first
    result = abcsmc.fit(problem, populations=1, particles=16, seed=0, n_procs=2,
                        db=tmp_path / "local.db")
    assert result.meta["sampler"].startswith("2 local processes")
    assert len(result.z) == 16
