"""The script's entry point (``awaken.cli.run``, also ``python -m awaken``): the command's exit
code, every exit handler and all output survive the fast exit; a short command loads only
what it needs."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)


def test_run_keeps_exit_code_handlers_and_buffered_output():
    done = _python(
        "import atexit, sys\n"
        "import awaken.cli as cli\n"
        "def command():\n"
        "    atexit.register(lambda: print('handler ran', flush=False))\n"
        "    sys.stdout.write('buffered, no newline')\n"
        "    sys.exit(3)\n"
        "cli.main = command\n"
        "cli.run()\n")
    assert done.returncode == 3, done.stderr
    assert "buffered, no newline" in done.stdout and "handler ran" in done.stdout


def test_an_unexpected_error_still_shows_its_traceback_and_exits_1():
    done = _python("import awaken.cli as cli\n"
                   "def command():\n    raise RuntimeError('boom')\n"
                   "cli.main = command\ncli.run()\n")
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr


def test_python_m_awaken_reports_mistakes_with_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "awaken", "lung", "simulate", "--days", "0",
                           "--out", str(tmp_path / "t.csv")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: days=0.0 must be a number of days > 0 and <= 3650"]
    assert list(tmp_path.iterdir()) == []


def test_one_trajectory_loads_neither_pandas_nor_pyarrow(tmp_path):
    out = tmp_path / "t.csv"
    done = _python("import sys\nfrom awaken.cli import main\n"
                   f"try:\n    main(['lung', 'simulate', '--days', '2', '--out', {str(out)!r}])\n"
                   "except SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
                   "print(sorted(m for m in ('pandas', 'pyarrow', 'matplotlib') "
                   "if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert out.read_text().startswith("time,target,")


def test_epi_cox_with_a_formula_in_a_fresh_process(tmp_path):
    """A fresh process has not loaded SciPy's linalg, which the formula parser imports while
    the Cox engine loads in a thread (the thread once hid it, and the command failed)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    t, c = rng.exponential(1 / np.exp(0.5 * x)), rng.exponential(2.0, size=200)
    pd.DataFrame({"time": np.minimum(t, c), "status": (t < c).astype(int), "x": x}).to_csv(
        tmp_path / "d.csv", index=False)
    done = subprocess.run([sys.executable, "-m", "awaken", "epi", "cox", "--data",
                           str(tmp_path / "d.csv"), "--formula", "Surv(time, status) ~ x",
                           "--json"], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert '"converged": true' in done.stdout
