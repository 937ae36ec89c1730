"""Export a problem as a PEtab (format version 1) problem: YAML, TSV tables and the SBML.

PEtab v1 has no censored observations, no ratios to another condition and no peak-time
statistics: such rows go to ``unsupported_measurements.tsv`` (with the reason) instead of the
measurement table, and the README of the export says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from awaken.calibrate.fit_problem import Problem
from awaken.core.io import atomic_path, write_json
from awaken.lung.model import OBSERVABLES, PARAMETERS, PARAMETERS_BY_NAME
from awaken.lung.sbml import write_sbml
from awaken.lung.solve import Setup

_PRIORS = {"lognormal": "logNormal"}


def _tsv(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)


def _conditions(problem: Problem, sbml_values: dict[str, float]) -> pd.DataFrame:
    estimated_model = {p for p in problem.parameters["parameter_id"] if p in PARAMETERS_BY_NAME}
    cond = problem.conditions
    columns = [c for c in cond.columns if c not in ("condition_id", "condition_name")]
    fixed = dict(zip(problem.parameters["parameter_id"], problem.parameters["nominal"],
                     strict=True))
    differ = [p.name for p in PARAMETERS if sbml_values[p.name] != p.value]
    columns = list(dict.fromkeys([*columns, *differ]))
    rows = []
    for _, r in cond.iterrows():
        row: dict[str, object] = {"conditionId": r["condition_id"]}
        for c in columns:
            value = r.get(c, np.nan)
            blank = value is None or (isinstance(value, float) and np.isnan(value))
            if not blank:
                row[c] = value
            elif c in estimated_model:
                row[c] = c if c in problem.free_ids else fixed[c]
            else:
                row[c] = PARAMETERS_BY_NAME[c].value
        rows.append(row)
    frame = pd.DataFrame(rows)
    # a parameter estimated directly must not be overridden by the condition table
    direct = [c for c in columns if (frame[c] == c).all()]
    return frame.drop(columns=direct)


def _parameters(problem: Problem) -> pd.DataFrame:
    p = problem.parameters
    return pd.DataFrame({
        "parameterId": p["parameter_id"],
        "parameterScale": p["scale"],
        "lowerBound": p["lower"],
        "upperBound": p["upper"],
        "nominalValue": p["nominal"],
        "estimate": p["estimate"],
        "objectivePriorType": [_PRIORS.get(k, k) for k in p["prior"]],
        "objectivePriorParameters": p["prior_parameters"],
    })


def _in_sbml_terms(formula: str) -> str:
    """A formula with the lung model's declared observables written out (SBML ids only)."""
    for ob in OBSERVABLES:
        formula = re.sub(rf"\b{ob.id}\b", f"({ob.formula})", formula)
    return formula.replace("**", "^")


def _observables(problem: Problem) -> pd.DataFrame:
    o = problem.observables
    return pd.DataFrame({
        "observableId": o["observable_id"],
        "observableFormula": o["formula"].map(_in_sbml_terms),
        "observableTransformation": o["transformation"],
        "noiseFormula": o["noise_parameter"],
        "noiseDistribution": o["noise"],
    })


def _measurements(problem: Problem) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = problem.measurements
    stat = dict(zip(problem.observables["observable_id"], problem.observables["statistic"],
                    strict=True))
    reason = np.select(
        [m["censoring"] != "none", m["reference_condition"] != "",
         m["observable_id"].map(stat) != "value"],
        ["censored", "ratio to a reference condition", "peak-time statistic"], default="",
    )
    keep = reason == ""
    table = pd.DataFrame({
        "observableId": m["observable_id"], "simulationConditionId": m["condition_id"],
        "time": m["time"], "measurement": m["measurement"],
    })
    dropped = m[~keep].copy()
    dropped["reason"] = reason[~keep]
    return table[keep].reset_index(drop=True), dropped.reset_index(drop=True)


def write_petab(problem: Problem, folder: str | Path, setup: Setup | None = None) -> Path:
    """Write ``problem.yaml`` and its tables and SBML into ``folder``; returns the YAML path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    setup = setup or Setup()
    write_sbml(setup, folder / "model.xml")
    measurements, dropped = _measurements(problem)
    _tsv(folder / "conditions.tsv", _conditions(problem, setup.parameters()))
    _tsv(folder / "parameters.tsv", _parameters(problem))
    _tsv(folder / "observables.tsv", _observables(problem))
    _tsv(folder / "measurements.tsv", measurements)
    if len(dropped):
        _tsv(folder / "unsupported_measurements.tsv", dropped)
    yaml_path = folder / "problem.yaml"
    with atomic_path(yaml_path) as tmp:
        tmp.write_text(
            "format_version: 1\n"
            "parameter_file: parameters.tsv\n"
            "problems:\n"
            "  - sbml_files: [model.xml]\n"
            "    condition_files: [conditions.tsv]\n"
            "    measurement_files: [measurements.tsv]\n"
            "    observable_files: [observables.tsv]\n"
        )
    write_json(folder / "export.json", {
        "problem": problem.name,
        "note": "PEtab v1 cannot express censored rows, ratios to a reference condition or "
                "peak-time statistics; those rows are in unsupported_measurements.tsv and "
                "the awaken likelihood uses them (see docs/calibrate.md).",
        "unsupported_rows": int(len(dropped)),
    })
    return yaml_path


def lint(yaml_path: str | Path) -> bool:
    """True when the ``petab`` library reads the problem and its linter finds no error."""
    from petab.v1 import Problem as PetabProblem
    from petab.v1.lint import lint_problem

    return not lint_problem(PetabProblem.from_yaml(str(yaml_path)))
