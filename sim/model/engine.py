"""The day compiled with numba: scripted events, draws, acts, talk rounds, the end of the day.

``CrisisModel.step`` runs a day in one compiled call, ``day``, when the model
decides every actor: the morning's scripted events, the day's random numbers
(drawn from the model's own numpy generator, ``draw_day``), the acts (every
actor chooses with ``kernel.day`` and the acts take effect in scenario order,
``acts``/``act``), the day's talk rounds (``hold_round``: reservation values,
``kernel.negotiate``, ``effects``, ``settle``) and the end of the day
(incidents, threat bookkeeping, tension, debts, belief decay, aid, the outcome
check and the record, ``end_of_day``). The same compiled pieces serve the
Python paths a day can take instead (a person playing an actor, the record
replayed, an instructor's inject: ``run``, ``talk``, ``hold``).

Equations: docs/ODD.md, "Process overview and scheduling" and "Submodels". The
state is the model's own arrays, views of a few flat buffers (``STATE_*``,
``CONST_*``, ``RECORD_*``; the unpacking functions give the layout), changed in
place.

The event log is written as numbers: a row per event with its kind, day,
actors, action, posture, and the numbers its reason is made of (the chosen
option's utility parts and probability, a credibility before and after, the
rungs at an incident). ``CrisisModel.events`` turns rows into the logged
tuples, with their reasons in words, only when they are read.

Floating point: belief updates use the C library's ``exp`` and ``log`` (numba
compiles ``np.exp``/``np.log`` to calls to them), where numpy picks a SIMD
routine by processor; docs/performance.md.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.random._constants import (
    fi_double,
    ki_double,
    wi_double,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

from sim.model import kernel
from sim.model.actions import CATALOG, INDEX, TABLE
from sim.model.beliefs import EPS  # beliefs are clipped to [EPS, 1 - EPS] before the log-odds
from sim.model.kernel import _take

# kinds of event rows (the order of crisis.ACT_KINDS first)
ACT, PLAYED, SCRIPTED, INJECTED, HISTORY, INCIDENT, CREDIBILITY, PYTHON, TALKS = range(9)
#: integer columns of an event row
I_DAY, I_KIND, I_I, I_J, I_ACTION, I_RUNG, I_TEXT, I_AUX = range(8)
N_INT = 8
#: float columns: the Goldstein value, the option's probability, its ten utility parts,
#: a credibility before and after
F_PROB, F_PARTS, F_BEFORE, F_AFTER = 0, 1, 11, 12
N_FLOAT = 13
#: outcome vector: [kind, day, x, y, cause]; kind -1 while the run goes on
WAR, SETTLEMENT, STANDOFF = 0, 1, 2
BY_FORCE, BY_INCIDENT, BY_DATE, BY_PYTHON, BY_TALKS = 0, 1, 2, 3, 4

#: scenario parameters the compiled day reads, in the order of the ``par`` vector
PARAMETERS = ("coercion_weight", "reciprocity", "sanctions_sunk", "war_cost", "war_threshold",
              "mobilization_days", "rationality", "misperception", "perception_bias",
              "threat_days", "follow_through_days", "credibility_gain", "credibility_loss",
              "incident_risk", "tension_memory", "belief_decay")
(P_COERCION, P_RECIPROCITY, P_SUNK, P_WAR_COST, P_WAR_THRESHOLD, P_MOBILIZATION,
 P_RATIONALITY, P_MISPERCEPTION, P_BIAS, P_THREAT_DAYS, P_FOLLOW_THROUGH, P_CRED_GAIN,
 P_CRED_LOSS, P_INCIDENT_RISK, P_MEMORY, P_DECAY) = range(len(PARAMETERS))

ECHO = 0.5  # share of an act's weight that the target owes back (< 1 damps echoes)
TALK_BELIEF_SHIFT = 0.3  # log-odds shift of beliefs after a breakdown (+) or agreement (-)
THREAT_NAMES = ("threaten_sanctions", "threaten_force", "warn")  # kinds 0, 1, 2


def catalog_arrays() -> tuple:
    """The catalog's columns the acts read, as arrays for the compiled code."""
    target = np.array([0 if a.target == "rival" else 1 if a.target == "ally" else 2
                       for a in CATALOG], dtype=np.int64)
    threat = np.array([THREAT_NAMES.index(a.name) if a.name in THREAT_NAMES else -1
                       for a in CATALOG], dtype=np.int64)
    carries = np.stack([TABLE.carries[k] for k in ("sanctions", "force", "general")], axis=1)
    index = np.array([INDEX[a] for a in (
        "impose_sanctions", "lift_sanctions", "halt_talks", "propose_talks", "mobilize",
        "military_aid", "use_force")], dtype=np.int64)
    return (TABLE.goldstein.astype(float), TABLE.signal.astype(float),
            TABLE.public_threat.astype(float), TABLE.top.astype(np.int64),
            TABLE.rung.astype(np.int64), TABLE.deescalates.copy(),
            TABLE.concedes.astype(float), target, threat, np.ascontiguousarray(carries), index)


CAT = catalog_arrays()


@njit(cache=True)
def logit(p: float) -> float:  # pragma: no cover - compiled
    """beliefs.logit of one number."""
    p = min(max(p, EPS), 1 - EPS)
    return np.log(p / (1 - p))


@njit(cache=True)
def logistic(x: float) -> float:  # pragma: no cover - compiled
    """beliefs.logistic of one number."""
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True)
def log_event(E, day, kind, i, j, action, rung, text, aux):  # pragma: no cover
    """Append one event row; returns its index (the caller fills the floats it needs)."""
    ev_i, ev_f, count = E
    r = count[0]
    ev_i[r, I_DAY] = day
    ev_i[r, I_KIND] = kind
    ev_i[r, I_I] = i
    ev_i[r, I_J] = j
    ev_i[r, I_ACTION] = action
    ev_i[r, I_RUNG] = rung
    ev_i[r, I_TEXT] = text
    ev_i[r, I_AUX] = aux
    for c in range(N_FLOAT):
        ev_f[r, c] = np.nan
    count[0] = r + 1
    return r


@njit(cache=True)
def finish(out, kind, day, x, y, cause):  # pragma: no cover - compiled
    """The run ends (the first ending counts)."""
    if out[0] < 0:
        out[0] = kind
        out[1] = day
        out[2] = x
        out[3] = y
        out[4] = cause


@njit(cache=True)
def credibility_change(day, i, j, t, kept, S, par, E):  # pragma: no cover - compiled
    """A called threat of kind t from i to j was carried out (``kept``) or let lapse.

    ODD "Threats and credibility": c += gain (1 - c) if kept, c -= loss c if not;
    the threat is then spent.
    """
    rung, credibility = S[0], S[4]
    threat_until, called_until = S[5], S[7]
    before = credibility[i]
    if kept:
        credibility[i] += par[P_CRED_GAIN] * (1 - before)
    else:
        credibility[i] -= par[P_CRED_LOSS] * before
    threat_until[i, j, t] = -1
    called_until[i, j, t] = -1
    r = log_event(E, day, CREDIBILITY, i, j, 1 if kept else 0, rung[i], -1, t)
    E[1][r, F_BEFORE] = before
    E[1][r, F_AFTER] = credibility[i]


@njit(cache=True)
def act(day, i, a, j, kind, text, prob, parts, noise, S, C, cat, par, E):  # pragma: no cover
    """Carry out act ``a`` of actor ``i`` toward ``j`` and log it (ODD "Acts").

    ``parts`` (10,) and ``prob`` are the chosen option's utility parts and
    probability, kept for its reason (NaN when the act was not the model's
    choice); ``text`` indexes the reason a Python caller gave (-1: none).
    """
    (goldstein, signal, public, top, ladder, deesc, concedes, target_kind, threat_of,
     carries, index) = cat
    rung, belief, positions, aid, threat_until, threat_base, called_until = (
        S[0], S[1], S[2], S[3], S[5], S[6], S[7])
    sanctioned, halted, mobilized_on, owed, today, out = S[8], S[9], S[10], S[11], S[12], S[14]
    salience, capability, audience, rival, red = C[0], C[1], C[4], C[8], C[10]
    n = rung.shape[0]
    if top[a] > rung[i] and ladder[a] > 0:
        rung[i] = min(rung[i] + 1, top[a])
    elif deesc[a]:
        rung[i] = max(rung[i] - 1, 0)
    targeted = target_kind[a] != 2
    if targeted:
        today[i, j] += goldstein[a]
        g = goldstein[a] / 10.0  # tit for tat: pay i's debt to j in kind, put j in i's debt
        if g * owed[i, j] > 0:
            owed[i, j] -= np.sign(g) * min(abs(g), abs(owed[i, j]))
        owed[j, i] += ECHO * g
    # everyone else reads the act as a signal of i's resolve (beliefs.perceived_llr)
    llr = signal[a] * (1 + audience[i] * public[a])
    if llr != 0.0:
        mis, bias = par[P_MISPERCEPTION], par[P_BIAS]
        for o in range(n):
            if o != i:
                read = (llr * (1.0 + mis * noise[o])
                        + bias * abs(llr) * (1.0 if rival[o, i] else 0.0))
                belief[o, i] = logistic(logit(belief[o, i]) + read)
    t = threat_of[a]
    if t >= 0 and targeted:
        threat_until[i, j, t] = day + int(par[P_THREAT_DAYS])
        if called_until[i, j, t] < 0:  # renewing a called threat does not reset it
            threat_base[i, j, t] = rung[j]
    if targeted:
        # aid to an ally carries out warnings made to the ally's rivals
        for t in range(3):
            if not carries[a, t]:
                continue
            for x in range(n):
                aimed = x == j if target_kind[a] == 0 else rival[j, x]
                if aimed and called_until[i, x, t] >= day:
                    credibility_change(day, i, x, t, True, S, par, E)
    if a == index[0]:
        sanctioned[i, j] = True
    elif a == index[1]:
        sanctioned[i, j] = False
    elif a == index[2]:
        halted[i, j] = True
    elif a == index[3]:
        halted[i, j] = False
    elif a == index[4]:
        mobilized_on[i] = day
    elif a == index[5]:
        aid[j] += 0.03 * capability[i]
    if concedes[a] != 0.0 and targeted:
        concede(i, j, concedes[a], positions, salience, red)
    r = log_event(E, day, kind, i, j if targeted else -1, a, rung[i], text, 0)
    E[1][r, F_PROB] = prob
    for c in range(10):
        E[1][r, F_PARTS + c] = parts[c]
    if a == index[6]:
        finish(out, WAR, day, i, j, BY_FORCE)


@njit(cache=True)
def concede(i, j, points, positions, salience, red):  # pragma: no cover - compiled
    """Move i toward j on the disputed issue that matters least to i (never a red line)."""
    k = positions.shape[1]
    best, pick = np.inf, -1
    for c in range(k):
        disputed = abs(positions[j, c] - positions[i, c]) > 1e-9 and not red[i, c]
        if disputed and (pick < 0 or salience[i, c] < best):
            best, pick = salience[i, c], c
    if pick < 0:
        return
    gap = positions[j, pick] - positions[i, pick]
    moved = positions[i, pick] + np.sign(gap) * min(points, abs(gap))
    positions[i, pick] = min(max(moved, 0.0), 100.0)  # rounding must not leave 0..100


@njit(cache=True)
def incident(day, i, j, text, S, C, E):  # pragma: no cover - compiled
    """One incident between i's and j's forces (ODD "Incidents")."""
    rung, scal, out = S[0], S[13], S[14]
    force_ok = C[7]
    log_event(E, day, INCIDENT, i, j, rung[i], rung[i], text, rung[j])
    scal[0] = min(1.0, scal[0] + 0.1)
    for side in range(2):
        x = i if side == 0 else j
        if rung[x] >= 8 and force_ok[x]:
            rung[x] = 9
            finish(out, WAR, day, x, j if x == i else i, BY_INCIDENT)
            return
        rung[x] = min(rung[x] + 1, 8)


@njit(cache=True)
def incidents(day, u, S, C, par, E):  # pragma: no cover - compiled
    """Incidents of chance between rivals' forces, in scenario order, until one means war.

    Pair i < j of rivals has one when u_ij < incident_risk (r_i / 8)(r_j / 8); every pair
    is decided on the day's rungs before any incident moves them.
    """
    rung, pairs, risk = S[0], C[13], par[P_INCIDENT_RISK]
    n = rung.shape[0]
    hits = 0
    for i in range(n):
        for j in range(i + 1, n):
            if pairs[i, j] and u[i, j] < risk * ((rung[i] / 8.0) * (rung[j] / 8.0)):
                hits += 1
    if hits == 0:  # most days
        return
    hit = np.empty((hits, 2), dtype=np.int64)
    h = 0
    for i in range(n):
        for j in range(i + 1, n):
            if pairs[i, j] and u[i, j] < risk * ((rung[i] / 8.0) * (rung[j] / 8.0)):
                hit[h, 0] = i
                hit[h, 1] = j
                h += 1
    for p in range(hits):
        incident(day, hit[p, 0], hit[p, 1], -1, S, C, E)
        if S[14][0] >= 0:
            return


@njit(cache=True)
def threats(day, S, par, E):  # pragma: no cover - compiled
    """Call threats whose target escalated; let unanswered ones cost credibility.

    A standing threat i -> j of kind t is called when j's rung rose above its rung when
    the threat was made: i then has ``follow_through_days`` to carry it out. A called
    threat past its deadline lapses (credibility falls); threats past their last day
    that were never called lapse quietly.
    """
    rung, threat_until, threat_base, called_until = S[0], S[5], S[6], S[7]
    n = rung.shape[0]
    follow = int(par[P_FOLLOW_THROUGH])
    for i in range(n):
        for j in range(n):
            for t in range(3):
                if (threat_until[i, j, t] >= day and called_until[i, j, t] < 0
                        and rung[j] > threat_base[i, j, t]):
                    called_until[i, j, t] = day + follow
    # a lapse touches only its own threat, so each is applied as it is found
    for i in range(n):
        for j in range(n):
            for t in range(3):
                if 0 <= called_until[i, j, t] < day:
                    credibility_change(day, i, j, t, False, S, par, E)
    kernel.expire_threats(day, threat_until, called_until)


@njit(cache=True)
def choose(day, days, S, C, K, par):  # pragma: no cover - compiled
    """kernel.day on the model's state, sparse, its results in the model's scratch:
    (utility, parts, feasible, prob)."""
    rung, belief, positions, aid, credibility, threat_until, _threat_base, called_until, \
        sanctioned, halted, mobilized_on, owed, _today, scal, _out, _committed, _n, _bg, work, \
        _wi, work_b = S
    (salience, capability, resolve, risk_tolerance, audience, severity, vulnerability,
     force_ok, rival, ally, red, defenders, talk_soon, _pairs, _prior, _sq, _core) = C
    (careful, risk_averse, n_rivals, signal_value, cost, war_risk_unit, carry,
     conciliatory, g, abs_g, relief_unit, concession_loss, sanction_pressure,
     allowed_targets, t_pressure, t_public, t_top, t_escal, t_deesc, t_rung,
     threat_pressure, idx) = K
    utility, parts, feasible, prob, _c, _r, _u, _n, _i = scratch(
        work, work_b, rung.shape[0], positions.shape[1], t_pressure.shape[0])
    return kernel.day(
        day, days, rung, belief, positions, aid, credibility, threat_until, called_until,
        sanctioned, halted, mobilized_on, owed, scal[0], salience, capability, resolve,
        risk_tolerance, audience, severity, vulnerability, force_ok, rival, ally, red,
        defenders, talk_soon[min(day, days - 1)], careful, risk_averse, n_rivals,
        signal_value, cost, war_risk_unit, carry, conciliatory, g, abs_g, relief_unit,
        concession_loss, sanction_pressure, allowed_targets, t_pressure, t_public, t_top,
        t_escal, t_deesc, t_rung, threat_pressure, par[P_COERCION], par[P_RECIPROCITY],
        par[P_SUNK], par[P_WAR_COST], par[P_WAR_THRESHOLD], int(par[P_MOBILIZATION]),
        par[P_RATIONALITY], idx[0], idx[1], idx[2], idx[3], idx[4], idx[5], idx[6], idx[7],
        idx[8], idx[9], work, False, utility, parts, feasible, prob)


@njit(cache=True)
def acts(day, days, uniforms, noise, S, C, K, cat, par, E):  # pragma: no cover - compiled
    """Every actor chooses (logit rule) and the acts take effect in scenario order."""
    _utility, parts, _feasible, prob = choose(day, days, S, C, K, par)
    n, k = S[2].shape
    A = parts.shape[2]
    _u, _p, _f, _q, cum, row, _un, _no, _inc = scratch(S[18], S[20], n, k, A)
    picks = kernel.sample(prob, uniforms, S[19], cum)
    for i in range(n):
        a, j = divmod(picks[i], n)
        if a == 0:
            continue
        for c in range(10):
            row[c] = parts[c, i, a, j]
        act(day, i, a, j, ACT, -1, prob[i, a * n + j], row, noise[i], S, C, cat, par, E)
        if S[14][0] >= 0:
            return


@njit(cache=True)
def end_of_day(day, days, u, S, C, par, E, R):  # pragma: no cover - compiled
    """Incidents and threats (while the run goes on), then the day's bookkeeping and record.

    ODD "End of the day": tension T' = clip((1 - m) T + m H, 0, 1) with H the
    day's hostility; debts shrink by (1 - m); beliefs are pulled back toward
    the first impression by ``belief_decay`` in log-odds; aid decays by 1%.
    """
    rung, belief, aid, owed, today, scal, out = S[0], S[1], S[3], S[11], S[12], S[13], S[14]
    n = rung.shape[0]
    if out[0] < 0:
        incidents(day, u, S, C, par, E)
        threats(day, S, par, E)
    m = par[P_MEMORY]
    hostility = kernel.hostility(today)
    scal[0] = min(max((1 - m) * scal[0] + m * hostility, 0.0), 1.0)
    keep = 1 - m
    decay = par[P_DECAY]
    prior = C[14]
    for x in range(n):
        for y in range(n):
            owed[x, y] *= keep
            lo = logit(belief[x, y])
            belief[x, y] = logistic(lo + decay * (prior[x, y] - lo))
            today[x, y] = 0.0
    for x in range(n):
        aid[x] *= 0.99
    if out[0] < 0 and day == days - 1:
        finish(out, STANDOFF, day, -1, -1, BY_DATE)
    record(day, S, C, par, R)


@njit(cache=True)
def record(day, S, C, par, R):  # pragma: no cover - compiled
    """The day's row of the record: rungs, credibility, exposure, positions, beliefs, tension."""
    rung, belief, positions, aid, credibility = S[0], S[1], S[2], S[3], S[4]
    capability, severity, vulnerability, defenders = C[1], C[5], C[6], C[11]
    r_rung, r_cred, r_exp, r_pos, r_belief, r_tension = R
    n, k = positions.shape
    work = S[18]  # the scratch is free at the end of the day
    s, o = _take(work, 0, (n,))
    pwin, o = _take(work, o, (n, n))
    defence, o = _take(work, o, (n,))
    e, o = _take(work, o, (n,))
    kernel.strength(capability, rung, aid, False, s)
    kernel.win_probability(s, s, defenders, pwin, defence)
    kernel.exposure(day, S[5], credibility, severity, vulnerability, S[8], par[P_SUNK], pwin, e)
    for x in range(n):  # element by element: numba's row assignment costs more
        r_exp[day, x] = e[x]
        r_rung[day, x] = rung[x]
        r_cred[day, x] = credibility[x]
        for c in range(k):
            r_pos[day, x, c] = positions[x, c]
        for y in range(n):
            r_belief[day, x, y] = belief[x, y]
    r_tension[day] = S[13][0]



# ---------------------------------------------------------------------- flat buffers


# The model's arrays live in a few flat buffers and the model's attributes are views of
# them (CrisisModel._bind): calling compiled code costs ~70 ns for every array passed,
# so a day passes 18 buffers rather than 60 arrays. The names below give the order; the
# unpacking functions give the shapes, and tests/test_engine.py holds the two together.

STATE_F = ("belief", "positions", "aid", "credibility", "owed", "_today", "_scal",
           "_committed", "_work")
STATE_I = ("rung", "threat_until", "threat_base", "called_until", "mobilized_on", "_out",
           "_ev_n", "_bg", "_work_i")
STATE_B = ("sanctioned", "halted", "_work_b")
CONST_F = ("salience", "capability", "resolve", "risk_tolerance", "audience", "severity",
           "vulnerability", "_defenders", "prior_logodds", "status_quo")
CONST_B = ("force_ok", "rival", "ally", "red", "talk_soon", "_incident_pairs", "core")
RECORD_F = ("credibility", "exposure", "positions", "belief", "tension")
RECORD_I = ("rung",)


@njit(cache=True)
def unpack_state(F, I, B, n, k):  # pragma: no cover - compiled
    """The state tuple S: views of the state buffers, in the order of STATE_*."""
    o = 0
    belief, o = _take(F, o, (n, n))
    positions, o = _take(F, o, (n, k))
    aid, o = _take(F, o, (n,))
    credibility, o = _take(F, o, (n,))
    owed, o = _take(F, o, (n, n))
    today, o = _take(F, o, (n, n))
    scal, o = _take(F, o, (1,))
    committed, o = _take(F, o, (k,))
    work = F[o:]  # scratch for the compiled day (kernel.work_size, scratch), the rest of F
    o = 0
    rung, o = _take(I, o, (n,))
    threat_until, o = _take(I, o, (n, n, 3))
    threat_base, o = _take(I, o, (n, n, 3))
    called_until, o = _take(I, o, (n, n, 3))
    mobilized_on, o = _take(I, o, (n,))
    out, o = _take(I, o, (5,))
    ev_count, o = _take(I, o, (1,))
    bg, o = _take(I, o, (3,))
    work_i, o = _take(I, o, (n,))
    sanctioned, o = _take(B, 0, (n, n))
    halted, o = _take(B, o, (n, n))
    work_b = B[o:]  # scratch: feasibility
    return (rung, belief, positions, aid, credibility, threat_until, threat_base,
            called_until, sanctioned, halted, mobilized_on, owed, today, scal, out, committed,
            ev_count, bg, work, work_i, work_b)


@njit(cache=True)
def unpack_constants(Fc, Bc, n, k, days):  # pragma: no cover - compiled
    """The scenario tuple C, in the order of CONST_*."""
    o = 0
    salience, o = _take(Fc, o, (n, k))
    capability, o = _take(Fc, o, (n,))
    resolve, o = _take(Fc, o, (n,))
    risk_tolerance, o = _take(Fc, o, (n,))
    audience, o = _take(Fc, o, (n,))
    severity, o = _take(Fc, o, (n,))
    vulnerability, o = _take(Fc, o, (n,))
    defenders, o = _take(Fc, o, (n, n))
    prior, o = _take(Fc, o, (n, n))
    status_quo, o = _take(Fc, o, (k,))
    o = 0
    force_ok, o = _take(Bc, o, (n,))
    rival, o = _take(Bc, o, (n, n))
    ally, o = _take(Bc, o, (n, n))
    red, o = _take(Bc, o, (n, k))
    talk_soon, o = _take(Bc, o, (days, n, n))
    pairs, o = _take(Bc, o, (n, n))
    core, o = _take(Bc, o, (k,))
    return (salience, capability, resolve, risk_tolerance, audience, severity, vulnerability,
            force_ok, rival, ally, red, defenders, talk_soon, pairs, prior, status_quo, core)


def static_buffers(kernel_args: tuple, kernel_indices: tuple) -> tuple:
    """The constant parts of the utilities and the catalog as three flat buffers (Kf, Ki, Kb)."""
    (careful, risk_averse, n_rivals, signal_value, cost, war_risk_unit, carry, conciliatory,
     g, abs_g, relief_unit, concession_loss, sanction_pressure, allowed_targets, t_pressure,
     t_public, t_top, t_escal, t_deesc, t_rung, threat_pressure) = kernel_args
    (goldstein, signal, public, _top, _ladder, _deesc, concedes, target_kind, threat_of,
     carries, act_index) = CAT
    floats = (careful, risk_averse, n_rivals, signal_value, cost, war_risk_unit, carry,
              conciliatory, g, abs_g, relief_unit, concession_loss, [sanction_pressure],
              t_pressure, threat_pressure, goldstein, signal, public, concedes)
    ints = (t_top, t_rung, kernel_indices, target_kind, threat_of, act_index)
    bools = (allowed_targets, t_public, t_escal, t_deesc, carries)
    return (np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in floats]),
            np.concatenate([np.ravel(np.asarray(x, dtype=np.int64)) for x in ints]),
            np.concatenate([np.ravel(np.asarray(x, dtype=np.bool_)) for x in bools]))


@njit(cache=True)
def unpack_statics(Kf, Ki, Kb, n, A):  # pragma: no cover - compiled
    """(K, cat): the arguments ``choose`` passes to kernel.day, and the catalog for ``act``."""
    o = 0
    careful, o = _take(Kf, o, (n, 1))
    risk_averse, o = _take(Kf, o, (n, 1))
    n_rivals, o = _take(Kf, o, (n,))
    signal_value, o = _take(Kf, o, (n, A))
    cost, o = _take(Kf, o, (n, A, 1))
    war_risk_unit, o = _take(Kf, o, (n, 1))
    carry, o = _take(Kf, o, (A, 3))
    conciliatory, o = _take(Kf, o, (1, A, 1))
    g, o = _take(Kf, o, (1, A, 1))
    abs_g, o = _take(Kf, o, (1, A, 1))
    relief_unit, o = _take(Kf, o, (1, A, 1))
    concession_loss, o = _take(Kf, o, (n, A, 1))
    sanction_pressure = Kf[o]
    o += 1
    t_pressure, o = _take(Kf, o, (A,))
    threat_pressure, o = _take(Kf, o, (3,))
    goldstein, o = _take(Kf, o, (A,))
    signal, o = _take(Kf, o, (A,))
    public, o = _take(Kf, o, (A,))
    concedes, o = _take(Kf, o, (A,))
    o = 0
    t_top, o = _take(Ki, o, (A,))
    t_rung, o = _take(Ki, o, (A,))
    idx, o = _take(Ki, o, (10,))
    target_kind, o = _take(Ki, o, (A,))
    threat_of, o = _take(Ki, o, (A,))
    act_index, o = _take(Ki, o, (7,))
    o = 0
    allowed_targets, o = _take(Kb, o, (n, A, n))
    t_public, o = _take(Kb, o, (A,))
    t_escal, o = _take(Kb, o, (A,))
    t_deesc, o = _take(Kb, o, (A,))
    carries, o = _take(Kb, o, (A, 3))
    K = (careful, risk_averse, n_rivals, signal_value, cost, war_risk_unit, carry,
         conciliatory, g, abs_g, relief_unit, concession_loss, sanction_pressure,
         allowed_targets, t_pressure, t_public, t_top, t_escal, t_deesc, t_rung,
         threat_pressure, idx)
    cat = (goldstein, signal, public, t_top, t_rung, t_deesc, concedes, target_kind,
           threat_of, carries, act_index)
    return K, cat


@njit(cache=True)
def unpack_record(Rf, Ri, days, n, k):  # pragma: no cover - compiled
    """The record tuple R, in the order of RECORD_*."""
    o = 0
    credibility, o = _take(Rf, o, (days, n))
    exposure, o = _take(Rf, o, (days, n))
    positions, o = _take(Rf, o, (days, n, k))
    belief, o = _take(Rf, o, (days, n, n))
    tension, o = _take(Rf, o, (days,))
    rung, o = _take(Ri, 0, (days, n))
    return (rung, credibility, exposure, positions, belief, tension)


# ---------------------------------------------------------------------- random numbers
# The day's draws made in compiled code from the model's own numpy Generator, through the
# C interface every numpy bit generator offers (``BitGenerator.ctypes``), with numpy's own
# algorithms: ``random`` is ``next_double``, ``standard_normal`` numpy's ziggurat (as numba's
# Generator support writes it). The same numbers as ``rng.random``/``rng.standard_normal``,
# and the generator's state moves on the same way (tests/test_engine.py).


@intrinsic
def _call_u64(typingctx, fn, state):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Call a bit generator's ``next_uint64(void *state)`` given both addresses."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fnty = ir.FunctionType(ir.IntType(64), [cgutils.voidptr_t])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(args[1], cgutils.voidptr_t)])
    return types.uint64(types.intp, types.intp), codegen


@intrinsic
def _call_double(typingctx, fn, state):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Call a bit generator's ``next_double(void *state)`` given both addresses."""
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fnty = ir.FunctionType(ir.DoubleType(), [cgutils.voidptr_t])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(args[1], cgutils.voidptr_t)])
    return types.float64(types.intp, types.intp), codegen


def bit_generator_addresses(rng: np.random.Generator) -> np.ndarray:
    """(state, next_uint64, next_double) addresses of a Generator's bit generator."""
    import ctypes

    c = rng.bit_generator.ctypes
    return np.array([c.state_address, ctypes.cast(c.next_uint64, ctypes.c_void_p).value,
                     ctypes.cast(c.next_double, ctypes.c_void_p).value], dtype=np.int64)


@njit(cache=True)
def _normal(bg):  # pragma: no cover - compiled
    """numpy's random_standard_normal (the ziggurat), on the bit generator ``bg``."""
    while True:
        r = _call_u64(bg[1], bg[0])
        idx = r & 0xff
        r >>= 8
        sign = r & 0x1
        rabs = (r >> 1) & 0x000fffffffffffff
        x = rabs * wi_double[idx]
        if sign & 0x1:
            x = -x
        if rabs < ki_double[idx]:
            return x
        if idx == 0:
            while True:
                xx = -ziggurat_nor_inv_r * np.log1p(-_call_double(bg[2], bg[0]))
                yy = -np.log1p(-_call_double(bg[2], bg[0]))
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 0x1:
                        return -(ziggurat_nor_r + xx)
                    return ziggurat_nor_r + xx
        elif ((fi_double[idx - 1] - fi_double[idx]) * _call_double(bg[2], bg[0])
              + fi_double[idx]) < np.exp(-0.5 * x * x):
            return x


@njit(cache=True)
def draw_day(bg, n, uniforms=None, noise=None, incident=None):  # pragma: no cover - compiled
    """The day's draws, as CrisisModel.step makes them: rng.random(n),
    rng.standard_normal((n, n)), rng.random((n, n))."""
    if uniforms is None:
        uniforms = np.empty(n)
        noise = np.empty((n, n))
        incident = np.empty((n, n))
    for x in range(n):
        uniforms[x] = _call_double(bg[2], bg[0])
    for x in range(n):
        for y in range(n):
            noise[x, y] = _normal(bg)
    for x in range(n):
        for y in range(n):
            incident[x, y] = _call_double(bg[2], bg[0])
    return uniforms, noise, incident


# ---------------------------------------------------------------------- the constants
# A model's constants are three buffers: CF (floats), CI (ints), CB (bools). Each starts
# with the scenario's arrays (CONST_F, a header, CONST_B), then the statics (Kf, Ki, Kb),
# the parameters (in CF) and the talk rounds' constant parts; the header in CI says where.
H_DAYS, H_N, H_K, H_A, H_KF, H_PAR, H_KB, H_KI, H_RI, H_ROUNDS, H_SCRIPTED, H_EVENTS = range(12)
HEADER = 12
#: scripted events in CI, in file order: (day, actor, action, target); an act logged from
#: one has text SCRIPTED_TEXT - x, x its index (the reason is the scenario's note)
SCRIPTED_TEXT = -2
N_PAR = len(PARAMETERS)
#: a round's block in CI: p, agenda length, turns, CF offset, CB offset, TF offset, then the
#: participants and the agenda; in CF: salience (p, ka), status quo (ka), concession
#: (turns, p), settings (3); in CB: rivals (p, p), red lines (p, ka)
R_P, R_KA, R_TURNS, R_F, R_B, R_T = range(6)
#: a round's result in TF: status, offers, gap, holdout, agreed count, then agreed columns
#: (ka), values (ka), reservation values (p), positions before (p, k), who halted (p)
T_STATUS, T_OFFERS, T_GAP, T_HOLDOUT, T_COUNT = range(5)
NOT_HELD = -1


def result_size(p: int, ka: int, k: int) -> int:
    """Length of a round's slot in TF."""
    return 5 + 2 * ka + p + p * k + p


def constant_buffers(Fc: np.ndarray, Bc: np.ndarray, statics: tuple, par: np.ndarray,
                     dims: tuple[int, int, int, int], rounds: list[dict],
                     scripted: list[tuple[int, int, int, int]]) -> tuple:
    """CF, CI, CB and the size of TF, laid out as the unpacking functions read them.

    ``rounds``: each round's constants (``_Round.constants``); ``t_off`` is set in
    each to where its result goes in TF.
    """
    Kf, Ki, Kb = statics
    days, n, k, A = dims
    floats = [Fc, Kf, par]
    bools = [Bc, Kb]
    f_at = Fc.size + Kf.size + par.size
    b_at = Bc.size + Kb.size
    blocks: list[np.ndarray] = []
    ri_at = HEADER + Ki.size
    i_at = ri_at + len(rounds)
    t_at = 0
    for r in rounds:
        p, ka, turns = len(r["mem"]), len(r["ag"]), r["concession"].shape[0]
        r["t_off"] = t_at
        block = np.array([p, ka, turns, f_at, b_at, t_at, *r["mem"], *r["ag"]], dtype=np.int64)
        blocks.append(block)
        part_f = [r["salience"], r["status_quo"], r["concession"], r["settings"]]
        part_b = [r["rivals"], r["red"]]
        floats += part_f
        bools += part_b
        f_at += sum(x.size for x in part_f)
        b_at += sum(x.size for x in part_b)
        t_at += result_size(p, ka, k)
    starts, o = [], i_at
    for block in blocks:
        starts.append(o)
        o += block.size
    header = np.array([days, n, k, A, Fc.size, Fc.size + Kf.size, Bc.size, HEADER, ri_at,
                       len(rounds), o, len(scripted)], dtype=np.int64)
    CF = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in floats])
    CB = np.concatenate([np.ravel(np.asarray(x, dtype=np.bool_)) for x in bools])
    CI = np.concatenate([header, Ki, np.array(starts, dtype=np.int64), *blocks,
                         np.array(scripted, dtype=np.int64).reshape(-1)])
    return CF, CI, CB, t_at


@njit(cache=True)
def unpack(F, I, B, CF, CI, CB):  # pragma: no cover - compiled
    """(S, C, K, cat, par): the state, the scenario, the statics, the catalog, parameters."""
    days, n, k, A = CI[H_DAYS], CI[H_N], CI[H_K], CI[H_A]
    S = unpack_state(F, I, B, n, k)
    C = unpack_constants(CF, CB, n, k, days)
    K, cat = unpack_statics(CF[CI[H_KF]:], CI[CI[H_KI]:], CB[CI[H_KB]:], n, A)
    par, _ = _take(CF, CI[H_PAR], (N_PAR,))
    return S, C, K, cat, par


@njit(cache=True)
def round_constants(CF, CI, CB, r):  # pragma: no cover - compiled
    """Round r's participants, agenda, salience, status quo, concession schedule,
    settings, rivals and red lines, and where its result goes in TF."""
    o = CI[CI[H_RI] + r]
    p, ka, turns, fo, bo = CI[o + R_P], CI[o + R_KA], CI[o + R_TURNS], CI[o + R_F], CI[o + R_B]
    mem, at = _take(CI, o + 6, (p,))
    ag, at = _take(CI, at, (ka,))
    salience, fo = _take(CF, fo, (p, ka))
    sq, fo = _take(CF, fo, (ka,))
    concession, fo = _take(CF, fo, (turns, p))
    settings, fo = _take(CF, fo, (3,))
    rivals, bo = _take(CB, bo, (p, p))
    red, bo = _take(CB, bo, (p, ka))
    return mem, ag, salience, sq, concession, settings, rivals, red, CI[o + R_T]


NO_PARTS = np.full(10, np.nan)  # an act's utility parts when it was not the model's choice


def extra_work(n: int, actions: int) -> int:
    """Length of the scratch the compiled day adds after kernel.work_size's (``scratch``)."""
    return 12 * n * actions * n + actions * n + 10 + n + 2 * n * n


@njit(cache=True)
def scratch(work, work_b, n, k, A):  # pragma: no cover - compiled
    """The compiled day's arrays in the model's scratch (after the kernel's): utility,
    parts, feasible, probabilities, a cumulative row, a parts row, the day's draws."""
    o = kernel.work_size(n, k, A)
    utility, o = _take(work, o, (n, A, n))
    parts, o = _take(work, o, (10, n, A, n))
    prob, o = _take(work, o, (n, A * n))
    cum, o = _take(work, o, (A * n,))
    row, o = _take(work, o, (10,))
    uniforms, o = _take(work, o, (n,))
    noise, o = _take(work, o, (n, n))
    incident, o = _take(work, o, (n, n))
    feasible, o = _take(work_b, 0, (n, A, n))
    return utility, parts, feasible, prob, cum, row, uniforms, noise, incident


# what ``run`` does (``day`` is the whole day in one call)
ACTS, END, ACT_ONE, INCIDENT_ONE, INCIDENTS, THREATS = range(6)


@njit(cache=True)
def day(d, text0, todays, F, I, B, CF, CI, CB, ev_i, ev_f, Rf, Ri, TF):  # pragma: no cover
    """A whole day when the model decides every actor: the scripted events, the draws,
    the acts, the talk rounds ``todays`` (their talk events' reasons are notes text0,
    text0 + 1, ...), the end of the day and the record."""
    S, C, K, cat, par = unpack(F, I, B, CF, CI, CB)
    days, n, k = CI[H_DAYS], CI[H_N], CI[H_K]
    E = (ev_i, ev_f, S[16])
    bg, out = S[17], S[14]
    o = CI[H_SCRIPTED]
    for x in range(CI[H_EVENTS]):  # the morning: the day's scripted events, in file order
        if CI[o + 4 * x] == d and out[0] < 0:
            reading = np.empty(n)
            for y in range(n):
                reading[y] = _normal(bg)
            act(d, CI[o + 4 * x + 1], CI[o + 4 * x + 2], CI[o + 4 * x + 3], SCRIPTED,
                SCRIPTED_TEXT - x, np.nan, NO_PARTS, reading, S, C, cat, par, E)
    A = CI[H_A]
    _u, _p, _f, _q, _c, _r, uniforms, noise, draws = scratch(S[18], S[20], n, k, A)
    if out[0] < 0:
        draw_day(bg, n, uniforms, noise, draws)
        acts(d, days, uniforms, noise, S, C, K, cat, par, E)
    for q in range(todays.shape[0]):
        if S[14][0] >= 0:  # the run ended: the rest are not held
            _mem, _ag, _s, _q, _c, _t, _r, _red, to = round_constants(CF, CI, CB, todays[q])
            TF[to + T_STATUS] = NOT_HELD
        else:
            hold_round(d, todays[q], text0 + q, S, C, par, E, CF, CI, CB, TF)
    end_of_day(d, days, draws, S, C, par, E, unpack_record(Rf, Ri, days, n, k))
    return out[0] >= 0


@njit(cache=True)
def run(op, d, i, a, j, kind, text, prob, parts, uniforms, noise, draws,
        F, I, B, CF, CI, CB, ev_i, ev_f, Rf, Ri):  # pragma: no cover - compiled
    """The other entries from Python: ``op`` says what to do on day ``d``.

    ACTS, END: the two halves of a day whose acts Python orders (players, the
    record replayed); ACT_ONE: act ``a`` of ``i`` toward ``j`` (``noise[0]``);
    INCIDENT_ONE: an incident between i and j; INCIDENTS: incidents of chance
    (``draws``); THREATS: threat bookkeeping.
    """
    S, C, K, cat, par = unpack(F, I, B, CF, CI, CB)
    days, n, k = CI[H_DAYS], CI[H_N], CI[H_K]
    E = (ev_i, ev_f, S[16])
    if op == ACTS:
        if S[14][0] < 0:
            acts(d, days, uniforms, noise, S, C, K, cat, par, E)
    elif op == END:
        end_of_day(d, days, draws, S, C, par, E, unpack_record(Rf, Ri, days, n, k))
    elif op == ACT_ONE:
        act(d, i, a, j, kind, text, prob, parts, noise[0], S, C, cat, par, E)
    elif op == INCIDENT_ONE:
        incident(d, i, j, text, S, C, E)
    elif op == INCIDENTS:
        incidents(d, draws, S, C, par, E)
    elif op == THREATS:
        threats(d, S, par, E)


# ---------------------------------------------------------------------- talks
RESERVATION, EFFECTS, SETTLE = 0, 1, 2
AGREEMENT, PARTIAL, CONTINUE, BREAKDOWN, CANCELLED = 0, 1, 2, 3, 4  # bargaining._STATUS
@njit(cache=True)
def reservation(day, members, agenda, status_quo, S, C, par):  # pragma: no cover
    """CrisisModel.reservation_values compiled: what no agreement is worth to each participant."""
    rung, belief, positions, aid, credibility, threat_until = S[0], S[1], S[2], S[3], S[4], S[5]
    sanctioned = S[8]
    (salience, capability, resolve, risk_tolerance, _aud, severity, vulnerability, force_ok,
     rival, _ally, _red, defenders, _soon, _pairs, _prior, _sq, _core) = C
    n = rung.shape[0]
    p = members.shape[0]
    s = kernel.strength(capability, rung, aid, False)
    pwin = kernel.win_probability(s, s, defenders)
    e = kernel.exposure(day, threat_until, credibility, severity, vulnerability, sanctioned,
                        par[P_SUNK], pwin)
    d = kernel.stakes(positions, salience)
    rv = np.empty(p)
    sal = np.empty(agenda.shape[0])
    close = np.empty(agenda.shape[0])
    for x in range(p):
        a = members[x]
        # the strength of its rivals at the table (its own when it has none there)
        acc, count = 0.0, 0
        for y in range(p):
            if rival[a, members[y]]:
                acc += s[members[y]]
                count += 1
        opp = acc / max(count, 1) if count > 0 else s[a]
        leverage = s[a] / (s[a] + opp)
        for c in range(agenda.shape[0]):  # bargaining.utilities of the status quo
            q = agenda[c]
            sal[c] = salience[a, q]
            close[c] = salience[a, q] * (1.0 - abs(status_quo[q] - positions[a, q]) / 100.0)
        weight = kernel._np_sum(sal)
        walk_away = kernel._np_sum(close) / weight if weight > 0 else 1.0
        hold_out = resolve[a] * (0.6 + 0.4 * leverage)
        careful = 1.5 - resolve[a]
        sc = 0.0
        for y in range(n):
            sc += severity[y] * (1.0 if sanctioned[y, a] else 0.0)
        sc *= vulnerability[a]
        fear = 0.0
        for j in range(n):
            r8 = rung[j] / 8.0
            v = belief[a, j] * r8 ** 2 * pwin[j, a] * d[a, j] if rival[a, j] and force_ok[j] \
                else 0.0
            if j == 0 or v > fear:
                fear = v
        v = (max(walk_away, hold_out) - careful * (0.5 * e[a] + 0.25 * sc)
             - fear * (1 - risk_tolerance[a]))
        rv[x] = min(max(v, 0.0), 0.95)
    return rv


@njit(cache=True)
def effects(status, mem, issues, values, rivals, S):  # pragma: no cover - compiled
    """A round's result takes effect (ODD "Talks"): the agreed values become everyone's
    positions at the table (commitments, when rivals agreed), beliefs about rivals shift,
    tension eases (or rises after a breakdown), an agreement takes everyone down a rung."""
    rung, belief, positions, scal, committed = S[0], S[1], S[2], S[13], S[15]
    p = mem.shape[0]
    any_rival = False
    for x in range(p):
        for y in range(p):
            any_rival = any_rival or rivals[x, y]
    for v in range(issues.shape[0]):
        for x in range(p):
            positions[mem[x], issues[v]] = min(max(values[v], 0.0), 100.0)
        if any_rival:
            committed[issues[v]] = values[v]
    shift = (-TALK_BELIEF_SHIFT if status == AGREEMENT
             else -TALK_BELIEF_SHIFT / 2 if status == PARTIAL
             else TALK_BELIEF_SHIFT if status == BREAKDOWN else 0.0)
    factor = (0.6 if status == AGREEMENT else 0.8 if status == PARTIAL
              else 0.9 if status == CONTINUE else 1.0)
    for x in range(p):
        for y in range(p):
            if rivals[x, y]:
                a, b = mem[x], mem[y]
                belief[a, b] = logistic(logit(belief[a, b]) + shift)
    scal[0] = min(1.0, scal[0] * factor + (0.1 if status == BREAKDOWN else 0.0))
    if status == AGREEMENT and any_rival:
        for x in range(p):
            rung[mem[x]] = max(rung[mem[x]] - 1, 0)


@njit(cache=True)
def settle(day, r, mem, core, top, S):  # pragma: no cover - compiled
    """A comprehensive deal (every core issue committed) commits those at the table to
    stand down to rung ``top``; a settlement when no one is left above it."""
    rung, out, committed = S[0], S[14], S[15]
    for c in range(core.shape[0]):
        if core[c] and np.isnan(committed[c]):
            return
    for x in range(mem.shape[0]):
        rung[mem[x]] = min(rung[mem[x]], top)
    highest = rung[0]
    for x in range(rung.shape[0]):
        highest = max(highest, rung[x])
    if highest <= top:
        finish(out, SETTLEMENT, day, r, -1, BY_TALKS)


@njit(cache=True)
def talk(op, d, r, status, members, agenda, issues, values,
         F, I, B, CF, CI, CB):  # pragma: no cover - compiled
    """The talks' pieces from Python (a round with a player at the table): RESERVATION
    returns the reservation values of ``members`` over ``agenda``; EFFECTS applies round
    r's result (``status``; ``values`` agreed on ``issues``); SETTLE checks round r for a
    settlement."""
    S, C, _K, _cat, par = unpack(F, I, B, CF, CI, CB)
    if op == RESERVATION:
        return reservation(d, members, agenda, C[15], S, C, par)
    mem, _ag, _sal, _sq, _con, settings, rivals, _red, _to = round_constants(CF, CI, CB, r)
    if op == EFFECTS:
        effects(status, mem, issues, values, rivals, S)
    else:
        settle(d, r, mem, C[16], int(settings[2]), S)
    return np.empty(0)


@njit(cache=True)
def hold(d, r, text, F, I, B, CF, CI, CB, ev_i, ev_f, TF):  # pragma: no cover - compiled
    """Hold talk round ``r`` (no player sits at it): ``hold_round`` from Python."""
    S, C, _K, _cat, par = unpack(F, I, B, CF, CI, CB)
    hold_round(d, r, text, S, C, par, (ev_i, ev_f, S[16]), CF, CI, CB, TF)


@njit(cache=True)
def hold_round(d, r, text, S, C, par, E, CF, CI, CB, TF):  # pragma: no cover - compiled
    """Talk round r (``_Round.convene``): cancelled if a participant halted talks, else
    reservation values, aspirations, bargaining (``kernel.negotiate``), the result's
    effects, one talk event per directed dyad of rivals, and the settlement check. The
    result goes to the round's slot in TF (T_*)."""
    mem, ag, salience, sq, concession, settings, rivals, red, to = round_constants(CF, CI, CB, r)
    rung, positions, halted = S[0], S[2], S[9]
    k = positions.shape[1]
    p, ka = mem.shape[0], ag.shape[0]
    TF[to + T_STATUS] = NOT_HELD
    at_rv = to + 5 + 2 * ka
    at_before = at_rv + p
    at_halted = at_before + p * k
    cancelled = False
    for x in range(p):
        TF[at_halted + x] = 0.0
        for y in range(p):
            if halted[mem[x], mem[y]]:
                TF[at_halted + x] = 1.0
                cancelled = True
    if cancelled:
        for x in range(p):
            for y in range(p):
                halted[mem[x], mem[y]] = False
        TF[to + T_STATUS] = CANCELLED
        return
    rv = reservation(d, mem, ag, C[15], S, C, par)
    table = np.empty((p, ka))
    for x in range(p):
        for c in range(ka):
            table[x, c] = positions[mem[x], ag[c]]
    turns = concession.shape[0]
    asp = np.empty((turns, p))
    for t in range(turns):
        for x in range(p):
            asp[t, x] = rv[x] + (1.0 - rv[x]) * concession[t, x]
    status, cols, values, offers, gap, holdout = kernel.negotiate(
        table, salience, asp, settings[0], sq, 0, red, settings[1])
    TF[to + T_STATUS] = status
    TF[to + T_OFFERS] = offers
    TF[to + T_GAP] = gap
    TF[to + T_HOLDOUT] = holdout
    TF[to + T_COUNT] = cols.shape[0]
    for v in range(cols.shape[0]):
        TF[to + 5 + v] = cols[v]
        TF[to + 5 + ka + v] = values[v]
    for x in range(p):
        TF[at_rv + x] = rv[x]
        for c in range(k):
            TF[at_before + x * k + c] = positions[mem[x], c]
    issues = np.empty(cols.shape[0], dtype=np.int64)
    for v in range(cols.shape[0]):
        issues[v] = ag[cols[v]]
    effects(status, mem, issues, values, rivals, S)
    for x in range(p):  # one event per directed dyad of rivals
        for y in range(p):
            if rivals[x, y]:
                log_event(E, d, TALKS, mem[x], mem[y], 0, rung[mem[x]], text, r)
    settle(d, r, mem, C[16], int(settings[2]), S)
