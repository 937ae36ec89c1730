"""The modular chia2025 calibration end to end (``awaken calibrate chia2025``).

Output folder::

    virus_il6/, dcc_immune/      per module: abc.db (+ .json), posterior.parquet (+ .json)
    posterior_draws.csv          joint draws of the lung parameters (provenance comments)
    summary.json                 modules, narrowing, predictive, roles of the checks, priors,
                                 the calibrated point against the hand-set default
    manifest.json                written last: the files above as one set (calibrate.outputs)

The joint draws pair module-1 draw i with module-2 draw i (module 2 was fitted with module 1
at its median): a cut posterior, p(virus) p(DCC | data, virus median).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from awaken.calibrate import abcsmc, literature, outputs
from awaken.calibrate.draws import write_draws
from awaken.calibrate.modular import (
    HELD_OUT_CHOICES,
    TARGETS_BY_ID,
    Module,
    dcc_immune_module,
    roles,
    virus_il6_module,
)
from awaken.calibrate.posterior import Posterior, narrowing, weighted_quantile
from awaken.core import checks
from awaken.core.errors import AwakenError, InputError, unknown_choice
from awaken.core.io import write_json
from awaken.lung.experiments import CHIA2025, run_experiment
from awaken.lung.targets import check_targets

Progress = Callable[[str, int, int, dict[str, float]], None]
DRAWS = 100  # joint posterior draws for the predictive and the shipped sample
ESCAPE_DRAWS = 20  # draws that also run the stochastic PBS escape check (200 mice each)
GOAL = 0.8
MODULES = ("virus_il6", "dcc_immune")
HISTORIES = tuple(f"{m}/{outputs.HISTORY}" for m in MODULES)


def check_modular(*, held_out: str, populations: int, particles: int, seed: int, draws: int,
                  escape_draws: int, resume: bool = False, force: bool = False,
                  out: str | Path | None = None) -> None:
    """The checks :func:`run_modular` makes of its arguments (before any work); with
    ``out``, also the folder rules of :func:`awaken.calibrate.outputs.prepare`."""
    if held_out not in HELD_OUT_CHOICES:
        raise unknown_choice("--held-out arm", held_out, HELD_OUT_CHOICES)
    abcsmc.check_sizes(populations=populations, particles=particles, seed=seed)
    checks.seed(seed + 1, "seed + 1 (the second module's draws)")
    checks.count("draws", draws, 1, abcsmc.MAX_PARTICLES)
    checks.count("escape draws", escape_draws, 0, draws)
    if out is not None:
        outputs.prepare(out, HISTORIES, _identity(held_out, particles, seed, draws,
                                                  escape_draws),
                        resume=resume, force=force, apply=False)


def _identity(held_out: str, particles: int, seed: int, draws: int,
              escape_draws: int) -> dict[str, Any]:
    """What a finished fit in a folder must match for ``--resume`` to accept it."""
    return {"problem": "chia2025", "fit": "modular", "held_out": held_out,
            "particles": particles, "seed": seed, "draws": draws, "escape_draws": escape_draws}


def _fit_module(module: Module, out: Path, populations: int, particles: int, seed: int,
                resume: bool, progress: Progress | None) -> Posterior:
    def report(t: int, last: int, info: dict[str, float]) -> None:
        if progress is not None:
            progress(module.name, t, last, info)

    db = out / outputs.HISTORY  # resume a module only if it started (module 2 may not have)
    fit = abcsmc.fit(module, populations=populations, particles=particles, seed=seed,  # type: ignore[arg-type]
                     db=db, resume=resume and db.exists(), progress=report)
    posterior = Posterior.from_samples(module, fit.z, fit.weights, **fit.meta)  # type: ignore[arg-type]
    posterior.write(out / "posterior.parquet")
    return posterior


def _medians(posterior: Posterior) -> dict[str, float]:
    return {name: float(weighted_quantile(posterior.values[:, i], posterior.weights, [0.5])[0])
            for i, name in enumerate(posterior.parameters)}


def _draw(posterior: Posterior, n: int, seed: int) -> np.ndarray:
    return posterior.values[posterior.resample(n, seed)]


def does_better(calibrated_passed: int, default_passed: int) -> bool:
    """The issue's rule for replacing the hand-set default: the calibrated point passes
    *more* checks (a tie is not better)."""
    return calibrated_passed > default_passed


def _checks(parameters: dict[str, float], stochastic: bool) -> dict[str, dict[str, Any]]:
    try:
        rows = check_targets(run_experiment(CHIA2025, defaults=parameters),
                             stochastic=stochastic)
    except AwakenError:
        return {}
    return {r["id"]: {"pass": bool(r["passed"]), "value": float(r["value"])} for r in rows}


def _predictive(draws: list[dict[str, float]], escape_draws: int) -> dict[str, float]:
    held: dict[str, list[bool]] = {cid: [] for cid in TARGETS_BY_ID}
    for i, parameters in enumerate(draws):
        checks = _checks(parameters, stochastic=False)
        for cid in TARGETS_BY_ID:
            if cid == "pbs_escape":
                continue
            held[cid].append(bool(checks.get(cid, {}).get("pass", False)))
        if i < escape_draws:
            try:
                run = run_experiment(CHIA2025, defaults=parameters)
                held["pbs_escape"].append(TARGETS_BY_ID["pbs_escape"].passes(
                    TARGETS_BY_ID["pbs_escape"].measure(run)))
            except AwakenError:
                held["pbs_escape"].append(False)
    return {cid: float(np.mean(v)) if v else float("nan") for cid, v in held.items()}


def _lung_narrowing(module: Module, posterior: Posterior) -> dict[str, float]:
    """Posterior/prior SD of log10 of each lung parameter the module's quantities map to."""
    rng = np.random.default_rng(0)
    prior = module.linear(module.prior_sample(rng, 4000))

    def lung(rows: np.ndarray) -> pd.DataFrame:
        out = []
        for row in rows:
            try:
                out.append(module.to_parameters(dict(zip(module.free_ids, row, strict=True))))
            except InputError:
                continue
        return pd.DataFrame(np.log10(pd.DataFrame(out)))

    post = lung(_draw(posterior, 4000, 0))
    before = lung(prior)
    return {k: float(post[k].std() / before[k].std()) for k in post.columns}


def run_modular(
    out: str | Path,
    *,
    held_out: str = "iav_cd4_depleted",
    populations: int = 10,
    particles: int = 400,
    seed: int = 0,
    resume: bool = False,
    force: bool = False,
    draws: int = DRAWS,
    escape_draws: int = ESCAPE_DRAWS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fit both modules, check every target on joint draws, write everything into ``out``.

    The calibrated point (module medians) and the hand-set default are checked too, with
    the stochastic PBS escape unless ``escape_draws`` is 0. ``resume`` and ``force`` follow
    :func:`awaken.calibrate.outputs.prepare`; resuming a finished fit returns its summary.
    """
    check_modular(held_out=held_out, populations=populations, particles=particles, seed=seed,
                  draws=draws, escape_draws=escape_draws, resume=resume, force=force)
    out = Path(out)
    identity = _identity(held_out, particles, seed, draws, escape_draws)
    if outputs.prepare(out, HISTORIES, identity, resume=resume, force=force) == "finished":
        return outputs.finished_summary(out)
    role = roles(held_out)
    m1 = virus_il6_module()
    post1 = _fit_module(m1, out / "virus_il6", populations, particles, seed, resume, progress)
    virus_median = _medians(post1)
    m2 = dcc_immune_module(virus_median, held_out)
    post2 = _fit_module(m2, out / "dcc_immune", populations, particles, seed, resume, progress)

    d1, d2 = _draw(post1, draws, seed), _draw(post2, draws, seed + 1)
    joint, conditional = [], []
    for a, b in zip(d1, d2, strict=True):
        dcc = m2.to_parameters(dict(zip(m2.free_ids, b, strict=True)))
        dcc = {k: v for k, v in dcc.items() if k not in virus_median}
        joint.append({**dict(zip(m1.free_ids, map(float, a), strict=True)), **dcc})
        conditional.append({**virus_median, **dcc})
    predictive = _predictive(joint, escape_draws)
    given_median = _predictive(conditional, 0)
    given_median.pop("pbs_escape")

    point = {**virus_median, **m2.to_parameters(_medians(post2))}
    point = {k: v for k, v in point.items() if k in joint[0]}
    stochastic = escape_draws > 0  # 0: the stochastic PBS check is not run at all
    calibrated, default = _checks(point, stochastic), _checks({}, stochastic)
    n_cal = sum(c["pass"] for c in calibrated.values())
    n_def = sum(c["pass"] for c in default.values())
    low = sorted(k for k, v in predictive.items() if not v >= GOAL)
    better = does_better(n_cal, n_def)

    date = datetime.now(UTC).date().isoformat()
    from awaken.lung.codegen import stamped_fingerprint

    command = " ".join(["awaken calibrate chia2025", *sys.argv[3:]]) \
        if sys.argv[1:3] == ["calibrate", "chia2025"] else \
        (f"awaken calibrate chia2025 --out {out} --held-out {held_out} "
         f"--populations {populations} --particles {particles} --seed {seed}")
    provenance = {"command": command, "seed": seed, "date": date,
                  "model_fingerprint": stamped_fingerprint(), "held_out": held_out,
                  "draws": f"{draws} joint draws: module-1 draw i with module-2 draw i "
                           "(cut posterior), equally weighted"}
    write_draws(out / "posterior_draws.csv", pd.DataFrame(joint), provenance)
    summary = {
        "problem": "chia2025",
        "fit": "modular",
        "modules": {
            m.name: {"parameters": p.summary(), "narrowing": narrowing(m, p),  # type: ignore[arg-type]
                     "narrowing_lung": _lung_narrowing(m, p),
                     "checks": list(m.checks), "meta": p.meta}
            for m, p in ((m1, post1), (m2, post2))
        },
        "narrowing": {**narrowing(m1, post1), **narrowing(m2, post2)},  # type: ignore[arg-type]
        "predictive": predictive,
        "predictive_virus_at_median": given_median,
        "roles": role,
        "fitted": sorted(k for k, v in role.items() if v.startswith("fitted")),
        "held_out": sorted(k for k, v in role.items() if v == "held_out"),
        "predicted": sorted(k for k, v in role.items() if v == "predicted"),
        "below_goal": low,
        "point": {"calibrated": {"parameters": point, "checks": calibrated, "passed": n_cal},
                  "default": {"checks": default, "passed": n_def},
                  "calibrated_does_better": bool(better)},
        "priors": literature.table(),
        "meta": {**provenance, "draws": draws, "escape_draws": escape_draws,
                 "populations": populations, "particles": particles,
                 **_reproducible(post1, post2)},
    }
    write_json(out / "summary.json", summary)
    files = [f"{m}/posterior.parquet{ext}" for m in MODULES for ext in ("", ".json")]
    outputs.finish(out, [*files, "posterior_draws.csv", "summary.json"], identity,
                   command=command, seed=seed, model_fingerprint=provenance["model_fingerprint"])
    return summary


def _reproducible(*posteriors: Posterior) -> dict[str, Any]:
    """``reproducible`` (every module on one process, none resumed) and why not."""
    ok = all(p.meta.get("reproducible", False) for p in posteriors)
    notes = sorted({str(p.meta["note"]) for p in posteriors if "note" in p.meta})
    return {"reproducible": ok, **({"note": "; ".join(notes)} if notes else {})}
