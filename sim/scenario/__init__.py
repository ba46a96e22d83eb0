"""Scenarios: the schema (``schema``) and the file loader (``loader``)."""

from sim.scenario.loader import (
    Origin,
    Problem,
    ScenarioError,
    load_scenario,
    origin_of,
    scenario_from_dict,
    scenario_hash,
)
from sim.scenario.schema import Actor, Issue, Parameters, Scenario, ScriptedEvent, TalkRound

__all__ = [
    "Actor",
    "Issue",
    "Origin",
    "Parameters",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScriptedEvent",
    "TalkRound",
    "load_scenario",
    "origin_of",
    "scenario_from_dict",
    "scenario_hash",
]
