"""The quick reproduction end to end: claims.json's shape, same seed same claims, resume,
refusals, and the report in a real (headless) browser."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from awaken.core.errors import InputError
from awaken.report.browser import check_page, find_chromium
from awaken.reproduce import Settings, reproduce, verdict
from awaken.reproduce.store import Store

IDS = {"mouse_expansion_day15", "mouse_onset_day3", "il6_required", "cd4_sustains",
       "ukb_cancer_death", "ukb_early_period", "flatiron_lung_metastasis",
       "risk_wanes_after_infection", "late_recurrence_baseline", "vaccination_prevents"}
VERDICTS = {"reproduced", "consistent", "not_reproduced"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repro") / "run"
    reproduce(out, Settings.make(seed=3, quick=True))
    return out


@pytest.mark.slow
def test_claims_shape(quick_run: Path) -> None:
    claims = json.loads((quick_run / "claims.json").read_text())
    assert {c["id"] for c in claims} >= IDS
    for c in claims:
        assert set(c) >= {"id", "statement", "target", "reproduced", "calibrated_to",
                          "pathways", "verdict", "reason"}
        assert c["verdict"] in VERDICTS and c["reason"]
        assert isinstance(c["calibrated_to"], bool)
        assert {"value", "interval", "source"} <= set(c["target"])
        assert {"value", "interval"} <= set(c["reproduced"])
    by_id = {c["id"]: c for c in claims}
    # the mouse day-15 fold change was fitted: never counted as a prediction
    assert by_id["mouse_expansion_day15"]["calibrated_to"] is True
    assert by_id["mouse_expansion_day15"]["verdict"] != "reproduced"
    # the past COVID-19 programme against none, from the policy layer's example scenario
    vac = by_id["vaccination_prevents"]
    assert set(vac["reproduced"]["averted"]) >= {"lung_metastases", "cancer_deaths"}
    assert "policy scenario 'england-covid-programme'" in vac["reason"]
    assert vac["reproduced"]["uncertainty"] in vac["reason"]
    assert set(vac["reproduced"]["nnv"]) == {"nnv_lung_metastasis", "nnv_cancer_death"}
    assert vac["verdict"] != "reproduced"  # one replicate in --quick is not enough
    # human claims carry a share per pathway and an interval over replicates
    for cid in ("ukb_cancer_death", "flatiron_lung_metastasis"):
        c = by_id[cid]
        assert set(c["pathways"]) >= {"awakening", "acceleration", "infection_death",
                                      "attribution", "testing"}
        lo, hi = c["reproduced"]["interval"]
        assert lo <= c["reproduced"]["value"] <= hi
    for name in ("claims.csv", "replicates.csv", "pathway_shares.csv", "vaccination.csv",
                 "bias_runs.csv", "bias_decomposition.csv"):
        assert (quick_run / "tables" / name).stat().st_size > 0
    # every interval says what it carries; no posterior given: replicates only
    assert all(c["reproduced"]["uncertainty"] for c in claims)
    assert by_id["ukb_early_period"]["reproduced"]["uncertainty"] == "replicates"
    # the bias decomposition: computed per claim, from the truth to the study's estimate
    for cid, last in (("ukb_cancer_death", "odds_ratio"), ("ukb_early_period", "study"),
                      ("flatiron_lung_metastasis", "recorded")):
        b = by_id[cid]["bias"]["all_on"]
        assert b["steps_in_order"][0] == "truth" and b["steps_in_order"][-1] == last
        assert "bias decomposition" in by_id[cid]["reason"]
    for name in ("claims", "pathways", "replicates", "time_since_infection",
                 "bias_decomposition"):
        assert (quick_run / "figures" / f"{name}.svg").exists()
    page = (quick_run / "report.html").read_text()
    assert "http://" not in page and "https://" not in page  # self-contained
    assert page.count("data:image/png;base64,") == 6


@pytest.mark.slow
def test_bias_chain_ends_at_the_studies_own_estimates(quick_run: Path) -> None:
    """The bias stage re-simulates the first replicates (same seeds): its last steps are
    the replicates stage's estimates, so the chain ends at the very numbers claimed."""
    stages = quick_run / "stages"
    reps = json.loads((stages / "replicates.json").read_text())["result"]["rows"]
    bias = json.loads((stages / "bias.json").read_text())["result"]["rows"]
    pairs = (("ukb_or.odds_ratio", "ukb_or"), ("ukb_hr.study", "ukb_hr"),
             ("ukb_early_hr.study", "ukb_early_hr"), ("flatiron_hr.recorded", "flatiron_hr"))
    checked = 0
    for row in (b for b in bias if b["config"] == "all"):
        rep = reps[row["replicate"]]
        for step, metric in pairs:
            if row[step] is not None and rep[metric] is not None:
                assert row[step] == pytest.approx(rep[metric], rel=1e-9)
                checked += 1
    assert checked >= 6


@pytest.mark.slow
def test_same_seed_same_claims_and_resume(quick_run: Path, tmp_path: Path) -> None:
    """Recompute the random stages (cohorts) with --resume on a copy: same claims.json."""
    copy = tmp_path / "copy"
    shutil.copytree(quick_run, copy)
    for stage in ("replicates", "pathways", "recurrence", "bias", "vaccination"):
        (copy / "stages" / f"{stage}.json").unlink()
    (copy / "claims.json").unlink()
    result = reproduce(copy, Settings.make(seed=3, quick=True), resume=True)
    assert result.seconds["mouse"] == 0.0  # reused
    assert result.seconds["replicates"] > 0.0  # recomputed
    assert (copy / "claims.json").read_text() == (quick_run / "claims.json").read_text()


def test_refuses_existing_run_and_mixed_settings(tmp_path: Path) -> None:
    settings = Settings.make(seed=1, quick=True).to_dict()
    store = Store(tmp_path, settings, resume=False, force=False)
    store.save("mouse", {"x": 1})
    with pytest.raises(InputError, match="--resume"):
        Store(tmp_path, settings, resume=False, force=False)
    other = Settings.make(seed=2, quick=True).to_dict()
    with pytest.raises(InputError, match="other settings"):
        Store(tmp_path, other, resume=True, force=False).load("mouse")
    assert Store(tmp_path, settings, resume=True, force=False).load("mouse") == {"x": 1}
    Store(tmp_path, settings, resume=False, force=True)
    assert not (tmp_path / "stages" / "mouse.json").exists()


def test_cli_refusal_is_one_line_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    from awaken.cli import main

    (tmp_path / "stages").mkdir()
    monkeypatch.setattr(sys, "argv", ["awaken", "reproduce", "--out", str(tmp_path),
                                      "--quick"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "already holds a reproduction" in err and "Traceback" not in err


def test_verdict_rule() -> None:
    assert verdict(1.85, [1.14, 3.02], 1.9, [1.0, 3.0], False)[0] == "reproduced"
    assert verdict(1.85, [1.14, 3.02], 1.9, [1.0, 3.0], True)[0] == "consistent"
    assert verdict(1.85, [1.14, 3.02], 1.3, [1.2, 1.5], False)[0] == "reproduced"
    assert verdict(1.85, [1.14, 3.02], 1.0, [0.8, 1.2], False)[0] == "consistent"
    assert verdict(1.85, [1.14, 3.02], 1.0, [0.8, 1.2], False, null=1.0)[0] == "not_reproduced"
    assert verdict(1.85, [1.14, 3.02], 1.1, [1.05, 1.2], False, null=1.0)[0] == "consistent"
    assert verdict(1.85, [1.14, 3.02], 0.9, [0.8, 1.0], False)[0] == "not_reproduced"
    assert verdict(8.0, None, 3.0, [1.0, 9.0], False)[0] == "reproduced"
    assert verdict(8.0, None, 3.0, [1.0, 5.0], False)[0] == "not_reproduced"
    assert verdict(None, [1.0, None], None, None, False)[0] == "not_reproduced"


needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium); the report's "
    "browser check needs it")


@needs_chromium
@pytest.mark.slow
def test_report_renders_in_chromium(quick_run: Path) -> None:
    shot = quick_run / "screenshot.png"
    result = check_page(quick_run / "report.html", shot)
    assert result.images == 6 and not result.broken_images, result
    assert not result.console_errors, result.console_errors
    assert shot.stat().st_size > 10_000


@needs_chromium
def test_browser_check_sees_broken_images_and_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<html><body><img src="missing.png"><script>console.error("boom")'
                    "</script></body></html>")
    result = check_page(page, tmp_path / "bad.png")
    assert result.broken_images and any("boom" in e for e in result.console_errors)
    assert not result.ok


def test_agreement_that_also_holds_no_effect_is_only_consistent():
    from awaken.reproduce.claims import verdict

    assert verdict(8.0, None, 2.8, [0.6, 9.2], False, null=1.0)[0] == "consistent"
    assert verdict(8.0, None, 6.0, [2.0, 9.2], False, null=1.0)[0] == "reproduced"
    assert verdict(8.0, None, 2.8, [0.6, 9.2], False)[0] == "reproduced"


def test_markdown_renders_a_runs_claims(quick_run: Path) -> None:
    from awaken.reproduce.markdown import bias_markdown, claims_markdown

    text = claims_markdown(quick_run)
    assert text.count("\n") >= 11 and "`ukb_cancer_death`" in text
    assert "`truth`" in bias_markdown(quick_run)
