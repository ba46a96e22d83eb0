"""Brink: a simulator of crisis bargaining between states.

The API reads in one direction::

    from sim import load_scenario, CrisisModel, run
    scenario = load_scenario("scenarios/winter-2021-22.yaml")
    result = run(scenario, seed=1)          # a Result: DataFrames + summary
    result.events, result.timeseries, result.talks, result.summary
"""

from sim._version import __version__
from sim.model import ACTIONS, CATALOG, Action, Actor, CrisisModel, Outcome
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

__all__ = [
    "ACTIONS",
    "CATALOG",
    "Action",
    "Actor",
    "CrisisModel",
    "Outcome",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "scenario_from_dict",
]
