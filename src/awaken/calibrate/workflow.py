"""One calibration run end to end: fit, posterior, summary, PEtab export, predictive check.

Output folder layout::

    summary.json                 parameters and derived quantities: median and ci95
    posterior.parquet(.json)     weighted particles (linear scale) + metadata
    predictive_check.png         posterior predictive bands over the data
    petab/                       PEtab problem (problem.yaml, TSV tables, model.xml)
    problem/                     the awaken tables (with rows PEtab cannot express)
    abc.db, abc.json             pyABC history (method abc; used by --resume)
    starts.csv                   all optimiser starts (method likelihood)
    predictions.csv              chia2025: posterior checks of every target
    manifest.json                written last: the files above as one set (calibrate.outputs)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from awaken.calibrate import likelihood, outputs
from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.petab_export import write_petab
from awaken.calibrate.plots import predictive_figure
from awaken.calibrate.posterior import Posterior, summarize
from awaken.calibrate.problems import problem as build_problem
from awaken.core import checks
from awaken.core.errors import InputError, unknown_choice
from awaken.core.io import write_json, write_table

METHODS = ("abc", "likelihood")
LAPLACE_SAMPLES = 4000
MAX_STARTS = 10_000
"""Most optimiser starts of a likelihood fit."""


def check_arguments(*, method: str, populations: int, particles: int, seed: int,
                    scheduler: str | None, resume: bool, n_procs: int | None,
                    n_starts: int, out: str | Path | None = None, name: str = "",
                    force: bool = False) -> None:
    """The checks :func:`run` makes of its arguments (the CLI calls them before starting);
    with ``out``, also the folder rules of :func:`awaken.calibrate.outputs.prepare`."""
    if method not in METHODS:
        raise unknown_choice("method", method, METHODS)
    if resume and method != "abc":
        raise InputError("resume applies to method abc only")
    checks.scheduler(scheduler)
    from awaken.calibrate.abcsmc import check_sizes

    check_sizes(populations=populations, particles=particles, seed=seed)
    checks.count("n_starts", n_starts, 1, MAX_STARTS)
    if n_procs is not None:
        checks.count("n_procs", n_procs, 1)
    if out is not None:
        outputs.prepare(out, [outputs.HISTORY], _identity(name, method, particles, seed,
                                                          n_starts),
                        resume=resume, force=force, apply=False)


def _identity(name: str, method: str, particles: int, seed: int,
              n_starts: int) -> dict[str, Any]:
    """What a finished fit in a folder must match for ``--resume`` to accept it."""
    return {"problem": name, "method": method, "particles": particles, "seed": seed,
            "n_starts": n_starts}


def run(
    name: str,
    out: str | Path,
    *,
    method: str = "abc",
    populations: int = 8,
    particles: int = 300,
    seed: int = 0,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    n_procs: int | None = 1,
    n_starts: int = 20,
    progress: Callable[[int, int, dict[str, float]], None] | None = None,
    problem: Problem | None = None,
) -> dict[str, Any]:
    """Fit the named problem with ``method`` and write everything into ``out``.

    ``resume`` and ``force`` follow :func:`awaken.calibrate.outputs.prepare`; resuming a
    finished fit returns its summary and changes nothing.
    """
    check_arguments(method=method, populations=populations, particles=particles, seed=seed,
                    scheduler=scheduler, resume=resume, n_procs=n_procs, n_starts=n_starts)
    out = Path(out)
    prob = problem or build_problem(name)
    identity = _identity(name, method, particles, seed, n_starts)
    if outputs.prepare(out, [outputs.HISTORY], identity, resume=resume,
                       force=force) == "finished":
        return outputs.finished_summary(out)
    if method == "abc":
        from awaken.calibrate import abcsmc

        fit = abcsmc.fit(prob, populations=populations, particles=particles, seed=seed,
                         db=out / "abc.db", resume=resume, n_procs=n_procs,
                         scheduler=scheduler, progress=progress)
        posterior = Posterior.from_samples(prob, fit.z, fit.weights, **fit.meta)
    else:
        result = likelihood.fit(prob, n_starts=n_starts, seed=seed)
        posterior = Posterior.from_samples(
            prob, result.samples(LAPLACE_SAMPLES), method="likelihood: multi-start L-BFGS-B, "
            "Laplace approximation (normal on the estimation scale)", seed=seed,
            n_starts=n_starts, loglik=result.loglik, notes=list(result.notes),
            estimate=dict(zip(prob.free_ids, prob.linear(result.z[None])[0].tolist(),
                              strict=True)),
        )
        write_table(out / "starts.csv", result.starts)
        if progress is not None:
            progress(0, 0, {"loglik": result.loglik})
    posterior.meta.update({"data": name, "date": datetime.now(UTC).date().isoformat()})
    posterior.write(out / "posterior.parquet")
    summary = summarize(prob, posterior)
    summary["method"] = method
    if name == "chia2025":
        summary["predictions"] = _chia_predictions(prob, posterior, out, seed)
        summary["predictive"] = _check_probabilities(prob, posterior, seed)
    write_json(out / "summary.json", summary)
    prob.to_folder(out / "problem")
    write_petab(prob, out / "petab")
    shown = prob
    if name == "chia2025":  # show every target, fitted or held out
        from awaken.calibrate.problems.chia2025 import all_targets

        shown = all_targets(prob.free_ids)
    predictive_figure(shown, posterior, out / "predictive_check.png", seed=seed)
    files = ["summary.json", "posterior.parquet", "posterior.parquet.json",
             "predictive_check.png", *(["starts.csv"] if method == "likelihood" else []),
             *(["predictions.csv"] if name == "chia2025" else []),
             *outputs.folder_files(out, "problem"), *outputs.folder_files(out, "petab")]
    outputs.finish(out, files, identity, seed=seed)
    return summary


CHECK_DRAWS = 100


def _check_probabilities(problem: Problem, posterior: Posterior, seed: int) -> dict[str, float]:
    """``{check id: posterior probability that it holds}`` over every lung check.

    Each of up to ``CHECK_DRAWS`` posterior draws runs the whole chia2025 experiment and the
    deterministic checks of ``awaken.lung.targets`` (the stochastic ``pbs_escape`` is left
    out: 200 mice per draw).
    """
    from awaken.lung.experiments import run_experiment
    from awaken.lung.targets import check_targets

    index = posterior.resample(min(CHECK_DRAWS, len(posterior.weights)), seed)
    held: dict[str, list[bool]] = {}
    from awaken.lung.model import PARAMETERS_BY_NAME

    for values in posterior.values[index]:
        overrides = {name: float(v) for name, v in zip(posterior.parameters, values, strict=True)
                     if name in PARAMETERS_BY_NAME}
        for row in check_targets(run_experiment("chia2025", overrides), stochastic=False):
            held.setdefault(row["id"], []).append(row["passed"])
    return {cid: float(np.mean(v)) for cid, v in held.items()}


def _chia_predictions(problem: Problem, posterior: Posterior, out: Path,
                      seed: int) -> list[dict[str, Any]]:
    from awaken.calibrate.problems.chia2025 import all_targets, check_predictions

    index = posterior.resample(min(400, 4 * len(posterior.weights)), seed)
    z = posterior.scaled(problem)[index]
    table = check_predictions(all_targets(problem.free_ids), z, np.full(len(z), 1 / len(z)))
    write_table(out / "predictions.csv", table)
    return [{str(k): v for k, v in row.items()} for row in table.to_dict(orient="records")]
