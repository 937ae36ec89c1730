"""The event-table schema, declared once: a cohort as five tables.

``persons`` has one row per person; ``infections``, ``vaccinations``, ``metastases`` and
``deaths`` have one row per event. Both the simulator (:mod:`awaken.cohort`, which writes the
tables) and the analyses (:mod:`awaken.epi`, which loads and validates them) import this
declaration, so neither imports the other. See ``docs/schemas.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "date", "category", "number", "text"]


@dataclass(frozen=True, slots=True)
class Column:
    """One declared column: its kind, whether it is required, and the allowed values."""

    name: str
    kind: Kind
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None


PATHOGENS = ("sars2", "influenza", "rsv")
RESULTS = ("positive", "negative")
SEXES = ("female", "male")
SITES = ("lung", "pleura", "liver", "bone", "brain", "lymph_node", "other")
CAUSES = ("cancer", "covid", "cardiovascular", "respiratory", "other", "unknown")

TABLES: dict[str, tuple[Column, ...]] = {
    "persons": (
        Column("person_id", "id", "unique person identifier"),
        Column("sex", "category", "sex", allowed=SEXES),
        Column("birth_date", "date", "date of birth (or give age_at_entry)", required=False),
        Column("age_at_entry", "number", "age in years at entry_date (or give birth_date)",
               required=False),
        Column("cancer_type", "text", "primary cancer, lower case (e.g. breast, colorectal)"),
        Column("diagnosis_date", "date", "date of the cancer diagnosis"),
        Column("entry_date", "date", "start of observation (delayed entry allowed)"),
        Column("end_date", "date", "end of follow-up: death, loss or administrative end"),
    ),
    "infections": (
        Column("person_id", "id", "person tested"),
        Column("date", "date", "date of the test (specimen)"),
        Column("pathogen", "category", "pathogen tested for", allowed=PATHOGENS),
        Column("result", "category", "test result", allowed=RESULTS),
    ),
    "vaccinations": (
        Column("person_id", "id", "person vaccinated"),
        Column("date", "date", "date of the dose"),
        Column("product", "text", "vaccine product (e.g. BNT162b2)"),
    ),
    "metastases": (
        Column("person_id", "id", "person with a distant metastasis"),
        Column("date", "date", "date of diagnosis of the metastasis"),
        Column("site", "category", "organ", allowed=SITES),
    ),
    "deaths": (
        Column("person_id", "id", "person who died (at most one row per person)"),
        Column("date", "date", "date of death"),
        Column("cause", "category", "underlying cause", allowed=CAUSES),
    ),
}
EVENT_TABLES = ("infections", "vaccinations", "metastases", "deaths")
