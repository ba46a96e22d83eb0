"""Talk rounds: alternating offers with time-dependent aspirations.

A round puts the participants' ideal points on the agenda issues on the table.
Each participant values a deal ``y`` (one value per agenda issue) by its
salience-weighted closeness to its own position::

    U_i(y) = sum_k s_ik (1 - |y_k - x_ik| / 100) / sum_k s_ik        (in [0, 1])

Participants take turns proposing. At relative time tau in [0, 1] a
participant aims for the aspiration (Faratin, Sierra & Jennings 1998; the
Boulware/Conceder family used in GENIUS and NegMAS)::

    a_i(tau) = RV_i + (1 - RV_i) (1 - tau ** e_i)

where ``RV_i`` is its reservation value (what no agreement is worth to it, set
by the crisis: see ``CrisisModel.reservation_values``) and ``e_i`` its
concession exponent (boulware 4, linear 1, conceder 0.25). The proposer gives
ground first on the issues it cares least about relative to the others
(greedy logrolling, after the S2P2 interpolation idea of KTAB), just far enough
to keep its aspiration. Every other participant accepts if the offer is worth
at least its own current aspiration. If the full agenda cannot be agreed, the
hardest issue (largest salience-weighted disagreement) is set aside and the
rest is tried again (issues whose red lines clash are set aside first),
which is how partial agreements arise.

Pure functions of arrays: no model state, so each is unit-tested by hand.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.model import kernel

FloatArray = NDArray[np.float64]


def aspiration(tau: float | FloatArray, reservation: float | FloatArray,
               exponent: float | FloatArray) -> FloatArray:
    """Aspiration a(tau) = RV + (1 - RV)(1 - tau^e); a(0) = 1, a(1) = RV."""
    tau = np.clip(tau, 0.0, 1.0)
    return np.asarray(reservation + (1.0 - reservation) * (1.0 - tau**exponent))


def utilities(deal: FloatArray, ideals: FloatArray, salience: FloatArray) -> FloatArray:
    """Utility of ``deal`` (k,) for each participant (rows of ideals, salience: (p, k))."""
    weight = salience.sum(axis=1)
    closeness = 1.0 - np.abs(deal[None, :] - ideals) / 100.0
    safe = np.where(weight > 0, weight, 1.0)
    return np.where(weight > 0, (salience * closeness).sum(axis=1) / safe, 1.0)


def propose(p: int, target_utility: float, ideals: FloatArray, salience: FloatArray,
            red: NDArray[np.bool_] | None = None, tolerance: float = 0.0) -> FloatArray:
    """The offer of participant ``p`` that keeps it at ``target_utility``.

    Starting from its own ideal, it moves issue by issue toward the
    salience-weighted mean of the others' positions, in the order of
    increasing ratio of its salience to theirs, and stops when one more step
    would take it below ``target_utility`` (moving part of the way on that issue).
    It never moves on its own red lines (``red[p]``); on the others' red lines
    it aims at the nearest point within ``tolerance`` of their positions (a
    partial move may stop short of it, and such an offer is then rejected).
    """
    return plan(p, ideals, salience, red, tolerance).offer(target_utility)


@dataclass(frozen=True)
class Plan:
    """How one participant gives ground: where to, in which order, at what cost.

    Everything that does not depend on the target utility, computed once per
    attempt so that each offer is a couple of array operations.
    """

    ideal: FloatArray
    goal: FloatArray
    order: NDArray[np.intp]  # issues in the order it concedes them
    loss: FloatArray  # utility it gives up on each, in that order
    cum: FloatArray  # cumulative loss

    def offer(self, target_utility: float) -> FloatArray:
        """The deal that leaves the participant at ``target_utility`` (or above)."""
        budget = max(1.0 - target_utility, 0.0)  # utility it is prepared to give up
        deal = self.ideal.copy()
        m = int(np.searchsorted(self.cum, budget + 1e-12, side="right"))
        full = self.order[:m]
        deal[full] = self.goal[full]
        if m < len(self.order):
            k = self.order[m]
            rest = budget - (self.cum[m - 1] if m else 0.0)
            deal[k] = self.ideal[k] + (self.goal[k] - self.ideal[k]) * rest / self.loss[m]
        return deal


def plan(p: int, ideals: FloatArray, salience: FloatArray,
         red: NDArray[np.bool_] | None = None, tolerance: float = 0.0) -> Plan:
    """The concession plan of participant ``p`` (see ``propose``)."""
    others = np.arange(len(ideals)) != p
    w = salience[others]
    wsum = w.sum(axis=0)
    goal = np.where(wsum > 0, (w * ideals[others]).sum(axis=0) / np.where(wsum > 0, wsum, 1),
                    ideals[others].mean(axis=0))
    own = salience[p]
    total = own.sum()
    ideal = ideals[p].astype(float)
    if total <= 0:  # it cares about nothing here: it offers the others' centre
        return Plan(goal, goal, np.zeros(0, np.intp), np.zeros(0), np.zeros(0))
    if red is not None:
        # aim at a point the others' red lines can live with
        for o in np.nonzero(others)[0]:
            far = red[o] & (np.abs(goal - ideals[o]) > tolerance)
            goal = np.where(far, ideals[o] + np.sign(goal - ideals[o]) * tolerance, goal)
    ratio = own / (wsum / others.sum() + 1e-9)
    order = np.argsort(ratio, kind="stable")
    if red is not None:
        order = order[~red[p, order]]
    loss = own[order] * np.abs(goal[order] - ideal[order]) / (100.0 * total)
    return Plan(ideal, goal, order, loss, np.cumsum(loss))


@dataclass
class RoundResult:
    """What came out of one round of talks."""

    status: str  # agreement | partial | continue | breakdown
    agreed: dict[int, float] = field(default_factory=dict)  # issue index -> value
    offers: int = 0
    gap: float = 0.0  # largest shortfall of the last full-agenda offer below aspiration
    holdout: int = -1  # participant with that largest shortfall


def negotiate(ideals: FloatArray, salience: FloatArray, reservation: FloatArray,
              exponent: FloatArray, turns: int, continue_margin: float,
              status_quo: FloatArray | None = None, first: int = 0,
              red: NDArray[np.bool_] | None = None, tolerance: float = 10.0) -> RoundResult:
    """Run one round over the agenda (columns of ``ideals``).

    A partial deal is valued over the whole agenda, with the issues set aside
    staying at the status quo: a participant accepts it only if the deal
    together with the status quo elsewhere meets its aspiration.

    Args:
        ideals: (p, k) positions of the p participants on the k agenda issues.
        salience: (p, k) saliences.
        reservation: (p,) reservation values.
        exponent: (p,) concession exponents.
        turns: offers exchanged per attempt (proposers rotate from ``first``).
        continue_margin: no agreement ends in 'continue' rather than
            'breakdown' when every participant's shortfall is below this.
        status_quo: (k,) positions that hold on issues left out (default 50).
        first: index of the first proposer.
        red: (p, k) red-line mask: a participant rejects any deal further than
            ``tolerance`` from its position on those issues; issues whose red
            lines cannot all be met are set aside first.
        tolerance: see ``red``.
    """
    p, k = ideals.shape
    red = np.zeros((p, k), bool) if red is None else red
    sq = np.full(k, 50.0) if status_quo is None else np.asarray(status_quo, float)
    total = np.maximum(salience.sum(axis=1), 1e-12)
    sq_value = salience * (1.0 - np.abs(sq[None, :] - ideals) / 100.0)  # (p, k)
    taus = np.arange(turns) / (turns - 1) if turns > 1 else np.ones(1)
    aspirations = aspiration(taus[:, None], reservation[None, :], exponent[None, :])
    turn_index = np.arange(turns)
    proposers = (first + turn_index) % p
    agenda = list(range(k))
    offers = 0
    gap, holdout = 0.0, -1
    while agenda:
        cols = np.array(agenda)
        rest = np.setdiff1d(np.arange(k), cols)
        ideal_s, sal_s, red_s = ideals[:, cols], salience[:, cols], red[:, cols]
        w_s = np.maximum(sal_s.sum(axis=1), 1e-12)
        from_rest = sq_value[:, rest].sum(axis=1)
        plans = [plan(q, ideal_s, sal_s, red_s, tolerance) for q in range(p)]
        # every turn's offer at once: the utility each participant needs from the issues
        # on the table, the proposer's offer at that need, everyone's shortfall
        needs = (aspirations * total - from_rest) / w_s  # (turns, p)
        deals = np.stack([plans[q].offer(float(min(needs[t, q], 1.0)))
                          for t, q in enumerate(proposers)])  # (turns, k_s)
        dev = np.abs(deals[:, None, :] - ideal_s[None, :, :])  # (turns, p, k_s)
        u = 1.0 - (sal_s[None] * dev).sum(axis=2) / (100.0 * w_s)
        short = (needs - u) * w_s / total  # shortfall in whole-agenda utility
        short[turn_index, proposers] = 0.0
        if red_s.any():
            crossed = (red_s[None] & (dev > tolerance + 1e-9)).any(axis=2)
            short = np.where(crossed, np.maximum(short, 1.0), short)
        accepted = (short.max(axis=1) <= 1e-9) & (needs[turn_index, proposers] <= 1.0 + 1e-9)
        if accepted.any():
            t = int(np.argmax(accepted))
            status = "agreement" if len(agenda) == k else "partial"
            return RoundResult(status, {int(c): float(v) for c, v in zip(cols, deals[t])},
                               offers + t + 1, gap, holdout)
        offers += turns
        last_short = short[-1]
        if len(agenda) == k:
            gap = float(min(last_short.max(), 1.0))
            holdout = int(last_short.argmax())
        # set aside an issue whose red lines clash, else the one with the largest
        # salience-weighted disagreement
        centre = (sal_s * ideal_s).sum(axis=0) / np.maximum(sal_s.sum(axis=0), 1e-9)
        spread = (sal_s * np.abs(ideal_s - centre)).sum(axis=0)
        reds = np.where(red_s, ideal_s, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no red lines
            clash = np.nan_to_num(np.nanmax(reds, axis=0) - np.nanmin(reds, axis=0)) > 2 * tolerance
        agenda.pop(int(np.argmax(spread + 1e6 * np.nan_to_num(clash))))
    status = "continue" if gap < continue_margin else "breakdown"
    return RoundResult(status, {}, offers, gap, holdout)


_STATUS = ("agreement", "partial", "continue", "breakdown")


def negotiate_compiled(ideals: FloatArray, salience: FloatArray, reservation: FloatArray,
                       exponent: FloatArray, turns: int, continue_margin: float,
                       status_quo: FloatArray | None = None, first: int = 0,
                       red: NDArray[np.bool_] | None = None,
                       tolerance: float = 10.0) -> RoundResult:
    """``negotiate`` compiled with numba (``sim.model.kernel.negotiate``): same result, faster.

    A round with a player at the table calls this one (the compiled day calls
    ``kernel.negotiate`` itself, in ``engine.hold_round``); ``negotiate`` above
    is the readable statement that tests hold it to.
    """
    p, k = ideals.shape
    red = np.zeros((p, k), bool) if red is None else np.ascontiguousarray(red, bool)
    sq = np.full(k, 50.0) if status_quo is None else np.ascontiguousarray(status_quo, float)
    taus = np.arange(turns) / (turns - 1) if turns > 1 else np.ones(1)
    asp = aspiration(taus[:, None], np.asarray(reservation, float)[None, :],
                     np.asarray(exponent, float)[None, :])
    status, cols, values, offers, gap, holdout = kernel.negotiate(
        np.ascontiguousarray(ideals, float), np.ascontiguousarray(salience, float),
        np.ascontiguousarray(asp), float(continue_margin), sq, int(first), red,
        float(tolerance))
    agreed = {int(c): float(v) for c, v in zip(cols, values)}
    return RoundResult(_STATUS[status], agreed, int(offers), float(gap), int(holdout))
