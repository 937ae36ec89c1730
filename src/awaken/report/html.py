"""The one self-contained HTML page: figures embedded as base64 PNG, no network."""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path
from typing import Any

from awaken.core.io import atomic_path
from awaken.report import figures

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.reproduced{background:#e3f4e3}.consistent{background:#fff5d6}
.not_reproduced{background:#fbe1e1}img{max-width:100%;border:1px solid #eee}
.chain{display:flex;flex-wrap:wrap;gap:.4em;align-items:center;margin:1em 0}
.chain span{background:#eef3fb;border:1px solid #b9cbe8;border-radius:4px;padding:.3em .6em}
.chain b{color:#888}code{background:#f5f5f5;padding:0 .2em}
"""

CHAIN = ("respiratory virus infects the lung", "IL-6 released", "dormant DCCs wake and divide",
         "CD4 T cells gather and hold back CD8 killing", "lesions grow (mouse: 100-1000x by "
         "day 15)", "human: lung metastasis, cancer death years later (a) or sooner (b-e)")

ASSUMPTIONS = (
    "The mouse model's 15 fitted parameters were set against the calibration and timing "
    "checks of chia2025 (docs/model.md); only checks with role <code>prediction</code> are "
    "evidence.",
    "The human DCC and T-cell values are assumptions with ranges, not measurements; the IL-6 "
    "awakening response is the mouse one (docs/model.md, Human infections).",
    "The cohort's human scale factors (<code>awakening_per_log_fold</code>, "
    "<code>acceleration_scale</code>) and the pathway parameters (c)-(e) are assumptions, "
    "<b>not fitted</b> to the human studies (docs/cohort.md).",
    "Calibrated in the cohort: the Pan 2017 reservoir, the ONS wave attacks and Omicron "
    "escape (shares per wave and 70.7% ever infected), the UK Biobank testing and "
    "negative-test scales (4,837 tested of an assumed 50,000 survivors, ~500 positive). "
    "England's calendars stand in for the US ones in the Flatiron-like cohort.",
    "Pathway shares are computed on the log scale at a large cohort size with common random "
    "numbers; pathways interact, so shares need not add up to 1.",
    "The bias decomposition's truth is the design's own estimand with every infection known "
    "and every survivor followed: the effect on <i>recorded</i> cause of death (infection "
    "deaths attributed to cancer, pathway (d), included), adjusted for age and sex only; its "
    "steps follow one declared order, and another order would share the interactions "
    "differently.",
)

CANNOT_TELL = (
    "Whether the human association is causal: the cohort encodes assumed pathways; a "
    "simulated study that matches the published ratio shows the assumptions can produce it, "
    "not that they are true.",
    "The size of the human awakening effect: no human data constrain the IL-6 response of "
    "dormant cells, and the human scale factors are not fitted.",
    "What a vaccination policy or IL-6 blockade would prevent: the report gives what "
    "England's past COVID-19 programme prevented in the model (the policy layer's example "
    "scenario, against none, same survivors); other scenarios (influenza, RSV, boosters, IL-6 "
    "blockade, antivirals) are run by `awaken policy run` (docs/policy.md). Their size "
    "inherits the unfitted human scale factors.",
    "Cause-of-death coding and testing selection in the real studies: (d) and (e) are "
    "assumed mechanisms with assumed parameters, not measured ones.",
    "The transient EpCAM+ state and the neutrophil route are not modelled.",
)


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<p><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></p>'


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.3g}"
    if isinstance(x, list):
        return ", ".join(_fmt(v) for v in x)
    return html.escape(str(x))


def _interval(iv: list[float] | None) -> str:
    if not iv:
        return ""
    lo = "−∞" if iv[0] is None else _fmt(iv[0])
    hi = "∞" if iv[1] is None else _fmt(iv[1])
    return f" [{lo}, {hi}]"


def _claims_table(claims: list[dict[str, Any]]) -> str:
    head = ("<tr><th>claim</th><th>published (source)</th><th>computed</th>"
            "<th>fitted to it?</th><th>verdict and reason</th></tr>")
    rows = []
    for c in claims:
        t, r = c["target"], c["reproduced"]
        extra = ""
        if r.get("underlying") is not None:
            extra = f"<br>large cohort: {_fmt(r['underlying'])}"
        if r.get("replicates") is not None:
            extra += (f"<br>{r['replicates']} simulated studies"
                      + (f" ({r['missing_replicates']} without an estimate)"
                         if r.get("missing_replicates") else ""))
        if r.get("measure"):
            extra += f"<br><small>{html.escape(r['measure'])}</small>"
        if r.get("uncertainty"):
            extra += f"<br><small>interval carries: {html.escape(r['uncertainty'])}</small>"
        rows.append(
            f'<tr class="{c["verdict"]}"><td><b>{c["id"]}</b><br>{html.escape(c["statement"])}'
            f"</td><td>{_fmt(t.get('value'))}{_interval(t.get('interval'))}<br><small>"
            f"{html.escape(t.get('source', ''))}</small></td><td>{_fmt(r.get('value'))}"
            f"{_interval(r.get('interval'))}{extra}</td><td>{_fmt(c['calibrated_to'])}</td>"
            f"<td><b>{c['verdict']}</b>: {html.escape(c['reason'])}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _pathways_table(claims: list[dict[str, Any]], key: str = "pathways") -> str:
    rows = [c for c in claims if c.get(key)]
    if not rows:
        return "<p>No pathway decomposition.</p>"
    names = list(rows[0][key])
    head = "<tr><th>claim</th>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"
    body = "".join("<tr><td>" + c["id"] + "</td>" + "".join(
        f"<td>{_fmt(c[key].get(n))}</td>" for n in names) + "</tr>" for c in rows)
    return f"<table>{head}{body}</table>"


def _mouse_table(mouse: dict[str, Any]) -> str:
    head = ("<tr><th>check</th><th>role</th><th>target interval</th><th>model</th>"
            "<th>met</th></tr>")
    body = "".join(
        f"<tr class=\"{'reproduced' if c['passed'] else 'not_reproduced'}\"><td><code>"
        f"{c['id']}</code> {html.escape(c['statement'])}</td><td>{c['role']}</td><td>"
        f"{_interval([c['low'], c['high']])}</td><td>{_fmt(c['value'])} "
        f"{html.escape(c['unit'])}</td><td>{_fmt(c['passed'])}</td></tr>"
        for c in mouse["checks"])
    abl = "".join(f"<li><b>{m}</b> removed: {', '.join(ids) or 'no check fails'}</li>"
                  for m, ids in mouse["ablations"].items())
    return f"<table>{head}{body}</table><p>Ablations (checks that fail):</p><ul>{abl}</ul>"


def _vaccination(claims: list[dict[str, Any]]) -> str:
    c = next(c for c in claims if c["id"] == "vaccination_prevents")
    averted = c["reproduced"].get("averted") or {}
    rows = "".join(f"<tr><td>{k.replace('_', ' ')}</td><td>{_fmt(a['value'])}"
                   f"{_interval(a['interval'])}</td></tr>" for k, a in averted.items())
    return (f"<p>{html.escape(c['reason'])}</p><table><tr><th>averted per 100,000 survivors, "
            f"2020-2023</th><th>median [range over replicates]</th></tr>{rows}</table>")


def _cell(s: dict[str, Any] | None, key: str = "value") -> str:
    if not s or s.get(key) is None:
        return "—"
    return f"{_fmt(s[key])}{_interval(s.get('interval'))}"


def _bias_tables(claims: list[dict[str, Any]]) -> str:
    """Per human claim: each step's estimate and each component's log change."""
    out = []
    for c in claims:
        b = c.get("bias")
        if not b or not b.get("all_on"):
            continue
        on, off = b["all_on"], b.get("all_off") or {"steps": {}}
        steps = "".join(
            f"<tr><td><code>{s}</code></td><td>{_cell(on['steps'].get(s))}</td>"
            f"<td>{_cell(off['steps'].get(s))}</td></tr>" for s in on["steps"])
        split = on.get("truth_split") or {}
        comps = "".join(
            f"<tr><td><code>{k}</code></td><td>{_fmt(v['mean'])}</td><td>{_cell(v)}</td></tr>"
            for k, v in [*split.items(), *on["components"].items(), ("total", on["total"])])
        out.append(
            f"<h3><code>{c['id']}</code> ({html.escape(c['reproduced'].get('metric', ''))})"
            f"</h3><p>{on['replicates']} cohorts of the study's size"
            + (f" ({on['missing_replicates']} left out: a step without an estimate)"
               if on["missing_replicates"] else "")
            + ("; <code>random_recorded</code> had too few exposed events in most cohorts, "
               "so <code>recording</code> takes under-recording and selective testing together"
               if on.get("random_recorded_dropped") else "") + ".</p>"
            f"<table><tr><th>step</th><th>estimate, every pathway on (median [95% range])"
            f"</th><th>every pathway off</th></tr>{steps}</table>"
            f"<table><tr><th>component (change of the log estimate)</th><th>mean</th>"
            f"<th>median [95% range]</th></tr>{comps}</table>")
    return "".join(out) or "<p>No bias decomposition.</p>"


def _bias_uncertainty(claims: list[dict[str, Any]]) -> str:
    kinds = {c["bias"].get("uncertainty", "replicates") for c in claims if c.get("bias")}
    return ("the range over replicates, each with its own posterior draw (replicates+posterior)"
            if kinds == {"replicates+posterior"} else
            "the range over replicates (replicates; no posterior draws given)")


def _designs_table(claims: list[dict[str, Any]]) -> str:
    """The UK Biobank-like estimates side by side, naive and time-varying, by time since
    infection: median [95% range] over the study-size replicates, and the large cohorts."""
    c = next((c for c in claims if c["id"] == "ukb_cancer_death"), None)
    w = next((c for c in claims if c["id"] == "risk_wanes_after_infection"), None)
    e = next((c for c in claims if c["id"] == "ukb_early_period"), None)
    if c is None:
        return ""
    r = c["reproduced"]
    rows = [("logistic OR, ever vs never positive (<code>naive_ever_exposed</code>, the "
             "study's analysis)", r),
            ("Cox HR, ever positive fixed from entry (<code>naive_ever_exposed</code>)",
             r.get("naive_cox_hr")),
            ("Cox HR, time-varying exposure (<code>ukb_like</code>)", r.get("time_varying_hr")),
            ("Cox HR, time-varying, 2020-12-01 to 2022-01-31", e and e["reproduced"])]
    bands = (w or {}).get("reproduced", {}).get("bands", {})
    for m, label in (("ukb_hr_0_91", "0-3"), ("ukb_hr_91_365", "3-12"),
                     ("ukb_hr_365_plus", "> 12")):
        rows.append((f"Cox HR, {label} months since the positive test", bands.get(m)))
    body = "".join(f"<tr><td>{label}</td><td>{_cell(s)}</td><td>"
                   f"{_fmt((s or {}).get('underlying'))}</td></tr>" for label, s in rows)
    return ("<table><tr><th>UK Biobank-like estimate of cancer death</th><th>study size: "
            "median [95% range]</th><th>large cohort</th></tr>" + body + "</table>")


def write_report(out: Path, claims: list[dict[str, Any]], stages: dict[str, dict[str, Any]],
                 settings: Any) -> Path:
    """Draw the figures into ``out/figures`` and write ``out/report.html``."""
    fig_dir = out / "figures"
    reps, large = stages["replicates"]["rows"], stages["pathways"]["rows"]
    pics = {
        "claims": figures.claims_figure(claims, fig_dir),
        "replicates": figures.replicates_figure(reps, claims, fig_dir),
        "bands": figures.bands_figure(reps, large, fig_dir),
        "pathways": figures.pathways_figure(claims, fig_dir),
        "bias": figures.bias_figure(claims, fig_dir),
        "mouse": fig_dir / "mouse_experiment.png",
    }
    counts = {v: sum(c["verdict"] == v for c in claims)
              for v in ("reproduced", "consistent", "not_reproduced")}
    chain = "<b>→</b>".join(f"<span>{html.escape(s)}</span>" for s in CHAIN)
    mode = "quick" if settings.quick else "default"
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>awaken: the study reproduced</title>
<style>{CSS}</style></head><body>
<h1>Respiratory viral infections awaken dormant breast-cancer cells: the study reproduced</h1>
<p>Chia et al., <i>Nature</i> 645:496–506 (2025), recomputed by <code>awaken reproduce</code>
({mode} run, seed {settings.seed}, {settings.replicates} simulated studies per design;
generated {dt.date.today().isoformat()}). Verdicts: {counts['reproduced']} reproduced,
{counts['consistent']} consistent, {counts['not_reproduced']} not reproduced.</p>
<h2>1. The causal chain</h2><div class="chain">{chain}</div>
<p>Mouse scale: the within-host lung model (<code>awaken.lung</code>). Human scale: a cohort
microsimulation (<code>awaken.cohort</code>) whose five pathways from infection to outcome are
(a) awakening of dormant lung lesions, (b) acceleration of growing ones, (c) infection deaths
of people with metastases, (d) attribution of such deaths to cancer, (e) preferential testing
of people with metastatic cancer; the simulated studies are analysed with the published designs
(<code>awaken.epi</code>).</p>
<h2>2. Each claim beside its target</h2>{_claims_table(claims)}
<h2>3. Figures</h2>
<h3>Human claims: published and simulated</h3>{_img(pics['claims'], 'claims')}
<h3>The spread a study of the published size would see</h3>
{_img(pics['replicates'], 'replicate histograms')}
<h3>Hazard ratio by time since infection, and the naive analysis</h3>
{_img(pics['bands'], 'time since infection')}{_designs_table(claims)}
<h3>The mouse experiment</h3>{_img(pics['mouse'], 'mouse experiment')}
{_mouse_table(stages['mouse'])}
<h2>4. Pathway decomposition</h2>
<p>Each human estimate recomputed at {stages['pathways']['scale']}× the study size with one
cohort pathway switched off (same random numbers): the share of the log effect that goes
with it; <code>residual_all_off</code> is the share left with every pathway off. A dash: the
full effect is within 5% of none, so there is nothing to share out.</p>
{_pathways_table(claims)}{_img(pics['pathways'], 'pathway shares')}
<p>The same as changes of the log estimate (<code>all_on</code>: the log estimate with every
pathway; <code>all_off</code>: with none; a pathway: what switching it off removes). An
<code>all_off</code> far from 0 is an association the pathways do not explain: selection or
bias in the simulated study and its design.</p>
{_pathways_table(claims, "pathway_log_change")}
<h2>5. Bias decomposition: estimate against truth</h2>
<p>Each estimate walked from the truth to the study's number on the same simulated cohorts,
one design step at a time (definitions in <code>docs/reproduce.md</code>):
<code>truth</code> = the design's time-varying Cox HR with every SARS-CoV-2 infection known
(the cohort's truth table, dated the day it began) and every survivor followed;
<code>random_recorded</code> = only a random share of infections known, the share the registry
records (under-recording alone); <code>recorded</code> = the registry's positive tests (who is
tested follows severity and, with pathway (e), metastatic cancer: selective testing);
<code>study</code> = the study's population (UK Biobank-like: tested at least once);
<code>naive_cox</code> = "ever positive" fixed from entry (immortal time);
<code>odds_ratio</code> = the logistic OR (the study's measure). The truth is split, with the
same seeds, into the <code>effect</code> of the pathways (log truth minus its value with every
pathway off) and the <code>confounding</code> the design's model leaves (its value with every
pathway off, where infection has no effect). In every cohort the parts add up to the log
estimate. Uncertainty: {_bias_uncertainty(claims)}.</p>
{_img(pics['bias'], 'bias decomposition')}{_bias_tables(claims)}
<h2>6. What vaccination prevented (in the model)</h2>{_vaccination(claims)}
<h2>7. Assumptions</h2><ul>{''.join(f'<li>{a}</li>' for a in ASSUMPTIONS)}</ul>
<h2>8. What the model cannot tell</h2><ul>{''.join(f'<li>{a}</li>' for a in CANNOT_TELL)}</ul>
<p><small>Files: <code>claims.json</code>, <code>tables/*.csv</code>,
<code>figures/*.png|svg</code>.</small></p>
</body></html>
"""
    path = out / "report.html"
    with atomic_path(path) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return path
