"""The modular chia2025 calibration (issue 7, part 3): its figures and what it costs.

Usage::

    nice .venv/bin/python benchmarks/calibrate_chia2025_modular.py          # run both fits
    .venv/bin/python benchmarks/calibrate_chia2025_modular.py --from HELD ALL  # record runs

The first form runs what ``awaken calibrate chia2025 --held-out iav_cd4_depleted``
and ``--held-out none`` run (16 generations, 300 particles per module, seed 0, one process);
``--from`` reads two finished output folders of those commands instead. Either writes
benchmarks/results/calibrate_chia2025_modular.json (narrowing, predictive, roles, the
calibrated point against the hand-set default) and prints the figures and the markdown
table of docs/calibrate.md.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from awaken.calibrate.modular_run import does_better

RESULT = Path(__file__).parent / "results" / "calibrate_chia2025_modular.json"
RUNS = {"iav_cd4_depleted": "results/calibrate/chia2025-modular",
        "none": "results/calibrate/chia2025-modular-all"}


def record(summary: dict) -> dict:
    """The figures of one run worth keeping."""
    return {
        **{k: summary[k] for k in ("narrowing", "predictive", "predictive_virus_at_median",
                                   "roles", "below_goal")},
        "narrowing_lung": {m: v["narrowing_lung"] for m, v in summary["modules"].items()},
        "abc": {m: {k: v["meta"][k] for k in ("populations", "simulations", "seconds", "ess")}
                for m, v in summary["modules"].items()},
        "point": {k: summary["point"][k]["passed"] for k in ("calibrated", "default")},
        "point_failed": {k: sorted(c for c, r in summary["point"][k]["checks"].items()
                                   if not r["pass"]) for k in ("calibrated", "default")},
        "calibrated_does_better": does_better(summary["point"]["calibrated"]["passed"],
                                              summary["point"]["default"]["passed"]),
        "meta": summary["meta"],
    }


def table(runs: dict[str, dict]) -> str:
    """Markdown: per check, its role and the probability that it holds in each run (joint
    draws; in brackets with the virus/IL-6 module at its median)."""
    names = list(runs)
    lines = ["| check | " + " | ".join(f"held out: {n}" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for cid in runs[names[0]]["predictive"]:
        cells = []
        for n in names:
            r = runs[n]
            at = r["predictive_virus_at_median"].get(cid)
            cells.append(f"{r['roles'][cid]}: {r['predictive'][cid]:.2f}"
                         + (f" ({at:.2f})" if at is not None else ""))
        lines.append(f"| `{cid}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figures(runs: dict[str, dict]) -> str:
    """Per run: each module's ABC cost and ESS, the narrowing, the points' check counts."""
    lines = []
    for held, summary in runs.items():
        r = record(summary)
        lines.append(f"held out {held}:")
        for module, abc in r["abc"].items():
            lines.append(f"  {module}: {abc['populations']} generations, {abc['simulations']:,} "
                         f"simulations, {abc['seconds'] / 60:.1f} min, ESS {abc['ess']:.0f} of "
                         f"{summary['meta']['particles']}")
        lines.append("  narrowing: " + ", ".join(f"{k} {v:.2f}" for k, v in
                                                  r["narrowing"].items()))
        lines.append(f"  point: calibrated {r['point']['calibrated']}, default "
                     f"{r['point']['default']} passed; calibrated fails "
                     f"{r['point_failed']['calibrated']}, default fails "
                     f"{r['point_failed']['default']}; below goal {r['below_goal']}")
    return "\n".join(lines)


def main() -> None:
    runs, timing = {}, {}
    if sys.argv[1:2] == ["--from"]:
        for held, folder in zip(RUNS, sys.argv[2:4], strict=False):
            runs[held] = json.loads((Path(folder) / "summary.json").read_text())
    else:
        from awaken.calibrate.modular_run import run_modular

        for held, folder in RUNS.items():
            start = time.perf_counter()
            runs[held] = run_modular(folder, held_out=held, populations=16, particles=300,
                                     force=True)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            timing[held] = {"seconds_wall": round(time.perf_counter() - start, 1),
                            "seconds_cpu_cumulative": round(usage.ru_utime + usage.ru_stime, 1)}
    result = {"runs": {k: record(v) for k, v in runs.items()}, "timing": timing}
    RESULT.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(figures(runs))
    print(table(runs))


if __name__ == "__main__":
    main()
