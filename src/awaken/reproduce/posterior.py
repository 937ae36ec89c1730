"""The calibration's posterior in the claims: a table of lung-parameter draws (one row per
draw, one column per parameter; optional ``weight``), e.g. from
``awaken.calibrate.posterior_draws("chia2025")``.

* Mouse claims: the ``chia2025`` experiment is re-run for each draw (up to
  ``Settings.posterior_mouse_draws``); the claim's interval is the 2.5-97.5% range over
  draws (uncertainty ``posterior``).
* Human claims: the awakening emulator is rebuilt for ``Settings.posterior_draws`` draws with
  the parameters the human hosts take from the mouse fit (those no human preset sets: see
  :func:`transferable`); replicate ``r`` of a study uses draw ``r mod k``, so the range over
  replicates carries both the simulation's and the calibration's uncertainty (uncertainty
  ``replicates+posterior``). The pathway stage keeps the fitted defaults (its comparisons are
  between configurations of the same cohorts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from awaken.core.errors import InputError

WEIGHT = "weight"


def check_draws(draws: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Validated, unweighted draws: known lung parameters within their declared ranges, at
    least one row; a ``weight`` column is resampled away (seeded, systematic resampling)."""
    from awaken.lung.model import PARAMETERS_BY_NAME

    if not isinstance(draws, pd.DataFrame) or draws.empty:
        raise InputError("posterior draws: give a table with at least one row")
    names = [c for c in draws.columns if c != WEIGHT]
    unknown = [c for c in names if c not in PARAMETERS_BY_NAME]
    if unknown or not names:
        raise InputError(f"posterior draws: unknown lung parameter column(s) {unknown}; "
                         "see `awaken lung parameters` for the names")
    values = draws[names].apply(pd.to_numeric, errors="coerce")
    bad = values.index[~np.isfinite(values.to_numpy(float)).all(axis=1)]
    if len(bad):
        raise InputError(f"posterior draws: row {bad[0]} has a missing or non-numeric value")
    for name in names:
        try:
            values[name].map(PARAMETERS_BY_NAME[name].check)
        except InputError as exc:
            raise InputError(f"posterior draws, column {name!r}: {exc}") from exc
    if WEIGHT in draws.columns:
        w = pd.to_numeric(draws[WEIGHT], errors="coerce").to_numpy(float)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InputError("posterior draws: weights must be finite, >= 0, not all 0")
        u = (np.random.default_rng([seed, 31]).random() + np.arange(len(w))) / len(w)
        idx = np.minimum(np.searchsorted(np.cumsum(w / w.sum()), u), len(w) - 1)
        values = values.iloc[idx]
    return values.reset_index(drop=True).astype(float)


def read_draws(path: str | Path) -> pd.DataFrame:
    """Draws from a CSV or Parquet file (checked by :func:`check_draws` when used)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--posterior {str(path)!r}: give a .csv or .parquet table of draws")
    if not path.is_file():
        raise InputError(f"--posterior {str(path)!r}: no such file")
    try:
        return (pd.read_csv(path, comment="#") if path.suffix.lower() == ".csv"
                else pd.read_parquet(path))
    except (ValueError, OSError) as exc:
        raise InputError(f"--posterior {str(path)!r} cannot be read: {exc}") from exc


def fingerprint(draws: pd.DataFrame | None) -> str | None:
    """A short hash of the draws (stored with every stage, so --resume cannot mix runs)."""
    if draws is None:
        return None
    digest = hashlib.sha256(",".join(draws.columns).encode())
    digest.update(np.ascontiguousarray(draws.to_numpy(float)).tobytes())
    return f"{len(draws)} draws, {digest.hexdigest()[:12]}"


def transferable(names: list[str]) -> list[str]:
    """The parameters the human runs take from the mouse fit: those no human virus, host or
    severity preset sets itself (:func:`awaken.policy.posterior.human_set`; the human DCC and
    T-cell values are separate assumptions)."""
    from awaken.policy.posterior import human_set

    own = human_set()
    return [n for n in names if n not in own]


def emulators(draws: pd.DataFrame | None, k: int, default: Any) -> tuple[list[Any], list[str]]:
    """The emulators the study replicates cycle through: ``[default]`` without draws, else
    one per draw (the first ``k``) with the transferable parameters; and those parameters."""
    if draws is None:
        return [default], []
    from awaken.cohort import build_emulator

    names = transferable(list(draws.columns))
    if not names:
        return [default], []
    rows = draws[names].iloc[:k]
    return [build_emulator(overrides={str(k): float(v) for k, v in r.items()})
            for r in rows.to_dict("records")], names


def pick(emulators_: list[Any], replicate: int) -> Any:
    """Replicate ``r`` uses draw ``r mod k``."""
    return emulators_[replicate % len(emulators_)]


def mouse_posterior_stage(draws: pd.DataFrame | None, n: int,
                          advance: Callable[[], None]) -> dict[str, Any]:
    """Each check's value for each of the first ``n`` draws (deterministic checks only)."""
    if draws is None:
        advance()
        return {"rows": [], "draws": 0}
    from awaken.lung import check_targets, run_experiment

    rows = []
    for i, draw in enumerate(draws.iloc[:n].to_dict("records")):
        run = run_experiment("chia2025", overrides=draw)
        rows.append({"draw": i, **{r["id"]: (float(r["value"]) if np.isfinite(r["value"])
                                             else None)
                                   for r in check_targets(run, stochastic=False)}})
        advance()
    return {"rows": rows, "draws": len(rows), "parameters": list(draws.columns)}


def uncertainty(draws: int) -> str:
    """What a human claim's interval carries."""
    return "replicates+posterior" if draws else "replicates"
