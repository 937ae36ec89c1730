"""Lung-model ensemble: awaken's batched solver vs libroadrunner vs SciPy, side by side.

An ensemble of parameter sets is drawn (seeded) over the declared ranges of the rate
parameters (log-uniform where ``Parameter.log``); initial conditions and intervention
parameters stay at their defaults. Every member is solved for 60 days with daily output:

- ``simulate_batch`` (compiled Dormand–Prince, numba threads; stiff members continued by the
  implicit tier, Rodas4 by default, variable-order BDF timed too), timed after a warm-up call
  whose time (numba compilation or cache load) is reported separately;
- libroadrunner (CVODE) on the exported SBML: one model loaded once, then per member
  ``setGlobalParameterValues`` + ``reset()`` + ``simulate``, same tolerances;
- numbalsoda (LSODA compiled with numba) on the same generated ``rhs``, members in a
  compiled loop on one core, same tolerances;
- SciPy ``solve_ivp`` (Radau and LSODA) with the compiled ``rhs``, on a subset.

Agreement: per member and state, |a - b| <= 1e-4 * max(|b|, floor) on the final state,
floor = max(1e-6 * max_t |b_state|, 1e5 * atol), with b from ``simulate_batch``: values
below 1e5 atol are compared absolutely (up to 10 atol passes), since near zero both
solvers carry absolute noise (an antibody state that never rises sits at +-1e-10).

Every engine is timed twice over: wall-clock and the process's CPU time (``process_time``,
all threads), so that a loaded machine can be told from a slow engine; ratios use CPU time.

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
    IMPLICIT,
    IMPLICIT_TIERS,
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
OTHER_TIER = next(t for t in IMPLICIT_TIERS if t != IMPLICIT)


class Clock:
    """Wall-clock and process CPU seconds of a block (``with Clock() as c: ...``)."""

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


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


def work(params: np.ndarray, times: np.ndarray, implicit: str) -> dict[str, float | int]:
    """Load-independent work counts of ``simulate_batch`` (``solve.solver_work``)."""
    w = solver_work(params, times, implicit=implicit)
    prefix = "bdf" if implicit == "bdf" else "rodas"
    handed = w[f"{prefix}_steps"] > 0
    of_those = w.loc[handed]
    result: dict[str, float | int] = {
        "dopri_steps_mean": float(w["dopri_steps"].mean()),
        "dopri_steps_median": float(w["dopri_steps"].median()),
        "dopri_rhs_mean": float(w["dopri_rhs"].mean()),
        "members_to_implicit": int(handed.sum()),
        "members_to_scipy_radau": int((w["status"] != 0).sum()),
    }
    for col in [c for c in w.columns if c.startswith(prefix + "_")]:
        result[f"{col}_mean_of_those"] = float(of_those[col].mean()) if handed.any() else 0.0
    return result


def run_batch(
    params: np.ndarray, times: np.ndarray, implicit: str = IMPLICIT
) -> tuple[np.ndarray, float, Clock]:
    """(states, warm-up seconds, timed clock)."""
    t0 = time.perf_counter()
    simulate_batch(params[:64], times, implicit=implicit)  # the parallel kernel loads
    warm = time.perf_counter() - t0
    with Clock() as clock:
        out = simulate_batch(params, times, implicit=implicit)
    return out, warm, clock


def run_roadrunner(
    params: np.ndarray, times: np.ndarray, rtol: float = RR_RTOL, atol: float = RR_ATOL
) -> tuple[np.ndarray, float, Clock, int]:
    """(states, load seconds, timed clock, failures) with one model loaded once."""
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
    with Clock() as clock:
        for m, row in enumerate(params):
            rr.model.setGlobalParameterValues(index, row)
            rr.reset()  # time 0, initial assignments re-evaluated with the new values
            try:
                out[m] = rr.simulate(times[0], times[-1], len(times))
            except RuntimeError:
                failures += 1
    return out, load, clock, failures


def run_numbalsoda(
    params: np.ndarray, times: np.ndarray, rtol: float = RTOL, atol: float = ATOL
) -> tuple[np.ndarray, Clock, int]:
    """(states, timed clock, failures): numbalsoda's LSODA on the generated ``rhs``, members
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
    with Clock() as clock:
        failures = solve_all(params, times, out, rtol, atol)
    return out, clock, failures


def run_scipy(params: np.ndarray, times: np.ndarray, method: str) -> tuple[np.ndarray, Clock]:
    with Clock() as clock:
        out = np.array([solve_implicit(p, times, method) for p in params])
    return out, clock


# Decades, with 1-2-5 steps where the equal-accuracy settings fall (every engine alike).
WP_RTOLS = (1e-5, 5e-6, 2e-6, 1e-6, 5e-7, 2e-7, 1e-7, 1e-8, 1e-9)


def work_precision(params: np.ndarray, times: np.ndarray) -> list[dict]:
    """Cost and accuracy of every engine at several tolerances, on one core each, side by
    side at each tolerance (so all see the same machine load).

    The reference is ``simulate_batch`` with Rodas4 at rtol 1e-11, atol 1e-13; the error of
    a member is the largest relative difference (same floor rule) over all states and output
    times. Times are CPU seconds (``process_time``) and wall-clock seconds.
    """
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    ref = simulate_batch(params, times, rtol=1e-11, atol=1e-13, implicit="rodas")
    rows = []
    for rtol in WP_RTOLS:
        atol = rtol * 1e-2
        runs = []
        for tier in (IMPLICIT, OTHER_TIER):
            with Clock() as clock:
                states = simulate_batch(params, times, rtol=rtol, atol=atol, implicit=tier)
            name = "simulate_batch" if tier == IMPLICIT else f"simulate_batch_{tier}"
            runs.append((name, states, clock, 0))
        rr, _, clock, fail = run_roadrunner(params, times, rtol, atol)
        runs.append(("roadrunner", rr, clock, fail))
        nbl, clock, fail = run_numbalsoda(params, times, rtol, atol)
        runs.append(("numbalsoda", nbl, clock, fail))
        for engine, states, clock, fail in runs:
            err = full_error(states, ref)
            ok = err[np.isfinite(err)]
            rows.append(
                {
                    "engine": engine,
                    "rtol": rtol,
                    "atol": atol,
                    "ms_per_trajectory": 1e3 * clock.cpu / len(params),
                    "wall_ms_per_trajectory": 1e3 * clock.wall / len(params),
                    "median_error": float(np.median(ok)),
                    "p90_error": float(np.quantile(ok, 0.9)),
                    "max_error": float(ok.max()),
                    "failures": int(max(fail, len(err) - len(ok))),
                }
            )
    numba.set_num_threads(threads)
    return rows


def equal_accuracy(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per engine: its cheapest setting whose median error is at most libroadrunner's at
    rtol 1e-8, and libroadrunner's CPU time there over that setting's (one core each)."""
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


def equal_accuracy_threads(
    params: np.ndarray, times: np.ndarray, equal: dict[str, dict[str, float]], rr: Clock
) -> dict[str, float]:
    """``simulate_batch`` on the whole ensemble, all threads, at the rtol the work-precision
    sweep found to match libroadrunner's accuracy at rtol 1e-8; libroadrunner's time at rtol
    1e-8 (one process) over it, wall-clock and CPU."""
    if "simulate_batch" not in equal:
        return {}
    rtol = equal["simulate_batch"]["rtol"]
    simulate_batch(params[:20], times, rtol=rtol, atol=rtol * 1e-2)
    with Clock() as clock:
        simulate_batch(params, times, rtol=rtol, atol=rtol * 1e-2)
    return {
        "rtol": rtol,
        "ms_per_trajectory": 1e3 * clock.wall / len(params),
        "cpu_ms_per_trajectory": 1e3 * clock.cpu / len(params),
        "speedup_vs_roadrunner": rr.wall / clock.wall,
        "cpu_speedup_vs_roadrunner": rr.cpu / clock.cpu,
    }


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

    load_start = os.getloadavg()
    threads = args.threads or numba.config.NUMBA_NUM_THREADS
    ours, warm, c_batch = run_batch(params, times)
    _, _, c_other = run_batch(params, times, OTHER_TIER)
    numba.set_num_threads(1)
    _, _, c_batch_1 = run_batch(params, times)
    numba.set_num_threads(threads)
    rr_states, rr_load, c_rr, rr_fail = run_roadrunner(params, times)
    nbl_states, c_nbl, nbl_fail = run_numbalsoda(params, times)
    tight = params[: args.tight_n]
    tight_states, _, c_tight, tight_fail = run_roadrunner(tight, times, 1e-10, 1e-12)
    sub = params[: args.scipy_n]
    scipy_results = {}
    for method in ("Radau", "LSODA"):
        states, clock = run_scipy(sub, times, method)
        scipy_results[method] = {
            "members": len(sub),
            "seconds": clock.wall,
            "cpu_seconds": clock.cpu,
            "ms_per_trajectory": 1e3 * clock.wall / len(sub),
            "agreement_final_state": summary(agreement(states, ours[: len(sub)])),
        }

    clocks = {
        "simulate_batch": c_batch,
        f"simulate_batch_{OTHER_TIER}": c_other,
        "simulate_batch_1_thread": c_batch_1,
        "roadrunner": c_rr,
        "numbalsoda": c_nbl,
    }
    per = {k: 1e3 * c.wall / args.n for k, c in clocks.items()}
    per_cpu = {k: 1e3 * c.cpu / args.n for k, c in clocks.items()}
    result = {
        "command": " ".join(
            ["python benchmarks/lung_ensemble.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "numba_threads": threads,
            "load_average_at_start": list(load_start),
            "load_average_1min": os.getloadavg()[0],
        },
        "ensemble": {"members": args.n, "seed": args.seed, "days": DAYS, "varied": names},
        "tolerances": {"rtol": RTOL, "atol": ATOL, "roadrunner": [RR_RTOL, RR_ATOL]},
        "simulate_batch": {
            "implicit_tier": IMPLICIT,
            "warmup_seconds": warm,
            "seconds": c_batch.wall,
            "seconds_1_thread": c_batch_1.wall,
            "work": work(params, times, IMPLICIT),
            f"work_{OTHER_TIER}": work(params, times, OTHER_TIER),
            f"agreement_final_state_{OTHER_TIER}": summary(
                agreement(simulate_batch(params, times, implicit=OTHER_TIER), ours)
            ),
        },
        "roadrunner": {
            "load_seconds": rr_load,
            "seconds": c_rr.wall,
            "failures": rr_fail,
            "agreement_final_state": summary(agreement(rr_states, ours)),
            "members_going_negative": int((np.nanmin(rr_states, axis=(1, 2)) < 0).sum()),
            "tight": {
                "rtol": 1e-10,
                "atol": 1e-12,
                "members": len(tight),
                "seconds": c_tight.wall,
                "ms_per_trajectory": 1e3 * c_tight.wall / len(tight),
                "failures": tight_fail,
                "agreement_final_state": summary(agreement(tight_states, ours[: len(tight)])),
            },
        },
        "numbalsoda": {
            "seconds": c_nbl.wall,
            "failures": nbl_fail,
            "agreement_final_state": summary(agreement(nbl_states, ours)),
        },
        "scipy": scipy_results,
        "ms_per_trajectory": per
        | {f"scipy_{k}": v["ms_per_trajectory"] for k, v in scipy_results.items()},
        "cpu_ms_per_trajectory": per_cpu,
        "speedup_vs_roadrunner": {
            k: per["roadrunner"] / v for k, v in per.items() if k != "roadrunner"
        },
        "cpu_speedup_vs_roadrunner": {
            k: per_cpu["roadrunner"] / v for k, v in per_cpu.items() if k != "roadrunner"
        },
    }
    if args.wp_n:
        result["work_precision"] = work_precision(params[: args.wp_n], times)
        result["equal_accuracy_1_core"] = equal_accuracy(result["work_precision"])
        result["equal_accuracy_all_threads"] = equal_accuracy_threads(
            params, times, result["equal_accuracy_1_core"], c_rr
        )
        for row in result["work_precision"]:
            print(
                f"{row['engine']:>22} rtol {row['rtol']:.0e}: {row['ms_per_trajectory']:.3f} "
                f"CPU ms/traj (1 core), median error {row['median_error']:.1e}, "
                f"p90 {row['p90_error']:.1e}"
            )
    write_json(args.out, result)
    print(json.dumps(result["ms_per_trajectory"], indent=2))
    print(json.dumps(result["cpu_ms_per_trajectory"], indent=2))
    print(json.dumps(result["speedup_vs_roadrunner"], indent=2))
    print(json.dumps(result.get("equal_accuracy_1_core", {}), indent=2))
    print(json.dumps(result.get("equal_accuracy_all_threads", {}), indent=2))
    print(json.dumps(result["roadrunner"]["agreement_final_state"], indent=2))
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
