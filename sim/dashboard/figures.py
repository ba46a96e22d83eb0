"""Plots of a run in progress, for the dashboard: real dates, talk rounds marked.

The escalation ladder, positions and beliefs are ``sim.plots``' own (they
take a ``Result``, and ``sim.results.collect`` gives one for a model that is
still running). Two things are added here: the rounds not yet held are
marked too (dotted, like the held ones), so a class sees what is coming; and
a tension plot, which ``sim.plots`` does not have. The ensemble plots are
``sim.plots.outcome_shares`` and ``sim.plots.war_by_date``.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from sim import plots
from sim.model.crisis import CrisisModel
from sim.results import Result, collect

#: the live plots, in the order of the page's tabs
LIVE = ("escalation", "positions", "tension", "beliefs")


def live_result(model: CrisisModel) -> Result:
    """The run so far as a ``Result``, its talks table listing the rounds still to come."""
    result = collect(model)
    held = {(r["day"], r["name"]) for r in model.talk_log}
    coming = [{"date": pd.Timestamp(t.date), "name": t.name, "venue": t.venue,
               "participants": " ".join(t.participants), "agenda": " ".join(t.agenda or ()),
               "status": "scheduled", "agreed": "", "offers": 0, "note": ""}
              for t in model.crisis.talks
              if ((t.date - model.start).days, t.name) not in held and model.outcome is None]
    if coming:
        extra = pd.DataFrame(coming, columns=result.talks.columns)
        result.talks = pd.concat([result.talks, extra], ignore_index=True) \
            if len(result.talks) else extra
    return result


def tension(result: Result) -> Figure:
    """The tension index (0-1) and the highest posture of any actor, day by day."""
    ts = result.timeseries
    with matplotlib.rc_context(plots.RC):
        fig = Figure(figsize=(11, 4.5), layout="constrained")
        ax = fig.subplots()
        ax.plot(ts["date"], ts["tension"], color=plots.OKABE_ITO[1], lw=2.6, label="tension")
        ax.step(ts["date"], ts["escalation"], where="post", color=plots.OKABE_ITO[0], lw=2,
                ls="--", label="highest rung / 9")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("index (0-1)")
        ax.set_title(f"Tension - {result.summary['scenario']}, seed {result.summary['seed']}")
        plots._decorate(ax, result)  # the same date axis and talk marks as every run plot
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2, frameon=False)
        return fig


def live_figure(name: str, result: Result) -> Figure:
    """One of the live plots by name (``LIVE``), the last simulated day marked."""
    makers = {"escalation": plots.escalation, "positions": plots.positions,
              "tension": tension, "beliefs": plots.beliefs}
    fig = makers[name](result)
    ts = result.timeseries
    if len(ts) and not result.summary["outcome"]:  # the outcome line marks the end already
        for ax in fig.axes:
            if ax.get_visible():
                ax.axvline(ts["date"].iloc[-1], color="black", lw=1.2, alpha=0.5, zorder=1)
    return fig
