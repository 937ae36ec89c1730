"""The survivors as a declared struct-of-arrays: one array per field, one row per person.

:data:`FIELDS` declares every field (name, dtype, unit, meaning). A person's values are drawn
from counter-based draws keyed by their id, so any chunk of ids gives the same people.
Covariates are correlated through a latent deprivation score: smoking and BMI load on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from awaken.cohort import rng
from awaken.cohort.config import SUBTYPES, Config
from awaken.cohort.tumour import NODES, reservoir_by_stage

if TYPE_CHECKING:
    import pandas as pd

CANCERS = ("breast", "prostate", "colorectal", "melanoma", "other")
ERAS = ("before-2005", "2005-2014", "2015-on")
SMOKING = ("never", "former", "current")


@dataclass(frozen=True, slots=True)
class Field:
    """One declared field of the population."""

    name: str
    dtype: str
    unit: str
    description: str


FIELDS: tuple[Field, ...] = (
    Field("person_id", "int64", "", "person id (0-based, fixed ranges make chunks)"),
    Field("female", "int8", "0/1", "1 for women"),
    Field("age", "float64", "year", "age at entry"),
    Field("entry_day", "float64", "day", "entry, days since the cohort start (>= 0)"),
    Field("diagnosis_day", "float64", "day", "diagnosis, days since the cohort start"),
    Field("cancer", "int8", "code", f"primary cancer: {', '.join(CANCERS)}"),
    Field("subtype", "int8", "code", f"breast subtype {', '.join(SUBTYPES)}; 3 other cancers"),
    Field("er_positive", "int8", "0/1/-1", "oestrogen receptor positive (-1 not breast)"),
    Field("her2_positive", "int8", "0/1/-1", "HER2 positive (-1 not breast)"),
    Field("t_stage", "int8", "1/2/0", "tumour size T1 or T2 (0 not breast)"),
    Field("nodes", "int8", "code", f"nodal status {', '.join(NODES)} (-1 not breast)"),
    Field("era", "int8", "code", f"treatment era by diagnosis year: {', '.join(ERAS)}"),
    Field("deprivation", "int8", "quintile", "deprivation quintile, 1 least deprived"),
    Field("smoking", "int8", "code", f"smoking: {', '.join(SMOKING)}"),
    Field("bmi", "float64", "kg/m2", "body-mass index"),
    Field("reservoir", "float64", "lesions", "mean number of micrometastases (calibrated)"),
)

# draw channels of the population (the kernel's start at 32)
_CH = {name: i + 1 for i, name in enumerate(
    ("sex", "age", "diagnosis", "cancer", "er", "her2", "t", "nodes", "deprivation",
     "smoking", "bmi"))}


@dataclass(frozen=True)
class Population:
    """People ``start .. stop-1`` of a cohort: one array per field of :data:`FIELDS`."""

    arrays: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.arrays["person_id"].size)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(a.nbytes for a in self.arrays.values())

    def frame(self) -> pd.DataFrame:
        """The arrays as a table (codes kept as numbers)."""
        import pandas as pd

        return pd.DataFrame(self.arrays)


def _pick(u: np.ndarray, shares: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    cum = np.cumsum([shares.get(n, 0.0) for n in names])
    # searchsorted(edges, u, side="right"), counted edge by edge (a few edges: 10x faster)
    k = np.zeros(u.size, np.int64)
    for edge in cum / cum[-1]:
        k += u >= edge
    return np.minimum(k, len(names) - 1)


def sample_population(cfg: Config, start: int, stop: int) -> Population:
    """Draw people ``start .. stop-1`` (ids) of the configured cohort."""
    pc, seed = cfg.population, cfg.cohort.seed
    ids = np.arange(start, stop, dtype=np.int64)

    def u(channel: str, k: int = 0) -> np.ndarray:
        return rng.uniforms(seed, _CH[channel], ids, k)

    female = (u("sex") < pc.female).astype(np.int8)
    lo, hi = ndtr((pc.age_min - pc.age_mean) / pc.age_sd), ndtr((pc.age_max - pc.age_mean)
                                                                  / pc.age_sd)
    age = pc.age_mean + pc.age_sd * ndtri(lo + u("age") * (hi - lo))
    t0 = cfg.cohort.start
    d0, d1 = ((d - t0).days for d in (pc.diagnosis_start, pc.diagnosis_end))
    diagnosis = np.floor(d0 + u("diagnosis") * (d1 - d0 + 1))
    entry = np.maximum(diagnosis, 0.0)

    cu = u("cancer")
    cancer = np.where(female == 1, _pick(cu, pc.cancer_female, CANCERS),
                      _pick(cu, pc.cancer_male, CANCERS)).astype(np.int8)
    breast = cancer == 0
    er = (u("er") < pc.er_positive).astype(np.int8)
    her2 = (u("her2") < pc.her2_positive).astype(np.int8)
    subtype = np.where(her2 == 1, 1, np.where(er == 1, 0, 2)).astype(np.int8)
    t_stage = np.where(u("t") < pc.t1, 1, 2).astype(np.int8)
    un = u("nodes")
    nodes = np.where(t_stage == 1, _pick(un, pc.nodes_t1, NODES),
                     _pick(un, pc.nodes_t2, NODES)).astype(np.int8)
    m = reservoir_by_stage(cfg)[t_stage - 1, nodes]

    year = np.array([(t0 + dt.timedelta(days=float(x))).year for x in (d0, d1)])
    dx_year = year[0] + (diagnosis - d0) / 365.25
    era = np.digitize(dx_year, [2005.0, 2015.0]).astype(np.int8)

    z = ndtri(u("deprivation"))
    deprivation = (np.digitize(ndtr(z), [0.2, 0.4, 0.6, 0.8]) + 1).astype(np.int8)
    r = pc.corr_deprivation_smoking
    s = ndtr(r * z + np.sqrt(1 - r * r) * ndtri(u("smoking")))
    smoking = np.where(s > 1 - pc.smoking_current, 2,
                       np.where(s > 1 - pc.smoking_current - pc.smoking_former, 1, 0))
    r = pc.corr_deprivation_bmi
    bmi = pc.bmi_mean + pc.bmi_sd * (r * z + np.sqrt(1 - r * r) * ndtri(u("bmi")))

    arrays = {
        "person_id": ids,
        "female": female,
        "age": age,
        "entry_day": entry,
        "diagnosis_day": diagnosis,
        "cancer": cancer,
        "subtype": np.where(breast, subtype, 3).astype(np.int8),
        "er_positive": np.where(breast, er, -1).astype(np.int8),
        "her2_positive": np.where(breast, her2, -1).astype(np.int8),
        "t_stage": np.where(breast, t_stage, 0).astype(np.int8),
        "nodes": np.where(breast, nodes, -1).astype(np.int8),
        "era": era,
        "deprivation": deprivation,
        "smoking": smoking.astype(np.int8),
        "bmi": np.clip(bmi, 14.0, 70.0),
        "reservoir": np.where(breast, m, cfg.value("reservoir_other")),
    }
    for f in FIELDS:
        arrays[f.name] = arrays[f.name].astype(f.dtype, copy=False)
    return Population(arrays)
