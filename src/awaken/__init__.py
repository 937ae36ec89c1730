"""awaken: how respiratory viral infections awaken dormant metastatic cancer cells.

Layers: :mod:`awaken.lung` (within-host model), :mod:`awaken.calibrate` (fitting),
:mod:`awaken.epi` (survival analyses). See ``docs/architecture.md``.
"""

import os

# numba's OpenMP threads otherwise spin between parallel regions, which slows the many small
# batched solves of a calibration (measured: 16 ms against 0.6 ms per call under load).
# Read when OpenMP starts, so it is set before any kernel runs; a user's setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from awaken.core import AwakenError, InputError, SolverError  # noqa: E402

__version__ = "0.1.0"
__all__ = ["AwakenError", "InputError", "SolverError", "__version__"]
