"""Importing awaken changes no global state; the kernel cache lives in the user cache folder;
a cold compile is announced once."""

from __future__ import annotations

import os
import subprocess
import sys

from awaken.core import cache, threads


def _run(code: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, check=True, timeout=600)
    return done.stdout.strip()


def test_import_switches_no_backend_and_sets_no_thread_policy(tmp_path):
    code = ("import os, sys\n"
            "import awaken, awaken.calibrate, awaken.lung.outputs, awaken.lung.stochastic\n"
            "import awaken.cohort.validate, awaken.epi.designs, awaken.report.figures\n"
            "import matplotlib\n"
            "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules,\n"
            "      os.environ.get('OMP_WAIT_POLICY'))")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], env={**env, "MPLBACKEND": "svg"},
                          capture_output=True, text=True, check=True, timeout=600)
    assert done.stdout.split() == ["svg", "False", "None"]


def test_cli_help_loads_neither_pandas_nor_numba():
    out = _run("import sys\nimport awaken.cli\n"
               "print(sorted(m for m in ('pandas', 'numba', 'scipy', 'numpy') "
               "if m in sys.modules))")
    assert out == "[]"


def test_the_wait_policy_is_applied_before_parallel_kernels(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert threads.wait_policy() == "passive"
    threads.prepare_parallel()
    assert os.environ["OMP_WAIT_POLICY"] == "passive"
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")  # the user's choice wins
    threads.prepare_parallel()
    assert threads.wait_policy() == "active"


def test_kernels_are_cached_in_the_user_cache_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    code = "import awaken.lung, numba\nprint(numba.config.CACHE_DIR)"
    done = subprocess.run([sys.executable, "-c", code],
                          env={**env, "AWAKEN_CACHE": str(tmp_path)},
                          capture_output=True, text=True, check=True, timeout=600)
    assert done.stdout.strip() == str(tmp_path / "numba")
    chosen = subprocess.run([sys.executable, "-c", code],
                            env={**env, "NUMBA_CACHE_DIR": str(tmp_path / "mine")},
                            capture_output=True, text=True, check=True, timeout=600)
    assert chosen.stdout.strip() == str(tmp_path / "mine")  # the user's folder wins


def test_a_cold_compile_is_announced_once():
    code = ("from awaken.core.cache import announce_compiling\n"
            "import numba\n"
            "said = []\n"
            "announce_compiling(said.append)\n"
            "f = numba.njit(lambda x: x + 1)\n"
            "g = numba.njit(lambda x: x * 2)\n"
            "f(1); g(1); f(2)\n"
            "print(len(said), 'first run only' in said[0])")
    assert _run(code) == "1 True"


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AWAKEN_CACHE", str(tmp_path))
    assert cache.cache_root() == tmp_path
    monkeypatch.delenv("AWAKEN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_root() == tmp_path / "xdg" / "awaken"
