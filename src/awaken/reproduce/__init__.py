"""The study reproduced end to end: the mouse experiment, simulated UK Biobank-like and
Flatiron-like studies analysed with the published designs, the late-recurrence baseline and
the pathway decomposition, gathered into a claims table (``claims.json``) and an HTML report.
See ``docs/reproduce.md``."""

from awaken.reproduce.claims import build_claims, verdict
from awaken.reproduce.run import STAGES, ReproduceResult, reproduce
from awaken.reproduce.settings import Settings

__all__ = ["STAGES", "ReproduceResult", "Settings", "build_claims", "reproduce", "verdict"]
