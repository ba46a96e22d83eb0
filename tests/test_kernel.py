"""The compiled kernel (sim/model/kernel.py) against the numpy statement of the same equations.

The model runs the kernel; ``CrisisModel._utilities_reference`` and
``bargaining.negotiate`` are the readable versions documented in docs/ODD.md.
These tests hold the two to the same numbers on random states and random
talk rounds, and a whole run to the same event log.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CrisisModel, load_scenario
from sim.model import bargaining, crisis, kernel
from sim.model.actions import INDEX
from tests.conftest import FLAGSHIP, SCENARIOS

_FLAGSHIP = load_scenario(FLAGSHIP)


def _scramble(m: CrisisModel, rng: np.random.Generator) -> None:
    """Put the model in a random but valid state: rungs, beliefs, threats, sanctions, debts."""
    n, k = m.n, m.k
    m.rung[:] = rng.integers(0, 9, n)
    m.belief[:] = rng.uniform(0.01, 0.99, (n, n))
    m.positions[:] = np.round(rng.uniform(0, 100, (n, k)), int(rng.integers(0, 3)))
    m.aid[:] = rng.uniform(0, 0.5, n) * (rng.random(n) < 0.5)
    m.credibility[:] = rng.uniform(0, 1, n)
    day = int(rng.integers(0, m.days))
    m.threat_until[:] = np.where(rng.random((n, n, 3)) < 0.3, day + rng.integers(-3, 20, (n, n, 3)),
                                 -1)
    m.called_until[:] = np.where(rng.random((n, n, 3)) < 0.15,
                                 day + rng.integers(-2, 8, (n, n, 3)), -1)
    m.sanctioned[:] = rng.random((n, n)) < 0.3
    m.halted[:] = rng.random((n, n)) < 0.2
    m.mobilized_on[:] = day - rng.integers(0, 40, n)
    m.owed[:] = rng.uniform(-1, 1, (n, n))
    m.tension = float(rng.uniform(0, 1))
    m._scramble_day = day


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_daily_kernel_equals_the_numpy_statement(seed: int) -> None:
    m = CrisisModel(_FLAGSHIP, seed=0)
    _scramble(m, np.random.default_rng(seed))
    day = m._scramble_day
    u, parts, feasible, prob = m._utilities(day)
    ru, rparts, rfeasible, rprob = m._utilities_reference(day)
    assert np.array_equal(feasible, rfeasible)
    assert np.array_equal(u, ru)  # the same order of operations: the same rounding
    assert np.array_equal(parts, rparts)
    # exp() of the C library and numpy's may differ in the last bit
    np.testing.assert_allclose(prob, rprob, rtol=1e-12, atol=1e-300)
    assert np.allclose(prob.sum(axis=1), 1.0)
    assert (prob[~feasible.reshape(m.n, -1)] == 0).all()


def test_the_kernel_uses_every_term() -> None:
    # a state in which every part of the utility is non-zero somewhere: the comparison
    # above is not vacuous
    m = CrisisModel(_FLAGSHIP, seed=0)
    rng = np.random.default_rng(7)
    seen = np.zeros(10, bool)
    for _ in range(20):
        _scramble(m, rng)
        _, parts, _, _ = m._utilities(m._scramble_day)
        seen |= (np.abs(parts) > 0).any(axis=(1, 2, 3))
    assert seen.all(), np.nonzero(~seen)


def test_war_is_valued_as_a_whole() -> None:
    m = CrisisModel(_FLAGSHIP, seed=0)
    _scramble(m, np.random.default_rng(3))
    u, parts, _, _ = m._utilities(m._scramble_day)
    force = INDEX["use_force"]
    assert (parts[:-1, :, force, :] == 0).all()
    assert np.array_equal(u[:, force, :], parts[-1, :, force, :])


@st.composite
def rounds(draw: st.DrawFn) -> dict:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = draw(st.integers(2, 5))
    k = draw(st.integers(1, 11))
    return {
        "ideals": np.round(rng.random((p, k)) * 100, int(rng.integers(0, 3))),
        "salience": rng.random((p, k)) * (rng.random((p, k)) > 0.2),
        "reservation": rng.random(p) * 0.9,
        "exponent": rng.choice([0.25, 1.0, 4.0], p),
        "turns": int(rng.integers(1, 12)),
        "continue_margin": float(rng.random() * 0.3),
        "status_quo": rng.random(k) * 100 if rng.random() < 0.7 else None,
        "first": int(rng.integers(0, p)),
        "red": (rng.random((p, k)) < 0.25) if rng.random() < 0.6 else None,
        "tolerance": float(rng.choice([0.0, 5.0, 10.0, 30.0])),
    }


@settings(max_examples=400, deadline=None)
@given(case=rounds())
def test_compiled_talks_equal_the_numpy_statement(case: dict) -> None:
    assert bargaining.negotiate_compiled(**case) == bargaining.negotiate(**case)


def test_compiled_talks_reach_every_outcome() -> None:
    # the random rounds above cover agreements, partial deals, continuations and breakdowns
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(300):
        p, k = int(rng.integers(2, 5)), int(rng.integers(1, 10))
        res = bargaining.negotiate_compiled(
            np.round(rng.random((p, k)) * 100), rng.random((p, k)), rng.random(p) * 0.9,
            rng.choice([0.25, 1.0, 4.0], p), int(rng.integers(2, 10)), 0.1,
            red=rng.random((p, k)) < 0.2)
        seen.add(res.status)
    assert seen == {"agreement", "partial", "continue", "breakdown"}


def test_pairwise_sum_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 8, 9, 15, 16, 17, 76, 128, 129, 300, 1000):
        x = rng.random(n)
        assert kernel._np_sum(x) == x.sum()


def _bargain_in_numpy(r: crisis._Round, table: np.ndarray,
                      rv: np.ndarray) -> bargaining.RoundResult:
    p = r.model.params
    return bargaining.negotiate(table, r.salience, rv, r.model.exponent[r.mem], p.talk_turns,
                                p.continue_margin, status_quo=r.status_quo, red=r.red,
                                tolerance=p.red_line_tolerance)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: Path(p).stem)
def test_runs_with_the_kernel_equal_runs_with_the_numpy_statement(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(path)
    for seed in range(3):
        fast = CrisisModel(scenario, seed=seed)
        fast.run()
        with monkeypatch.context() as patch:
            patch.setattr(crisis._Round, "_bargain", _bargain_in_numpy)
            patch.setattr(CrisisModel, "reservation_values",
                          CrisisModel._reservation_values_reference)
            slow = CrisisModel(scenario, seed=seed)
            slow._utilities = slow._utilities_reference  # type: ignore[method-assign]
            slow.run()
        assert repr(fast.events) == repr(slow.events)
        assert fast.talk_log == slow.talk_log


def test_compiled_sampling_and_hostility_equal_numpy() -> None:
    from sim.model.choice import logit_probabilities, sample

    rng = np.random.default_rng(5)
    for _ in range(300):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 80))
        feasible = rng.random((n, m)) < 0.7
        feasible[:, 0] = True
        prob = logit_probabilities(rng.normal(0, 2, (n, m)), feasible, float(rng.uniform(0, 5)))
        u = rng.random(n)
        assert np.array_equal(kernel.sample(prob, u), sample(prob, u))
        today = np.where(rng.random((n, n)) < 0.5, rng.uniform(-10, 10, (n, n)), 0.0)
        expected = np.clip(-today / 10.0, 0, 1).max(axis=1).mean()
        assert kernel.hostility(today) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_state_measures_equal_their_numpy_statements(seed: int) -> None:
    # the model's stakes, strength, war chances and exposure come from the kernel; here
    # they are written out in numpy as docs/ODD.md states them
    m = CrisisModel(_FLAGSHIP, seed=0)
    _scramble(m, np.random.default_rng(seed))
    day = m._scramble_day
    diff = np.abs(m.positions[:, None, :] - m.positions[None, :, :])
    weight = m.salience.sum(axis=1)[:, None] * 100.0
    stakes = (m.salience[:, None, :] * diff).sum(axis=2) / np.maximum(weight, 1e-9)
    assert np.array_equal(m.stakes(), stakes)
    for brink in (False, True):
        rung = np.full(m.n, 8) if brink else m.rung
        own = m.capability * (0.5 + rung / 16.0) + m.aid
        assert np.array_equal(m.strength(brink), own)
        other = m.capability * (0.5 + m.rung / 16.0) + m.aid
        defence = other + m._defenders @ other
        pwin = own[:, None] / np.maximum(own[:, None] + defence[None, :], 1e-9)
        np.testing.assert_allclose(m.win_probability(brink), pwin, rtol=1e-15)
    active = m.threat_until >= day
    sev = (m.credibility * m.severity)[:, None]
    sanc = active[:, :, 0] * (1 - m.params.sanctions_sunk * m.sanctioned)
    econ = (sev * (sanc + 0.5 * active[:, :, 2])).sum(axis=0) * m.vulnerability
    force = (m.credibility[:, None] * active[:, :, 1] * m.win_probability()).sum(0)
    np.testing.assert_allclose(m.exposure(day), econ + force, rtol=1e-15)


def test_the_warm_up_loads_every_kernel_the_flagship_uses() -> None:
    # the ensemble's workers start from a forkserver that imported sim.model.warm: the
    # flagship must need no kernel (or signature) that the warm-up did not load
    import subprocess
    import sys

    code = (
        "import sim.model.warm\n"
        "from sim.model import engine, kernel\n"
        "from sim import CrisisModel\n"
        "names = [(m, n) for m in (engine, kernel) for n in dir(m)\n"
        "         if hasattr(getattr(m, n), 'signatures')]\n"
        "count = lambda: {(m.__name__, n): len(getattr(m, n).signatures) for m, n in names}\n"
        "before = count()\n"
        "for seed in range(4): CrisisModel(seed=seed).run()\n"
        "assert before == count(), (before, count())\n"
        "print(' '.join(sorted(n for (m, n), k in before.items() if k)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    # the compiled day and the other compiled entries are what Python calls
    assert "day" in out.stdout.split(), out.stdout


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_compiled_reservation_values_equal_the_numpy_statement(seed: int) -> None:
    m = CrisisModel(_FLAGSHIP, seed=0)
    rng = np.random.default_rng(seed)
    _scramble(m, rng)
    members = sorted(rng.choice(m.n, int(rng.integers(2, m.n + 1)), replace=False).tolist())
    agenda = sorted(rng.choice(m.k, int(rng.integers(1, m.k + 1)), replace=False).tolist())
    fast = m.reservation_values(members, agenda, m._scramble_day)
    slow = m._reservation_values_reference(members, agenda, m._scramble_day)
    assert np.array_equal(fast, slow)
    assert ((fast >= 0) & (fast <= 0.95)).all()
