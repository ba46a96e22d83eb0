"""Runs and ensembles held against the historical record of 2021/22.

The comparison is by week (seven-day bins from the scenario's start date) and
directed dyad among the actors both share: the sum of Goldstein values of the
acts of the week, simulated and recorded. For an ensemble, the *fit score* of a
week is the share of its dyads whose recorded value lies inside the ensemble's
90% band (5th to 95th percentile of the runs); the overall score is the same
share over all weeks and dyads. A model that reproduced the record's
distribution would score about 0.9; docs/validation.md explains how to read it.
Only weeks that the record covers (up to its last event) are scored.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.history import load_record
from sim.model.actions import FAMILIES, FAMILY_OF
from sim.plots import OKABE_ITO, RC, STYLES


def weekly(events: pd.DataFrame, start: dt.date, actors: list[str], last: dt.date
           ) -> pd.DataFrame:
    """Weekly Goldstein sum per directed dyad among ``actors``, weeks from ``start`` to ``last``.

    ``events`` needs columns date, actor, target, goldstein. Every (week, dyad)
    appears, zero when nothing happened.
    """
    ev = events.dropna(subset=["goldstein"])
    ev = ev[ev["actor"].isin(actors) & ev["target"].isin(actors) & (ev["actor"] != ev["target"])]
    days = (pd.to_datetime(ev["date"]).dt.date - start).map(lambda d: d.days)
    ev = ev.assign(week=days // 7)
    weeks = (last - start).days // 7 + 1
    ev = ev[(ev["week"] >= 0) & (ev["week"] < weeks)]
    sums = ev.groupby(["week", "actor", "target"])["goldstein"].sum()
    index = pd.MultiIndex.from_tuples(
        [(w, a, b) for w in range(weeks) for a in actors for b in actors if a != b],
        names=["week", "actor", "target"])
    out = sums.reindex(index, fill_value=0.0).reset_index()
    out.insert(1, "week_start", [(start + dt.timedelta(days=7 * int(w))).isoformat()
                                 for w in out["week"]])
    return out


def fit_ensemble(ensemble_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Fit of an ensemble folder to the record: (per week-dyad, per week, overall score)."""
    band = pd.read_csv(ensemble_dir / "goldstein_weekly.csv")
    summary = json.loads((ensemble_dir / "summary.json").read_text())
    record = load_record()
    start = dt.date.fromisoformat(band["week_start"].min())
    actors = sorted(set(band["actor"]))
    last = min(record["date"].max().date(), dt.date.fromisoformat(band["week_start"].max()))
    rec = weekly(record, start, actors, last).rename(columns={"goldstein": "record"})
    merged = rec.merge(band, on=["week_start", "actor", "target"], how="inner")
    merged["inside"] = (merged["record"] >= merged["q05"]) & (merged["record"] <= merged["q95"])
    per_week = merged.groupby("week_start")["inside"].mean().rename("fit").reset_index()
    merged.attrs["summary"] = summary
    return merged, per_week, float(merged["inside"].mean())


def compare_run(run_dir: Path) -> pd.DataFrame:
    """Weekly Goldstein per dyad of one run next to the record's."""
    events = read_events(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    start = dt.date.fromisoformat(summary["start"])
    record = load_record()
    actors = sorted(summary["final_rungs"])
    last = min(record["date"].max().date(), dt.date.fromisoformat(summary["end"]))
    sim = weekly(events, start, actors, last).rename(columns={"goldstein": "simulated"})
    rec = weekly(record, start, actors, last).rename(columns={"goldstein": "record"})
    out = sim.merge(rec, on=["week", "week_start", "actor", "target"])
    out.attrs["summary"] = summary
    return out


def read_events(run_dir: Path) -> pd.DataFrame:
    """events.csv of a run folder (empty targets stay empty strings)."""
    return pd.read_csv(run_dir / "events.csv", keep_default_na=False,
                       na_values={"goldstein": [""]})


def mix(events: pd.DataFrame, start: dt.date, last: dt.date, actors: list[str]) -> pd.DataFrame:
    """Count of acts per week and family (talks, threats, ...) by ``actors``."""
    ev = events[events["actor"].isin(actors)]
    ev = ev.assign(family=ev["action"].map(FAMILY_OF)).dropna(subset=["family"])
    week = (pd.to_datetime(ev["date"]).dt.date - start).map(lambda d: d.days) // 7
    ev = ev.assign(week=week)
    ev = ev[(ev["week"] >= 0) & (ev["week"] <= (last - start).days // 7)]
    table = ev.groupby(["week", "family"]).size().unstack(fill_value=0)
    weeks = range((last - start).days // 7 + 1)
    return table.reindex(index=weeks, columns=list(FAMILIES), fill_value=0)


# --------------------------------------------------------------------------- plots

DYADS = [("RUS", "USA"), ("USA", "RUS"), ("RUS", "NATO"), ("NATO", "RUS"), ("RUS", "UKR"),
         ("UKR", "RUS")]


def plot_run_vs_record(table: pd.DataFrame) -> Figure:
    """Simulated against recorded weekly Goldstein, one panel per dyad."""
    import matplotlib
    import matplotlib.dates

    dyads = [d for d in DYADS if ((table["actor"] == d[0]) & (table["target"] == d[1])).any()]
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(13, 3 * int(np.ceil(len(dyads) / 2)) + 1), layout="constrained")
        axes = np.atleast_1d(fig.subplots(int(np.ceil(len(dyads) / 2)), 2, sharex=True,
                                          sharey=True, squeeze=False)).ravel()
        for ax, (a, b) in zip(axes, dyads):
            sub = table[(table["actor"] == a) & (table["target"] == b)]
            x = pd.to_datetime(sub["week_start"])
            if "simulated" in sub:
                ax.plot(x, sub["simulated"], color=OKABE_ITO[0], lw=2.2, marker="o", ms=4,
                        label="simulated")
            else:
                ax.fill_between(x, sub["q05"], sub["q95"], color=OKABE_ITO[0], alpha=0.25,
                                lw=0, label="90% of runs")
                ax.plot(x, sub["q50"], color=OKABE_ITO[0], lw=2, label="median run")
            ax.plot(x, sub["record"], color="black", ls=STYLES[1], lw=2.2, marker="s", ms=4,
                    label="record")
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_title(f"{a} \u2192 {b}")
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
        for ax in axes[len(dyads):]:
            ax.set_visible(False)
        axes[0].legend(frameon=False, fontsize=10)
        fig.supylabel("Goldstein sum per week")
        fig.suptitle("Simulation against the record, week by week")
        return fig


def plot_fit(per_week: pd.DataFrame, overall: float) -> Figure:
    """Share of dyads inside the ensemble's 90% band, per week."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 4.5), layout="constrained")
        ax = fig.subplots()
        x = pd.to_datetime(per_week["week_start"])
        ax.bar(x, per_week["fit"], width=6, align="edge", color=OKABE_ITO[2], edgecolor="black")
        ax.axhline(0.9, color="black", ls=":", lw=1.2, label="0.9: a perfectly calibrated band")
        ax.axhline(overall, color=OKABE_ITO[1], lw=2, label=f"overall {overall:.2f}")
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of dyads inside the 90% band")
        ax.set_title("Fit of the ensemble to the record, by week")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2)
        return fig


def ensemble_mix(ensemble_dir: Path, record: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame, dt.date]:
    """Mean acts per week and family across an ensemble's runs, and the record's."""
    sim = pd.read_csv(ensemble_dir / "mix_weekly.csv")
    start = dt.date.fromisoformat(sim["week_start"].iloc[0])
    actors = sorted(json.loads((ensemble_dir / "summary.json").read_text()).get(
        "actors", ["NATO", "RUS", "UKR", "USA"]))
    last = min(record["date"].max().date(),
               dt.date.fromisoformat(sim["week_start"].iloc[-1]))
    rec = mix(record, start, last, actors)
    sim = sim.drop(columns="week_start").iloc[: len(rec)]
    return sim, rec, start


def plot_mix(sim: pd.DataFrame, record: pd.DataFrame, start: dt.date,
             left: str = "simulated") -> Figure:
    """Acts per week by family, simulated (left) and recorded (right)."""
    import matplotlib
    import matplotlib.dates

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(13, 4.8), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        for ax, table, title in zip(axes, (sim, record), (left, "record")):
            bottom = np.zeros(len(table))
            x = [start + dt.timedelta(days=7 * int(w)) for w in table.index]
            for n, fam in enumerate(table.columns):
                ax.bar(x, table[fam], bottom=bottom, width=6, align="edge",
                       color=OKABE_ITO[n % 8], label=fam, edgecolor="black", lw=0.4)
                bottom += table[fam].to_numpy()
            ax.set_title(f"Acts per week: {title}")
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
            ax.grid(axis="y", alpha=0.3)
        axes[0].set_ylabel("acts")
        axes[1].legend(frameon=False, fontsize=9, loc="upper left")
        return fig
