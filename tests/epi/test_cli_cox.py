"""`awaken epi cox`: JSON and table output, --help, and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from awaken.cli import main
from awaken.cli.epi import app
from awaken.core.errors import InputError

FIX = Path(__file__).parent / "fixtures"
CASES: dict[str, dict[str, Any]] = json.loads((FIX / "cox_r_results.json").read_text())["cases"]
AWAKEN = Path(sys.executable).parent / "awaken"
HEART = ["--data", str(FIX / "cox_heart.csv"), "--start", "start", "--stop", "stop",
         "--event", "event", "--covariates", "age,year,surgery,transplant"]
KEYS = {"terms", "coef", "se", "hr", "ci_lower", "ci_upper", "p", "loglik", "n", "events",
        "concordance", "iterations", "converged", "robust"}


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


def test_json_matches_r() -> None:
    result = _invoke(["cox", *HEART, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    case = CASES["heart_efron"]
    assert set(out) == KEYS
    assert out["terms"] == case["spec"]["covariates"]
    assert out["converged"] is True and out["robust"] is False and out["iterations"] > 0
    assert out["concordance"] == pytest.approx(case["concordance"], rel=1e-9)
    np.testing.assert_allclose(out["coef"], case["coef"], rtol=1e-6)
    np.testing.assert_allclose(out["se"], case["se"], rtol=1e-5)
    np.testing.assert_allclose(out["loglik"], case["loglik"], rtol=1e-10)
    np.testing.assert_allclose(out["hr"], np.exp(case["coef"]), rtol=1e-6)
    assert (out["n"], out["events"]) == (case["n"], case["nevent"])


def test_json_with_cluster_strata_and_parquet(tmp_path: Path) -> None:
    path = tmp_path / "cgd.parquet"
    pd.read_csv(FIX / "cox_cgd.csv").to_parquet(path)
    result = _invoke(["cox", "--data", str(path), "--start", "tstart", "--stop", "tstop",
                      "--event", "status", "--covariates", "treat, age,inherit,steroids",
                      "--strata", "hos_cat", "--cluster", "id", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    case = CASES["cgd_strata_cluster"]
    assert set(out) == KEYS | {"naive_se"}
    np.testing.assert_allclose(out["se"], case["se"], rtol=1e-5)
    np.testing.assert_allclose(out["naive_se"], case["naive_se"], rtol=1e-5)


def test_breslow_and_weights_right_censored() -> None:
    result = _invoke(["cox", "--data", str(FIX / "cox_lung.csv"), "--stop", "time", "--event",
                      "status", "--covariates", "age,sex,ph.ecog", "--weights", "w_int",
                      "--json"])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(json.loads(result.stdout)["coef"],
                               CASES["lung_weights_int"]["coef"], rtol=1e-6)
    result = _invoke(["cox", "--data", str(FIX / "cox_lung.csv"), "--stop", "time", "--event",
                      "status", "--covariates", "age,sex,ph.ecog", "--ties", "breslow", "--json"])
    np.testing.assert_allclose(json.loads(result.stdout)["coef"],
                               CASES["lung_breslow"]["coef"], rtol=1e-6)


def test_table_output() -> None:
    result = _invoke(["cox", *HEART, "--cluster", "id"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for word in ("covariate", "exp(coef)", "robust se", "transplant", "concordance", "n=172",
                 "events=75"):
        assert word in text
    assert "…" not in text  # numbers are never truncated


def test_help_texts() -> None:
    for args in (["--help"], ["cox", "--help"]):
        result = _invoke(args)
        assert result.exit_code == 0
    text = _invoke(["cox", "--help"]).stdout
    for option in ("--data", "--start", "--stop", "--event", "--covariates", "--strata",
                   "--cluster", "--weights", "--ties", "--json"):
        assert option in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.csv", "--stop", "t", "--event", "e", "--covariates", "x"],
         "data file not found"),
        (["--data", "data.xlsx", "--stop", "t", "--event", "e", "--covariates", "x"],
         "extension must be one of"),
        ([*HEART[:-1], "age,nope"], "covariate column 'nope' not found"),
        ([*HEART, "--ties", "exact"], "unknown ties method 'exact'"),
        ([*HEART, "--strata", ","], "--strata is empty"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # the top-level error printer wraps at the width
    monkeypatch.setattr(sys, "argv", ["awaken", "epi", "cox", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_installed_script() -> None:
    help_run = subprocess.run([str(AWAKEN), "epi", "cox", "--help"], capture_output=True,
                              text=True, check=False)
    assert help_run.returncode == 0 and "--covariates" in help_run.stdout
    bad = subprocess.run([str(AWAKEN), "epi", "cox", "--data", "nope.csv", "--stop", "t",
                          "--event", "e", "--covariates", "x"], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["error: data file not found: 'nope.csv'"]
    assert bad.stdout == ""


def test_formula_option_matches_r_and_warns_about_dropped_rows() -> None:
    ref = pd.read_csv(FIX / "fm_coef.csv").query("case == 'lung_factor'")
    result = _invoke(["cox", "--data", str(FIX / "fm_lung.csv"), "--formula",
                      "Surv(time, status) ~ age + C(ph_ecog) + sex + wt_loss", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    np.testing.assert_allclose(out["coef"], ref["coef"], rtol=1e-9)
    assert "15 of 228 rows dropped" in result.stderr
    bad = _invoke(["cox", "--data", str(FIX / "fm_lung.csv"), "--formula",
                   "Surv(time, status) ~ age + karno"])
    assert isinstance(bad.exception, InputError) and "lacks column 'karno'" in str(bad.exception)


def test_km_command_matches_r() -> None:
    result = _invoke(["km", "--data", str(FIX / "km_lung.csv"), "--time", "time", "--event",
                      "status", "--group", "sex", "--rmst", "365", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rm = pd.read_csv(FIX / "km_rmst.csv").query("case == 'lung_sex_365'")
    np.testing.assert_allclose([c["median"] for c in out["curves"]], rm["median"])
    np.testing.assert_allclose([c["rmst"] for c in out["curves"]], rm["rmean"], rtol=1e-12)
    assert [c["n"] for c in out["curves"]] == [137, 90]
    sd = pd.read_csv(FIX / "km_survdiff.csv").query("case == 'lung_sex'")
    assert out["logrank"]["chisq"] == pytest.approx(sd["chisq"].iloc[0], rel=1e-12)
    table = _invoke(["km", "--data", str(FIX / "km_lung.csv"), "--time", "time", "--event",
                     "status", "--group", "sex"])
    assert table.exit_code == 0 and "log-rank test: chisq 10.01 on 1 df" in table.stdout
    strat = _invoke(["km", "--data", str(FIX / "km_lung.csv"), "--time", "time", "--event",
                     "status", "--group", "sex", "--strata", "ph_ecog", "--json"])
    ref = pd.read_csv(FIX / "km_survdiff.csv").query("case == 'lung_sex_strata'")
    assert json.loads(strat.stdout)["logrank"]["chisq"] == pytest.approx(ref["chisq"].iloc[0])
    bad = _invoke(["km", "--data", str(FIX / "km_lung.csv"), "--time", "time", "--event",
                   "status", "--group", "nope"])
    assert isinstance(bad.exception, InputError) and "'nope' not found" in str(bad.exception)


def test_reading_only_the_model_columns_keeps_errors_clear(tmp_path: Path) -> None:
    heart = pd.read_csv(FIX / "cox_heart.csv").assign(note="x", age_txt="old")
    path = tmp_path / "heart.csv"
    heart.to_csv(path, index=False)
    ok = _invoke(["cox", "--data", str(path), "--start", "start", "--stop", "stop", "--event",
                  "event", "--covariates", "age,year,surgery,transplant", "--json"])
    assert ok.exit_code == 0, ok.output
    np.testing.assert_allclose(json.loads(ok.stdout)["coef"], CASES["heart_efron"]["coef"],
                               rtol=1e-6)
    bad = _invoke(["cox", "--data", str(path), "--start", "start", "--stop", "stop", "--event",
                   "event", "--covariates", "age_txt"])
    assert isinstance(bad.exception, InputError) and "'age_txt'" in str(bad.exception)
    assert "must be numeric" in str(bad.exception)
    missing = _invoke(["cox", "--data", str(path), "--start", "start", "--stop", "stop",
                       "--event", "event", "--covariates", "karno"])
    assert "karno" in str(missing.exception) and "note" in str(missing.exception)


def test_numeric_columns_read_by_pyarrow_as_pandas_reads_them(tmp_path: Path) -> None:
    """The model's columns, all numeric, are read by pyarrow's CSV reader: the same values
    (every float exactly as written), NaN for pandas' missing-value spellings, and the
    ordinary read for a text value or a missing column."""
    from awaken.cli.epi import PANDAS_NA, read_table

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"t": rng.exponential(size=300), "e": rng.integers(0, 2, 300),
                          "x": rng.normal(scale=1e6, size=300), "note": "a"})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text[1:1 + len(PANDAS_NA)] = [f"{na},1,-2.5e-300,a" for na in PANDAS_NA]
    path.write_text("\n".join(text) + "\n")
    cols = ["x", "t", "e"]
    fast = read_table(path, cols, cols)
    ordinary = pd.read_csv(path, usecols=cols, dtype=dict.fromkeys(cols, "float64"))
    pd.testing.assert_frame_equal(fast, ordinary[cols])
    assert fast["t"].isna().sum() == len(PANDAS_NA)
    np.testing.assert_array_equal(fast["x"].iloc[len(PANDAS_NA):], frame["x"].iloc[len(PANDAS_NA):])
    assert list(read_table(path, ["t", "note"], ["t", "note"]).columns) == ["t", "e", "x", "note"]
    assert read_table(path, ["t", "nope"], ["t", "nope"]).shape == (300, 4)


def test_numeric_columns_as_arrays_without_pandas(tmp_path: Path) -> None:
    """``epi cox`` reads the model's columns into NumPy without pandas: CSV and Parquet give
    pandas' values (NaN for missing, integers and booleans as floats), writable and in one
    piece across Arrow's chunks; a text or missing column gives None (the ordinary read)."""
    from awaken.cli.epi import PANDAS_NA, read_numeric_columns

    rng = np.random.default_rng(5)
    n = 5000
    frame = pd.DataFrame({"t": rng.exponential(size=n), "e": rng.integers(0, 2, n),
                          "b": rng.integers(0, 2, n).astype(bool), "note": "a",
                          "x": pd.array(rng.integers(-9, 9, n), dtype="Int64")})
    frame.loc[3, "x"] = pd.NA
    frame.loc[10, "t"] = np.nan
    csv, parquet = tmp_path / "d.csv", tmp_path / "d.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, row_group_size=700)  # several chunks
    text = csv.read_text().splitlines()
    text[20:20 + len(PANDAS_NA)] = [f"{na},1,True,a,2" for na in PANDAS_NA]
    csv.write_text("\n".join(text) + "\n")
    cols = ["x", "t", "e", "b"]  # b: Parquet booleans (a CSV's True/False take the usual read)
    code = ("import sys, pathlib; from awaken.cli.epi import read_numeric_columns as r; "
            f"a = r(pathlib.Path({str(parquet)!r}), {cols!r}); "
            f"b = r(pathlib.Path({str(csv)!r}), {cols[:3]!r}); "
            "print(a is not None and b is not None, 'pandas' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.split() == ["True", "False"]
    for path, reference, names in ((parquet, frame, cols), (csv, pd.read_csv(csv), cols[:3])):
        arrays = read_numeric_columns(path, names)
        assert arrays is not None and list(arrays) == names
        for c in names:
            assert arrays[c].dtype == np.float64 and arrays[c].flags.writeable
            expected = reference[c].to_numpy(dtype=float, na_value=np.nan)
            np.testing.assert_array_equal(arrays[c], expected)
        assert read_numeric_columns(path, ["t", "note"]) is None
        assert read_numeric_columns(path, ["t", "nope"]) is None


def test_engine_thread_leaves_scipy_importable() -> None:
    """The command loads the Cox kernels with SciPy's linear algebra hidden from numba; once
    loaded, SciPy imports as usual and a kernel using np.dot still compiles and runs."""
    code = ("import sys, numpy as np, numba; from awaken.cli.epi import _load_engine; "
            "_load_engine(); assert 'scipy.linalg' not in sys.modules; "
            "import scipy.linalg; f = numba.njit(lambda a: np.dot(a, a)); "
            "print(f(np.arange(3.0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "5.0"


def test_warm_up_fits_quietly() -> None:
    from awaken.epi.cox import warm_up

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warm_up()
