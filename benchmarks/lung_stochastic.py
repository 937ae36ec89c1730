"""Stochastic DCCs: agreement with the ODE, the analytic no-awakening check, leap bias, timing.

1. Agreement: ensemble mean of dcc_dormant, dcc_awake, dcc_count vs ``simulate`` (ODE) for the
   PBS arm (V0 = 0) and the default infected arm; p_no_awakening vs exp(-hazard).
2. Leap bias: mean and SD of dcc_count at eps in {0.05, 0.03, 0.02, 0.01} against a
   reference run at eps = 0.002 (tau_max 0.05), same seed (--convergence; slow, ~2 min).
3. Timing: N mice x 60 days on the default infected arm, after a warm-up call.

Run:  .venv/bin/python benchmarks/lung_stochastic.py [--mice 2000] [--convergence]
      (writes results/lung_stochastic.json)
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from awaken.core.io import write_json
from awaken.lung.solve import Setup, simulate
from awaken.lung.stochastic import EPS, MouseEnsemble, ode_agreement, simulate_mice

ARMS = {"pbs": Setup(overrides={"V0": 0.0}), "infected": Setup()}
DAYS = 60
SHOW = [1, 3, 6, 9, 15, 28, 60]
RESULTS = Path(__file__).with_name("results") / "lung_stochastic.json"


def _p_none_rows(ens: MouseEnsemble) -> pd.DataFrame:
    p, exact = ens.p_no_awakening(), ens.p_no_awakening_analytic()
    se = np.sqrt(exact * (1 - exact) / ens.n_mice)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {"time": ens.times, "observable": "p_no_awakening", "mean": p, "se": se,
             "ode": exact, "rel_diff": p / exact - 1, "z": (p - exact) / se}
        )


def agreement(n_mice: int, seed: int) -> pd.DataFrame:
    """Mean vs ODE and p_no_awakening vs analytic, per arm, at daily times."""
    parts = []
    for arm, setup in ARMS.items():
        ens = simulate_mice(setup, n_mice, DAYS, seed=seed)
        table = ode_agreement(ens, simulate(setup, DAYS, times=ens.times))
        parts.append(pd.concat([table, _p_none_rows(ens)]).assign(arm=arm))
    return pd.concat(parts, ignore_index=True)


def convergence(n_mice: int, seed: int) -> pd.DataFrame:
    """Relative change of mean and SD of dcc_count against a fine-leap reference run."""
    days = [3, 6, 9, 15, 20, 28, 60]
    runs = {(0.002, 0.05): None, (0.05, 0.25): None, (0.03, 0.25): None, (0.02, 0.25): None,
            (0.01, 0.25): None}
    for eps, tau_max in runs:
        v = simulate_mice(ARMS["infected"], n_mice, DAYS, seed=seed, eps=eps,
                          tau_max=tau_max).values("dcc_count")[:, days]
        runs[(eps, tau_max)] = (v.mean(axis=0), v.std(axis=0, ddof=1))
    ref_mean, ref_sd = runs[(0.002, 0.05)]
    rows = [
        {"eps": eps, "day": d, "mean_rel": m[i] / ref_mean[i] - 1, "sd_rel": s[i] / ref_sd[i] - 1}
        for (eps, _), (m, s) in runs.items() if eps != 0.002
        for i, d in enumerate(days)
    ]
    return pd.DataFrame(rows)


def timing(n_mice: int, seed: int) -> dict[str, float]:
    """Wall and CPU seconds for n_mice x 60 days (default infected arm), after a warm-up."""
    t0 = time.perf_counter()
    simulate_mice(ARMS["infected"], 2, DAYS, seed=seed)
    warm = time.perf_counter() - t0
    wall, cpu = time.perf_counter(), time.process_time()
    simulate_mice(ARMS["infected"], n_mice, DAYS, seed=seed)
    return {"mice": n_mice, "days": DAYS, "warmup_s": warm,
            "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "threads": numba.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mice", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing-mice", type=int, default=1000)
    parser.add_argument("--convergence", action="store_true")
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    table = agreement(args.mice, args.seed)
    print(table[table["time"].isin(SHOW)].to_string(index=False, float_format="%.4g"))
    large = table[(table["ode"] >= 100) & (table["observable"] != "p_no_awakening")]
    worst = large.loc[large["rel_diff"].abs().idxmax()]
    print(f"largest |mean/ODE - 1| where the ODE count >= 100: {abs(worst.rel_diff):.2%} "
          f"({worst.arm}, {worst.observable}, day {worst.time:g})")
    result = {
        "platform": platform.platform(), "cpus": os.cpu_count(), "eps": EPS,
        "mice": args.mice, "seed": args.seed,
        "agreement": table.replace([np.inf, -np.inf], np.nan).to_dict(orient="records"),
        "timing": timing(args.timing_mice, args.seed),
    }
    print("timing:", result["timing"])
    if args.convergence:
        conv = convergence(4000, args.seed + 5)
        print(conv.pivot(index="eps", columns="day", values=["mean_rel", "sd_rel"]).to_string(
            float_format="%+.4f"))
        result["convergence"] = conv.to_dict(orient="records")
    write_json(RESULTS, result)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
