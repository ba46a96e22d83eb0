"""The compiled day (sim/model/engine.py): its buffers, its log, and its agreement with Python.

The model's arrays are views of flat buffers that compiled code unpacks by
position; these tests hold the Python names and the compiled unpacking to
the same arrays, and check that the log kept as numbers reads back as the
logged events.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim import CrisisModel, load_scenario, scenario_from_dict
from sim.model import engine
from tests.conftest import FLAGSHIP, two_states

_FLAGSHIP = load_scenario(FLAGSHIP)


def _unpacked(m: CrisisModel) -> tuple:
    S, C, K, cat, par = engine.unpack(*m._head)
    CI = m._head[4]
    days, n, k = (int(CI[x]) for x in (engine.H_DAYS, engine.H_N, engine.H_K))
    return S, C, engine.unpack_record(*m._tail, days, n, k), (K, cat), par


def test_the_compiled_unpacking_sees_the_model_s_own_arrays() -> None:
    m = CrisisModel(_FLAGSHIP, seed=3)
    rng = np.random.default_rng(0)
    names = (*engine.STATE_F, *engine.STATE_I, *engine.STATE_B, *engine.CONST_F,
             *engine.CONST_B)
    for name in names:  # distinct values everywhere: a shifted offset cannot go unseen
        a = getattr(m, name)
        a[...] = rng.random(a.shape) < 0.5 if a.dtype == bool else rng.integers(-50, 50, a.shape)
    for name in engine.RECORD_F + engine.RECORD_I:
        m.record[name][...] = rng.integers(-50, 50, m.record[name].shape)
    S, C, R, _, _ = _unpacked(m)
    state = ("rung", "belief", "positions", "aid", "credibility", "threat_until", "threat_base",
             "called_until", "sanctioned", "halted", "mobilized_on", "owed", "_today", "_scal",
             "_out", "_committed", "_ev_n", "_bg", "_work", "_work_i", "_work_b")
    constants = ("salience", "capability", "resolve", "risk_tolerance", "audience", "severity",
                 "vulnerability", "force_ok", "rival", "ally", "red", "_defenders", "talk_soon",
                 "_incident_pairs", "prior_logodds", "status_quo", "core")
    assert len(S) == len(state) and len(C) == len(constants)
    for name, view in zip(state, S):
        assert np.array_equal(view, getattr(m, name)), name
    for name, view in zip(constants, C):
        assert np.array_equal(view, getattr(m, name)), name
    for name, view in zip(("rung", "credibility", "exposure", "positions", "belief", "tension"),
                          R):
        assert np.array_equal(view, m.record[name]), name
    # and a change through a view is a change of the model's array
    S[0][:] = 7
    assert (m.rung == 7).all()


def test_the_statics_unpack_to_what_the_kernel_is_given() -> None:
    m = CrisisModel(_FLAGSHIP, seed=0)
    *_, (K, cat), par = _unpacked(m)
    for got, want in zip(K[:-1], m._static.kernel_args):
        assert np.array_equal(np.asarray(got), np.asarray(want))
    for got, want in zip(cat, engine.CAT):
        assert np.array_equal(got, want)
    assert par.tolist() == [float(getattr(m.params, x)) for x in engine.PARAMETERS]


def test_the_rounds_unpack_to_their_constants() -> None:
    m = CrisisModel(_FLAGSHIP, seed=0)
    assert len(m.rounds) >= 5
    slots = set()
    for r in m.rounds:
        mem, ag, salience, sq, concession, settings, rivals, red, to = engine.round_constants(
            *m._head[3:6], r.index)
        for got, want in ((mem, r.mem), (ag, r.ag), (salience, r.salience),
                          (sq, r.status_quo), (concession, r.concession),
                          (settings, r.settings), (rivals, r.rivals), (red, r.red)):
            assert np.array_equal(got, want)
        assert to == r.t_off
        slots.add(range(to, to + engine.result_size(len(r.mem), len(r.ag), m.k)))
    ends = sorted((s.start, s.stop) for s in slots)  # the result slots do not overlap
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))
    assert ends[-1][1] == m._TF.size


def test_runs_do_not_share_state() -> None:
    # runs of one scenario copy the template's buffers: one run's changes stay its own
    a = CrisisModel(_FLAGSHIP, seed=1)
    b = CrisisModel(_FLAGSHIP, seed=1)
    a.run()
    assert b.days_run == 0 and b.events == []
    b.run()
    assert repr(a.events) == repr(b.events) and a.talk_log == b.talk_log
    for name in a.record:
        np.testing.assert_array_equal(a.record[name], b.record[name])


def test_the_log_reads_the_same_however_often_and_whenever_it_is_read() -> None:
    read_daily = CrisisModel(_FLAGSHIP, seed=5)
    while read_daily.running:
        read_daily.step()
        _ = read_daily.events, read_daily.talk_log
    read_once = CrisisModel(_FLAGSHIP, seed=5)
    read_once.run()
    assert repr(read_daily.events) == repr(read_once.events)
    assert read_daily.talk_log == read_once.talk_log
    assert read_once.events is read_once.events  # one list, extended as the run goes on


def test_the_event_buffer_grows_without_losing_events() -> None:
    m = CrisisModel(scenario_from_dict(two_states(
        **{"parameters": {"incident_risk": 0.0, "misperception": 0.0}})), seed=0)
    first = m._ev_i.shape[0]
    for k in range(first * 3):  # more acts than the buffer first holds
        m._act(0, 0, 3, 1, f"criticism {k}", "injected", np.zeros(m.n))
    assert m._ev_i.shape[0] > first
    reasons = [e[8] for e in m.events]
    assert reasons == [f"criticism {k}" for k in range(first * 3)]


@pytest.mark.parametrize("seed", range(5))
def test_credibility_and_incident_reasons_state_their_numbers(seed: int) -> None:
    m = CrisisModel(_FLAGSHIP, seed=seed, incident_risk=0.2)
    m.run()
    kinds = {e[1] for e in m.events}
    assert "incident" in kinds
    for _day, kind, _i, j, action, _c, _g, _rung, reason in m.events:
        if kind == "incident" and not reason.startswith("injected"):
            a, b = (int(x) for x in reason.split("rungs ")[1].split(" and "))
            assert 0 <= a <= 8 and 0 <= b <= 8 and j is not None
        if kind == "credibility":
            before, after = (float(x) for x in reason.split("credibility ")[1].split(" -> "))
            assert (after >= before) == (action == "threat_carried_out")


@pytest.mark.parametrize("daily", [True, False])
def test_the_record_collector_gives_what_mesa_s_collector_would(daily: bool) -> None:
    import mesa

    from sim.model.crisis import RecordCollector

    for seed in range(6):
        m = CrisisModel(_FLAGSHIP, seed=seed)
        m.collect_daily = daily
        plain = mesa.DataCollector(model_reporters=dict(RecordCollector.REPORTERS))
        plain.collect(m)
        seen = 1
        while m.running:
            m.step()
            if len(m.datacollector._days) > seen:  # collect when the model's collector did
                plain.collect(m)
                seen += 1
        ours = m.datacollector.get_model_vars_dataframe()
        assert len(ours) == (m.days_run + 1 if daily else 2)
        assert ours.equals(plain.get_model_vars_dataframe())
        assert ours["outcome"].iloc[-1] == m.outcome.kind


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.SFC64])
def test_compiled_draws_are_numpy_s_own(bit_generator: type) -> None:
    # engine.draw_day makes a day's draws through the bit generator's C interface with
    # numpy's algorithms: the same numbers, and the generator left in the same state
    for seed in range(60):
        ours = np.random.Generator(bit_generator(seed))
        theirs = np.random.Generator(bit_generator(seed))
        addresses = engine.bit_generator_addresses(ours)
        for _ in range(30):
            u, z, w = engine.draw_day(addresses, 4)
            assert np.array_equal(u, theirs.random(4))
            assert np.array_equal(z, theirs.standard_normal((4, 4)))
            assert np.array_equal(w, theirs.random((4, 4)))
        # the same state after: the next draws agree
        assert np.array_equal(ours.integers(0, 2**62, 8), theirs.integers(0, 2**62, 8))


def test_a_new_generator_is_followed() -> None:
    # Mesa's reset_rng gives the model a new Generator: the compiled draws follow it
    a = CrisisModel(_FLAGSHIP, seed=2)
    b = CrisisModel(_FLAGSHIP, seed=2)
    for m in (a, b):
        m.step()
    a.rng = np.random.default_rng(99)
    b.rng = np.random.default_rng(99)
    b._bg_of = None  # as if never drawn from
    for m in (a, b):
        for _ in range(20):
            m.step()
    assert repr(a.events) == repr(b.events)
    c = CrisisModel(_FLAGSHIP, seed=2)
    c.step()
    for _ in range(20):
        c.step()
    assert repr(c.events) != repr(a.events)


@pytest.mark.parametrize("seed", range(4))
def test_the_log_without_reasons_is_the_log(seed: int) -> None:
    # the ensembles count acts from events_unexplained(): the same events, reasons left out
    bare = CrisisModel(_FLAGSHIP, seed=seed)
    bare.run()
    unexplained = bare.events_unexplained()
    assert all(e[8] is None for e in unexplained)
    full = CrisisModel(_FLAGSHIP, seed=seed)
    full.run()
    assert repr([e[:8] for e in full.events]) == repr([e[:8] for e in unexplained])
    assert full.events_unexplained() is full.events  # once read, the log is reused


def test_a_day_with_hundreds_of_scripted_events_or_rounds_fits_the_event_buffer() -> None:
    # the compiled day has no bounds check: the model makes room for its busiest day
    # (found by review: 300 scripted events on one day overran the buffer)
    busy = two_states(**{"parameters": {"incident_risk": 0.0}})
    busy["events"] = [{"date": "2030-01-01", "actor": "AAA", "action": "criticize",
                       "target": "BBB"}] * 300
    m = CrisisModel(scenario_from_dict(busy), seed=0)
    m.step()
    assert int(m._ev_n[0]) <= m._ev_i.shape[0]
    assert sum(e[1] == "scripted" for e in m.events) == 300
    talks = two_states(**{"actors.AAA.red_lines": ["border"], "actors.BBB.red_lines": ["border"]})
    talks["talks"] = [{"date": "2030-01-01", "name": f"r{x}", "participants": ["AAA", "BBB"]}
                      for x in range(450)]
    m = CrisisModel(scenario_from_dict(talks), seed=1)
    m.step()
    assert int(m._ev_n[0]) <= m._ev_i.shape[0]
    assert len(m.talk_log) == 450 and sum(e[1] == "talks" for e in m.events) == 900


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_model_runs_on_its_own(how: str) -> None:
    import copy
    import pickle

    a = CrisisModel(_FLAGSHIP, seed=3)
    for _ in range(5):
        a.step()
    b = copy.deepcopy(a) if how == "deepcopy" else pickle.loads(pickle.dumps(a))
    assert np.shares_memory(b.belief, b._head[0]) and not np.shares_memory(b.belief, a.belief)
    before = a.rng.bit_generator.state
    b.run()
    assert a.rng.bit_generator.state == before  # the copy draws from its own generator
    whole = CrisisModel(_FLAGSHIP, seed=3)
    whole.run()
    assert repr(b.events) == repr(whole.events) and b.talk_log == whole.talk_log
    a.run()
    assert repr(a.events) == repr(whole.events)


def test_the_template_cache_is_bounded_and_rebuilds() -> None:
    from sim.model import crisis
    from sim.scenario.loader import with_overrides

    specs = [with_overrides(_FLAGSHIP, {"actors.RUS.resolve": 0.3 + 0.005 * x})
             for x in range(70)]
    first = CrisisModel(specs[0], seed=4)
    first.run()
    for spec in specs[1:]:
        CrisisModel(spec, seed=4)
    assert len(crisis._TEMPLATES) <= 64
    again = CrisisModel(specs[0], seed=4)  # its template was evicted: built anew
    again.run()
    assert repr(again.events) == repr(first.events)
