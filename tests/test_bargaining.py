"""Tests of sim/model/bargaining.py: aspirations, utilities, offers, talk rounds.

Expected values are worked by hand; the arithmetic is in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model.bargaining import RoundResult, aspiration, negotiate, propose, utilities

STATUSES = {"agreement", "partial", "continue", "breakdown"}
STYLES = {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}


# --------------------------------------------------------------------------- aspiration


@pytest.mark.parametrize("e", STYLES.values())
@pytest.mark.parametrize("rv", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_aspiration_endpoints(rv: float, e: float) -> None:
    # a(0) = RV + (1 - RV)(1 - 0^e) = 1;  a(1) = RV + (1 - RV)(1 - 1) = RV
    assert float(aspiration(0.0, rv, e)) == pytest.approx(1.0)
    assert float(aspiration(1.0, rv, e)) == pytest.approx(rv)


@pytest.mark.parametrize("e", STYLES.values())
def test_aspiration_monotone_non_increasing(e: float) -> None:
    tau = np.linspace(0.0, 1.0, 201)
    a = aspiration(tau, 0.2, e)
    assert a.shape == tau.shape
    assert np.all(np.diff(a) <= 1e-15)
    assert a[0] > a[-1]  # it does fall, from 1 to 0.2


def test_aspiration_hand_values_at_mid_time() -> None:
    # RV = 0.2 at tau = 0.5:
    #   boulware e=4:    0.2 + 0.8 (1 - 0.5^4)    = 0.2 + 0.8 * 0.9375       = 0.95
    #   linear   e=1:    0.2 + 0.8 (1 - 0.5)      = 0.2 + 0.4                = 0.6
    #   conceder e=0.25: 0.2 + 0.8 (1 - 0.5^0.25) = 0.2 + 0.8 (1 - 0.840896) = 0.327283
    boulware = float(aspiration(0.5, 0.2, 4.0))
    linear = float(aspiration(0.5, 0.2, 1.0))
    conceder = float(aspiration(0.5, 0.2, 0.25))
    assert boulware == pytest.approx(0.95)
    assert linear == pytest.approx(0.6)
    assert conceder == pytest.approx(0.2 + 0.8 * (1 - 0.5**0.25))
    assert conceder == pytest.approx(0.327283, abs=1e-6)
    assert boulware > linear > conceder


def test_aspiration_vectorised_over_participants() -> None:
    # one tau, two participants: RV (0.2, 0.5), e (4, 1) at tau 0.5 -> (0.95, 0.75)
    a = aspiration(0.5, np.array([0.2, 0.5]), np.array([4.0, 1.0]))
    np.testing.assert_allclose(a, [0.95, 0.75])


@given(
    rv=st.floats(0.0, 1.0),
    e=st.floats(0.05, 20.0),
    t1=st.floats(0.0, 1.0),
    t2=st.floats(0.0, 1.0),
)
def test_aspiration_property_bounded_and_monotone(rv: float, e: float, t1: float,
                                                  t2: float) -> None:
    lo, hi = sorted((t1, t2))
    a_lo, a_hi = float(aspiration(lo, rv, e)), float(aspiration(hi, rv, e))
    assert rv - 1e-12 <= a_hi <= a_lo + 1e-12 <= 1.0 + 2e-12


# --------------------------------------------------------------------------- utilities


def test_utilities_two_issue_hand_example() -> None:
    deal = np.array([30.0, 80.0])
    ideals = np.array([[0.0, 100.0], [100.0, 0.0]])
    salience = np.array([[1.0, 3.0], [2.0, 2.0]])
    # P0: closeness (1 - 30/100, 1 - 20/100) = (0.7, 0.8); (1*0.7 + 3*0.8) / 4 = 3.1/4 = 0.775
    # P1: closeness (1 - 70/100, 1 - 80/100) = (0.3, 0.2); (2*0.3 + 2*0.2) / 4 = 1.0/4 = 0.25
    np.testing.assert_allclose(utilities(deal, ideals, salience), [0.775, 0.25])


def test_utilities_ideal_is_one_and_opposite_pole_is_zero() -> None:
    ideals = np.array([[0.0, 0.0], [100.0, 100.0]])
    sal = np.array([[0.3, 0.7], [0.5, 0.5]])
    np.testing.assert_allclose(utilities(np.array([0.0, 0.0]), ideals, sal), [1.0, 0.0])


# --------------------------------------------------------------------------- propose

IDEALS = np.array([[0.0, 0.0], [100.0, 100.0]])
# P0 cares 0.2 / 0.8 about issues 0 / 1; P1 cares 0.6 / 0.4.
# Ratio of P0's salience to the other's: issue 0: 0.2/0.6 = 1/3, issue 1: 0.8/0.4 = 2,
# so P0 concedes on issue 0 first. The goal is P1's ideal (100, 100). total = 1.0.
SAL = np.array([[0.2, 0.8], [0.6, 0.4]])


def test_propose_target_one_offers_own_ideal() -> None:
    np.testing.assert_allclose(propose(0, 1.0, IDEALS, SAL), [0.0, 0.0])
    np.testing.assert_allclose(propose(1, 1.0, IDEALS, SAL), [100.0, 100.0])


def test_propose_concedes_first_on_lowest_salience_ratio_partway() -> None:
    # target 0.85: budget 0.15; issue 0 costs 0.2 * 100 / (100 * 1) = 0.2 > 0.15, so
    # P0 moves 0.15 / 0.2 = 75% of the way on issue 0 and keeps issue 1: (75, 0).
    # Check: U0 = 0.2 * (1 - 0.75) + 0.8 * 1 = 0.05 + 0.8 = 0.85.
    deal = propose(0, 0.85, IDEALS, SAL)
    np.testing.assert_allclose(deal, [75.0, 0.0])
    assert utilities(deal, IDEALS, SAL)[0] == pytest.approx(0.85)


def test_propose_moves_on_to_second_issue_when_first_is_given_up() -> None:
    # target 0.7: budget 0.3; issue 0 fully (cost 0.2) -> 100, budget 0.1 left;
    # issue 1 costs 0.8 > 0.1 -> moves 0.1/0.8 = 12.5% of the way: 12.5. Offer (100, 12.5).
    # Check: U0 = 0.2 * 0 + 0.8 * (1 - 0.125) = 0.7.
    deal = propose(0, 0.7, IDEALS, SAL)
    np.testing.assert_allclose(deal, [100.0, 12.5])
    assert utilities(deal, IDEALS, SAL)[0] == pytest.approx(0.7)


def test_propose_order_is_by_ratio_to_others_not_own_salience_alone() -> None:
    # P0's own saliences are equal (0.5, 0.5): only the other's (0.2, 0.8) decide.
    # Ratios 0.5/0.2 = 2.5 and 0.5/0.8 = 0.625: issue 1 goes first.
    # target 0.8: budget 0.2; issue 1 costs 0.5 * 100 / (100 * 1) = 0.5 -> 0.2/0.5 = 40%.
    sal = np.array([[0.5, 0.5], [0.2, 0.8]])
    deal = propose(0, 0.8, IDEALS, sal)
    np.testing.assert_allclose(deal, [0.0, 40.0])
    assert utilities(deal, IDEALS, sal)[0] == pytest.approx(0.8)


def test_propose_goal_is_salience_weighted_mean_of_others() -> None:
    # three participants on one issue: others at 100 (s=1) and 40 (s=3):
    # goal = (100*1 + 40*3) / 4 = 220/4 = 55. With target 0 P0 goes all the way.
    ideals = np.array([[0.0], [100.0], [40.0]])
    sal = np.array([[1.0], [1.0], [3.0]])
    np.testing.assert_allclose(propose(0, 0.0, ideals, sal), [55.0])


def test_propose_never_moves_on_own_red_line() -> None:
    # P0 has a red line on issue 0 (its cheapest issue): it skips it and concedes on
    # issue 1 instead. target 0.7: budget 0.3; issue 1 costs 0.8 -> 0.3/0.8 = 37.5%.
    red = np.array([[True, False], [False, False]])
    deal = propose(0, 0.7, IDEALS, SAL, red=red, tolerance=10.0)
    np.testing.assert_allclose(deal, [0.0, 37.5])


@settings(max_examples=150, deadline=None)
@given(
    ideals=arrays(np.float64, (3, 3), elements=st.floats(0.0, 100.0)),
    sal=arrays(np.float64, (3, 3), elements=st.floats(0.01, 1.0)),
    p=st.integers(0, 2),
    target=st.floats(0.0, 1.0),
)
def test_propose_property_own_utility_is_target_when_reachable(
    ideals: np.ndarray, sal: np.ndarray, p: int, target: float
) -> None:
    full = propose(p, 0.0, ideals, sal)  # target 0: concede everything, i.e. the goal
    floor = utilities(full, ideals, sal)[p]
    deal = propose(p, target, ideals, sal)
    own = utilities(deal, ideals, sal)[p]
    # reachable target: exactly kept; otherwise the best it can do is the goal
    assert own == pytest.approx(max(target, floor), abs=1e-9)
    # the offer lies between the proposer's ideal and the others' weighted mean
    lo, hi = np.minimum(ideals[p], full), np.maximum(ideals[p], full)
    assert np.all(deal >= lo - 1e-9) and np.all(deal <= hi + 1e-9)


# --------------------------------------------------------------------------- negotiate


def test_negotiate_identical_ideals_agree_at_first_offer() -> None:
    # tau = 0: aspirations 1; P0 offers its ideal (30, 70), which is P1's ideal too:
    # U = (1, 1), nobody falls short -> agreement after one offer.
    ideals = np.array([[30.0, 70.0], [30.0, 70.0]])
    r = negotiate(ideals, np.ones((2, 2)), np.array([0.5, 0.5]), np.ones(2),
                  turns=6, continue_margin=0.25)
    assert r.status == "agreement"
    assert r.agreed == {0: pytest.approx(30.0), 1: pytest.approx(70.0)}
    assert r.offers == 1


# Opposite ideals on one issue, RV 0.9 each, linear, 4 turns (tau = 0, 1/3, 2/3, 1):
#   t=0 P0 asks 0 (U1 = 0, short 1); t=1 P1 asks 100 - 100/30 = 96.67 (U0 = 0.033);
#   t=2 P0 asks 6.67 (U1 = 0.067); t=3 asp 0.9: P1 offers 90, U0 = 0.1, short 0.9-0.1 = 0.8.
# The gap (largest shortfall in the last offer) is 0.8, held out by P0.
OPP = dict(ideals=np.array([[0.0], [100.0]]), salience=np.ones((2, 1)),
           reservation=np.array([0.9, 0.9]), exponent=np.ones(2), turns=4)


def test_negotiate_opposite_ideals_high_rv_breaks_down() -> None:
    r = negotiate(**OPP, continue_margin=0.25)
    assert r.status == "breakdown"  # gap 0.8 >= 0.25
    assert r.agreed == {}
    assert r.gap == pytest.approx(0.8)
    assert r.holdout == 0
    assert r.offers == 4


def test_negotiate_opposite_ideals_small_gap_continues() -> None:
    r = negotiate(**OPP, continue_margin=0.9)
    assert r.status == "continue"  # gap 0.8 < 0.9
    assert r.agreed == {}
    assert r.gap == pytest.approx(0.8)


# Partial deal by hand: issue 0 shared (both at 20), issue 1 opposite (0 vs 100) and a
# red line for both (tolerance 10), equal saliences, linear, 2 turns (tau 0, 1).
# Full agenda: any value of issue 1 is > 10 from one side's red line -> rejected.
# Issue 1 has clashing red lines (100 - 0 > 2*10), so it is set aside, at status quo.
# Sub-agenda {0}: whole-agenda need_i = (asp_i * 2 - sq value_i of issue 1) / 1.
PART_IDEALS = np.array([[20.0, 0.0], [20.0, 100.0]])
PART_RED = np.array([[False, True], [False, True]])


def _partial(rv: list[float], sq: list[float]) -> RoundResult:
    return negotiate(PART_IDEALS, np.ones((2, 2)), np.array(rv), np.ones(2), turns=2,
                     continue_margin=0.25, status_quo=np.array(sq), red=PART_RED,
                     tolerance=10.0)


def test_negotiate_partial_agreement_on_subset() -> None:
    # sq issue 1 = 50: worth 0.5 to each. t=1 (asp = RV = 0.5): need = (1 - 0.5)/1 = 0.5,
    # offer 20 gives U = 1 on issue 0 -> whole agenda (1 + 0.5)/2 = 0.75 >= 0.5: partial.
    r = _partial([0.5, 0.5], [50.0, 50.0])
    assert r.status == "partial"
    assert set(r.agreed) == {0}
    assert r.agreed[0] == pytest.approx(20.0)
    assert r.offers == 4  # two on the full agenda, two on the sub-agenda
    assert r.gap == pytest.approx(1.0)  # red line crossed on the full agenda


def test_negotiate_partial_is_valued_with_status_quo_on_set_aside_issue() -> None:
    # P1 now needs 0.8 overall. With sq 50 on issue 1 the partial deal is worth
    # (1 + 0.5)/2 = 0.75 < 0.8 to P1: no deal (it would be 1.0 if the set-aside issue
    # were ignored). gap 1.0 > margin -> breakdown.
    r = _partial([0.5, 0.8], [50.0, 50.0])
    assert r.status == "breakdown"
    assert r.agreed == {}
    # With the status quo at P1's ideal (100) on issue 1: P1 gets (1 + 1)/2 = 1 >= 0.8,
    # P0 gets (1 + 0)/2 = 0.5 >= 0.5 -> the same partial deal is accepted.
    r = _partial([0.5, 0.8], [50.0, 100.0])
    assert r.status == "partial"
    assert set(r.agreed) == {0}
    assert r.agreed[0] == pytest.approx(20.0)


@st.composite
def rounds(draw: st.DrawFn) -> dict:
    p = draw(st.integers(2, 4))
    k = draw(st.integers(1, 4))
    pos = st.floats(0.0, 100.0)
    return dict(
        ideals=draw(arrays(np.float64, (p, k), elements=pos)),
        salience=draw(arrays(np.float64, (p, k), elements=st.floats(0.05, 1.0))),
        reservation=draw(arrays(np.float64, (p,), elements=st.floats(0.0, 0.95))),
        exponent=draw(arrays(np.float64, (p,), elements=st.sampled_from([0.25, 1.0, 4.0]))),
        turns=draw(st.integers(1, 8)),
        continue_margin=draw(st.floats(0.0, 1.0)),
        status_quo=draw(arrays(np.float64, (k,), elements=pos)),
        first=draw(st.integers(0, p - 1)),
        red=draw(arrays(np.bool_, (p, k))) if draw(st.booleans()) else None,
        tolerance=draw(st.floats(0.0, 30.0)),
    )


@settings(max_examples=200, deadline=None)
@given(args=rounds())
def test_negotiate_property_invariants(args: dict) -> None:
    r = negotiate(**args)
    ideals, sal, sq = args["ideals"], args["salience"], args["status_quo"]
    p, k = ideals.shape
    assert r.status in STATUSES
    assert 0.0 <= r.gap <= 1.0
    if r.status == "agreement":
        assert set(r.agreed) == set(range(k))
    elif r.status == "partial":
        assert set(r.agreed) and set(r.agreed) < set(range(k))
    else:
        assert r.agreed == {}
    for j, v in r.agreed.items():
        # agreed values lie within the span of the participants' ideals on that issue
        assert ideals[:, j].min() - 1e-9 <= v <= ideals[:, j].max() + 1e-9
        # nobody's red line is crossed
        if args["red"] is not None:
            for i in range(p):
                if args["red"][i, j]:
                    assert abs(v - ideals[i, j]) <= args["tolerance"] + 1e-6
    if r.agreed:
        # individual rationality: the deal (status quo on set-aside issues) is worth at
        # least the reservation value to every participant
        deal = sq.copy()
        for j, v in r.agreed.items():
            deal[j] = v
        u = utilities(deal, ideals, sal)
        assert np.all(u >= args["reservation"] - 1e-6)
