"""Lung-model ensemble: awaken's batched solver vs libroadrunner vs SciPy, side by side.

An ensemble of parameter sets is drawn (seeded) over the declared ranges of the rate
parameters (log-uniform where ``Parameter.log``); initial conditions and intervention
parameters stay at their defaults. Every member is solved for 60 days with daily output:

- ``simulate_batch`` (compiled Dormand–Prince, numba threads; implicit fallback for stiff
  members), timed after a warm-up call whose time (numba compilation or cache load) is
  reported separately;
- libroadrunner (CVODE) on the exported SBML: one model loaded once, then per member
  ``setGlobalParameterValues`` + ``reset()`` + ``simulate``, same tolerances;
- numbalsoda (LSODA compiled with numba) on the same generated ``rhs``, members in a
  compiled loop on one core, same tolerances;
- SciPy ``solve_ivp`` (Radau and LSODA) with the compiled ``rhs``, on a subset.

Agreement: per member and state, |a - b| <= 1e-4 * max(|b|, floor) on the final state,
floor = max(1e-6 * max_t |b_state|, 1e5 * atol), with b from ``simulate_batch``: values
below 1e5 atol are compared absolutely (up to 10 atol passes), since near zero both
solvers carry absolute noise (an antibody state that never rises sits at +-1e-10).

Run:  .venv/bin/python benchmarks/lung_ensemble.py            (writes results/lung_ensemble.json)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from awaken.core.io import write_json
from awaken.core.rng import rng_stream
from awaken.lung.interventions import KINDS
from awaken.lung.model import PARAMETERS, STATE_IDS, STATES, WINDOWS
from awaken.lung.sbml import to_sbml
from awaken.lung.solve import (
    ATOL,
    RTOL,
    Setup,
    simulate_batch,
    solve_implicit,
    solver_work,
)

DAYS = 60
RR_RTOL, RR_ATOL = RTOL, ATOL  # the same tolerances as the batched solver
AGREE_RTOL, FLOOR = 1e-4, 1e-6
ABS_FLOOR = 1e5 * ATOL  # below it, differences up to 10 atol (1e-4 * 1e5 atol) pass
RESULTS = Path(__file__).with_name("results") / "lung_ensemble.json"


def varied_parameters() -> list[str]:
    """Rate parameters: all but initial values, window edges and intervention strengths."""
    fixed = {s.initial for s in STATES}
    fixed |= {name for w in WINDOWS for name in (w.start, w.end)}
    fixed |= {eff for _, _, eff in KINDS.values() if eff is not None}
    fixed |= {"dep_rate", "il6_gene", "reexposure_dose"}  # act only inside windows / knockouts
    return [p.name for p in PARAMETERS if p.name not in fixed]


def draw(n: int, seed: int, names: list[str]) -> np.ndarray:
    """``n`` parameter vectors: defaults, with ``names`` drawn over their declared ranges."""
    base = Setup().vector()
    params = np.tile(base, (n, 1))
    rng = rng_stream(seed, "lung-ensemble")
    index = {p.name: i for i, p in enumerate(PARAMETERS)}
    for name in names:
        p = PARAMETERS[index[name]]
        if p.log:
            params[:, index[name]] = np.exp(rng.uniform(np.log(p.low), np.log(p.high), n))
        else:
            params[:, index[name]] = rng.uniform(p.low, p.high, n)
    return params


def agreement(theirs: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """Per member: worst scaled difference of the final states (the floor rule above)."""
    floor = np.maximum(FLOOR * np.abs(ours).max(axis=1), ABS_FLOOR)  # (n, n_states)
    scale = np.maximum(np.abs(ours[:, -1]), floor)
    return (np.abs(theirs[:, -1] - ours[:, -1]) / scale).max(axis=1)


def work(params: np.ndarray, times: np.ndarray) -> dict[str, float | int]:
    """Load-independent work counts of ``simulate_batch`` (``solve.solver_work``)."""
    w = solver_work(params, times)
    handed = w["rodas_steps"] > 0
    return {
        "dopri_steps_mean": float(w["dopri_steps"].mean()),
        "dopri_steps_median": float(w["dopri_steps"].median()),
        "dopri_rhs_mean": float(w["dopri_rhs"].mean()),
        "members_to_rodas4": int(handed.sum()),
        "rodas4_steps_mean_of_those": float(w.loc[handed, "rodas_steps"].mean())
        if handed.any() else 0.0,
        "members_to_scipy_radau": int((w["status"] != 0).sum()),
    }


def run_batch(params: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(states, warm-up seconds, timed seconds)."""
    t0 = time.perf_counter()
    simulate_batch(params[:64], times)  # large enough for the parallel kernel to load
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = simulate_batch(params, times)
    return out, warm, time.perf_counter() - t0


def run_roadrunner(
    params: np.ndarray, times: np.ndarray, rtol: float = RR_RTOL, atol: float = RR_ATOL
) -> tuple[np.ndarray, float, float, int]:
    """(states, load seconds, timed seconds, failures) with one model loaded once."""
    import roadrunner

    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_CRITICAL)  # failures are counted below
    t0 = time.perf_counter()
    rr = roadrunner.RoadRunner(to_sbml(Setup()))
    integrator = rr.getIntegrator()
    integrator.setValue("relative_tolerance", rtol)
    integrator.setValue("absolute_tolerance", atol)
    integrator.setValue("maximum_num_steps", 200_000)
    rr.timeCourseSelections = list(STATE_IDS)
    ids = list(rr.model.getGlobalParameterIds())
    index = np.array([ids.index(p.name) for p in PARAMETERS], dtype=np.int32)
    load = time.perf_counter() - t0
    out = np.full((len(params), len(times), len(STATE_IDS)), np.nan)
    failures = 0
    t0 = time.perf_counter()
    for m, row in enumerate(params):
        rr.model.setGlobalParameterValues(index, row)
        rr.reset()  # time 0, initial assignments re-evaluated with the new values
        try:
            out[m] = rr.simulate(times[0], times[-1], len(times))
        except RuntimeError:
            failures += 1
    return out, load, time.perf_counter() - t0, failures


def run_numbalsoda(
    params: np.ndarray, times: np.ndarray, rtol: float = RTOL, atol: float = ATOL
) -> tuple[np.ndarray, float, int]:
    """(states, timed seconds, failures): numbalsoda's LSODA on the generated ``rhs``, members
    in a compiled loop on one core (no intervention windows here, so no breakpoints)."""
    from numba import carray, cfunc, njit
    from numbalsoda import lsoda, lsoda_sig

    from awaken.lung._generated import N_PARAMS, N_STATES, initial_state, rhs

    @cfunc(lsoda_sig)
    def f(t, u, du, p):  # pragma: no cover - compiled
        rhs(t, carray(u, (N_STATES,)), carray(p, (N_PARAMS,)), carray(du, (N_STATES,)))

    address = f.address

    @njit
    def solve_all(params, times, out, rtol, atol):
        failures = 0
        y0 = np.empty(N_STATES)
        for m in range(params.shape[0]):
            initial_state(params[m], y0)
            usol, ok = lsoda(address, y0, times, data=params[m], rtol=rtol, atol=atol,
                             mxstep=200_000)
            out[m] = usol
            failures += 0 if ok else 1
        return failures

    out = np.zeros((len(params), len(times), len(STATE_IDS)))
    solve_all(params[:2], times, out[:2], rtol, atol)  # compile
    t0 = time.perf_counter()
    failures = solve_all(params, times, out, rtol, atol)
    return out, time.perf_counter() - t0, failures


def run_scipy(params: np.ndarray, times: np.ndarray, method: str) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    out = np.array([solve_implicit(p, times, method) for p in params])
    return out, time.perf_counter() - t0


def work_precision(params: np.ndarray, times: np.ndarray) -> list[dict]:
    """Cost and accuracy of both engines at several tolerances, on one core each.

    The reference is ``simulate_batch`` at rtol 1e-11, atol 1e-13; the error of a member is
    the largest relative difference (same floor rule) over all states and output times.
    """
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    ref = simulate_batch(params, times, rtol=1e-11, atol=1e-13)
    rows = []
    for rtol in (1e-5, 1e-6, 1e-7, 1e-8):
        atol = rtol * 1e-2
        t0 = time.process_time()
        ours = simulate_batch(params, times, rtol=rtol, atol=atol)
        t_ours = time.process_time() - t0
        rr, _, t_rr, fail = run_roadrunner(params, times, rtol, atol)
        nbl, t_nbl, _ = run_numbalsoda(params, times, rtol, atol)
        for engine, states, seconds in (
            ("simulate_batch", ours, t_ours), ("roadrunner", rr, t_rr), ("numbalsoda", nbl, t_nbl)
        ):
            err = full_error(states, ref)
            ok = err[np.isfinite(err)]
            rows.append(
                {
                    "engine": engine,
                    "rtol": rtol,
                    "atol": atol,
                    "ms_per_trajectory": 1e3 * seconds / len(params),
                    "median_error": float(np.median(ok)),
                    "p90_error": float(np.quantile(ok, 0.9)),
                    "failures": int(len(err) - len(ok)) if engine == "roadrunner" else 0,
                }
            )
    numba.set_num_threads(threads)
    return rows


def equal_accuracy(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per engine: its cheapest setting whose median error is at most libroadrunner's at
    rtol 1e-8, and libroadrunner's time there over that setting's (one core each)."""
    target = next(r for r in rows if r["engine"] == "roadrunner" and r["rtol"] == 1e-8)
    result = {}
    for engine in sorted({r["engine"] for r in rows} - {"roadrunner"}):
        good = [r for r in rows if r["engine"] == engine
                and r["median_error"] <= target["median_error"]]
        if good:
            best = min(good, key=lambda r: r["ms_per_trajectory"])
            result[engine] = {
                "rtol": best["rtol"],
                "ms_per_trajectory": best["ms_per_trajectory"],
                "speedup_vs_roadrunner": target["ms_per_trajectory"] / best["ms_per_trajectory"],
            }
    return result


def full_error(theirs: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per member: max over times and states of |a - b| / max(|b|, floor)."""
    floor = np.maximum(FLOOR * np.abs(ref).max(axis=1, keepdims=True), ABS_FLOOR)
    rel = np.abs(theirs - ref) / np.maximum(np.abs(ref), floor)
    return rel.max(axis=(1, 2))


def summary(diff: np.ndarray) -> dict[str, float | int]:
    ok = diff[np.isfinite(diff)]
    return {
        "max": float(ok.max()),
        "p99": float(np.quantile(ok, 0.99)),
        "median": float(np.median(ok)),
        "members_over_1e-4": int((ok > AGREE_RTOL).sum()),
        "members_compared": int(ok.size),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="ensemble size")
    ap.add_argument("--scipy-n", type=int, default=200, help="members solved with SciPy")
    ap.add_argument(
        "--tight-n", type=int, default=1000, help="members re-run by roadrunner at 1e-10/1e-12"
    )
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--wp-n", type=int, default=2000, help="members in the work-precision sweep (0: skip)"
    )
    args = ap.parse_args(argv)

    import numba

    if args.threads:
        numba.set_num_threads(args.threads)
    times = np.arange(0.0, DAYS + 1e-9)
    names = varied_parameters()
    params = draw(args.n, args.seed, names)
    print(f"{args.n} members, {len(names)} parameters varied: {', '.join(names)}")

    ours, warm, t_batch = run_batch(params, times)
    numba.set_num_threads(1)
    _, _, t_batch_1 = run_batch(params, times)
    numba.set_num_threads(args.threads or numba.config.NUMBA_NUM_THREADS)
    rr_states, rr_load, t_rr, rr_fail = run_roadrunner(params, times)
    nbl_states, t_nbl, nbl_fail = run_numbalsoda(params, times)
    tight = params[: args.tight_n]
    tight_states, _, t_tight, tight_fail = run_roadrunner(tight, times, 1e-10, 1e-12)
    sub = params[: args.scipy_n]
    scipy_results = {}
    for method in ("Radau", "LSODA"):
        states, t = run_scipy(sub, times, method)
        scipy_results[method] = {
            "members": len(sub),
            "seconds": t,
            "ms_per_trajectory": 1e3 * t / len(sub),
            "agreement_final_state": summary(agreement(states, ours[: len(sub)])),
        }

    per = {
        "simulate_batch": 1e3 * t_batch / args.n,
        "simulate_batch_1_thread": 1e3 * t_batch_1 / args.n,
        "roadrunner": 1e3 * t_rr / args.n,
        "numbalsoda": 1e3 * t_nbl / args.n,
    }
    result = {
        "command": " ".join(
            ["python benchmarks/lung_ensemble.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "numba_threads": args.threads or numba.config.NUMBA_NUM_THREADS,
            "load_average_1min": os.getloadavg()[0],
        },
        "ensemble": {"members": args.n, "seed": args.seed, "days": DAYS, "varied": names},
        "tolerances": {"rtol": RTOL, "atol": ATOL, "roadrunner": [RR_RTOL, RR_ATOL]},
        "simulate_batch": {
            "warmup_seconds": warm,
            "seconds": t_batch,
            "seconds_1_thread": t_batch_1,
            "work": work(params, times),
        },
        "roadrunner": {
            "load_seconds": rr_load,
            "seconds": t_rr,
            "failures": rr_fail,
            "agreement_final_state": summary(agreement(rr_states, ours)),
            "members_going_negative": int((np.nanmin(rr_states, axis=(1, 2)) < 0).sum()),
            "tight": {
                "rtol": 1e-10,
                "atol": 1e-12,
                "members": len(tight),
                "seconds": t_tight,
                "ms_per_trajectory": 1e3 * t_tight / len(tight),
                "failures": tight_fail,
                "agreement_final_state": summary(agreement(tight_states, ours[: len(tight)])),
            },
        },
        "numbalsoda": {
            "seconds": t_nbl,
            "failures": nbl_fail,
            "agreement_final_state": summary(agreement(nbl_states, ours)),
        },
        "scipy": scipy_results,
        "ms_per_trajectory": per
        | {f"scipy_{k}": v["ms_per_trajectory"] for k, v in scipy_results.items()},
        "speedup_vs_roadrunner": {
            "simulate_batch": per["roadrunner"] / per["simulate_batch"],
            "simulate_batch_1_thread": per["roadrunner"] / per["simulate_batch_1_thread"],
            "numbalsoda": per["roadrunner"] / per["numbalsoda"],
        },
    }
    if args.wp_n:
        result["work_precision"] = work_precision(params[: args.wp_n], times)
        result["equal_accuracy_1_core"] = equal_accuracy(result["work_precision"])
        for row in result["work_precision"]:
            print(
                f"{row['engine']:>15} rtol {row['rtol']:.0e}: {row['ms_per_trajectory']:.3f} "
                f"ms/traj (1 core), median error {row['median_error']:.1e}, "
                f"p90 {row['p90_error']:.1e}"
            )
    write_json(args.out, result)
    print(json.dumps(result["ms_per_trajectory"], indent=2))
    print(json.dumps(result["speedup_vs_roadrunner"], indent=2))
    print(json.dumps(result.get("equal_accuracy_1_core", {}), indent=2))
    print(json.dumps(result["roadrunner"]["agreement_final_state"], indent=2))
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
