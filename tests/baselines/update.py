"""Rewrite the golden baselines: ``python -m tests.baselines.update [NAME ...]``.

Run after an intended change of results, then review ``git diff tests/baselines``.
"""

from __future__ import annotations

import json
import sys

from awaken import __version__
from tests.baselines.outputs import BASELINES, compare


def main(names: list[str]) -> int:
    """Recompute the named baselines (all by default); print what changed."""
    unknown = set(names) - {b.name for b in BASELINES}
    if unknown:
        print(f"unknown baseline(s): {', '.join(sorted(unknown))}; "
              f"known: {', '.join(b.name for b in BASELINES)}", file=sys.stderr)
        return 2
    for baseline in BASELINES:
        if names and baseline.name not in names:
            continue
        new = baseline.compute()
        old = json.loads(baseline.path.read_text())["values"] if baseline.path.exists() else {}
        changes = compare(baseline, new, old)
        baseline.path.write_text(json.dumps(
            {"what": baseline.command, "awaken": __version__, "rtol": baseline.rtol,
             "atol": baseline.atol, "values": new}, indent=1, sort_keys=True) + "\n")
        if not old:
            print(f"{baseline.name}: {len(new)} values (new file)", file=sys.stderr)
            continue
        print(f"{baseline.name}: {len(new)} values, {len(changes)} changed", file=sys.stderr)
        for line in changes[:50]:
            print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
