"""Plots of a run, for a lecture hall: dates on the x-axis, talk rounds marked.

Each function takes a ``Result`` and returns a matplotlib ``Figure`` (no
pyplot state), so the same call works in the CLI, a notebook and a test.
Colours are the Okabe-Ito palette (safe for colour-blind readers); lines also
differ in style, so the plots survive greyscale printing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.model.actions import FAMILIES
from sim.model.crisis import ACT_KINDS
from sim.results import Result

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442"]  # yellow last: faint on white
STYLES = ["-", "--", "-.", ":"]
RC = {"font.size": 12, "axes.titlesize": 14, "axes.labelsize": 12, "legend.fontsize": 11,
      "xtick.labelsize": 11, "ytick.labelsize": 11, "svg.hashsalt": "brink",
      "axes.spines.top": False, "axes.spines.right": False}

#: glyph per family of acts in the event timeline
MARKERS = dict(zip(FAMILIES, ["o", "D", "v", "^", "s", "X"], strict=True))
GLYPHS = {family: (MARKERS[family], set(acts)) for family, acts in FAMILIES.items()}


def colour(i: int) -> str:
    """Colour of the i-th actor."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def escalation(result: Result) -> Figure:
    """Each actor's posture on the escalation ladder, day by day."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 5.5), layout="constrained")
        ax = fig.subplots()
        ts = result.timeseries
        for i, a in enumerate(result.actors):
            ax.step(ts["date"], ts[f"rung.{a}"] + (i - 1.5) * 0.04, where="post", lw=2.4,
                    color=colour(i), ls=STYLES[i % 4], label=a)
        ax.set_ylim(-0.5, 9.5)
        ax.set_yticks(range(10))
        ax.set_yticklabels([f"{r} {RUNG_NAMES[r]}" for r in range(10)])
        ax.set_ylabel("posture (rung)")
        ax.set_title(f"Escalation ladder - {_title(result)}")
        _decorate(ax, result)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(result.actors),
                  frameon=False)
        return fig


RUNG_NAMES = ["quiet", "criticism", "demands, warnings", "sanctions threats", "threats of force",
              "mobilisation", "sanctions, broken talks", "covert attack", "at the brink", "war"]


def positions(result: Result) -> Figure:
    """Each actor's position on each issue (0 and 100 are the issue's poles)."""
    issues = list(result.issues)
    ncols = min(3, len(issues))
    nrows = int(np.ceil(len(issues) / ncols))
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(5 * ncols, 3.2 * nrows + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        ts = result.timeseries
        for ax, issue in zip(axes, issues):
            for i, a in enumerate(result.actors):
                ax.plot(ts["date"], ts[f"position.{a}.{issue}"], color=colour(i),
                        ls=STYLES[i % 4], lw=2.2, label=a)
            ax.set_ylim(-5, 105)
            ax.set_yticks([0, 50, 100], ["0 (low)", "50", "100 (high)"])
            ax.set_title(result.issues[issue])
            _decorate(ax, result, labels=False)
        for ax in axes[len(issues):]:
            ax.set_visible(False)
        handles = [Line2D([], [], color=colour(i), ls=STYLES[i % 4], lw=2.2, label=a)
                   for i, a in enumerate(result.actors)]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        fig.suptitle(f"Positions per issue - {_title(result)}")
        return fig


def timeline(result: Result) -> Figure:
    """Event timeline: one lane per actor, one glyph per act, coloured by Goldstein score."""
    ev = result.events
    ev = ev[ev["kind"].isin([*ACT_KINDS, "incident", "talks"])]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(12, 1.2 * len(result.actors) + 2.2), layout="constrained")
        ax = fig.subplots()
        lanes = {a: i for i, a in enumerate(result.actors)}
        cmap = matplotlib.colormaps["RdBu"]
        for marker, acts in GLYPHS.values():
            sub = ev[ev["action"].isin(acts)]
            if sub.empty:
                continue
            y = sub["actor"].map(lanes).to_numpy(float)
            g = sub["goldstein"].fillna(-10.0).to_numpy()
            ax.scatter(sub["date"], y, c=g, cmap=cmap, vmin=-10, vmax=10, marker=marker, s=70,
                       edgecolors="black", linewidths=0.6, zorder=3)
        scripted = ev[ev["kind"].isin([k for k in ACT_KINDS if k != "act"])]  # not the model's
        ax.scatter(scripted["date"], scripted["actor"].map(lanes), marker="o", s=260,
                   facecolors="none", edgecolors="black", linewidths=1.2, zorder=2)
        ax.set_yticks(range(len(result.actors)))
        ax.set_yticklabels(result.actors)
        ax.set_ylim(len(result.actors) - 0.4, -0.8)
        ax.set_title(f"Event timeline - {_title(result)}")
        _decorate(ax, result)
        handles = [Line2D([], [], marker=m, ls="", color="grey", markeredgecolor="black",
                          markersize=9, label=f) for f, (m, _) in GLYPHS.items()]
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="none",
                              markeredgecolor="black", markersize=14,
                              label="scripted, replayed, injected or played"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncols=4, frameon=False)
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(-10, 10))
        fig.colorbar(sm, ax=ax, label="Goldstein score (conflict - cooperation)", shrink=0.8)
        return fig


def beliefs(result: Result) -> Figure:
    """What the others believe about each actor's resolve (probability it is resolute)."""
    actors = result.actors
    ncols = min(2, len(actors))
    nrows = int(np.ceil(len(actors) / ncols))
    ts = result.timeseries
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6 * ncols, 3.3 * nrows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        for ax, b in zip(axes, actors):
            for i, a in enumerate(actors):
                if a != b:
                    ax.plot(ts["date"], ts[f"belief.{a}.{b}"], color=colour(i), ls=STYLES[i % 4],
                            lw=2.2, label=f"{a}'s view")
            ax.set_ylim(0, 1)
            ax.set_title(f"Is {b} resolute?")
            ax.legend(loc="lower left", frameon=False, fontsize=9)
            _decorate(ax, result, labels=False)
        for ax in axes[len(actors):]:
            ax.set_visible(False)
        fig.suptitle(f"Beliefs about resolve - {_title(result)}")
        return fig


def goldstein(result: Result) -> Figure:
    """Cumulative Goldstein score per directed dyad: rising = cooperation, falling = conflict."""
    ev = result.events.dropna(subset=["goldstein"])
    ev = ev[ev["target"] != ""]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 5.5), layout="constrained")
        ax = fig.subplots()
        if not ev.empty:
            ev = ev.assign(dyad=ev["actor"] + "\u2192" + ev["target"])
            days = pd.date_range(result.summary["start"], result.timeseries["date"].max())
            daily = ev.pivot_table(index="date", columns="dyad", values="goldstein",
                                   aggfunc="sum").reindex(days, fill_value=0.0).fillna(0.0)
            top = daily.abs().sum().sort_values(ascending=False).index[:8]
            for n, d in enumerate(sorted(top)):  # 7 colours: the faint yellow is left out
                ax.step(daily.index, daily[d].cumsum(), where="post", color=OKABE_ITO[n % 7],
                        ls=STYLES[n % 4], lw=2.2, label=d)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=4, frameon=False)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_ylabel("cumulative Goldstein score")
        ax.annotate("each talk round held counts +7 (CAMEO 046) for both sides",
                    (0.99, 0.02), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=9, color="dimgray")
        ax.set_title(f"Cooperation and conflict by dyad - {_title(result)}")
        _decorate(ax, result)
        return fig


PLOTS: dict[str, Callable[[Result], Figure]] = {
    "escalation": escalation, "positions": positions, "timeline": timeline,
    "beliefs": beliefs, "goldstein": goldstein,
}


def render_all(result: Result) -> dict[str, bytes]:
    """Every plot as PNG and SVG bytes, keyed by file name."""
    out: dict[str, bytes] = {}
    for name, make in PLOTS.items():
        fig = make(result)
        out[f"{name}.png"] = to_bytes(fig, "png")
        out[f"{name}.svg"] = to_bytes(fig, "svg")
    return out


def to_bytes(fig: Figure, fmt: str) -> bytes:
    """Render a figure; the bytes depend only on the figure (no dates, fixed SVG ids)."""
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": "Brink"}
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format=fmt, dpi=120, metadata=meta, bbox_inches="tight")
    return buf.getvalue()


# --------------------------------------------------------------------------- helpers


def _title(result: Result) -> str:
    s = result.summary
    return f"{s['scenario']}, seed {s['seed']}"


def _decorate(ax: Axes, result: Result, labels: bool = True) -> None:
    """Date axis, talk rounds as dotted lines (named on top), the outcome marked."""
    talks = result.talks
    held = talks[~talks["status"].isin(["not held"])]
    s = result.summary
    _calendar(ax, [(r.date, r.name) for r in held.itertuples()], pd.Timestamp(s["start"]),
              pd.Timestamp(s["end"]), labels)
    if s["outcome"]:
        when = pd.Timestamp(s["outcome_date"])
        ax.axvline(when, color="black", lw=1.6)
        ax.annotate(s["outcome"], (mdates.date2num(when), 0.02),
                    xycoords=("data", "axes fraction"), fontsize=10, fontweight="bold",
                    ha="left", va="bottom", xytext=(3, 0), textcoords="offset points")


def _calendar(ax: Axes, talks: list[tuple[Any, str]], start: pd.Timestamp, end: pd.Timestamp,
              labels: bool) -> None:
    """Talk rounds as dotted lines, named on top; names of rounds days apart are merged."""
    names: list[tuple[pd.Timestamp, list[str]]] = []
    for date, name in sorted(talks, key=lambda t: pd.Timestamp(t[0])):
        when = pd.Timestamp(date)
        ax.axvline(when, color="grey", ls=":", lw=1.2, zorder=1)
        if names and (when - names[-1][0]).days <= 4:  # too close to print apart
            names[-1][1].append(name)
        else:
            names.append((when, [name]))
    if labels:
        for when, group in names:
            text = _short(group[0]) if len(group) == 1 else \
                f"{_short(group[0])} +{len(group) - 1}"
            ax.annotate(text, (mdates.date2num(when), 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=9, color="dimgray", va="top", ha="right")
    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlim(start, end + pd.Timedelta(days=1))
    ax.grid(axis="y", alpha=0.3)


def _short(name: str) -> str:
    return name if len(name) <= 26 else name[:24] + "\u2026"


# --------------------------------------------------------------------------- ensembles


def fan_escalation(ensemble: pd.DataFrame) -> Figure:
    """Each actor's posture across runs: median, 50% and 90% bands, by date."""
    q, actors = ensemble.attrs["quantiles"], ensemble.attrs["actors"]
    ncols = min(2, len(actors))
    nrows = int(np.ceil(len(actors) / ncols))
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6 * ncols, 3.3 * nrows + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True,
                                          squeeze=False)).ravel()
        for i, (ax, a) in enumerate(zip(axes, actors)):
            _fan(ax, q[q["series"] == f"rung.{a}"], colour(i))
            ax.set_ylim(-0.3, 9.3)
            ax.set_yticks([0, 2, 4, 6, 8, 9])
            ax.set_title(f"{a}: posture (rung)")
            _decorate_ensemble(ax, ensemble, labels=i == 0)
        for ax in axes[len(actors):]:
            ax.set_visible(False)
        fig.legend(handles=_fan_legend(), loc="outside lower center", ncols=3, frameon=False)
        fig.suptitle(f"Escalation across runs - {_ensemble_title(ensemble)}")
        return fig


def fan_positions(ensemble: pd.DataFrame) -> Figure:
    """Positions per issue across runs: each actor's median and 50% band."""
    q, actors, issues = (ensemble.attrs[k] for k in ("quantiles", "actors", "issues"))
    ncols = min(3, len(issues))
    nrows = int(np.ceil(len(issues) / ncols))
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(5 * ncols, 3.2 * nrows + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        for ax, issue in zip(axes, issues):
            for i, a in enumerate(actors):
                sub = q[q["series"] == f"position.{a}.{issue}"]
                ax.fill_between(sub["date"], sub["q25"], sub["q75"], color=colour(i), alpha=0.25,
                                lw=0)
                ax.plot(sub["date"], sub["q50"], color=colour(i), ls=STYLES[i % 4], lw=2)
            ax.set_ylim(-5, 105)
            ax.set_title(issues[issue])
            _decorate_ensemble(ax, ensemble, labels=False)
        for ax in axes[len(issues):]:
            ax.set_visible(False)
        handles = [Line2D([], [], color=colour(i), ls=STYLES[i % 4], lw=2, label=a)
                   for i, a in enumerate(actors)]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        fig.suptitle(f"Positions across runs (median, 50% band) - {_ensemble_title(ensemble)}")
        return fig


def war_by_date(ensemble: pd.DataFrame) -> Figure:
    """Cumulative probability of war by date, with talk rounds marked."""
    war = ensemble.attrs["war_by_date"]
    runs = ensemble.attrs["summary"]["runs"]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 5), layout="constrained")
        ax = fig.subplots()
        ax.step(war.index, war.to_numpy(), where="post", color=OKABE_ITO[1], lw=2.6)
        lo, hi = zip(*(_wilson_band(p, runs) for p in war.to_numpy()))
        ax.fill_between(war.index, lo, hi, step="post", color=OKABE_ITO[1], alpha=0.2, lw=0,
                        label="95% interval")
        ax.set_ylim(0, max(0.05, float(np.max(hi)) * 1.1))
        ax.set_ylabel("P(war has begun)")
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(f"Cumulative probability of war - {_ensemble_title(ensemble)}")
        _decorate_ensemble(ax, ensemble)
        ax.legend(loc="upper left", frameon=False)
        return fig


def outcome_shares(ensemble: pd.DataFrame) -> Figure:
    """Share of runs ending in war, settlement and standoff, with 95% Wilson intervals."""
    out = ensemble.attrs["summary"]["outcomes"]
    names = list(out)
    share = np.array([out[o]["share"] for o in names])
    err = np.array([[out[o]["share"] - out[o]["low"] for o in names],
                    [out[o]["high"] - out[o]["share"] for o in names]])
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(7, 4.5), layout="constrained")
        ax = fig.subplots()
        bars = ax.bar(names, share, yerr=err, capsize=8, color=[OKABE_ITO[1], OKABE_ITO[2],
                                                                 OKABE_ITO[5]],
                      edgecolor="black")
        for bar, v, hi in zip(bars, share, err[1] + share):
            # above the interval, so the error bar never crosses the number
            ax.annotate(f"{v:.0%}" if v == 0 or v >= 0.1 else f"{v:.1%}",
                        (bar.get_x() + bar.get_width() / 2, hi + 0.02), ha="center",
                        va="bottom", fontsize=12, fontweight="bold")
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylabel("share of runs")
        ax.set_title(f"Outcomes - {_ensemble_title(ensemble)}")
        return fig


ENSEMBLE_PLOTS: dict[str, Callable[[pd.DataFrame], Figure]] = {
    "fan_escalation": fan_escalation, "fan_positions": fan_positions,
    "war_by_date": war_by_date, "outcomes": outcome_shares,
}


def render_ensemble(ensemble: pd.DataFrame) -> list[tuple[str, bytes]]:
    """Every ensemble plot as PNG and SVG bytes."""
    out = []
    for name, make in ENSEMBLE_PLOTS.items():
        fig = make(ensemble)
        out += [(f"{name}.png", to_bytes(fig, "png")), (f"{name}.svg", to_bytes(fig, "svg"))]
    return out


def _fan(ax: Axes, sub: pd.DataFrame, col: str) -> None:
    ax.fill_between(sub["date"], sub["q05"], sub["q95"], step="post", color=col, alpha=0.15,
                    lw=0)
    ax.fill_between(sub["date"], sub["q25"], sub["q75"], step="post", color=col, alpha=0.35,
                    lw=0)
    ax.step(sub["date"], sub["q50"], where="post", color=col, lw=2.4)


def _fan_legend() -> list[Any]:
    from matplotlib.patches import Patch

    return [Line2D([], [], color="grey", lw=2.4, label="median"),
            Patch(color="grey", alpha=0.5, label="50% of runs"),
            Patch(color="grey", alpha=0.2, label="90% of runs")]


def _wilson_band(p: float, n: int) -> tuple[float, float]:
    from sim.ensemble import wilson

    return wilson(round(p * n), n)


def _ensemble_title(ensemble: pd.DataFrame) -> str:
    s = ensemble.attrs["summary"]
    return f"{s['scenario']}, {s['runs']} runs, seed {s['seed']}"


def _decorate_ensemble(ax: Axes, ensemble: pd.DataFrame, labels: bool = True) -> None:
    dates = ensemble.attrs["quantiles"]["date"]
    _calendar(ax, list(ensemble.attrs["talks"]), dates.min(), dates.max(), labels)


# --------------------------------------------------------------------------- sweeps


def sweep(table: pd.DataFrame) -> Figure:
    """Outcome shares over the swept parameters: curves (one), heatmaps (two), margins (more)."""
    params = table.attrs["params"]
    with matplotlib.rc_context(RC):
        if len(params) == 2:
            return _sweep_heatmaps(table, params)
        fig = Figure(figsize=(6 * len(params), 4.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(params), sharey=True, squeeze=False)).ravel()
        for ax, p in zip(axes, params):
            margin = table.groupby(p)[[c for c in table.columns if c.startswith("p_")]].mean()
            for n, o in enumerate(("war", "settlement", "standoff")):
                col = [OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5]][n]
                ax.plot(margin.index, margin[f"p_{o}"], color=col, ls=STYLES[n], lw=2.4,
                        marker="o", label=o)
                ax.fill_between(margin.index, margin[f"p_{o}_low"], margin[f"p_{o}_high"],
                                color=col, alpha=0.2, lw=0)
            ax.set_xlabel(p)
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("share of runs (95% interval)")
        axes[0].legend(frameon=False)
        note = "" if len(params) == 1 else " (averaged over the other parameters)"
        fig.suptitle(f"Outcomes by parameter{note} - {_sweep_title(table)}")
        return fig


def _sweep_heatmaps(table: pd.DataFrame, params: list[str]) -> Figure:
    x, y = params
    fig = Figure(figsize=(13, 5.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, o, cmap in zip(axes, ("war", "settlement"), ("Oranges", "Greens")):
        grid = table.pivot_table(index=y, columns=x, values=f"p_{o}")
        im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", vmin=0, vmax=1,
                       cmap=cmap)
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns], rotation=45)
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"P({o})")
        for (r, c), v in np.ndenumerate(grid.to_numpy()):
            ax.text(c, r, f"{v:.0%}", ha="center", va="center", fontsize=9,
                    color="white" if v > 0.6 else "black")
        fig.colorbar(im, ax=ax, format=matplotlib.ticker.PercentFormatter(1.0), shrink=0.85)
    fig.suptitle(f"Outcome shares - {_sweep_title(table)}")
    return fig


def sensitivity(indices: pd.DataFrame) -> Figure:
    """Parameters ranked by their influence on P(war) and P(settlement), with 95% CIs."""
    main = "mu_star" if indices.attrs["method"] == "morris" else "ST"
    label = "Morris \u03bc* (mean |elementary effect|)" if main == "mu_star" else \
        "Sobol total-order index S_T"
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(13, 0.5 * indices["param"].nunique() + 2.5), layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, (output, col) in zip(axes, (("p_war", OKABE_ITO[1]),
                                           ("p_settlement", OKABE_ITO[2]))):
            sub = indices[(indices["output"] == output) & (indices["index"] == main)]
            sub = sub.sort_values("value")
            if not sub["value"].any():
                ax.text(0.5, 0.5, f"{output.replace('p_', 'P(')}) never varied:\nno parameter "
                        "has any measured influence", ha="center", va="center",
                        transform=ax.transAxes, fontsize=12)
                ax.set_title(f"Influence on {output.replace('p_', 'P(')})")
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            ax.barh(sub["param"], sub["value"], xerr=sub["conf"], color=col, edgecolor="black",
                    capsize=4)
            ax.set_title(f"Influence on {output.replace('p_', 'P(')})")
            ax.set_xlabel(label)
            ax.grid(axis="x", alpha=0.3)
        s = indices.attrs["summary"]
        fig.suptitle(f"Sensitivity ({indices.attrs['method']}) - {s['scenario']}, "
                     f"{s['sample_points']} points x {s['runs_per_cell']} runs")
        return fig


def render_sweep(table: pd.DataFrame) -> list[tuple[str, bytes]]:
    """The sweep plot as PNG and SVG bytes."""
    fig = sweep(table)
    return [("sweep.png", to_bytes(fig, "png")), ("sweep.svg", to_bytes(fig, "svg"))]


def render_sensitivity(indices: pd.DataFrame) -> list[tuple[str, bytes]]:
    """The sensitivity chart as PNG and SVG bytes."""
    fig = sensitivity(indices)
    return [("sensitivity.png", to_bytes(fig, "png")), ("sensitivity.svg", to_bytes(fig, "svg"))]


def _sweep_title(table: pd.DataFrame) -> str:
    s = table.attrs["summary"]
    return f"{s['scenario']}, {s['runs_per_cell']} runs per cell, seed {s['seed']}"
