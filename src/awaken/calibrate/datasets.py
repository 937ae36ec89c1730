"""Data sets shipped with the package, each with its source and citation.

Values below a detection limit are stored as censored rows with the limit, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import pandas as pd

from awaken.core.errors import InputError, unknown_choice


@dataclass(frozen=True, slots=True)
class DataSet:
    """A table in ``awaken/calibrate/data`` with what it holds and where it comes from."""

    name: str
    file: str
    description: str
    citation: str
    source: str
    columns: tuple[str, ...]
    notes: str = ""

    def load(self) -> pd.DataFrame:
        """The table, with its columns checked."""
        path = resources.files("awaken.calibrate").joinpath("data").joinpath(self.file)
        with resources.as_file(path) as p:
            frame = pd.read_csv(p)
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise InputError(f"data set {self.name} ({self.file}): missing columns {missing}")
        return frame


DATASETS: MappingProxyType[str, DataSet] = MappingProxyType(
    {
        d.name: d
        for d in (
            DataSet(
                "baccam2006",
                "baccam2006_titres.csv",
                "nasal-wash influenza A/Hong Kong/123/77 (H1N1) titres of 6 experimentally "
                "infected volunteers, log10 TCID50/ml, days 1-7 after inoculation",
                "Baccam P, Beauchemin C, Macken CA, Hayden FG, Perelson AS. Kinetics of "
                "influenza A virus infection in humans. J Virol 80:7590-7599 (2006), "
                "doi 10.1128/JVI.01623-05",
                "FACTS.md section 4 (values transcribed from Baccam et al. 2006, Fig. 1)",
                ("patient", "day", "log10_titre", "censored", "detection_limit_log10"),
                "Published zeros mean 'below detection': stored as censored=1 with the limit "
                "10^0.5 TCID50/ml (the lowest dilution of the assay as we read the paper; "
                "the smallest reported positive titre is 10^0.8, consistent with it).",
            ),
            DataSet(
                "chia2025",
                "chia2025_targets.csv",
                "targets of the chia2025 mouse experiment: DCC fold change and dividing "
                "fraction against the reference arm, virus and IL-6 peak days; each an "
                "interval (low-high read as a 95% interval) or a one-sided bound with a "
                "softness sigma (log10 for ratios, days for peak days)",
                "Chia SB, Johnson BJ, Hu J et al. Respiratory viral infections awaken "
                "metastatic breast cancer cells in lungs. Nature 645:496-506 (2025), "
                "doi 10.1038/s41586-025-09332-0",
                "FACTS.md sections 1-2 (figure legends, press releases, coverage); the "
                "reading of qualitative statements as bounds is ours and stated per row",
                ("target_id", "arm", "reference", "observable", "day", "low", "high",
                 "sigma", "use", "evidence", "note"),
                "`use` follows the roles in awaken.lung.targets: calibration (fitted), "
                "timing (viral/IL-6 values set by hand) and prediction (held out).",
            ),
            DataSet(
                "cohort",
                "cohort_targets.csv",
                "human association targets: UK Biobank odds ratio (overall and early "
                "period) and Flatiron Health hazard ratio",
                "Chia et al., Nature 2025 (human analyses)",
                "FACTS.md section 3 (secondary reports; the seed text for the early period)",
                ("target_id", "study", "measure", "estimate", "low", "high", "evidence"),
                "Missing low/high: no confidence interval was found.",
            ),
            DataSet(
                "pan2017",
                "pan2017_recurrence.csv",
                "distant recurrence of ER+ breast cancer in years 5-20 after 5 years of "
                "endocrine therapy, by T and N category (62,923 women)",
                "Pan H, Gray R, Braybrooke J et al. 20-year risks of breast-cancer recurrence "
                "after stopping endocrine therapy at 5 years. N Engl J Med 377:1836-1846 "
                "(2017), doi 10.1056/NEJMoa1701830",
                "FACTS.md section 4 and the paper's abstract",
                ("category", "t_stage", "nodes", "risk_years_5_to_20", "yearly_hazard"),
                "The published percentages are cumulative risks over years 5-20 at a steady "
                "rate, not yearly rates; yearly_hazard = -ln(1 - risk) / 15.",
            ),
        )
    }
)
"""The data sets shipped with the package, by name (see ``awaken calibrate datasets``)."""


def dataset(name: str) -> DataSet:
    """The data set called ``name``."""
    try:
        return DATASETS[name]
    except KeyError:
        raise unknown_choice("data set", name, DATASETS) from None


def load(name: str) -> pd.DataFrame:
    """Load the data set called ``name`` as a table."""
    return dataset(name).load()
