"""Where the batched lung solver's time goes, in load-independent counts.

Two parts:

- **work counters** (``awaken.lung.solve.solver_work``) on the ``lung_ensemble.py`` draws:
  explicit steps and right-hand-side (RHS) calls per member, the members handed to Rodas4
  and the share of the work they take, in RHS-equivalents (a Rodas4 step costs
  ``rodas_step`` RHS calls' worth of instructions, measured below);
- **cost per kernel call** (RHS, Jacobian, the rest of a Rodas4 step, the rest of a
  Dormand–Prince step): a compiled loop of ``--calls`` calls, best of 5, less an empty loop.
  This one is wall-clock and so load-dependent; only the ratios between kernels are used.
  (valgrind's callgrind would count instructions, but numba recompiles everything under it,
  since it reports another CPU, which takes tens of minutes; no hardware counters here.)

Run:  .venv/bin/python benchmarks/lung_profile.py --n 2000     (one thread, ~30 s)
      .venv/bin/python benchmarks/lung_profile.py --n 2000 --stiff-after 20000 --out X.json
      (no early hand-over: the 20,000-step budget alone, as before issue 12)
Writes results/lung_profile.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

from awaken.lung._generated import N_LU, jac, rhs
from awaken.lung._rodas import _lu, _solve, factorise, solve_factored

RESULTS = Path(__file__).with_name("results") / "lung_profile.json"
KERNELS = ("none", "rhs", "jac", "rodas_step", "dopri_step", "rodas_step_dense")


@njit(cache=True)
def kernel_loop(kind, calls, p, y):
    """``calls`` calls of kernel ``KERNELS[kind]`` (cached, so callgrind counts no compiling)."""
    n = y.size
    dy = np.empty(n)
    J = np.zeros((n, n))
    W = np.empty((n, n))
    lu = np.empty(N_LU)
    piv = np.zeros(n, dtype=np.int64)
    acc = 0.0
    for _k in range(calls):
        y[8] += 1e-12  # a new state each call: nothing is hoisted out of the loop
        if kind == 1:
            rhs(0.0, y, p, dy)
            acc += dy[8]
        elif kind == 2:
            jac(0.0, y, p, J)
            acc += J[13, 8]
        elif kind == 3:  # what a Rodas4 step adds to its 6 RHS calls: Jacobian, LU, 6 solves
            jac(0.0, y, p, J)
            factorise(40.0, 1.0, J, lu, W, piv)  # the generated sparse LU, as the tier has it
            for _ in range(6):
                for i in range(n):
                    dy[i] = y[i]
                solve_factored(lu, W, piv, dy)
            acc += dy[0]
        elif kind == 5:  # the same with the dense LU with partial pivoting (before issue 12)
            jac(0.0, y, p, J)
            for i in range(n):
                for j in range(n):
                    W[i, j] = -J[i, j]
                W[i, i] += 40.0
            _lu(W, piv)
            for _ in range(6):
                for i in range(n):
                    dy[i] = y[i]
                _solve(W, piv, dy)
            acc += dy[0]
        elif kind == 4:  # the vector arithmetic of a Dormand-Prince step, without its RHS
            for _ in range(8):
                for i in range(n):
                    dy[i] = y[i] + 1e-3 * (0.1 * y[i] + 0.2 * dy[i] + 0.3 * y[i])
            acc += dy[0]
    return acc


def _kernel_state() -> tuple[np.ndarray, np.ndarray]:
    from awaken.lung.solve import Setup, simulate

    p = Setup().vector()
    y = simulate(Setup(), 3.0).states[-1].copy()  # day 3: infection, IL-6 and T cells active
    return p, y


def kernel_ns(calls: int, repeats: int = 5) -> dict[str, float]:
    """Nanoseconds per call of each kernel: best of ``repeats``, less the empty loop's."""
    p, y = _kernel_state()

    def best(kind: int) -> float:
        kernel_loop(kind, 1, p, y.copy())
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            kernel_loop(kind, calls, p, y.copy())
            runs.append(time.perf_counter() - t0)
        return min(runs)

    base = best(0)
    return {k: 1e9 * (best(i) - base) / calls for i, k in enumerate(KERNELS) if i}


def threads_check(params: np.ndarray, times: np.ndarray, repeats: int = 2) -> list[dict]:
    """Wall and CPU ms per member of ``simulate_batch``: 1 thread, 2 threads under numba's
    default schedule (chunk 0) and with dynamic chunks of ``solve.CHUNK``, alternated."""
    import os

    import numba

    from awaken.lung import solve

    chunk = solve.CHUNK
    rows = []
    solve.simulate_batch(params[:64], times)
    for _ in range(repeats):
        for threads, c in ((1, chunk), (2, 0), (2, chunk)):
            numba.set_num_threads(threads)
            solve.CHUNK = c
            t0, c0 = time.perf_counter(), time.process_time()
            solve.simulate_batch(params, times)
            rows.append({
                "threads": threads, "chunk": c,
                "wall_ms_per_member": 1e3 * (time.perf_counter() - t0) / len(params),
                "cpu_ms_per_member": 1e3 * (time.process_time() - c0) / len(params),
                "load_average_1min": os.getloadavg()[0],
            })
    solve.CHUNK = chunk
    numba.set_num_threads(1)
    return rows


def counters(n: int, seed: int, rtol: float, atol: float) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from lung_ensemble import draw, varied_parameters

    from awaken.lung import solve

    params = draw(n, seed, varied_parameters())
    times = np.arange(0.0, 61.0)
    solve.solver_work(params[:32], times, rtol=rtol, atol=atol)  # compile / load the cache
    t0 = time.process_time()
    w = solve.solver_work(params, times, rtol=rtol, atol=atol)
    cpu = time.process_time() - t0
    implicit = w["rodas_steps"] > 0
    return {
        "members": n,
        "rtol": rtol,
        "atol": atol,
        "stiff_after": solve.STIFF_AFTER["rodas"],
        "explicit_steps": solve.EXPLICIT_STEPS,
        "cpu_ms_per_member": 1e3 * cpu / n,
        "dopri_steps_mean": float(w["dopri_steps"].mean()),
        "dopri_steps_median": float(w["dopri_steps"].median()),
        "dopri_rhs_mean": float(w["dopri_rhs"].mean()),
        "dopri_rhs_median": float(w["dopri_rhs"].median()),
        "members_to_rodas": int(implicit.sum()),
        "dopri_steps_before_handover_mean": float(w.loc[implicit, "dopri_steps"].mean())
        if implicit.any() else 0.0,
        "rodas_steps_mean_of_handed": float(w.loc[implicit, "rodas_steps"].mean())
        if implicit.any() else 0.0,
        "members_to_scipy": int((w["status"] != 0).sum()),
        "_work": w,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--atol", type=float, default=1e-10)
    ap.add_argument("--calls", type=int, default=200_000, help="kernel calls timed")
    ap.add_argument(
        "--stiff-after", type=int, default=None,
        help="explicit steps before an early hand-over (solve.STIFF_AFTER; 20000: none)",
    )
    ap.add_argument("--threads-check", action="store_true",
                    help="also time 1 against 2 threads (wall-clock, load-dependent)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    import numba

    numba.set_num_threads(1)
    if args.stiff_after is not None:
        from awaken.lung import solve

        solve.STIFF_AFTER = {**solve.STIFF_AFTER, "rodas": args.stiff_after}
    result = counters(args.n, args.seed, args.rtol, args.atol)
    w = result.pop("_work")
    if args.calls:
        per = kernel_ns(args.calls)
        result["ns_per_call"] = per
        rodas_eq = 6 + per["rodas_step"] / per["rhs"]  # a Rodas4 step in RHS-equivalents
        dopri_eq = 6 + per["dopri_step"] / per["rhs"]
        explicit = w["dopri_steps"].sum() * dopri_eq
        implicit = w["rodas_steps"].sum() * rodas_eq
        result["rhs_equivalents"] = {
            "dopri_step": dopri_eq,
            "rodas_step": rodas_eq,
            "per_member_mean": float((explicit + implicit) / len(w)),
            "share_rodas": float(implicit / (explicit + implicit)),
            "share_of_handed_members": float(
                (w.loc[w.rodas_steps > 0, "dopri_steps"].sum() * dopri_eq + implicit)
                / (explicit + implicit)
            ),
        }
    if args.threads_check:
        from lung_ensemble import draw, varied_parameters

        params = draw(args.n, args.seed, varied_parameters())
        result["threads"] = threads_check(params, np.arange(0.0, 61.0))
    from awaken.core.io import write_json

    write_json(args.out, result)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
