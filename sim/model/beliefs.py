"""Beliefs about resolve, updated by Bayes' rule from observed acts.

Each actor i holds mu_ij = P(actor j is resolute). Seeing j take act a, with
log-likelihood ratio l(a) = log P(a | resolute) / P(a | irresolute), Bayes'
rule in log-odds form is (e.g. Fearon 1997 on costly signals)::

    logit(mu') = logit(mu) + l(a)

Costly acts (mobilising, imposing sanctions) are much likelier from resolute
types, so |l| is large; cheap talk has |l| near zero. Public threats carry
audience costs, which make them costlier for an irresolute type to bluff:
their l is scaled by (1 + audience_cost of the sender) (Fearon 1994).

Misperception (Jervis 1976): each observer reads l with multiplicative noise
of sd ``misperception`` and, for rivals' acts, a bias ``perception_bias * |l|``
(> 0 reads rivals as more resolute than their acts show: worst-case thinking).
With both at zero the update is exact Bayes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
EPS = 1e-6


def logit(p: FloatArray | float) -> FloatArray:
    """log(p / (1 - p)), with p clipped away from 0 and 1."""
    p = np.minimum(np.maximum(p, EPS), 1 - EPS)  # np.clip, without its slow wrapper
    return np.asarray(np.log(p / (1 - p)))


def logistic(x: FloatArray | float) -> FloatArray:
    """Inverse of ``logit``."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x))))


def bayes_update(prior: FloatArray | float, llr: FloatArray | float) -> FloatArray:
    """Posterior P(resolute) after a signal with log-likelihood ratio ``llr``."""
    return logistic(logit(prior) + llr)


def perceived_llr(llr: float, rival: NDArray[np.bool_], noise: FloatArray,
                  misperception: float, bias: float) -> FloatArray:
    """The signal as each observer reads it.

    Args:
        llr: the act's true log-likelihood ratio.
        rival: (n,) whether each observer is a rival of the sender.
        noise: (n,) standard-normal draws, one per observer.
        misperception: sd of the multiplicative reading error.
        bias: worst-case bias applied to rivals' signals.
    """
    return llr * (1.0 + misperception * noise) + bias * abs(llr) * rival


def priors(resolve: FloatArray, noise: FloatArray, misperception: float) -> FloatArray:
    """Initial beliefs mu_ij: the truth, seen through noise of sd ``misperception``.

    ``resolve`` (n,) is each actor's true resolve, read as the probability that
    it is the resolute type; ``noise`` (n, n) is standard normal. The diagonal
    (an actor's belief about itself) is its own resolve.
    """
    mu = logistic(logit(resolve)[None, :] + misperception * noise)
    np.fill_diagonal(mu, resolve)
    return mu
