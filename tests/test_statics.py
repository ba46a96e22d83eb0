"""Comparative statics the model claims, checked on seeded ensembles.

Each test runs the same seeds under two (or more) settings (common random
numbers), so a difference comes from the setting, not from the draws.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import numpy as np
import pytest

from sim import CrisisModel, scenario_from_dict
from sim.scenario import load_scenario, origin_of
from tests.conftest import FLAGSHIP, two_states

pytestmark = pytest.mark.slow
SEEDS = range(30)


def ensemble(scenario: Any, seeds: range = SEEDS, **overrides: Any) -> list[CrisisModel]:
    models = []
    for seed in seeds:
        m = CrisisModel(scenario, seed=seed, overrides=overrides or None)
        m.run()
        models.append(m)
    return models


def outcomes(models: list[CrisisModel]) -> Counter[str]:
    return Counter(m.outcome.kind for m in models if m.outcome)


def concessions_by(models: list[CrisisModel], code: str) -> int:
    return sum(1 for m in models for e in m.events
               if m.actor_ids[e[2]] == code and e[4] in ("offer_concession", "make_concession"))


def test_a_more_resolute_target_concedes_less() -> None:
    # A coerces B; B's resolve is the only difference
    soft = ensemble(scenario_from_dict(two_states(**{"actors.BBB.resolve": 0.1})))
    firm = ensemble(scenario_from_dict(two_states(**{"actors.BBB.resolve": 0.95})))
    assert concessions_by(soft, "BBB") > 1.5 * concessions_by(firm, "BBB")
    # and at the table it gives away less: B's final position stays nearer its own
    soft_pos = np.mean([m.positions[1, 0] for m in soft])
    firm_pos = np.mean([m.positions[1, 0] for m in firm])
    assert firm_pos > soft_pos


def test_no_actor_allowed_force_means_no_war() -> None:
    scenario = load_scenario(FLAGSHIP, [f"actors.{a}.can_use_force=false"
                                        for a in ("RUS", "USA", "NATO", "UKR")])
    # a high incident risk: incidents still happen, but cannot become war
    models = ensemble(scenario, **{"parameters.incident_risk": 0.5})
    assert outcomes(models)["war"] == 0
    assert sum(e[1] == "incident" for m in models for e in m.events) > 0
    # the contrast: with force allowed, the same seeds do produce wars
    assert outcomes(ensemble(load_scenario(FLAGSHIP), **{"parameters.incident_risk": 0.5}))[
        "war"] > 0


def test_no_talks_means_no_settlement() -> None:
    with_talks = ensemble(scenario_from_dict(two_states(**{"actors.BBB.resolve": 0.2})))
    without = ensemble(scenario_from_dict(two_states(**{"actors.BBB.resolve": 0.2,
                                                        "talks": []})))
    assert outcomes(with_talks)["settlement"] > 0
    assert outcomes(without)["settlement"] == 0


def test_higher_incident_risk_never_lowers_escalation() -> None:
    scenario = load_scenario(FLAGSHIP)
    levels = [0.0, 0.02, 0.1, 0.4]
    mean_peak = []
    for risk in levels:
        models = ensemble(scenario, **{"parameters.incident_risk": risk})
        mean_peak.append(np.mean([m.record["rung"][: m.days_run].max() for m in models]))
    assert all(b >= a for a, b in itertools.pairwise(mean_peak)), mean_peak
    assert mean_peak[-1] > mean_peak[0]


def test_credible_threats_deter() -> None:
    """Deterrence: the same crisis with credible Western threats ends in war less often."""
    base = load_scenario(FLAGSHIP)
    weak = ensemble(base, **{"actors.USA.credibility": 0.05, "actors.NATO.credibility": 0.05})
    strong = ensemble(base, **{"actors.USA.credibility": 0.95, "actors.NATO.credibility": 0.95})
    assert outcomes(strong)["war"] < outcomes(weak)["war"]
    assert origin_of(base).path.endswith("winter-2021-22.yaml")
