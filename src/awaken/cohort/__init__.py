"""Cohort microsimulation: cancer survivors through virus seasons, testing and vaccination.

Survivors do not infect each other: infection pressure comes from calendars, so each person
is simulated alone, event by event, in a compiled kernel over fixed chunks of person ids,
with counter-based random numbers (results do not depend on chunking or workers). The lung
model is seen only through the awakening emulator. Output: the event-table schema of
``docs/schemas.md`` plus truth tables. See ``docs/cohort.md``.
"""

from awaken.core.cache import use_kernel_cache

use_kernel_cache()  # before any kernel is defined: numba caches in the user cache folder

from awaken.cohort.config import Config, load_config
from awaken.cohort.emulator import Emulator, build_emulator
from awaken.cohort.model import TABLES, build_model, simulate_chunk
from awaken.cohort.parameters import PARAMETERS
from awaken.cohort.population import FIELDS, sample_population
from awaken.cohort.run import RunResult, simulate
from awaken.cohort.summary import summarise

__all__ = [
    "FIELDS",
    "PARAMETERS",
    "TABLES",
    "Config",
    "Emulator",
    "RunResult",
    "build_emulator",
    "build_model",
    "load_config",
    "sample_population",
    "simulate",
    "simulate_chunk",
    "summarise",
]
