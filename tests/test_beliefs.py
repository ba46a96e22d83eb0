"""Tests of sim/model/beliefs.py: Bayes in log-odds form, misperception, priors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.beliefs import bayes_update, logistic, logit, perceived_llr, priors


def test_bayes_update_hand_value() -> None:
    # prior 0.5 -> odds 1; llr log 3 -> posterior odds 3 -> P = 3 / (1 + 3) = 0.75
    assert float(bayes_update(0.5, math.log(3.0))) == pytest.approx(0.75, abs=1e-12)


def test_bayes_update_second_hand_value() -> None:
    # prior 0.2 -> odds 1/4; llr log 2 -> odds 1/2 -> P = 0.5 / 1.5 = 1/3
    assert float(bayes_update(0.2, math.log(2.0))) == pytest.approx(1 / 3, abs=1e-12)
    # and back down: prior 0.75 (odds 3) with llr -log 3 -> odds 1 -> 0.5
    assert float(bayes_update(0.75, -math.log(3.0))) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("prior", [0.01, 0.2, 0.5, 0.77, 0.99])
def test_zero_llr_leaves_prior(prior: float) -> None:
    assert float(bayes_update(prior, 0.0)) == pytest.approx(prior, abs=1e-12)


def test_bayes_update_is_vectorised() -> None:
    post = bayes_update(np.array([0.5, 0.2]), np.array([math.log(3.0), math.log(2.0)]))
    np.testing.assert_allclose(post, [0.75, 1 / 3])


def test_logit_hand_values() -> None:
    assert float(logit(0.5)) == pytest.approx(0.0)
    assert float(logit(0.75)) == pytest.approx(math.log(3.0))
    assert float(logistic(math.log(3.0))) == pytest.approx(0.75)
    assert float(logistic(0.0)) == pytest.approx(0.5)


@given(st.floats(1e-5, 1 - 1e-5))
def test_logistic_inverts_logit(p: float) -> None:
    assert float(logistic(logit(p))) == pytest.approx(p, rel=1e-9, abs=1e-12)


@given(st.floats(-12.0, 12.0))
def test_logit_inverts_logistic(x: float) -> None:
    assert float(logit(logistic(x))) == pytest.approx(x, abs=1e-6)


def test_perceived_llr_exact_without_noise_or_bias() -> None:
    rng = np.random.default_rng(1)
    noise = rng.standard_normal(5)
    rival = np.array([True, False, True, False, False])
    for llr in (-0.6, 0.0, 0.3, 2.0):
        got = perceived_llr(llr, rival, noise, misperception=0.0, bias=0.0)
        np.testing.assert_allclose(got, np.full(5, llr))


def test_positive_bias_raises_only_rivals_reading() -> None:
    rival = np.array([True, False, True])
    noise = np.zeros(3)
    # llr 1.0, bias 0.5: rivals read 1.0 + 0.5 * |1.0| = 1.5, others 1.0
    np.testing.assert_allclose(perceived_llr(1.0, rival, noise, 0.0, 0.5), [1.5, 1.0, 1.5])
    # a soft signal (llr -0.5) with bias 0.4: rivals read -0.5 + 0.4 * 0.5 = -0.3
    np.testing.assert_allclose(perceived_llr(-0.5, rival, noise, 0.0, 0.4), [-0.3, -0.5, -0.3])


def test_misperception_scales_multiplicatively() -> None:
    # llr 0.8, misperception 0.5, noise (1, -2): 0.8 (1 + 0.5) = 1.2, 0.8 (1 - 1) = 0
    got = perceived_llr(0.8, np.array([False, False]), np.array([1.0, -2.0]), 0.5, 0.0)
    np.testing.assert_allclose(got, [1.2, 0.0], atol=1e-12)


def test_priors_without_misperception_equal_true_resolve() -> None:
    resolve = np.array([0.2, 0.5, 0.9, 0.65])
    noise = np.random.default_rng(7).standard_normal((4, 4))
    mu = priors(resolve, noise, 0.0)
    assert mu.shape == (4, 4)
    # mu[i, j] is i's belief about j: column j holds resolve[j]
    np.testing.assert_allclose(mu, np.tile(resolve, (4, 1)), rtol=1e-9)
    np.testing.assert_allclose(np.diag(mu), resolve)


def test_priors_with_misperception_keep_diagonal_and_move_off_diagonal() -> None:
    resolve = np.array([0.3, 0.6, 0.8])
    noise = np.ones((3, 3))
    mu = priors(resolve, noise, 0.5)
    np.testing.assert_allclose(np.diag(mu), resolve)  # own resolve is known
    # off-diagonal: logistic(logit(r) + 0.5); for r = 0.6: logit 0.405465 + 0.5 -> 0.712117
    assert mu[0, 1] == pytest.approx(1 / (1 + math.exp(-(math.log(0.6 / 0.4) + 0.5))))
    off = ~np.eye(3, dtype=bool)
    assert np.all(mu[off] > np.tile(resolve, (3, 1))[off])  # positive noise reads higher


@given(
    prior=st.floats(0.0, 1.0),
    l1=st.floats(-20.0, 20.0),
    l2=st.floats(-20.0, 20.0),
)
def test_posterior_in_open_unit_interval_and_monotone_in_llr(prior: float, l1: float,
                                                             l2: float) -> None:
    lo, hi = sorted((l1, l2))
    p_lo, p_hi = float(bayes_update(prior, lo)), float(bayes_update(prior, hi))
    assert 0.0 < p_lo <= p_hi < 1.0
