"""The crisis model as a whole: scheduling, outcomes, determinism, invariants, Mesa."""

from __future__ import annotations

import datetime as dt
from typing import Any

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CrisisModel, load_scenario, scenario_from_dict
from sim.results import collect, run
from tests.conftest import FLAGSHIP, two_states


def test_runs_from_defaults_alone() -> None:
    """CrisisModel() is the flagship with its own seed, and runs to an outcome."""
    model = CrisisModel()
    assert model.crisis.name == "Winter crisis 2021/22"
    assert model.seed == model.crisis.seed
    model.run()
    assert model.outcome is not None
    assert model.outcome.kind in {"war", "settlement", "standoff"}
    assert not model.running


def test_same_seed_same_run_different_seed_different_run() -> None:
    a, b, c = (run(FLAGSHIP, seed=s) for s in (5, 5, 6))
    assert a.events.equals(b.events)
    assert a.timeseries.equals(b.timeseries)
    assert a.summary == b.summary
    assert not a.events.equals(c.events)


def test_time_is_days_and_talks_happen_on_their_dates() -> None:
    model = CrisisModel(scenario_from_dict(two_states()), seed=1)
    for _ in range(31):  # 1 Jan .. 31 Jan
        model.step()
    assert model.time == 31.0 and model.day == 30
    assert model.talk_log == []
    model.step()  # 1 Feb: the round is held after the day's acts
    assert [r["name"] for r in model.talk_log] == ["Border talks"]
    assert model.date_of(model.talk_log[0]["day"]) == dt.date(2030, 2, 1)


def test_scripted_event_enters_the_log_on_its_date() -> None:
    data = two_states()
    data["events"] = [{"date": "2030-01-05", "actor": "BBB", "target": "AAA",
                       "action": "threaten_sanctions", "note": "leaked ultimatum"}]
    model = CrisisModel(scenario_from_dict(data), seed=2)
    model.run()
    scripted = [e for e in model.events if e[1] == "scripted"]
    assert len(scripted) == 1
    day, _, i, j, action, cameo, goldstein, _, reason = scripted[0]
    assert (day, model.actor_ids[i], model.actor_ids[j]) == (4, "BBB", "AAA")
    assert (action, cameo, goldstein) == ("threaten_sanctions", "1312", -5.8)
    assert "leaked ultimatum" in reason


def test_scripted_use_force_is_war_that_day() -> None:
    data = two_states()
    data["events"] = [{"date": "2030-01-10", "actor": "AAA", "target": "BBB",
                       "action": "use_force"}]
    model = CrisisModel(scenario_from_dict(data), seed=3)
    model.run()
    assert model.outcome is not None
    assert (model.outcome.kind, model.outcome.date) == ("war", dt.date(2030, 1, 10))
    assert model.days_run == 10
    assert model.talk_log[0]["status"] == "not held"  # the round after the war


def test_agreement_on_every_core_issue_is_a_settlement_at_the_round() -> None:
    # both sides already agree: the round must settle, and nothing after it happens
    data = two_states(**{"actors.BBB.positions": {"border": 0}})
    model = CrisisModel(scenario_from_dict(data), seed=4)
    model.run()
    assert model.outcome is not None
    assert model.outcome.kind == "settlement"
    assert model.outcome.date == dt.date(2030, 2, 1)


def test_settlement_stands_down_the_table_but_needs_every_posture_low() -> None:
    agreed = {"actors.BBB.positions": {"border": 0}, "actors.AAA.rung": 8,
              "parameters": {"settlement_max_rung": 2, "incident_risk": 0.0}}
    model = CrisisModel(scenario_from_dict(two_states(**agreed)), seed=4)
    model.run()
    assert model.outcome is not None and model.outcome.kind == "settlement"
    assert model.actor("AAA").rung <= 2  # the deal committed AAA to stand down
    # a third party that is not at the table and stays mobilised blocks the settlement
    data = two_states(**agreed)
    data["actors"]["CCC"] = {"name": "C", "capability": 0.5, "resolve": 0.5, "rung": 7,
                             "positions": {"border": 50}, "actions": []}
    model = CrisisModel(scenario_from_dict(data), seed=4)
    model.run()
    assert model.talk_log[0]["status"] == "agreement"
    assert model.outcome is not None and model.outcome.kind != "settlement"


def test_halted_talks_are_cancelled_and_recorded() -> None:
    model = CrisisModel(scenario_from_dict(two_states()), seed=1)
    for _ in range(30):
        model.step()
    model.halted[0, 1] = True  # AAA halts talks with BBB before the round
    model.step()
    model.step()
    assert model.talk_log[-1]["status"] == "cancelled"
    assert "AAA" in model.talk_log[-1]["note"]


def test_runs_under_mesa_batch_run() -> None:
    rows = mesa.batch_run(CrisisModel, {"rationality": [5.0, 40.0]}, rng=[1, 2],
                          number_processes=1, max_steps=200, data_collection_period=-1,
                          display_progress=False)
    assert len(rows) == 4
    assert {r["rationality"] for r in rows} == {5.0, 40.0}
    assert all(r["outcome"] in {"war", "settlement", "standoff"} for r in rows)


def test_keyword_parameters_and_overrides_are_validated() -> None:
    model = CrisisModel(rationality=3.0, overrides={"actors.RUS.resolve": 0.4})
    assert model.params.rationality == 3.0
    assert model.actor("RUS").spec.resolve == 0.4
    from sim import ScenarioError

    with pytest.raises(ScenarioError, match=r"parameters\.rationality"):
        CrisisModel(rationality=-1.0)


def test_actors_are_mesa_agents_reading_model_state() -> None:
    model = CrisisModel(seed=1)
    rus = model.actor("RUS")
    assert isinstance(rus, mesa.Agent)
    assert rus in model.agents
    assert rus.rung == 5 and rus.positions["nato_enlargement"] == 0
    model.rung[rus.index] = 7
    assert rus.rung == 7


# --------------------------------------------------------------------------- invariants

ISSUES = ["alpha", "beta", "gamma", "delta"]
CODES = ["AAA", "BBB", "CCC", "DDD", "EEE"]


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    """Random valid scenarios: 2-5 actors, 1-4 issues, random calendar and knobs."""
    n = draw(st.integers(2, 5))
    k = draw(st.integers(1, 4))
    days = draw(st.integers(5, 60))
    start = dt.date(2030, 1, 1)
    unit = st.floats(0, 1)
    issues = {i: {"label": i, "low": "l", "high": "h", "core": draw(st.booleans()),
                  "status_quo": draw(st.floats(0, 100))} for i in ISSUES[:k]}
    actors = {}
    for c in CODES[:n]:
        actors[c] = {
            "name": c, "kind": draw(st.sampled_from(["state", "alliance", "organisation"])),
            "capability": draw(unit), "resolve": draw(unit),
            "positions": {i: draw(st.floats(0, 100)) for i in issues},
            "salience": {i: draw(unit) for i in issues},
            "rung": draw(st.integers(0, 8)), "credibility": draw(unit),
            "concession_style": draw(st.sampled_from(["boulware", "linear", "conceder"])),
            "red_lines": draw(st.lists(st.sampled_from(list(issues)), max_size=1)),
        }
    talks = [{"date": (start + dt.timedelta(days=draw(st.integers(0, days - 1)))).isoformat(),
              "name": f"round {r}", "participants": draw(st.lists(
                  st.sampled_from(CODES[:n]), min_size=2, max_size=n, unique=True))}
             for r in range(draw(st.integers(0, 4)))]
    params = {"rationality": draw(st.floats(0, 60)), "misperception": draw(st.floats(0, 1.5)),
              "incident_risk": draw(st.floats(0, 0.5)), "perception_bias": draw(st.floats(-1, 1))}
    return {"name": "random", "start": start.isoformat(),
            "end": (start + dt.timedelta(days=days - 1)).isoformat(), "issues": issues,
            "actors": actors, "talks": talks, "parameters": params}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_random_scenarios(data: dict[str, Any], seed: int) -> None:
    scenario = scenario_from_dict(data)
    model = CrisisModel(scenario, seed=seed)
    model.run()
    d = model.days_run
    rec = model.record
    # exactly one outcome, on the last simulated day
    assert model.outcome is not None and not model.running
    assert model.outcome.date == model.date_of(d - 1)
    # values in range, no NaN on simulated days
    assert ((rec["rung"][:d] >= 0) & (rec["rung"][:d] <= 9)).all()
    for key in ("credibility", "belief", "exposure", "positions", "tension"):
        assert not np.isnan(rec[key][:d]).any(), key
    assert ((rec["positions"][:d] >= 0) & (rec["positions"][:d] <= 100)).all()
    assert ((rec["belief"][:d] >= 0) & (rec["belief"][:d] <= 1)).all()
    assert ((rec["credibility"][:d] >= 0) & (rec["credibility"][:d] <= 1)).all()
    assert rec["tension"][:d].min() >= 0 and rec["tension"][:d].max() <= 1
    # a rung of 9 only for war, and only for an actor that may use force
    nines = np.nonzero(rec["rung"][:d] == 9)[1]
    assert all(model.force_ok[i] for i in nines)
    assert (9 in rec["rung"][:d]) <= (model.outcome.kind == "war")
    # every talk round recorded exactly once
    assert len(model.talk_log) == len(scenario.talks)
    assert {r["status"] for r in model.talk_log} <= {
        "agreement", "partial", "continue", "breakdown", "cancelled", "not held"}
    # the event log is consistent with the time series
    result = collect(model)
    assert len(result.timeseries) == d
    assert result.events["date"].max() <= result.timeseries["date"].max() if len(
        result.events) else True
    acts = [e for e in model.events if e[1] == "act"]
    for _day, _, i, j, action, *_ in acts:
        assert model.allowed[i, _index(action)]
        assert j is None or j != i


def _index(action: str) -> int:
    from sim.model.actions import INDEX

    return INDEX[action]


def test_flagship_loads_with_the_documented_ids() -> None:
    s = load_scenario(FLAGSHIP)
    assert list(s.actors) == ["RUS", "USA", "NATO", "UKR"]
    assert s.start == dt.date(2021, 12, 1) and s.end == dt.date(2022, 3, 31)
    dates = {t.date for t in s.talks}
    for d in ("2021-12-07", "2021-12-30", "2022-01-10", "2022-01-12", "2022-01-13"):
        assert dt.date.fromisoformat(d) in dates
