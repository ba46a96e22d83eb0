"""Each mechanism of the model alone, on hand-set states, with hand-worked answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import CrisisModel, scenario_from_dict
from sim.model.actions import INDEX
from sim.model.choice import logit_probabilities, sample
from tests.conftest import two_states

QUIET = {"parameters": {"incident_risk": 0.0, "misperception": 0.0}}


def model(**changes: object) -> CrisisModel:
    return CrisisModel(scenario_from_dict(two_states(**{**QUIET, **changes})), seed=0)


def act(m: CrisisModel, i: int, name: str, j: int, day: int = 0) -> None:
    m._act(day, i, INDEX[name], j, "test", "act", np.zeros(m.n))


def test_escalatory_act_raises_posture_one_rung_and_ladder_allows_one_rung_up() -> None:
    m = model(**{"actors.AAA.rung": 2})
    act(m, 0, "threaten_force", 1)  # rung 4 act from rung 2: posture 3
    assert m.rung[0] == 3
    act(m, 0, "mobilize", 1)  # mobilize raises toward its ceiling 8, one rung at a time
    assert m.rung[0] == 4
    act(m, 0, "demobilize", 1)
    assert m.rung[0] == 3
    feasible = m._feasible(0)
    # at rung 3: acts up to rung 4 allowed, use_force (9) not
    assert feasible[0, INDEX["threaten_force"], 1]
    assert not feasible[0, INDEX["cyber_attack"], 1]
    assert not feasible[0, INDEX["use_force"], 1]


def test_costly_signal_moves_beliefs_by_its_log_likelihood_ratio() -> None:
    m = model()
    prior = m.belief[1, 0]
    act(m, 0, "mobilize", 1)  # signal 0.5, not a public threat
    expected = 1 / (1 + math.exp(-(math.log(prior / (1 - prior)) + 0.5)))
    assert m.belief[1, 0] == pytest.approx(expected)
    before = m.belief[1, 0]
    act(m, 0, "warn", 1)  # cheap talk: 0.05 x (1 + audience 0.5) = 0.075
    expected = 1 / (1 + math.exp(-(math.log(before / (1 - before)) + 0.075)))
    assert m.belief[1, 0] == pytest.approx(expected)


def test_credibility_rises_when_a_called_threat_is_carried_out() -> None:
    m = model()
    act(m, 0, "threaten_sanctions", 1, day=0)
    m.rung[1] += 1  # B escalates: the threat is called at the end of the day
    m._threats(0)
    assert m.called_until[0, 1, 0] == 0 + m.params.follow_through_days
    act(m, 0, "impose_sanctions", 1, day=3)
    # 0.5 + 0.3 * (1 - 0.5) = 0.65
    assert m.credibility[0] == pytest.approx(0.65)
    assert m.threat_until[0, 1, 0] == -1


def test_credibility_falls_when_a_called_threat_lapses() -> None:
    m = model()
    act(m, 0, "threaten_sanctions", 1, day=0)
    m.rung[1] += 1
    m._threats(0)
    deadline = m.called_until[0, 1, 0]
    m._threats(deadline)  # last day to act: nothing yet
    assert m.credibility[0] == pytest.approx(0.5)
    m._threats(deadline + 1)
    # 0.5 - 0.3 * 0.5 = 0.35, and the lapse is in the log
    assert m.credibility[0] == pytest.approx(0.35)
    assert m.events[-1][4] == "threat_not_carried_out"


def test_renewing_a_called_threat_does_not_escape_the_test() -> None:
    m = model()
    act(m, 0, "threaten_sanctions", 1, day=0)
    m.rung[1] += 1
    m._threats(0)
    deadline = m.called_until[0, 1, 0]
    act(m, 0, "threaten_sanctions", 1, day=2)
    assert m.called_until[0, 1, 0] == deadline


def test_exposure_by_hand() -> None:
    m = model()
    act(m, 0, "threaten_sanctions", 1)
    # credibility 0.5 x severity (= capability 0.8) x vulnerability 0.5 = 0.2
    assert m.exposure(0)[1] == pytest.approx(0.2)
    act(m, 0, "impose_sanctions", 1)
    # once imposed, 60% of its deterrent value is sunk: 0.2 x 0.4 = 0.08
    assert m.exposure(0)[1] == pytest.approx(0.08)


def test_incidents_happen_with_the_stated_probability_and_can_mean_war() -> None:
    m = model(**{"parameters": {"incident_risk": 1.0}, "actors.AAA.rung": 8,
                 "actors.BBB.rung": 8})
    m._incidents(0)
    assert m.outcome is not None and m.outcome.kind == "war"
    assert "incident" in m.outcome.detail
    # at rungs 4 and 4 with incident_risk 1: p = (4/8) * (4/8) = 0.25 a day
    hits = 0
    for seed in range(400):
        m = CrisisModel(scenario_from_dict(two_states(**{
            "parameters": {"incident_risk": 1.0}, "actors.AAA.rung": 4,
            "actors.BBB.rung": 4})), seed=seed)
        m._incidents(0)
        hits += sum(e[1] == "incident" for e in m.events)
    assert hits / 400 == pytest.approx(0.25, abs=0.06)


def test_an_actor_that_may_not_use_force_is_capped_at_the_brink() -> None:
    m = model(**{"parameters": {"incident_risk": 1.0}, "actors.AAA.rung": 8,
                 "actors.AAA.can_use_force": False, "actors.BBB.rung": 8,
                 "actors.BBB.can_use_force": False})
    m._incidents(0)
    assert m.outcome is None and m.rung.tolist() == [8, 8]


def test_concession_moves_the_least_salient_issue_never_a_red_line() -> None:
    data = two_states()
    data["issues"]["coast"] = {"label": "Coast", "low": "a", "high": "b"}
    data["actors"]["AAA"]["positions"]["coast"] = 0
    data["actors"]["BBB"]["positions"]["coast"] = 100
    data["actors"]["BBB"]["salience"] = {"border": 0.9, "coast": 0.2}
    m = CrisisModel(scenario_from_dict(data), seed=0)
    act(m, 1, "make_concession", 0)
    assert m.positions[1].tolist() == [100.0, 90.0]  # coast matters less to B
    data["actors"]["BBB"]["red_lines"] = ["coast"]
    m = CrisisModel(scenario_from_dict(data), seed=0)
    act(m, 1, "make_concession", 0)
    assert m.positions[1].tolist() == [90.0, 100.0]


def test_logit_choice_becomes_best_response_as_rationality_grows() -> None:
    m = model()
    utility, _, feasible, _ = m._utilities(0)
    best = np.argmax(np.where(feasible[0], utility[0], -np.inf).ravel())
    uniforms = np.random.default_rng(0).random((200, m.n))
    hits = {}
    for rationality in (0.0, 1000.0):
        p = logit_probabilities(utility.reshape(m.n, -1), feasible.reshape(m.n, -1),
                                rationality)
        hits[rationality] = sum(int(sample(p, u)[0] == best) for u in uniforms)
    assert hits[1000.0] == 200 and hits[0.0] < 100


def test_positions_never_leave_the_scale_through_rounding() -> None:
    # found by hypothesis: a concession toward a subnormal position came out at -5.7e-218
    m = model(**{"actors.AAA.positions": {"border": 5e-218}, "actors.BBB.positions":
                 {"border": 1e-300}})
    act(m, 0, "make_concession", 1)
    act(m, 1, "make_concession", 0)
    assert ((m.positions >= 0) & (m.positions <= 100)).all()
