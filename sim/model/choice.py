"""The logit (quantal-response) choice rule.

An actor picks option o with probability (McKelvey & Palfrey 1995)::

    P(o) = exp(lambda U_o) / sum_o' exp(lambda U_o')

over its feasible options, where lambda is the ``rationality`` parameter:
0 gives a uniform choice, and as lambda grows the rule picks the option with
the highest expected utility.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def logit_probabilities(utility: NDArray[np.float64], feasible: NDArray[np.bool_],
                        rationality: float) -> NDArray[np.float64]:
    """Row-wise choice probabilities; infeasible options get probability 0.

    Args:
        utility: (n, m) utilities of m options for n deciders.
        feasible: (n, m) mask; every row must have at least one True.
        rationality: the precision lambda >= 0.
    """
    z = np.where(feasible, rationality * utility, -np.inf)
    z = z - z.max(axis=1, keepdims=True)  # stable softmax
    w = np.exp(z)
    return w / w.sum(axis=1, keepdims=True)


def sample(probabilities: NDArray[np.float64], uniforms: NDArray[np.float64]) -> NDArray[np.intp]:
    """Index drawn from each row of ``probabilities``, one uniform in [0, 1) per row."""
    cum = probabilities.cumsum(axis=1)
    cum /= cum[:, -1:]  # exact 1.0 at the end, whatever the rounding
    # first index whose cumulative probability exceeds u: never a zero-probability option
    return (cum <= uniforms[:, None]).sum(axis=1)
