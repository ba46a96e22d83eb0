"""The player hook: people (or scripts) deciding for actors, and exact replays of their games."""

from __future__ import annotations

import json

import pytest

from sim import CrisisModel
from sim.model.players import Move, replay_players
from tests.conftest import two_states


class Scripted:
    """Picks the least likely option every third day; offers 50 on the first issue; says no."""

    def __init__(self, accept: bool | None = False) -> None:
        self.seen: list[list] = []
        self.answer = accept

    def choose(self, model, actor, options):
        self.seen.append(options)
        if model.day % 3 == 0:
            return options[-1].action, options[-1].target
        return None

    def offer(self, model, actor, talks):
        return {talks.agenda[0]: 50.0}

    def accept(self, model, actor, talks, deal):
        return self.answer


class Silent:
    def choose(self, model, actor, options):
        return None

    def offer(self, model, actor, talks):
        return None

    def accept(self, model, actor, talks, deal):
        return None


def test_a_player_that_always_defers_changes_nothing(flagship):
    alone = CrisisModel(flagship, seed=5)
    alone.run()
    played = CrisisModel(flagship, seed=5, players={"UKR": Silent(), "USA": Silent()})
    played.run()
    assert played.events == alone.events
    assert played.moves == []


def test_menu_holds_feasible_options_with_model_probabilities(flagship):
    p = Scripted()
    m = CrisisModel(flagship, seed=1, players={"UKR": p})
    m.step()
    menu = p.seen[0]
    assert abs(sum(o.probability for o in menu) - 1.0) < 1e-9
    assert [o.probability for o in menu] == sorted((o.probability for o in menu), reverse=True)
    assert all(o.probability > 0 for o in menu)
    allowed = set(m.crisis.actors["UKR"].allowed_actions)
    assert {o.action for o in menu} <= allowed
    assert "use_force" not in {o.action for o in menu}  # UKR may not start a war here
    assert all(o.reason.endswith(f"p={o.probability:.2f}") for o in menu)


def test_played_moves_are_carried_out_logged_and_kept(flagship):
    m = CrisisModel(flagship, seed=3, players={"UKR": Scripted()})
    m.run()
    acts = [mv for mv in m.moves if mv.kind == "act"]
    assert acts and all(mv.day % 3 == 0 for mv in acts)
    played = [e for e in m.events if e[1] == "played"]
    non_hold = [mv for mv in acts if mv.value[0] != "hold"]
    assert len(played) == len(non_hold)
    assert all(e[8].startswith("played by a person") for e in played)


def test_a_game_replays_exactly_from_its_moves(flagship):
    m = CrisisModel(flagship, seed=3, players={"UKR": Scripted(), "USA": Scripted()})
    m.run()
    moves = [Move.from_dict(json.loads(json.dumps(mv.to_dict()))) for mv in m.moves]
    again = CrisisModel(flagship, seed=3, players=replay_players(moves))
    again.run()
    assert again.events == m.events
    assert again.talk_log == m.talk_log
    assert again.moves == m.moves


class Answer(Silent):
    def __init__(self, answer):
        self.answer = answer

    def accept(self, model, actor, talks, deal):
        return self.answer


def test_turning_down_a_deal_breaks_the_round_down():
    crisis = two_states()  # its one round ends in an agreement and a settlement
    base = CrisisModel(crisis, seed=0)
    base.run()
    assert base.talk_log[0]["status"] == "agreement" and base.outcome.kind == "settlement"
    said_yes = CrisisModel(crisis, seed=0, players={"BBB": Answer(True)})
    said_yes.run()
    assert said_yes.events == base.events
    assert [mv.value for mv in said_yes.moves] == [True]
    m = CrisisModel(crisis, seed=0, players={"BBB": Answer(False)})
    m.run()
    assert m.talk_log[0]["status"] == "breakdown"
    assert m.talk_log[0]["note"].startswith("BBB turned down the deal reached (border ")
    assert m.outcome.kind != "settlement"
    assert [(mv.kind, mv.value, mv.talks) for mv in m.moves] == [("accept", False,
                                                                   "Border talks")]


def test_an_offer_at_the_table_changes_the_deal():
    crisis = two_states()
    base = CrisisModel(crisis, seed=0)
    base.run()
    deal = float(base.talk_log[0]["agreed"].split("=")[1])

    class Firm(Silent):
        def offer(self, model, actor, talks):
            assert talks.positions["BBB"]["border"] == 100.0
            return {"border": 40.0}  # B comes to the table already near A's claim

    m = CrisisModel(crisis, seed=0, players={"BBB": Firm()})
    m.run()
    assert m.talk_log[0]["status"] == "agreement"
    assert float(m.talk_log[0]["agreed"].split("=")[1]) < deal
    assert any(e[1] == "offer" and "border 40" in e[8] for e in m.events)


def test_an_illegal_pick_is_refused_with_the_menu(flagship):
    class Cheat(Silent):
        def choose(self, model, actor, options):
            return "use_force", "RUS"

    m = CrisisModel(flagship, seed=1, players={"UKR": Cheat()})
    with pytest.raises(ValueError, match="UKR cannot use_force RUS today; allowed: "):
        m.step()


def test_an_offer_off_the_agenda_or_range_is_refused(flagship):
    class Off(Silent):
        def __init__(self, offer):
            self.o = offer

        def offer(self, model, actor, talks):
            return self.o

    with pytest.raises(ValueError, match="not on the agenda"):
        CrisisModel(flagship, seed=1, players={"USA": Off({"no_such_issue": 3})}).run()
    with pytest.raises(ValueError, match="must be 0-100"):
        CrisisModel(flagship, seed=1, players={"USA": Off({"nato_enlargement": 130})}).run()


def test_unknown_player_actor_is_refused(flagship):
    with pytest.raises(ValueError, match="unknown actor 'XYZ' among the players"):
        CrisisModel(flagship, seed=1, players={"XYZ": Silent()})


def test_injects_take_effect_and_are_logged(flagship):
    m = CrisisModel(flagship, seed=2)
    m.step()
    rus = m.actor_ids.index("RUS")
    others = [i for i in range(m.n) if i != rus]
    before = m.belief[others, rus].copy()
    m.inject_report("RUS", 1.0, "a leaked assessment")
    assert (m.belief[others, rus] > before).all()
    r0 = m.rung.copy()
    m.inject_incident("RUS", "UKR", "shelling")
    assert m.rung[rus] == min(r0[rus] + 1, 8) or m.outcome is not None
    m.inject_act("USA", "warn", "RUS", "a call")
    kinds = [e[1] for e in m.events[-3:]]
    assert kinds == ["injected", "incident", "injected"]
    assert m.events[-1][4] == "warn" and m.events[-1][0] == m.days_run


def test_a_run_with_injects_is_tabulated_like_any_other(flagship):
    from sim.ensemble import add_run_counts, run_row

    m = CrisisModel(flagship, seed=2)
    m.step()
    m.inject_report("RUS", -1.0, "a reassuring leak")
    m.inject_act("USA", "warn", "RUS", "a call")
    m.run()
    row = run_row(m, 0)
    acts = [e for e in m.events if e[1] in ("act", "scripted", "injected") and e[4] == "warn"]
    assert row["count.warn"] == len(acts) >= 1
    totals: dict = {}
    add_run_counts(totals, m, daily=True)
    assert totals["outcome"].sum() == 1
