"""Tests of sim/model/choice.py: the logit rule and the sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model.choice import logit_probabilities, sample

U = np.array([[0.1, 0.5, 0.3, -0.2], [1.0, 1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
F = np.array([[True, True, False, True], [True, False, True, True], [False, False, True, True]])


def test_rows_sum_to_one_and_infeasible_get_zero() -> None:
    p = logit_probabilities(U, F, rationality=3.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p[~F] == 0.0)
    assert np.all(p[F] > 0.0)


def test_hand_value_two_options() -> None:
    # utilities (0, ln 3 / 2), lambda 2: weights exp(0) = 1, exp(ln 3) = 3 -> (1/4, 3/4)
    p = logit_probabilities(np.array([[0.0, math.log(3.0) / 2]]), np.ones((1, 2), bool), 2.0)
    np.testing.assert_allclose(p, [[0.25, 0.75]])


def test_rationality_zero_is_uniform_over_feasible() -> None:
    p = logit_probabilities(U, F, rationality=0.0)
    expected = F / F.sum(axis=1, keepdims=True)  # 1/3 on each of 3 feasible, 1/2 of 2
    np.testing.assert_allclose(p, expected)


def test_large_rationality_picks_the_argmax() -> None:
    p = logit_probabilities(U, F, rationality=1e4)
    # row 0: best feasible is 0.5 (index 1); row 1: 2.0 (index 3), beating index 0 (1.0);
    # row 2 is a tie between the two feasible options (0 and 0): half each
    assert p[0, 1] == pytest.approx(1.0, abs=1e-12)
    assert p[1, 3] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(p[2], [0.0, 0.0, 0.5, 0.5])


def test_infeasible_best_option_is_never_chosen() -> None:
    # index 2 has the highest utility but is infeasible
    u = np.array([[0.0, 0.1, 9.0]])
    p = logit_probabilities(u, np.array([[True, True, False]]), 1e4)
    np.testing.assert_allclose(p, [[0.0, 1.0, 0.0]], atol=1e-12)


@settings(deadline=None)
@given(
    u=arrays(np.float64, (3, 5), elements=st.floats(-5.0, 5.0)),
    mask=arrays(np.bool_, (3, 5)),
    lam=st.floats(0.0, 1000.0),
)
def test_property_probabilities_valid(u: np.ndarray, mask: np.ndarray, lam: float) -> None:
    mask[:, 0] |= ~mask.any(axis=1)  # contract: at least one feasible option per row
    p = logit_probabilities(u, mask, lam)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p[~mask] == 0.0)
    assert np.all(p >= 0.0)


# --------------------------------------------------------------------------- sample

# zero-probability options at the start, in the middle and at the end of the rows
P = np.array([
    [0.0, 0.25, 0.0, 0.75, 0.0],
    [0.0, 0.0, 1.0, 0.0, 0.0],
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0.5, 0.0, 0.0, 0.0, 0.5],
])


@pytest.mark.parametrize("u", [0.0, 0.25, 0.5, 0.999999999])
def test_sample_never_returns_zero_probability_option(u: float) -> None:
    idx = sample(P, np.full(len(P), u))
    assert np.all(P[np.arange(len(P)), idx] > 0.0), idx


def test_sample_largest_uniform_below_one_with_rounded_rows() -> None:
    # ten options of 0.1 and a zero: the cumulative sum ends at 0.9999999999999999, not 1;
    # the largest double below 1 must still pick a real option (the last 0.1, index 9)
    row = np.array([[0.1] * 10 + [0.0]])
    u = np.nextafter(1.0, 0.0)
    assert row.cumsum()[-1] < 1.0  # the rounding this test is about
    assert sample(row, np.array([u]))[0] == 9
    p = logit_probabilities(U, F, 3.0)
    idx = sample(p, np.full(len(p), u))
    assert np.all(p[np.arange(len(p)), idx] > 0.0)


def test_sample_hand_values() -> None:
    # row 0 cumulative (0, .25, .25, 1, 1): u=0 -> 1; u=.2 -> 1; u=.25 -> 3; u=.9 -> 3
    row = np.tile(P[0], (4, 1))
    np.testing.assert_array_equal(sample(row, np.array([0.0, 0.2, 0.25, 0.9])), [1, 1, 3, 3])
    # row 3 cumulative (.5, .5, .5, .5, 1): u=.49 -> 0; u=.5 -> 4
    row = np.tile(P[3], (2, 1))
    np.testing.assert_array_equal(sample(row, np.array([0.49, 0.5])), [0, 4])


def test_sample_does_not_modify_probabilities() -> None:
    p = P.copy()
    sample(p, np.full(len(p), 0.3))
    np.testing.assert_array_equal(p, P)


def test_sample_frequencies_match_probabilities() -> None:
    n = 100_000
    uniforms = np.linspace(0.0, 1.0, n, endpoint=False)  # deterministic, evenly spread
    for row in P:
        draws = sample(np.tile(row, (n, 1)), uniforms)
        freq = np.bincount(draws, minlength=len(row)) / n
        np.testing.assert_allclose(freq, row, atol=2.0 / n)


def test_sample_frequencies_of_logit_probabilities() -> None:
    n = 50_000
    p = logit_probabilities(U[:1], F[:1], 3.0)[0]
    draws = sample(np.tile(p, (n, 1)), np.linspace(0.0, 1.0, n, endpoint=False))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / n, p, atol=2.0 / n)


@given(
    w=arrays(np.float64, (4, 6), elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0))),
    u=arrays(np.float64, (4,), elements=st.floats(0.0, 1.0, exclude_max=True)),
)
def test_property_sample_picks_positive_probability(w: np.ndarray, u: np.ndarray) -> None:
    w[:, -1] += (w.sum(axis=1) == 0)  # every row needs some mass
    p = w / w.sum(axis=1, keepdims=True)
    idx = sample(p, u)
    assert np.all((idx >= 0) & (idx < p.shape[1]))
    assert np.all(p[np.arange(len(p)), idx] > 0.0)
