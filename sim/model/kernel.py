"""The daily choice compiled with numba: utilities, feasibility and the logit rule in one call.

``CrisisModel._utilities_reference`` and ``_feasible`` are the readable numpy
statement of these equations (docs/ODD.md, "The daily choice"); this module
computes the same numbers with loops that numba compiles to machine code,
because on arrays of 4 x 19 x 4 the cost of a day in numpy is almost all
per-call overhead (about 60 array operations of ~2 microseconds each). Tests
(tests/test_kernel.py) hold the two to the same values on random states, and
the model's event logs to identity on seeded runs.

Every expression keeps the order of operations of the numpy version, so that
both round the same way; sums over options follow numpy's pairwise summation
(``_np_sum``) for the same reason.

Compiled once per machine and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

SANCTIONS, FORCE, GENERAL = 0, 1, 2
N_PARTS = 10


@njit(cache=True)
def work_size(n: int, k: int, actions: int) -> int:  # pragma: no cover - compiled
    """Length of the scratch array ``day`` works in (its intermediate arrays)."""
    return 9 * n * n + 8 * n + k + actions * n


@intrinsic
def _pointer(typingctx, address):  # type: ignore[no-untyped-def]  # pragma: no cover
    """An address as a void pointer, for ``numba.carray`` (numba's documented idiom)."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.inttoptr(args[0], cgutils.voidptr_t)
    return types.voidptr(types.intp), codegen


@njit(cache=True)
def _at(buf, offset):  # pragma: no cover - compiled
    """The address of ``buf[offset]``: views are made with ``carray`` (a reshape costs ~17 ns
    in numba, a carray ~0.5 ns, an allocation ~20-40 ns). Such a view does not keep ``buf``
    alive: ``buf`` must belong to the caller."""
    return _pointer(buf.ctypes.data + offset * buf.itemsize)


@njit(cache=True)
def _take(buf, offset, shape):  # pragma: no cover - compiled
    """A view of ``buf`` from ``offset`` with ``shape`` (a tuple), and the offset after it."""
    size = 1
    for extent in shape:
        size *= extent
    return carray(_at(buf, offset), shape, buf.dtype), offset + size


@njit(cache=True)
def _np_sum(x: np.ndarray) -> float:  # pragma: no cover - compiled
    """Sum of a 1-d float array in the order numpy's pairwise summation uses.

    numpy adds fewer than 8 numbers one by one; up to 128 it keeps 8 running
    sums over every 8th element, combines them pairwise, then adds the rest.
    """
    n = x.shape[0]
    if n < 8:
        s = 0.0
        for v in range(n):
            s += x[v]
        return s
    if n <= 128:  # eight running sums (scalars: no allocation), combined pairwise
        r0, r1, r2, r3 = x[0], x[1], x[2], x[3]
        r4, r5, r6, r7 = x[4], x[5], x[6], x[7]
        i = 8
        while i < n - (n % 8):
            r0 += x[i]
            r1 += x[i + 1]
            r2 += x[i + 2]
            r3 += x[i + 3]
            r4 += x[i + 4]
            r5 += x[i + 5]
            r6 += x[i + 6]
            r7 += x[i + 7]
            i += 8
        s = (r0 + r1) + (r2 + r3) + ((r4 + r5) + (r6 + r7))
        while i < n:
            s += x[i]
            i += 1
        return s
    half = n // 2
    half -= half % 8
    return _np_sum(x[:half]) + _np_sum(x[half:])


@njit(cache=True)
def strength(capability: np.ndarray, rung: np.ndarray, aid: np.ndarray,
             brink: bool, out=None) -> np.ndarray:  # pragma: no cover - compiled
    n = capability.shape[0]
    if out is None:
        s = np.empty(n)
    else:
        s = out
    for i in range(n):
        r = 8 if brink else rung[i]
        s[i] = capability[i] * (0.5 + r / 16.0) + aid[i]
    return s


@njit(cache=True)
def win_probability(own: np.ndarray, other: np.ndarray, defenders: np.ndarray,
                    out=None, scratch=None) -> np.ndarray:  # pragma: no cover - compiled
    """p[i, j] = own_i / (own_i + other_j + sum of j's defenders' strength)."""
    n = own.shape[0]
    if scratch is None:
        defence = np.empty(n)
    else:
        defence = scratch
    for j in range(n):
        d = 0.0
        for x in range(n):
            d += defenders[j, x] * other[x]
        defence[j] = other[j] + d
    if out is None:
        p = np.empty((n, n))
    else:
        p = out
    for i in range(n):
        for j in range(n):
            p[i, j] = own[i] / max(own[i] + defence[j], 1e-9)
    return p


@njit(cache=True)
def exposure(day: int, threat_until: np.ndarray, credibility: np.ndarray,
             severity: np.ndarray, vulnerability: np.ndarray, sanctioned: np.ndarray,
             sunk: float, pwin: np.ndarray, out=None) -> np.ndarray:  # pragma: no cover
    """E[i]: expected cost to i of every threat standing against it (CrisisModel.exposure)."""
    n = credibility.shape[0]
    if out is None:
        e = np.empty(n)
    else:
        e = out
    for i in range(n):
        econ = 0.0
        force = 0.0
        for x in range(n):
            sev = credibility[x] * severity[x]
            s_on = 1.0 if threat_until[x, i, SANCTIONS] >= day else 0.0
            g_on = 1.0 if threat_until[x, i, GENERAL] >= day else 0.0
            f_on = 1.0 if threat_until[x, i, FORCE] >= day else 0.0
            sanc = s_on * (1 - sunk * (1.0 if sanctioned[x, i] else 0.0))
            econ += sev * (sanc + 0.5 * g_on)
            force += credibility[x] * f_on * pwin[x, i]
        e[i] = econ * vulnerability[i] + force
    return e


@njit(cache=True)
def stakes(positions: np.ndarray, salience: np.ndarray, out=None,
           scratch=None) -> np.ndarray:  # pragma: no cover - compiled
    n, k = positions.shape
    if out is None:
        d = np.empty((n, n))
        row = np.empty(k)
    else:
        d = out
        row = scratch
    for i in range(n):
        w = max(_np_sum(salience[i]) * 100.0, 1e-9)
        for j in range(n):
            for c in range(k):
                row[c] = salience[i, c] * abs(positions[i, c] - positions[j, c])
            d[i, j] = _np_sum(row) / w
    return d


@njit(cache=True)
def _war_value(pwin: np.ndarray, mu: np.ndarray, d: np.ndarray, e: np.ndarray,
               careful: np.ndarray, resolve: np.ndarray, risk_tolerance: np.ndarray,
               war_cost: float, war_threshold: float, out=None) -> np.ndarray:  # pragma: no cover
    n = pwin.shape[0]
    if out is None:
        w = np.empty((n, n))
    else:
        w = out
    for i in range(n):
        for j in range(n):
            pe = pwin[i, j] * (1 - 0.3 * mu[i, j])
            w[i, j] = (resolve[i] * pe * d[i, j]
                       - war_cost * (1 - risk_tolerance[i]) * (1.5 - pe) * careful[i]
                       - e[i] * careful[i] - war_threshold)
    return w


@njit(cache=True)
def day(day: int, days: int, rung: np.ndarray, mu: np.ndarray, positions: np.ndarray,
        aid: np.ndarray, credibility: np.ndarray, threat_until: np.ndarray,
        called_until: np.ndarray, sanctioned: np.ndarray, halted: np.ndarray,
        mobilized_on: np.ndarray, owed: np.ndarray, tension: float,
        # the scenario (constant during a run)
        salience: np.ndarray, capability: np.ndarray, resolve: np.ndarray,
        risk_tolerance: np.ndarray, audience: np.ndarray, severity: np.ndarray,
        vulnerability: np.ndarray, force_ok: np.ndarray, rival: np.ndarray, ally: np.ndarray,
        red: np.ndarray, defenders: np.ndarray, talk_soon: np.ndarray,
        # _Static
        careful: np.ndarray, risk_averse: np.ndarray, n_rivals: np.ndarray,
        signal_value: np.ndarray, cost: np.ndarray, war_risk_unit: np.ndarray,
        carry: np.ndarray, conciliatory: np.ndarray, g: np.ndarray, abs_g: np.ndarray,
        relief_unit: np.ndarray, concession_loss: np.ndarray, sanction_pressure: float,
        allowed_targets: np.ndarray,
        # the catalog
        t_pressure: np.ndarray, t_public: np.ndarray, t_top: np.ndarray, t_escal: np.ndarray,
        t_deesc: np.ndarray, t_rung: np.ndarray, threat_pressure: np.ndarray,
        # parameters and indices
        coercion_weight: float, reciprocity: float, sunk: float, war_cost: float,
        war_threshold: float, mobilization_days: int, rationality: float,
        a_aid: int, a_force: int, a_mobilize: int, a_impose: int, a_lift: int,
        a_demobilize: int, a_halt: int, a_propose: int, a_offer: int, a_make: int,
        work: np.ndarray, dense: bool = True, utility_out=None, parts_out=None,
        feasible_out=None, prob_out=None,
        ):  # pragma: no cover - compiled
    """Utilities (n, A, n), their parts (10, n, A, n), feasibility and choice probabilities.

    Returns (utility, parts, feasible, prob) with prob (n, A * n) flattened
    like ``utility.reshape(n, -1)``. With ``dense=False`` the utilities and
    parts of infeasible options are left at 0 (they have probability 0
    either way): the model's own day needs no more. ``work`` (``work_size``
    long, the caller's) holds the intermediate arrays; the ``*_out`` arrays, if
    given, receive the results (sparse only: they are not cleared).
    """
    n = rung.shape[0]
    A = t_pressure.shape[0]
    k = positions.shape[1]
    # the intermediate arrays, views of the caller's ``work`` (work_size): no allocation
    d, o = _take(work, 0, (n, n))
    pwin, o = _take(work, o, (n, n))
    lev, o = _take(work, o, (n, n))
    any_active, o = _take(work, o, (n, n))
    any_called, o = _take(work, o, (n, n))
    gain, o = _take(work, o, (n, n))
    war, o = _take(work, o, (n, n))
    pwin_brink, o = _take(work, o, (n, n))
    at_brink, o = _take(work, o, (n, n))
    s, o = _take(work, o, (n,))
    e, o = _take(work, o, (n,))
    riv_rung, o = _take(work, o, (n,))
    doubt, o = _take(work, o, (n,))
    sc, o = _take(work, o, (n,))
    threatened, o = _take(work, o, (n,))
    sb, o = _take(work, o, (n,))
    defence, o = _take(work, o, (n,))
    row, o = _take(work, o, (k,))
    z, o = _take(work, o, (A * n,))
    stakes(positions, salience, d, row)
    strength(capability, rung, aid, False, s)
    win_probability(s, s, defenders, pwin, defence)
    exposure(day, threat_until, credibility, severity, vulnerability, sanctioned, sunk, pwin, e)
    for i in range(n):
        best = 0
        for j in range(n):
            v = rung[j] if rival[i, j] else 0
            if j == 0 or v > best:
                best = v
        riv_rung[i] = best
    called_any = False
    for i in range(n):
        for j in range(n):
            m = 0.0
            any_active[i, j] = 0.0
            any_called[i, j] = 0.0
            for t in range(3):
                on = threat_until[i, j, t] >= day
                v = threat_pressure[t] if on else 0.0
                if t == 0 or v > m:
                    m = v
                if on:
                    any_active[i, j] = 1.0
                if called_until[i, j, t] >= day:
                    any_called[i, j] = 1.0
                    called_any = True
            m = max(m, sanction_pressure * (1.0 if sanctioned[i, j] else 0.0))
            lev[i, j] = max(m, 0.5 * rung[i] / 8.0)
    for i in range(n):
        for j in range(n):
            r8 = rung[j] / 8.0
            deter = (risk_averse[i, 0] * mu[i, j] * r8 ** 2 * d[i, j]
                     * (1.0 if force_ok[j] else 0.0))
            gain[i, j] = coercion_weight * (resolve[i] * d[i, j] * (1 - mu[i, j]) + deter)
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += (1 - mu[j, i]) if rival[j, i] else 0.0
        doubt[i] = acc / n_rivals[i]
    for i in range(n):  # sanctions cost
        acc = 0.0
        for x in range(n):
            acc += severity[x] * (1.0 if sanctioned[x, i] else 0.0)
        sc[i] = acc * vulnerability[i]
    for j in range(n):
        best = 0.0
        for i in range(n):
            v = 0.0 if ally[i, j] else rung[i] / 8.0 * d[i, j]
            if i == 0 or v > best:
                best = v
        threatened[j] = best
    careful1 = careful[:, 0]
    _war_value(pwin, mu, d, e, careful1, resolve, risk_tolerance, war_cost, war_threshold,
               war)
    strength(capability, rung, aid, True, sb)
    win_probability(sb, s, defenders, pwin_brink, defence)
    _war_value(pwin_brink, mu, d, e, careful1, resolve, risk_tolerance, war_cost, war_threshold,
               at_brink)

    if utility_out is None:
        utility = np.empty((n, A, n))
    else:
        utility = utility_out
    # sparse: only feasible options' parts are written (and only the chosen ones read)
    if parts_out is None:
        parts = np.zeros((N_PARTS, n, A, n)) if dense else np.empty((N_PARTS, n, A, n))
    else:
        parts = parts_out
    if feasible_out is None:
        feasible = np.empty((n, A, n), dtype=np.bool_)
    else:
        feasible = feasible_out
    for i in range(n):
        pressure_felt = e[i] + 0.5 * sc[i] + tension + 0.5 * riv_rung[i] / 8.0
        ready = day - mobilized_on[i] >= mobilization_days
        for a in range(A):
            credf = credibility[i] if t_public[a] else 1.0
            raises = careful[i, 0] if (t_top[a] > rung[i] and t_escal[a]) else 0.0
            signal = signal_value[i, a] * doubt[i]
            sanctions_risk = e[i] * raises
            war_risk = war_risk_unit[i, 0] * raises * riv_rung[i]
            cost_ia = cost[i, a, 0]
            rung_ok = t_rung[a] <= rung[i] + 1
            for j in range(n):
                # feasibility (CrisisModel._feasible)
                if not (allowed_targets[i, a, j] or dense):  # never allowed: skip early
                    feasible[i, a, j] = False
                    utility[i, a, j] = 0.0
                    continue
                ok = allowed_targets[i, a, j] and rung_ok
                soon = talk_soon[i, j] if day < days else False
                if a == a_impose:
                    ok = ok and not sanctioned[i, j]
                elif a == a_lift:
                    ok = ok and sanctioned[i, j]
                elif a == a_demobilize:
                    ok = ok and rung[i] > 0
                elif a == a_mobilize:
                    ok = ok and ready
                elif a == a_halt:
                    ok = ok and soon and not halted[i, j]
                elif a == a_propose:
                    ok = ok and (not soon or halted[i, j])
                elif a == a_offer or a == a_make:  # noqa: SIM109 (plain compares for numba)
                    movable = False
                    for c in range(k):
                        if abs(positions[i, c] - positions[j, c]) > 1e-9 and not red[i, c]:
                            movable = True
                    ok = ok and movable
                feasible[i, a, j] = ok
                if not (ok or dense):
                    utility[i, a, j] = 0.0
                    continue
                coercion = gain[i, j] * credf * max(t_pressure[a] - lev[i, j], 0.0)
                backing = conciliatory[0, a, 0] * (0.5 * any_active[i, j]
                                                   + 0.5 * any_called[i, j])
                carrying = 0.0
                if called_any:
                    for t in range(3):
                        carrying += (1.0 if called_until[i, j, t] >= day else 0.0) * carry[a, t]
                    carrying = min(max(carrying, 0.0), 1.0)
                aud = audience[i] * (carrying - backing)
                ga = g[0, a, 0]
                ow = owed[i, j]
                recip = reciprocity * (min(abs_g[0, a, 0], abs(ow)) if ga * ow > 0 else 0.0)
                relief = (relief_unit[0, a, 0] * ((1 - resolve[i]) * pressure_felt)
                          - concession_loss[i, a, 0] - t_deesc[a] * (gain[i, j] * 0.5 / 8.0))
                u = (coercion + signal - cost_ia - sanctions_risk - war_risk + aud + recip
                     + relief)
                parts[0, i, a, j] = coercion
                parts[1, i, a, j] = signal
                parts[2, i, a, j] = -cost_ia
                parts[3, i, a, j] = -sanctions_risk
                parts[4, i, a, j] = -war_risk
                parts[5, i, a, j] = aud
                parts[6, i, a, j] = recip
                parts[7, i, a, j] = relief
                parts[8, i, a, j] = 0.0
                parts[9, i, a, j] = 0.0
                if a == a_aid:
                    sup = 0.5 * resolve[i] * threatened[j] * (1 - min(aid[j], 1.0))
                    parts[8, i, a, j] = sup
                    u += sup
                if a == a_force:  # war is valued as a whole
                    u = war[i, j]
                    for c in range(N_PARTS - 1):
                        parts[c, i, a, j] = 0.0
                    parts[9, i, a, j] = u
                elif a == a_mobilize:
                    mob = (max(at_brink[i, j], 0.0) * (1.0 if force_ok[i] else 0.0)
                           * (1.0 if rung[i] < 8 else 0.0) * resolve[i])
                    parts[9, i, a, j] = mob
                    u += mob
                utility[i, a, j] = u
    prob = logit_probabilities(utility.reshape(n, A * n), feasible.reshape(n, A * n),
                               rationality, z, prob_out)
    return utility, parts, feasible, prob


@njit(cache=True)
def logit_probabilities(utility: np.ndarray, feasible: np.ndarray,
                        rationality: float, scratch=None,
                        out=None) -> np.ndarray:  # pragma: no cover - compiled
    """Row-wise logit choice probabilities (sim.model.choice.logit_probabilities)."""
    n, m = utility.shape
    if out is None:
        prob = np.empty((n, m))
    else:
        prob = out
    if scratch is None:
        z = np.empty(m)
    else:
        z = scratch
    for i in range(n):
        top = -np.inf
        for o in range(m):
            z[o] = rationality * utility[i, o] if feasible[i, o] else -np.inf
            if z[o] > top:
                top = z[o]
        for o in range(m):
            z[o] = np.exp(z[o] - top) if feasible[i, o] else 0.0  # = exp(-inf)
        total = _np_sum(z)
        for o in range(m):
            prob[i, o] = z[o] / total
    return prob


# ---------------------------------------------------------------------- talks
# sim.model.bargaining.negotiate, compiled. Same equations, same order of operations.


@njit(cache=True)
def _plan(q: int, ideals: np.ndarray, salience: np.ndarray, red: np.ndarray,
          use_red: bool, tolerance: float):  # pragma: no cover - compiled
    """bargaining.plan: (ideal, goal, order, loss, cum) of participant q."""
    p, k = ideals.shape
    wsum = np.zeros(k)
    num = np.zeros(k)
    plain = np.zeros(k)
    for o in range(p):
        if o == q:
            continue
        for c in range(k):
            wsum[c] += salience[o, c]
            num[c] += salience[o, c] * ideals[o, c]
            plain[c] += ideals[o, c]
    goal = np.empty(k)
    for c in range(k):
        goal[c] = num[c] / wsum[c] if wsum[c] > 0 else plain[c] / (p - 1)
    own = salience[q].copy()
    total = _np_sum(own)
    ideal = ideals[q].copy()
    if total <= 0:
        empty = np.zeros(0)
        return goal.copy(), goal, np.zeros(0, dtype=np.int64), empty, empty
    if use_red:
        for o in range(p):
            if o == q:
                continue
            for c in range(k):
                if red[o, c] and abs(goal[c] - ideals[o, c]) > tolerance:
                    goal[c] = ideals[o, c] + np.sign(goal[c] - ideals[o, c]) * tolerance
    ratio = np.empty(k)
    for c in range(k):
        ratio[c] = own[c] / (wsum[c] / (p - 1) + 1e-9)
    order = np.argsort(ratio, kind="mergesort")
    if use_red:
        keep = 0
        for m in range(k):
            if not red[q, order[m]]:
                order[keep] = order[m]
                keep += 1
        order = order[:keep]
    loss = np.empty(order.shape[0])
    for m in range(order.shape[0]):
        c = order[m]
        loss[m] = own[c] * abs(goal[c] - ideal[c]) / (100.0 * total)
    return ideal, goal, order, loss, np.cumsum(loss)


@njit(cache=True)
def _offer(ideal: np.ndarray, goal: np.ndarray, order: np.ndarray, loss: np.ndarray,
           cum: np.ndarray, target: float) -> np.ndarray:  # pragma: no cover - compiled
    """bargaining.Plan.offer."""
    budget = max(1.0 - target, 0.0)
    deal = ideal.copy()
    m = np.searchsorted(cum, budget + 1e-12, side="right")
    for x in range(m):
        deal[order[x]] = goal[order[x]]
    if m < order.shape[0]:
        c = order[m]
        rest = budget - (cum[m - 1] if m else 0.0)
        deal[c] = ideal[c] + (goal[c] - ideal[c]) * rest / loss[m]
    return deal


@njit(cache=True)
def negotiate(ideals: np.ndarray, salience: np.ndarray, asp: np.ndarray,
              continue_margin: float, sq: np.ndarray, first: int, red: np.ndarray,
              tolerance: float):  # pragma: no cover - compiled
    """bargaining.negotiate: (status, agreed columns, agreed values, offers, gap, holdout).

    ``asp`` (turns, p) are the aspirations at each turn (numpy's ``power``
    rounds differently from the C library's, so they come from
    ``bargaining.aspiration``). status: 0 agreement, 1 partial, 2 continue,
    3 breakdown.
    """
    turns = asp.shape[0]
    p, k = ideals.shape
    total = np.empty(p)
    sq_value = np.empty((p, k))
    for q in range(p):
        total[q] = max(_np_sum(salience[q].copy()), 1e-12)
        for c in range(k):
            sq_value[q, c] = salience[q, c] * (1.0 - abs(sq[c] - ideals[q, c]) / 100.0)
    agenda = np.arange(k)
    n_agenda = k
    offers = 0
    gap = 0.0
    holdout = -1
    in_agenda = np.ones(k, dtype=np.bool_)
    while n_agenda > 0:
        cols = agenda[:n_agenda].copy()
        ks = n_agenda
        rest = np.empty(k - ks, dtype=np.int64)
        r = 0
        for c in range(k):
            if not in_agenda[c]:
                rest[r] = c
                r += 1
        ideal_s = np.empty((p, ks))
        sal_s = np.empty((p, ks))
        red_s = np.zeros((p, ks), dtype=np.bool_)
        any_red = False
        for q in range(p):
            for x in range(ks):
                ideal_s[q, x] = ideals[q, cols[x]]
                sal_s[q, x] = salience[q, cols[x]]
                red_s[q, x] = red[q, cols[x]]
                any_red = any_red or red_s[q, x]
        w_s = np.empty(p)
        from_rest = np.empty(p)
        for q in range(p):
            # numpy reduces these fancy-indexed (column-major) copies in sequence
            acc = 0.0
            for x in range(ks):
                acc += sal_s[q, x]
            w_s[q] = max(acc, 1e-12)
            acc = 0.0
            for x in range(k - ks):
                acc += sq_value[q, rest[x]]
            from_rest[q] = acc
        needs = np.empty((turns, p))
        for t in range(turns):
            for q in range(p):
                needs[t, q] = (asp[t, q] * total[q] - from_rest[q]) / w_s[q]
        deals = np.empty((turns, ks))
        for q in range(p):
            ideal_q, goal_q, order_q, loss_q, cum_q = _plan(q, ideal_s, sal_s, red_s, True,
                                                            tolerance)
            for t in range(turns):
                if (first + t) % p == q:
                    deals[t] = _offer(ideal_q, goal_q, order_q, loss_q, cum_q,
                                      min(needs[t, q], 1.0))
        short = np.empty((turns, p))
        row = np.empty(ks)
        accepted_at = -1
        for t in range(turns):
            prop = (first + t) % p
            worst = -np.inf
            for q in range(p):
                crossed = False
                for x in range(ks):
                    dev = abs(deals[t, x] - ideal_s[q, x])
                    row[x] = sal_s[q, x] * dev
                    if red_s[q, x] and dev > tolerance + 1e-9:
                        crossed = True
                acc = 0.0
                for x in range(ks):
                    acc += row[x]
                u = 1.0 - acc / (100.0 * w_s[q])
                sh = (needs[t, q] - u) * w_s[q] / total[q]
                if q == prop:
                    sh = 0.0
                if any_red and crossed:
                    sh = max(sh, 1.0)
                short[t, q] = sh
                if sh > worst:
                    worst = sh
            if accepted_at < 0 and worst <= 1e-9 and needs[t, prop] <= 1.0 + 1e-9:
                accepted_at = t
        if accepted_at >= 0:
            status = 0 if ks == k else 1
            return status, cols, deals[accepted_at].copy(), offers + accepted_at + 1, gap, holdout
        offers += turns
        if ks == k:
            top = short[turns - 1, 0]
            arg = 0
            for q in range(1, p):
                if short[turns - 1, q] > top:
                    top = short[turns - 1, q]
                    arg = q
            gap = min(top, 1.0)
            holdout = arg
        # set aside an issue whose red lines clash, else the most disputed one
        best = -np.inf
        drop = 0
        for x in range(ks):
            num = 0.0
            den = 0.0
            for q in range(p):
                num += sal_s[q, x] * ideal_s[q, x]
                den += sal_s[q, x]
            centre = num / max(den, 1e-9)
            spread = 0.0
            hi = -np.inf
            lo = np.inf
            for q in range(p):
                spread += sal_s[q, x] * abs(ideal_s[q, x] - centre)
                if red_s[q, x]:
                    hi = max(hi, ideal_s[q, x])
                    lo = min(lo, ideal_s[q, x])
            clash = (hi - lo > 2 * tolerance) if hi >= lo else False
            score = spread + 1e6 * (1.0 if clash else 0.0)
            if score > best:
                best = score
                drop = x
        in_agenda[cols[drop]] = False
        for x in range(drop, n_agenda - 1):
            agenda[x] = agenda[x + 1]
        n_agenda -= 1
    status = 2 if gap < continue_margin else 3
    return status, np.zeros(0, dtype=np.int64), np.zeros(0), offers, gap, holdout


@njit(cache=True)
def sample(prob: np.ndarray, uniforms: np.ndarray, out=None,
           scratch=None) -> np.ndarray:  # pragma: no cover - compiled
    """sim.model.choice.sample: the index drawn from each row, one uniform per row."""
    n, m = prob.shape
    if out is None:
        picks = np.empty(n, dtype=np.int64)
        cum = np.empty(m)
    else:
        picks = out
        cum = scratch
    for i in range(n):
        acc = 0.0
        for o in range(m):
            acc += prob[i, o]
            cum[o] = acc
        last = cum[m - 1]
        count = 0
        for o in range(m):  # cum / last never decreases: count up to the first above u
            if cum[o] / last <= uniforms[i]:
                count += 1
            else:
                break
        picks[i] = count
    return picks


@njit(cache=True)
def hostility(today: np.ndarray) -> float:  # pragma: no cover - compiled
    """Mean over actors of the most hostile act each made today (Goldstein / -10, 0-1)."""
    n = today.shape[0]
    total = 0.0
    for i in range(n):
        top = 0.0
        for j in range(n):
            v = min(max(-today[i, j] / 10.0, 0.0), 1.0)
            if j == 0 or v > top:
                top = v
        total += top
    return total / n


@njit(cache=True)
def expire_threats(day: int, threat_until: np.ndarray,
                   called_until: np.ndarray) -> None:  # pragma: no cover - compiled
    """Threats past their last day that were never called lapse quietly (set to -1)."""
    n = threat_until.shape[0]
    for i in range(n):
        for j in range(n):
            for t in range(3):
                if 0 <= threat_until[i, j, t] < day and called_until[i, j, t] < 0:
                    threat_until[i, j, t] = -1
