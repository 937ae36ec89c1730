"""Benchmark: awaken's cohort kernel beside Starsim on the part both implement, same rates.

Starsim (3.7, a benchmark-only dependency) steps every agent every week. Written in Starsim
here is the part of the cohort model that needs no tumour: SARS-CoV-2 infections from
awaken's weekly calendar (England 2020-2023, the same hazard array) and other-cause death from
the same Gompertz hazards, for the same people (ages from awaken's population). awaken runs
that reduced configuration (no influenza, RSV, vaccination, testing or reinfection protection;
all pathways off, but its tumour model still running) and, separately, the full model.
Reported: CPU seconds per run and per person-year (awaken: the simulation, i.e. population and
kernel with every event in arrays; and apart the Arrow tables a run then writes; Starsim:
``sim.run()``), the ratio, and the two models' rates
(infections and deaths per 1,000 person-years) side by side. Starsim's model is a subset of
awaken's full model, so the full-model ratio is a lower bound.

    .venv/bin/pip install "starsim>=3.7,<4"
    .venv/bin/python benchmarks/cohort_starsim.py --n 1000000
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

import numpy as np  # noqa: E402
import starsim as ss  # noqa: E402

from awaken.cohort import build_emulator, build_model, load_config  # noqa: E402
from awaken.cohort.calendars import build_calendars  # noqa: E402
from awaken.cohort.columns import to_arrow  # noqa: E402
from awaken.cohort.model import chunk_columns  # noqa: E402
from awaken.cohort.mortality import other_cause_hazards  # noqa: E402
from awaken.cohort.population import sample_population  # noqa: E402
from awaken.core import write_json  # noqa: E402
from awaken.core.schema import CAUSES  # noqa: E402

HERE = Path(__file__).resolve().parent
REDUCED = {
    "exposure": {"influenza_seasons": [], "rsv_seasons": [], "reinfection_protection": 0.0,
                 "susceptibility_65plus": {"sars2": 1.0, "influenza": 1.0, "rsv": 1.0}},
    "testing": {"periods": []},
    "vaccination": {"deliveries": []},
    "pathways": {"awakening": False, "acceleration": False, "infection_death": False,
                 "attribution": False, "testing": False},
}


class CalendarInfections(ss.Module):
    """Weekly infections from a calendar hazard and Gompertz other-cause deaths (per agent
    per week: two draws and the vector work of a Starsim module)."""

    def __init__(self, weekly_hazard: np.ndarray, gompertz: np.ndarray, female: np.ndarray):
        super().__init__(name="calendar")
        self.hazard = weekly_hazard
        self.gompertz = gompertz
        self.female = female
        self.unif_inf = ss.random(name="unif_inf")
        self.unif_death = ss.random(name="unif_death")
        self.define_states(ss.FloatArr("n_infections", default=0.0),
                           ss.FloatArr("week_infected", default=-1e9))
        self.infections = 0
        self.deaths = 0

    def step(self):
        w = min(self.ti, self.hazard.size - 1)
        alive = self.sim.people.alive.uids
        p = -np.expm1(-self.hazard[w])
        u = self.unif_inf.rvs(alive)
        # as awaken: no reinfection within 30 days of an infection
        hit = alive[(u < p) & (7.0 * (w - self.week_infected[alive]) >= 30.0)]
        self.n_infections[hit] = self.n_infections[hit] + 1
        self.week_infected[hit] = w
        self.infections += len(hit)
        age = self.sim.people.age[alive] + 7.0 * w / 365.25  # Starsim does not age them here
        sex = 1 - self.female[alive]
        a, b = self.gompertz[sex, 0], self.gompertz[sex, 1]
        pd = -np.expm1(-a * np.exp(b * age) * 7.0 / 365.25)
        dead = alive[self.unif_death.rvs(alive) < pd]
        self.deaths += len(dead)
        self.sim.people.request_death(dead)


def run_starsim(cfg, n: int) -> dict[str, float]:
    pop = sample_population(cfg, 0, n)
    cal = build_calendars(cfg)
    weeks = int(np.ceil((cfg.cohort.end - cfg.cohort.start).days / 7))
    module = CalendarInfections(7.0 * cal.rate[0, :weeks], other_cause_hazards(),
                                pop["female"].astype(np.int64))
    sim = ss.Sim(n_agents=n, start=str(cfg.cohort.start), stop=str(cfg.cohort.end),
                 dt=ss.weeks(1), modules=[module], rand_seed=cfg.cohort.seed, verbose=0,
                 copy_inputs=False)
    sim.init()
    sim.people.age[:] = pop["age"]
    t = time.process_time()
    sim.run()
    cpu = time.process_time() - t
    py = float(sim.results.n_alive.sum()) * 7.0 / 365.25
    return {"cpu_s": cpu, "person_years": py, "infections": module.infections,
            "deaths": module.deaths, "steps": weeks}


def run_awaken(cfg, n: int) -> dict[str, float]:
    """CPU seconds of the simulation (population and kernel, the events in arrays) and,
    apart, of the Arrow tables a run writes from them; the counts from the arrays."""
    model = build_model(cfg, build_emulator("fixture"))
    chunk_columns(model, 0, 100)  # warm-up (numba cache)
    sim = tables = population = 0.0
    infections = deaths = 0
    years = 0.0
    for lo in range(0, n, 100_000):
        t = time.process_time()
        sample_population(cfg, lo, min(n, lo + 100_000))  # its share of the simulation
        population += time.process_time() - t
        t = time.process_time()
        cols = chunk_columns(model, lo, min(n, lo + 100_000))
        sim += time.process_time() - t
        t = time.process_time()
        to_arrow(cols)
        tables += time.process_time() - t
        infections += int((cols["truth_infections"]["pathogen"].values == 0).sum())  # sars2
        deaths += int((cols["deaths"]["cause"].values == CAUSES.index("other")).sum())
        p = cols["persons"]
        years += float((np.floor(p["end_date"].values) - np.floor(p["entry_date"].values)).sum()
                       / 365.25)
    return {"cpu_s": sim, "tables_cpu_s": tables, "population_cpu_s": population,
            "person_years": years,
            "infections": infections, "deaths": deaths}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    reduced = load_config("england-breast", n=args.n, update=REDUCED)
    full = load_config("england-breast", n=args.n)
    res = {"n": args.n, "starsim": ss.__version__, "load_average": [os.getloadavg()[0]]}
    res["starsim_reduced"] = run_starsim(reduced, args.n)
    res["awaken_reduced"] = run_awaken(reduced, args.n)
    res["awaken_full"] = run_awaken(full, args.n)
    res["load_average"].append(os.getloadavg()[0])
    s = res["starsim_reduced"]
    for key in ("starsim_reduced", "awaken_reduced", "awaken_full"):
        r = res[key]
        r["cpu_us_per_person_year"] = 1e6 * r["cpu_s"] / r["person_years"]
        r["infections_per_1000_py"] = 1000 * r["infections"] / r["person_years"]
        r["deaths_per_1000_py"] = 1000 * r["deaths"] / r["person_years"]
        r["starsim_over_this"] = s["cpu_us_per_person_year"] / r["cpu_us_per_person_year"]
        if "tables_cpu_s" in r:  # the ratio counting the tables too, and the kernel alone
            r["starsim_over_this_with_tables"] = s["cpu_s"] / s["person_years"] / (
                (r["cpu_s"] + r["tables_cpu_s"]) / r["person_years"])
            r["starsim_over_kernel_alone"] = s["cpu_s"] / s["person_years"] / (
                (r["cpu_s"] - r["population_cpu_s"]) / r["person_years"])
        print(f"{key:16s} {r['cpu_s']:7.2f} CPU-s  {r['cpu_us_per_person_year']:7.3f} us/py  "
              f"x{r['starsim_over_this']:6.1f}  infections {r['infections_per_1000_py']:.1f} "
              f"deaths {r['deaths_per_1000_py']:.2f} per 1000 py")
    write_json(HERE / "results" / "cohort_starsim.json", res)


if __name__ == "__main__":
    main()
