"""The report's figures, each written as PNG and SVG (atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from awaken.core.io import atomic_path

BAND_METRICS = (("ukb_hr_0_91", "0-3 months"), ("ukb_hr_91_365", "3-12 months"),
                ("ukb_hr_365_plus", "> 12 months"))


def _save(fig: Any, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in ("png", "svg"):
        with atomic_path(folder / f"{name}.{fmt}") as tmp:
            fig.savefig(tmp, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg"
                        else None)
    return folder / f"{name}.png"


def _figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), layout="constrained")


def claims_figure(claims: list[dict[str, Any]], folder: Path) -> Path:
    """Human ratio claims: published value (and interval) beside the replicate median and
    its 95% range, and the large-cohort (underlying) value."""
    rows = [c for c in claims if isinstance(c["reproduced"].get("value"), float)
            and "metric" in c["reproduced"]]
    fig = _figure(10, 0.7 * len(rows) + 1.4)
    ax = fig.subplots()
    for i, c in enumerate(rows):
        t, r = c["target"], c["reproduced"]
        if t.get("value") is not None:
            ti = t.get("interval")
            err = None if not ti or None in ti else [[t["value"] - ti[0]], [ti[1] - t["value"]]]
            ax.errorbar([t["value"]], [i - 0.15], xerr=err, fmt="s", color="black",
                        label="published" if i == 0 else None)
        elif t.get("interval"):
            ax.axvline(t["interval"][0], color="0.6", ls=":", lw=1)
        ri = r.get("interval")
        err = None if not ri else [[r["value"] - ri[0]], [ri[1] - r["value"]]]
        ax.errorbar([r["value"]], [i + 0.15], xerr=err, fmt="o", color="tab:blue",
                    label="simulated studies (median, 95% range)" if i == 0 else None)
        if r.get("underlying") is not None:
            ax.plot([r["underlying"]], [i + 0.15], "x", color="tab:red", ms=8,
                    label="large cohort (underlying)" if i == 0 else None)
    ax.axvline(1.0, color="0.3", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(0.1, 30)  # ranges of tiny replicates (no events in a band) run off the axis
    ax.set_yticks(range(len(rows)), [c["id"] for c in rows])
    ax.invert_yaxis()
    ax.set_xlabel("odds / hazard ratio (log scale; axis clipped to 0.1-30)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, folder, "claims")


def replicates_figure(reps: list[dict[str, Any]], claims: list[dict[str, Any]],
                      folder: Path) -> Path:
    """The spread a study of the published size would see: one histogram per estimate."""
    by_metric = {c["reproduced"].get("metric"): c for c in claims}
    metrics = [("ukb_or", "UK Biobank OR (ever infected)"),
               ("ukb_hr", "UK Biobank HR (time-varying)"),
               ("ukb_early_hr", "UK Biobank HR, early period"),
               ("flatiron_hr", "Flatiron HR, lung metastasis")]
    fig = _figure(11, 3.2)
    for ax, (m, title) in zip(fig.subplots(1, len(metrics)), metrics, strict=True):
        v = np.array([r[m] for r in reps if r.get(m) is not None], dtype=float)
        v = v[np.isfinite(v) & (v > 0)]
        if v.size:
            ax.hist(np.log(v), bins=max(3, min(20, v.size // 2)), color="tab:blue", alpha=0.7)
        c = by_metric.get(m)
        if c is not None and c["target"].get("value") is not None:
            ax.axvline(np.log(c["target"]["value"]), color="black", lw=1.5, label="published")
        ax.axvline(0.0, color="0.5", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("log ratio")
    return _save(fig, folder, "replicates")


def bands_figure(reps: list[dict[str, Any]], large: list[dict[str, Any]],
                 folder: Path) -> Path:
    """HR of cancer death by time since a positive test (UK Biobank-like design)."""
    fig = _figure(6, 3.6)
    ax = fig.subplots()
    x = np.arange(len(BAND_METRICS))
    for rows, label, colour, dx in ((reps, "study size (median, 95% range)", "tab:blue", -0.1),
                                    ([r for r in large if r["config"] == "all"],
                                     "large cohort", "tab:red", 0.1)):
        mids, lo, hi = [], [], []
        for m, _ in BAND_METRICS:
            v = np.array([r[m] for r in rows if r.get(m) is not None], dtype=float)
            q = np.quantile(v, [0.025, 0.5, 0.975]) if v.size else [np.nan] * 3
            lo.append(q[1] - q[0])
            mids.append(q[1])
            hi.append(q[2] - q[1])
        ax.errorbar(x + dx, mids, yerr=[lo, hi], fmt="o", color=colour, label=label)
    ax.axhline(1.0, color="0.4", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(x, [b for _, b in BAND_METRICS])
    ax.set_xlabel("time since the positive test")
    ax.set_ylabel("HR of cancer death")
    ax.legend(fontsize=8)
    return _save(fig, folder, "time_since_infection")


def pathways_figure(claims: list[dict[str, Any]], folder: Path) -> Path:
    """Share of each claim's log effect that goes when one pathway is switched off."""
    rows = [c for c in claims if c["pathways"]]
    names = [p for p in (rows[0]["pathways"] if rows else {}) if p != "residual_all_off"]
    fig = _figure(8, 3.8)
    ax = fig.subplots()
    width = 0.8 / max(1, len(rows))
    for i, c in enumerate(rows):
        vals = [c["pathways"].get(p) for p in names]
        withheld = all(v is None for v in vals)
        vals = [np.nan if v is None else v for v in vals]
        label = c["id"] + (" (withheld: effect within 5% of none)" if withheld else "")
        ax.bar(np.arange(len(names)) + i * width, vals, width, label=label)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names)
    ax.set_ylabel("share of the log effect")
    ax.legend(fontsize=7)
    return _save(fig, folder, "pathways")


def bias_figure(claims: list[dict[str, Any]], folder: Path) -> Path:
    """Each human estimate's mean log value split into the effect of the pathways, the
    confounding the design leaves, and each bias of the design (every pathway on)."""
    rows = [(c["id"], c["bias"]["all_on"]) for c in claims
            if c.get("bias") and c["bias"].get("all_on")]
    fig = _figure(9, 0.9 * len(rows) + 1.6)
    ax = fig.subplots()
    colours = iter(("tab:green", "tab:gray", "tab:blue", "tab:orange", "tab:purple",
                    "tab:red", "tab:brown", "tab:olive", "tab:cyan"))
    seen: dict[str, str] = {}
    for i, (_, d) in enumerate(rows):
        split = d.get("truth_split") or {"truth": d["log_truth"]}
        parts = [(k, v["mean"]) for k, v in [*split.items(), *d["components"].items()]
                 if k != "testing_selection" and v["mean"] is not None]
        ends = {True: 0.0, False: 0.0}  # stacked to the right (positive) and left
        for name, v in parts:
            new = name not in seen
            seen.setdefault(name, next(colours, "black"))
            ax.barh(i, v, left=ends[v >= 0], color=seen[name], height=0.6,
                    label=name if new else None)
            ends[v >= 0] += v
        final = d["log_final"]["mean"]
        if final is not None:
            ax.plot([final], [i], "kD", ms=6, label="estimate (mean log)" if i == 0 else None)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(rows)), [cid for cid, _ in rows])
    ax.invert_yaxis()
    ax.set_xlabel("contribution to the mean log estimate (every pathway on)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, folder, "bias_decomposition")
