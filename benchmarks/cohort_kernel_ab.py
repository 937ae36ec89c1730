"""A/B of two source trees on the cohort simulation: CPU seconds and a hash of the outputs.

Each tree runs in a fresh process (alternated, ``--repeats`` times): ``england-breast``,
``chunk_columns`` (population + kernel + columns) for ``--n`` persons in chunks of 10^5,
best CPU seconds of 3 passes, one keyed draw in ns, and a SHA-256 of every column (equal
hashes: bit-identical outputs).

    .venv/bin/python benchmarks/cohort_kernel_ab.py --code base=<old>/src --code new=src
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def worker(n: int) -> dict[str, object]:
    import numpy as np

    from awaken.cohort import build_emulator, build_model, load_config
    from awaken.cohort.model import chunk_columns
    from awaken.cohort.rng import uniforms

    model = build_model(load_config("england-breast", n=n), build_emulator("fixture"))
    chunk_columns(model, 0, 100)  # warm-up (numba cache)
    ids = np.arange(1_000_000)
    uniforms(1, 2, ids[:10], 0)
    t = time.perf_counter()
    uniforms(1, 2, ids, 0)
    draw_ns = (time.perf_counter() - t) / ids.size * 1e9
    passes = []
    h = hashlib.sha256()
    for r in range(3):
        t = time.process_time()
        for lo in range(0, n, 100_000):
            cols = chunk_columns(model, lo, min(n, lo + 100_000))
            if r == 0:
                for name in sorted(cols):
                    for c in sorted(cols[name]):
                        v = getattr(cols[name][c], "values", cols[name][c])
                        h.update(np.ascontiguousarray(np.asarray(v)).tobytes())
        passes.append(time.process_time() - t)
    return {"cpu_s": min(passes[1:]), "draw_ns": draw_ns, "sha256": h.hexdigest()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", action="append", required=True, help="label=path/to/src")
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.n)))
        return
    for _ in range(args.repeats):
        for item in args.code:
            label, src = item.split("=", 1)
            env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
            out = subprocess.run(
                [sys.executable, __file__, "--worker", "--code", item, "--n", str(args.n)],
                env=env, capture_output=True, text=True, check=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{label:8s} {r['cpu_s']:7.3f} CPU-s  {r['draw_ns']:6.2f} ns/draw  "
                  f"{r['sha256'][:16]}")


if __name__ == "__main__":
    main()
