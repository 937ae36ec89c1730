"""The cohort layer's public API and its dependency rule (lung only via the emulator)."""

import ast
import subprocess
import sys

import awaken.cohort


def test_public_api():
    assert set(awaken.cohort.__all__) == {
        "FIELDS", "PARAMETERS", "TABLES", "Config", "Emulator", "RunResult", "build_emulator",
        "build_model", "load_config", "sample_population", "simulate", "simulate_chunk",
        "summarise"}


def test_cohort_imports_neither_epi_nor_calibrate():
    code = ("import sys, awaken.cohort; from awaken.cohort.tumour import pan2017; pan2017(); "
            "awaken.cohort.build_emulator('fixture'); "
            "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('awaken.')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    layers = ast.literal_eval(out)
    assert "epi" not in layers and "calibrate" not in layers, layers
    assert "cohort" in layers and "core" in layers


def test_pathways_are_declared_with_their_parameters():
    from awaken.cohort.config import PathwaysSection
    from awaken.cohort.kernel import SW_ACCELERATION, SW_AWAKENING, SW_TESTING
    from awaken.cohort.parameters import PARAMETERS, PATHWAYS

    assert list(PATHWAYS) == list(PathwaysSection.model_fields)
    assert all(p in PARAMETERS for names in PATHWAYS.values() for p in names)
    names = list(PATHWAYS)
    assert (names.index("awakening"), names.index("acceleration"), names.index("testing")) == (
        SW_AWAKENING, SW_ACCELERATION, SW_TESTING)
