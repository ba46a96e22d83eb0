"""Brink in Mesa's own SolaraViz, for notebooks: ``page(...)`` as the last line of a cell.

``brink dashboard`` serves Brink's own pages (sim/dashboard/app.py: scenario
uploads, per-actor sliders, the team game). This module is the lighter view
a notebook wants, built on Mesa's ``SolaraViz`` so that its Step, Play and
Reset buttons, speed controls and parameter panel are Mesa's::

    from sim.dashboard.viz import page
    page("winter-2021-22", seed=2022)      # in a Jupyter cell: the live dashboard

``SolaraViz`` rebuilds the model on Reset by calling its class with the
parameters of its panel, and offers a Mesa ``scenario=`` object to any class
whose constructor takes a ``scenario`` argument or ``**kwargs``. ``CrisisModel``
has both, for its own scenarios, so ``LiveCrisis`` gives SolaraViz a
constructor with named parameters only. Its plots are Brink's, against real
dates with the talk rounds marked (SolaraViz's own plot component puts steps
on the x axis).
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.dashboard.figures import live_figure, live_result
from sim.dashboard.state import bundled, feed
from sim.model.crisis import CrisisModel


class LiveCrisis(CrisisModel):
    """A bundled scenario with the settings a class moves most, as SolaraViz rebuilds it.

    Args:
        scenario_name: a bundled scenario (``brink scenarios`` lists them).
        seed: the run's random seed.
        rationality, incident_risk, misperception, perception_bias: the
            scenario's ``parameters`` of those names (docs/ODD.md).
    """

    def __init__(self, scenario_name: str = "winter-2021-22", seed: int = 2022,
                 rationality: float = 30.0, incident_risk: float = 0.015,
                 misperception: float = 0.3, perception_bias: float = 0.0) -> None:
        scenarios = bundled()
        if scenario_name not in scenarios:
            raise ValueError(f"no bundled scenario {scenario_name!r}; there are "
                             f"{', '.join(sorted(scenarios))}")
        super().__init__(scenarios[scenario_name], seed=int(seed), overrides={
            "parameters.rationality": float(rationality),
            "parameters.incident_risk": float(incident_risk),
            "parameters.misperception": float(misperception),
            "parameters.perception_bias": float(perception_bias)})


def _figure(name: str, model: CrisisModel) -> None:
    update_counter.get()  # drawn again after every step
    solara.FigureMatplotlib(live_figure(name, live_result(model)), format="png", dpi=80)


@solara.component
def EscalationPlot(model: CrisisModel) -> None:
    """The escalation ladder so far, against dates, talk rounds marked."""
    _figure("escalation", model)


@solara.component
def PositionsPlot(model: CrisisModel) -> None:
    """Every actor's position on every issue so far."""
    _figure("positions", model)


@solara.component
def TensionPlot(model: CrisisModel) -> None:
    """The tension index and the highest posture so far."""
    _figure("tension", model)


@solara.component
def BeliefsPlot(model: CrisisModel) -> None:
    """Each actor's belief that its rivals are resolute, so far."""
    _figure("beliefs", model)


@solara.component
def Feed(model: CrisisModel) -> None:
    """The latest events in plain words, newest first, with the model's reasons."""
    update_counter.get()
    with solara.Card("Latest events"), solara.Column(gap="4px"):
        for line in feed(model, 12):
            solara.Text(line)


def model_params(scenario_name: str = "winter-2021-22", seed: int = 2022) -> dict[str, Any]:
    """SolaraViz's parameter panel: scenario, seed and four parameters as sliders."""
    return {
        "scenario_name": {"type": "Select", "value": scenario_name, "label": "Scenario",
                          "values": sorted(bundled())},
        "seed": {"type": "InputText", "value": seed, "label": "Seed"},
        "rationality": {"type": "SliderFloat", "value": 30.0, "label": "Rationality",
                        "min": 0.0, "max": 100.0, "step": 1.0},
        "incident_risk": {"type": "SliderFloat", "value": 0.015, "label": "Incident risk",
                          "min": 0.0, "max": 0.1, "step": 0.005},
        "misperception": {"type": "SliderFloat", "value": 0.3, "label": "Misperception",
                          "min": 0.0, "max": 2.0, "step": 0.1},
        "perception_bias": {"type": "SliderFloat", "value": 0.0, "label": "Perception bias",
                            "min": -1.0, "max": 1.0, "step": 0.1},
    }


def page(scenario_name: str = "winter-2021-22", seed: int = 2022,
         plots: tuple[str, ...] = ("escalation", "beliefs")) -> Any:
    """A SolaraViz page of a bundled scenario: the chosen live plots and the event feed.

    Args:
        scenario_name: a bundled scenario.
        seed: the first run's seed (the panel changes it).
        plots: any of "escalation", "positions", "tension", "beliefs".
    """
    makers = {"escalation": EscalationPlot, "positions": PositionsPlot,
              "tension": TensionPlot, "beliefs": BeliefsPlot}
    unknown = [p for p in plots if p not in makers]
    if unknown:
        raise ValueError(f"unknown plot {unknown[0]!r}; choose from {', '.join(makers)}")
    components = [(makers[p], 0) for p in plots] + [(Feed, 0)]
    return SolaraViz(LiveCrisis(scenario_name, seed=seed), components=components,
                     model_params=model_params(scenario_name, seed), name="Brink",
                     play_interval=400)
