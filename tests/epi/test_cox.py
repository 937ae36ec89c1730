"""Cox engine against R's coxph (fixtures made by make_fixtures.R), properties and bad input."""

from __future__ import annotations

import dataclasses
import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import CoxResult, fit_cox
from awaken.epi.cox import CoxConvergenceWarning, _build_design, _make_spec, _sweep

FIX = Path(__file__).parent / "fixtures"
CASES: dict[str, dict[str, Any]] = json.loads((FIX / "cox_r_results.json").read_text())["cases"]


# pandas 3 parses floats exactly by default and deprecates the option
ROUND_TRIP: dict[str, Any] = ({} if int(pd.__version__.split(".")[0]) >= 3
                              else {"float_precision": "round_trip"})


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / f"cox_{name}.csv", **ROUND_TRIP)


def fit_case(case: dict[str, Any], data: pd.DataFrame | None = None) -> CoxResult:
    """Fit a fixture case with the specification R used."""
    spec = case["spec"]
    return fit_cox(data if data is not None else _data(case["data"]), stop=spec["stop"],
                   event=spec["event"], covariates=spec["covariates"], start=spec["start"],
                   strata=spec["strata"], weights=spec["weights"], offset=spec["offset"],
                   cluster=spec["cluster"], ties=spec["ties"], robust=spec["robust"],
                   max_iter=spec["max_iter"])


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# --------------------------------------------------------------------------- agreement with R


def _fit_and_check_warnings(case: dict[str, Any]) -> CoxResult:
    """Fit, and check that awaken warns when (and as) R warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_case(case)
    ours = [str(w.message) for w in caught if issubclass(w.category, CoxConvergenceWarning)]
    r_warnings = case["warnings"]
    assert len(ours) == len(r_warnings), (ours, r_warnings)
    for mine, theirs in zip(ours, r_warnings, strict=True):
        if "Ran out of iterations" in theirs:
            assert "did not converge" in mine
        else:
            assert "may be infinite" in theirs and "may be infinite" in mine
    return res


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_r(name: str) -> None:
    """Coefficients, SEs, variance, log-likelihoods, concordance, iterations, warnings."""
    case = CASES[name]
    res = _fit_and_check_warnings(case)
    assert res.terms == tuple(case["spec"]["covariates"])
    assert _rel(res.coef, case["coef"]) < 1e-6
    ran_out = any("Ran out" in w for w in case["warnings"])
    if not (ran_out and case["spec"]["start"] is None):
        # (When coxph.fit runs out of iterations, R's variance is chinv2 applied to an
        # unfactorised information matrix, not its inverse; see test_ran_out_variance.)
        assert _rel(res.se, case["se"]) < 1e-5
        p = len(res.terms)
        np.testing.assert_allclose(res.var, np.reshape(case["var"], (p, p), order="F"),
                                   rtol=1e-5, atol=1e-12)
    assert res.robust == case["robust"]
    if case["robust"]:
        assert _rel(res.naive_se, case["naive_se"]) < 1e-5
    else:
        np.testing.assert_array_equal(res.naive_se, res.se)
    np.testing.assert_allclose(res.loglik, case["loglik"], rtol=1e-10)
    assert res.concordance == pytest.approx(case["concordance"], abs=1e-6)
    assert (res.n, res.events) == (case["n"], case["nevent"])
    assert res.converged == (not ran_out)
    if res.converged:  # (R counts one more iteration when it runs out on right-censored data)
        assert res.iterations == case["iter"]


def test_ran_out_variance_is_the_inverse_information() -> None:
    """Out of iterations, ``var`` is the inverse information at the returned coefficients.

    (R 3.5.3's coxph.fit reports chinv2 of an unfactorised matrix there: its SEs for
    ``lung_iter2`` are off by up to 2%; its counting-process path, ``heart_iter2``, is right.)
    """
    case = CASES["lung_iter2"]
    with pytest.warns(CoxConvergenceWarning, match="did not converge in 2 iterations"):
        res = fit_case(case)
    spec = _make_spec("time", "status", case["spec"]["covariates"], None, None, None, None,
                      None, "efron")
    design = _build_design(_data("lung"), spec)
    imat = _sweep(design, res.coef / design.scale, True)[2]
    info = imat / np.outer(design.scale, design.scale)
    np.testing.assert_allclose(res.var @ info, np.eye(3), atol=1e-10)
    assert not res.converged


def test_fixtures_cover_the_code_paths() -> None:
    names = set(CASES)
    assert {"lung_iter2", "heart_iter2", "monotone", "monotone_counting"} <= names
    assert any(c["spec"]["cluster"] and c["spec"]["start"] for c in CASES.values())
    assert any(c["spec"]["offset"] and c["spec"]["weights"] for c in CASES.values())


def test_derived_columns_consistent() -> None:
    res = fit_case(CASES["heart_cluster"])
    np.testing.assert_allclose(res.hr, np.exp(res.coef))
    np.testing.assert_allclose(res.z, res.coef / res.se)
    np.testing.assert_allclose(res.ci_lower, np.exp(res.coef - 1.959963984540054 * res.se))
    np.testing.assert_allclose(res.ci_upper, np.exp(res.coef + 1.959963984540054 * res.se))
    assert np.all((res.p > 0) & (res.p < 1))
    assert res.n_clusters == 103


def test_summary_and_to_dict() -> None:
    res = fit_case(CASES["cgd_strata_cluster"])
    table = res.summary
    assert list(table.index) == list(res.terms)
    assert list(table.columns) == ["coef", "exp(coef)", "se(coef)", "robust se", "z", "p",
                                   "lower .95", "upper .95"]
    out = res.to_dict()
    assert set(out) == {"terms", "coef", "se", "hr", "ci_lower", "ci_upper", "p", "loglik",
                        "n", "events", "concordance", "iterations", "converged", "robust",
                        "naive_se"}
    assert out["converged"] is True and out["robust"] is True
    assert out["iterations"] == res.iterations and out["concordance"] == res.concordance
    json.dumps(out)  # JSON-able
    assert out["se"] == pytest.approx(list(res.se))
    plain = fit_case(CASES["lung_efron"]).to_dict()
    assert "naive_se" not in plain
    assert "robust se" not in fit_case(CASES["lung_efron"]).summary.columns


def test_result_is_frozen() -> None:
    res = fit_case(CASES["lung_efron"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.coef = np.zeros(3)  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.coef[0] = 1.0
    assert "concordance" in repr(res)
    stat, df, p = res.lr_test
    assert df == 3 and stat > 0 and 0 < p < 1


# --------------------------------------------------------------------------- properties


def _heart() -> pd.DataFrame:
    return _data("heart")


COVS = ["age", "year", "surgery", "transplant"]


def _heart_fit(data: pd.DataFrame, **kw: Any) -> CoxResult:
    return fit_cox(data, start="start", stop="stop", event="event", covariates=COVS, **kw)


def test_row_order_and_index_do_not_matter() -> None:
    base = _heart_fit(_heart())
    shuffled = _heart().sample(frac=1.0, random_state=3)
    res = _heart_fit(shuffled)
    np.testing.assert_allclose(res.coef, base.coef, rtol=1e-10)
    np.testing.assert_allclose(res.se, base.se, rtol=1e-10)
    assert res.concordance == pytest.approx(base.concordance, abs=1e-12)


def _split(data: pd.DataFrame, cuts: np.ndarray) -> pd.DataFrame:
    """Split (start, stop] rows at the given times (event kept on the last piece)."""
    pieces = []
    for _, row in data.iterrows():
        inner = cuts[(cuts > row["start"]) & (cuts < row["stop"])]
        bounds = np.concatenate([[row["start"]], inner, [row["stop"]]])
        for k in range(len(bounds) - 1):
            new = row.copy()
            new["start"], new["stop"] = bounds[k], bounds[k + 1]
            new["event"] = row["event"] if k == len(bounds) - 2 else 0
            pieces.append(new)
    return pd.DataFrame(pieces).reset_index(drop=True)


def test_splitting_intervals_changes_nothing() -> None:
    """Counting-process risk sets: cutting follow-up at event times is invisible.

    Cuts at event times also check that a row starting at t is not at risk at t.
    """
    heart = _heart()
    cuts = np.unique(heart.loc[heart["event"] == 1, "stop"].to_numpy())[::3]
    split = _split(heart, cuts)
    assert len(split) > len(heart)
    base = _heart_fit(heart)
    res = _heart_fit(split)
    np.testing.assert_allclose(res.coef, base.coef, rtol=1e-9)
    np.testing.assert_allclose(res.naive_se, base.naive_se, rtol=1e-9)
    np.testing.assert_allclose(res.loglik, base.loglik, rtol=1e-11)
    assert res.events == base.events
    # the robust variance summed by subject is also unchanged by splitting
    rb = _heart_fit(heart, cluster="id")
    rs = _heart_fit(split, cluster="id")
    np.testing.assert_allclose(rs.se, rb.se, rtol=1e-8)
    assert rs.concordance == pytest.approx(rb.concordance, abs=1e-12)


def test_integer_weights_equal_duplicated_rows() -> None:
    """Case weights = copies of rows (Breslow; Efron treats copies as extra tied deaths)."""
    heart = _heart()
    w = (np.arange(len(heart)) % 3 + 1).astype(float)
    weighted = _heart_fit(heart.assign(w=w), weights="w", ties="breslow")
    dup = heart.loc[heart.index.repeat(w.astype(int))].reset_index(drop=True)
    res = _heart_fit(dup, ties="breslow")
    np.testing.assert_allclose(weighted.coef, res.coef, rtol=1e-9)
    np.testing.assert_allclose(weighted.se, res.se, rtol=1e-9)
    np.testing.assert_allclose(weighted.loglik, res.loglik, rtol=1e-11)
    assert weighted.concordance == pytest.approx(res.concordance, abs=1e-12)
    assert not weighted.robust


def test_right_censored_equals_counting_with_early_start() -> None:
    lung = _data("lung")
    a = fit_cox(lung, stop="time", event="status", covariates=["age", "sex", "ph.ecog"])
    b = fit_cox(lung.assign(t0=-1.0), start="t0", stop="time", event="status",
                covariates=["age", "sex", "ph.ecog"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-7)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-7)
    assert a.concordance == pytest.approx(b.concordance, abs=1e-12)


def test_single_stratum_equals_no_strata_and_multi_column_strata() -> None:
    heart = _heart().assign(one="a")
    np.testing.assert_allclose(_heart_fit(heart, strata="one").coef, _heart_fit(heart).coef,
                               rtol=1e-12)
    vet = _data("veteran").assign(half=lambda d: (d["trt"] == 1).map({True: "x", False: "y"}))
    two = fit_cox(vet, stop="time", event="status", covariates=["karno", "age"],
                  strata=["celltype", "half"])
    combined = fit_cox(vet.assign(both=vet["celltype"] + "/" + vet["half"]), stop="time",
                       event="status", covariates=["karno", "age"], strata="both")
    np.testing.assert_allclose(two.coef, combined.coef, rtol=1e-12)


def test_offset_fixes_a_coefficient() -> None:
    lung = _data("lung")
    full = fit_cox(lung, stop="time", event="status", covariates=["age", "sex", "ph.ecog"])
    fixed = fit_cox(lung.assign(off=full.coef[0] * lung["age"]), stop="time", event="status",
                    covariates=["sex", "ph.ecog"], offset="off")
    np.testing.assert_allclose(fixed.coef, full.coef[1:], rtol=1e-6)
    assert fixed.loglik[1] == pytest.approx(full.loglik[1], rel=1e-10)


def test_near_equal_times_are_tied_as_in_r() -> None:
    """R's timefix: times equal up to round-off count as ties."""
    lung = _data("lung")
    jitter = lung.assign(time=lung["time"] * (1 + 1e-13 * (np.arange(len(lung)) % 2)))
    a = fit_cox(lung, stop="time", event="status", covariates=["age", "sex"])
    b = fit_cox(jitter, stop="time", event="status", covariates=["age", "sex"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)


def test_bool_event_and_covariate_accepted() -> None:
    lung = _data("lung")
    a = fit_cox(lung, stop="time", event="status", covariates=["age", "sex"])
    b = fit_cox(lung.assign(status=lung["status"] == 1, sex=lung["sex"] == 2), stop="time",
                event="status", covariates=["age", "sex"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)


def test_rows_outside_every_risk_set_are_harmless() -> None:
    heart = _heart()
    late = heart.iloc[:3].assign(start=5000.0, stop=6000.0, event=0)  # after the last event
    res = _heart_fit(pd.concat([heart, late], ignore_index=True))
    base = _heart_fit(heart)
    np.testing.assert_allclose(res.coef, base.coef, rtol=1e-12)
    assert res.n == base.n + 3


# --------------------------------------------------------------------------- warnings


def test_non_convergence_warns_with_iteration_count() -> None:
    with pytest.warns(CoxConvergenceWarning, match=r"did not converge in 2 iterations"):
        res = _heart_fit(_heart(), max_iter=2)
    assert not res.converged and res.iterations == 2


def test_monotone_likelihood_warns_infinite_coefficient() -> None:
    rng = np.random.default_rng(1)
    n = 80
    group = np.repeat([0, 1], n // 2)
    time = rng.exponential(1.0, n).round(3) + 0.01
    event = np.where(group == 1, 0, 1)  # no events at all in group 1
    data = pd.DataFrame({"t": time, "e": event, "g": group, "x": rng.normal(size=n)})
    with pytest.warns(CoxConvergenceWarning, match=r"'g'.*may be infinite"):
        res = fit_cox(data, stop="t", event="e", covariates=["g", "x"])
    assert res.coef[0] < -5


def test_cluster_with_robust_false_warns_and_is_ignored() -> None:
    with pytest.warns(UserWarning, match="ignored"):
        res = _heart_fit(_heart(), cluster="id", robust=False)
    assert not res.robust
    np.testing.assert_array_equal(res.se, res.naive_se)


def test_no_warning_on_a_clean_fit() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _heart_fit(_heart())


# --------------------------------------------------------------------------- bad input


def _lung() -> pd.DataFrame:
    return _data("lung").copy()


def _lung_fit(data: pd.DataFrame, **kw: Any) -> CoxResult:
    args: dict[str, Any] = dict(stop="time", event="status", covariates=["age", "sex"])
    args.update(kw)
    return fit_cox(data, **args)


@pytest.mark.parametrize(
    ("change", "kwargs", "pattern"),
    [
        (None, dict(covariates=["age", "nope"]), r"covariate column 'nope' not found"),
        (None, dict(start="t0"), r"start column 't0' not found"),
        (None, dict(weights="ww"), r"weights column 'ww' not found"),
        (lambda d: d.assign(status=d["status"] * 2), {}, r"'status'.*0 \(censored\) or 1.*row 0"),
        (lambda d: d.assign(age=d["age"].where(d.index != 7)), {},
         r"'age'.*missing value \(NaN\) at row 7"),
        (lambda d: d.assign(time=d["time"].where(d.index != 4)), {},
         r"'time'.*missing value \(NaN\) at row 4"),
        (lambda d: d.assign(w=np.where(d.index == 5, -1.0, 1.0)), dict(weights="w"),
         r"'w' must be > 0.*-1 at row 5"),
        (lambda d: d.assign(t0=np.where(d.index == 9, d["time"], 0.0)), dict(start="t0"),
         r"stop must be greater than start.*row 9"),
        (lambda d: d.assign(c=3.0), dict(covariates=["age", "c"]), r"'c' is constant"),
        (lambda d: d.assign(a2=2 * d["age"] + 1), dict(covariates=["age", "sex", "a2"]),
         r"'a2' is collinear with 'age'"),
        (lambda d: d.assign(s3=d["sex"] - 0.5 * d["age"]), dict(covariates=["age", "sex", "s3"]),
         r"'s3' is collinear with 'age', 'sex'"),
        (lambda d: d.assign(grp=d["sex"]), dict(covariates=["age", "sex"], strata="grp"),
         r"'sex' does not vary within the strata"),
        (lambda d: d.assign(lab=np.where(d["sex"] == 1, "m", "f")),
         dict(covariates=["age", "lab"]), r"'lab'.*must be numeric"),
        (lambda d: d.assign(status=0), {}, r"no events"),
        (None, dict(ties="exact"), r"unknown ties method 'exact'"),
        (None, dict(covariates=[]), r"at least one covariate"),
        (None, dict(covariates=["age", "time"]), r"'time' is used both"),
        (lambda d: d.assign(g=d["sex"].where(d.index != 2)), dict(cluster="g"),
         r"'g' \(cluster\) has a missing value at row 2"),
    ],
)
def test_bad_input_is_named(change: Any, kwargs: dict[str, Any], pattern: str) -> None:
    data = _lung() if change is None else change(_lung())
    with pytest.raises(InputError, match=pattern):
        _lung_fit(data, **kwargs)


def test_bad_input_reports_index_label() -> None:
    data = _lung().set_index(np.arange(len(_lung())) + 1000)
    data.loc[1003, "age"] = np.nan
    with pytest.raises(InputError, match=r"row 3 \(index 1003\)"):
        _lung_fit(data)


def test_robust_counting_process_needs_cluster() -> None:
    with pytest.raises(InputError, match="needs cluster="):
        _heart_fit(_heart(), robust=True)


def test_not_a_dataframe() -> None:
    with pytest.raises(InputError, match="pandas DataFrame or a mapping"):
        fit_cox([[1.0]], stop="a", event="a", covariates=["b"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="event column 'c' not found"):
        fit_cox({"a": [1]}, stop="a", event="c", covariates=["b"])


def test_mapping_of_arrays_fits_as_the_dataframe() -> None:
    """Columns given as a mapping of arrays (what the command line reads, no pandas) fit the
    same bits as the DataFrame, and bad values are named by row as for a DataFrame."""
    frame = _data("heart")
    spec = CASES["heart_efron"]["spec"]
    args = dict(stop=spec["stop"], event=spec["event"], start=spec["start"])
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    covs = spec["covariates"]
    a, b = fit_cox(frame, **args, covariates=covs), fit_cox(columns, **args, covariates=covs)
    assert _bits(a) == _bits(b)
    strata = fit_cox(columns, **args, strata="surgery", covariates=["age", "year"])
    ref = fit_cox(frame, **args, strata="surgery", covariates=["age", "year"])
    assert _bits(strata) == _bits(ref)
    columns["age"] = columns["age"].copy()
    columns["age"][7] = np.nan
    with pytest.raises(InputError, match=r"'age' \(covariate\) has a missing value \(NaN\) "
                                         r"at row 7;"):
        fit_cox(columns, **args, covariates=covs)
    columns["age"] = columns["age"][:-1]
    with pytest.raises(InputError, match="give 1-D columns of one length"):
        fit_cox(columns, **args, covariates=covs)


def test_covariate_without_variation_in_risk_sets() -> None:
    """Varies overall but is constant within every risk set: absorbed by the baseline."""
    data = pd.DataFrame({
        "start": [0.0, 0, 0, 10, 10, 10], "stop": [5.0, 6, 4, 15, 16, 14],
        "event": [1, 0, 1, 1, 0, 1], "period": [0.0, 0, 0, 1, 1, 1],
        "x": [0.3, 1.2, -0.5, 0.7, -1.1, 0.2],
    })
    with pytest.raises(InputError, match=r"'period' does not vary within the risk sets"):
        fit_cox(data, start="start", stop="stop", event="event", covariates=["x", "period"])


# --------------------------------------------------------------------------- threads


def _bits(res: CoxResult) -> tuple[Any, ...]:
    return (res.coef.tobytes(), res.var.tobytes(), res.naive_var.tobytes(), res.loglik,
            res.score.tobytes(), res.concordance, res.iterations)


@pytest.mark.parametrize("name", ["heart_cluster", "cgd_strata_cluster", "lung_weights_frac",
                                  "synth_efron", "lung_breslow"])
def test_threads_give_the_same_bits(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """1, 2 or 3 threads, and event times taken a few at a time (small chunks of block
    sums), give bit-identical fits."""
    case = CASES[name]
    spec = case["spec"]

    def fit(threads: int) -> CoxResult:
        return fit_cox(_data(case["data"]), stop=spec["stop"], event=spec["event"],
                       covariates=spec["covariates"], start=spec["start"],
                       strata=spec["strata"], weights=spec["weights"], offset=spec["offset"],
                       cluster=spec["cluster"], ties=spec["ties"], robust=spec["robust"],
                       threads=threads)

    one = _bits(fit(1))
    assert _bits(fit(2)) == one and _bits(fit(3)) == one
    from awaken.epi import cox

    monkeypatch.setattr(cox, "BLOCK_SUMS_BYTES", 1)  # 64 event times per chunk
    assert _bits(fit(2)) == one
    monkeypatch.setattr(cox, "ROWS_PER_CHUNK", 5)  # covariate sums over many chunks
    few = fit(1)
    assert _bits(fit(2)) == _bits(few) and _bits(fit(3)) == _bits(few)
    np.testing.assert_allclose(few.coef, np.frombuffer(one[0]), rtol=1e-12)


def test_block_likelihood_matches_the_sweep() -> None:
    """The Newton iterations' blocked likelihood and the detailed sweep agree."""
    from awaken.epi.cox import _likelihood

    for name in ("heart_efron", "cgd_strata_cluster", "lung_breslow", "lung_weights_frac"):
        spec_r = CASES[name]["spec"]
        spec = _make_spec(spec_r["stop"], spec_r["event"], spec_r["covariates"],
                          spec_r["start"], spec_r["strata"], spec_r["weights"],
                          spec_r["offset"], spec_r["cluster"], spec_r["ties"])
        d = _build_design(_data(CASES[name]["data"]), spec)
        beta = np.linspace(-0.3, 0.4, d.x.shape[1])
        efron = spec.ties == "efron"
        ll, u, imat = _likelihood(d, beta, efron, 2)
        ref = _sweep(d, beta, efron)
        assert ll == pytest.approx(ref.loglik, rel=1e-13)
        np.testing.assert_allclose(u, ref.score, rtol=1e-10, atol=1e-10 * np.abs(ref.score).max())
        np.testing.assert_allclose(imat, ref.imat, rtol=1e-11)


def test_threads_must_be_positive() -> None:
    spec = CASES["lung_efron"]["spec"]
    with pytest.raises(InputError, match="threads must be a positive integer"):
        fit_cox(_data("lung"), stop=spec["stop"], event=spec["event"],
                covariates=spec["covariates"], threads=0)
