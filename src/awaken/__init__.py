"""awaken: how respiratory viral infections awaken dormant metastatic cancer cells.

Layers: :mod:`awaken.lung` (within-host model), :mod:`awaken.calibrate` (fitting),
:mod:`awaken.epi` (survival analyses). See ``docs/architecture.md``.

Importing changes no global state; the OpenMP wait policy of the parallel kernels is a
documented setting, applied when they first run (:mod:`awaken.core.threads`).
"""

from awaken.core import AwakenError, InputError, SolverError

__version__ = "0.1.0"
__all__ = ["AwakenError", "InputError", "SolverError", "__version__"]
