"""CrisisModel: crisis bargaining between states, one step per day.

Each day (``step``, Mesa's step at time d + 1):
  0. the morning: the day's scripted events, in file order;
  1. every actor scores every allowed (action, target) option by expected
     utility (``_utilities``) and picks one with the logit rule;
  2. the acts take effect in scenario order: postures move on the ladder,
     observers update beliefs, threats are recorded or carried out,
     sanctions are imposed or lifted, positions concede; ``use_force`` is war;
  3. the day's talk rounds bargain over their agenda (``bargaining.negotiate``);
  4. the end of the day: incidents, threat bookkeeping and credibility, the
     tension index, the record, and the outcome check.
The day itself runs compiled (``sim.model.engine``) when the model decides
every actor.

Every equation is written out in docs/ODD.md, section by section, in the
order of this file.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import mesa
import numpy as np

from sim.model import bargaining, engine, kernel
from sim.model.actions import CATALOG, INDEX, TABLE
from sim.model.actor import Actor
from sim.model.beliefs import logistic, logit, priors
from sim.model.choice import logit_probabilities
from sim.model.players import Move, Option, Player, Talks
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import scenario_from_dict, with_overrides

#: a recorded act to replay: (date, action, target id or None, note)
RecordedAct = tuple[dt.date, str, str | None, str]

FLAGSHIP = Path(__file__).resolve().parents[2] / "scenarios" / "winter-2021-22.yaml"

SANCTIONS, FORCE, GENERAL = 0, 1, 2
THREAT_KINDS = ("sanctions", "force", "general")
#: coercive pressure a standing threat of each kind keeps up (= the act's own)
THREAT_PRESSURE = np.array([CATALOG[INDEX["threaten_sanctions"]].pressure,
                            CATALOG[INDEX["threaten_force"]].pressure,
                            CATALOG[INDEX["warn"]].pressure])

COMPONENTS = ("issue leverage", "signal of resolve", "cost of the act", "risk of sanctions",
              "risk of war", "audience costs", "reciprocity", "relief of pressure",
              "support for an ally", "value of war over the status quo")
USE_FORCE, MOBILIZE, AID = INDEX["use_force"], INDEX["mobilize"], INDEX["military_aid"]
TALK_WINDOW = 14  # days ahead in which a scheduled round can be halted
SIGNAL_HORIZON = 30  # days over which an escalation's added incident risk is weighed
#: event kinds that are acts from the catalog: chosen by the model, by a player,
#: scripted in the scenario, injected by an instructor, or replayed from the record
ACT_KINDS = ("act", "played", "scripted", "injected", "history")
OUTCOMES = ("war", "settlement", "standoff")
_NO_PARTS = engine.NO_PARTS
_NO_DRAWS = np.zeros(1)
_NO_INTS = np.zeros(0, dtype=np.int64)
_STATUS_CODE = {status: code for code, status in enumerate(bargaining._STATUS)}


@dataclass(frozen=True)
class Outcome:
    """How a run ended."""

    kind: str  # war | settlement | standoff
    date: dt.date
    detail: str


class CrisisModel(mesa.Model):
    """A crisis between the actors of a scenario, simulated day by day.

    Set ``collect_daily = False`` to have the Mesa DataCollector record only the
    final day (ensembles do; ``batch_run`` and dashboards want every day).

    Args:
        scenario: a ``Scenario``, a path to a scenario file, a scenario as a
            dict, or None for the bundled flagship (winter 2021/22).
        seed: random seed; default: the scenario's ``seed``, else 0.
        rng: alias of ``seed`` for ``mesa.batch_run`` (give one, not both).
        overrides: ``{"actors.RUS.resolve": 0.4}``-style changes, validated
            like the file.
        history: for actors that replay the record instead of choosing, their
            recorded acts as (date, action, target or None, note); see
            ``sim.history.replay_plan``. Their scripted events are skipped (the
            record has them) and no incident happens between two of them.
        players: actors decided by a person or a script instead of the
            model: ``{"UKR": player}`` (see ``sim.model.players``). What they
            decide is kept in ``model.moves``.
        **parameters: shorthand overrides of ``parameters.<name>``
            (``rationality=2``), as ``batch_run`` passes them.
    """

    collect_daily = True

    def __init__(self, scenario: Scenario | str | Path | dict[str, Any] | None = None, *,
                 seed: int | None = None, rng: int | None = None,
                 overrides: dict[str, Any] | None = None,
                 history: Mapping[str, Sequence[RecordedAct]] | None = None,
                 players: Mapping[str, Player] | None = None,
                 **parameters: Any) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give seed or rng, not both")
        spec = _resolve(scenario, {**(overrides or {}),
                                   **{f"parameters.{k}": v for k, v in parameters.items()}})
        chosen = seed if seed is not None else rng
        self.seed = int(chosen if chosen is not None else (spec.seed or 0))
        super().__init__(rng=self.seed)
        self.crisis = spec
        self.params = spec.parameters
        self._template = _template(spec)
        self._from_template(self._template)
        n = self.n
        self.belief[...] = priors(self.resolve, self.rng.standard_normal((n, n)),
                                  self.params.misperception)
        self.prior_logodds[...] = logit(self.belief)
        self.actors = [Actor(self, i, code, spec.actors[code])
                       for i, code in enumerate(self.actor_ids)]
        self._schedule_calendar(spec)
        self.replay = self._replay_plan(history or {})
        if self.replay:  # no incidents between two replayed actors: the record has them
            replaying = np.isin(np.arange(n), list(self.replay))
            self._incident_pairs &= ~np.outer(replaying, replaying)
        self.players: dict[int, Player] = {}
        for code, player in (players or {}).items():
            if code not in self.actor_ids:
                raise ValueError(f"unknown actor {code!r} among the players; the scenario has "
                                 f"{', '.join(self.actor_ids)}")
            if self.actor_ids.index(code) in self.replay:
                raise ValueError(f"{code} cannot both replay the record and be played")
            self.players[self.actor_ids.index(code)] = player
        self.moves: list[Move] = []
        self.outcome: Outcome | None = None
        self.datacollector = RecordCollector()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ setup

    def _from_template(self, t: _Template) -> None:
        """The scenario's arrays, as views of fresh copies of the template's buffers."""
        for name, value in t.shared.items():
            setattr(self, name, value)
        buffers = [buf0.copy() for _, buf0, _ in t.groups]
        self._views(buffers)
        F, I, B, CF, CB, Rf, Ri = buffers  # noqa: E741
        self._head = (F, I, B, CF, t.CI, CB)  # what every compiled entry takes
        self._tail = (Rf, Ri)
        self._TF = np.zeros(t.tf_size)  # the talk rounds' results (engine.hold_round)
        self._no_draws = np.zeros((self.n, self.n))
        self._bg_of: Any = None  # the Generator whose bit generator ``_bg`` addresses
        # the most events one compiled call can log: acts with their credibility changes,
        # incidents, lapsed threats, and the talk events of the busiest day
        # and scripted events
        self._margin = 8 * self.n * self.n + 4 * self.n + 16 + t.talk_events + t.scripted_most
        # the event log as numbers (engine.log_event), put into words when read (``events``)
        self._ev_i = np.empty((256, engine.N_INT), dtype=np.int64)
        self._ev_f = np.empty((256, engine.N_FLOAT))
        self._bind_day()
        self._events: list[tuple[Any, ...]] = []
        self._unexplained: list[tuple[Any, ...]] = []
        self._notes: list[Any] = []  # reasons given in Python, and whole events logged there
        self._talk_rows: list[tuple[Any, ...]] = []  # put into words when read (``talk_log``)
        self._talk_log: list[dict[str, Any]] = []
        self._rows_read = 0
        self.days_run = 0

    def _views(self, buffers: list[np.ndarray]) -> None:
        """Make the model's arrays views of ``buffers`` (the template's groups, in order)."""
        self.record = {}
        for (owner, _, entries), buf in zip(self._template.groups, buffers):
            for name, o, shape, size in entries:
                view = buf[o:o + size].reshape(shape)
                if owner == "record":
                    self.record[name] = view
                else:
                    setattr(self, name, view)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_bg_of"] = None  # a copy draws from its own generator: look up its addresses
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy (``copy.deepcopy``, pickle): its arrays become views of its own buffers
        again, which copying leaves as separate arrays."""
        self.__dict__.update(state)
        F, I, B, CF, _, CB = self._head  # noqa: E741
        self._views([F, I, B, CF, CB, *self._tail])
        self._bind_day()

    def _setup_arrays(self, s: Scenario) -> None:
        """The scenario as arrays (run once per scenario, by ``_Template``)."""
        self.actor_ids = list(s.actors)
        self.issue_ids = list(s.issues)
        acts = [s.actors[c] for c in self.actor_ids]
        n, k = len(acts), len(self.issue_ids)
        self.n, self.k = n, k
        self.start, self.end, self.days = s.start, s.end, s.days
        self.positions = np.array([[a.positions[i] for i in self.issue_ids] for a in acts], float)
        self.salience = np.array([[a.salience.get(i, 0.5) for i in self.issue_ids] for a in acts])
        col = lambda f: np.array([f(a) for a in acts], float)  # noqa: E731
        self.capability = col(lambda a: a.capability)
        self.resolve = col(lambda a: a.resolve)
        self.risk_tolerance = col(lambda a: a.risk_tolerance)
        self.audience = col(lambda a: a.audience_cost)
        self.vulnerability = col(lambda a: a.vulnerability)
        self.severity = col(lambda a: a.capability if a.sanctions_severity is None
                            else a.sanctions_severity)
        self.exponent = col(lambda a: a.style_exponent)
        self.credibility = col(lambda a: a.credibility)
        self.rung = np.array([a.rung for a in acts], dtype=int)
        self.force_ok = np.array([a.force_allowed for a in acts])
        self.allowed = np.zeros((n, len(CATALOG)), bool)
        for i, a in enumerate(acts):
            for name in a.allowed_actions:
                self.allowed[i, INDEX[name]] = True
        ally = np.zeros((n, n), bool)
        for i, a in enumerate(acts):
            for b in a.allies:
                j = self.actor_ids.index(b)
                ally[i, j] = ally[j, i] = True
        self.ally = ally
        defends = np.zeros((n, n), bool)  # defends[a, j]: a fights for j if j is attacked
        for a, spec in enumerate(acts):
            for b in spec.defends:
                defends[a, self.actor_ids.index(b)] = True
        self.defends = defends
        self._defenders = defends.T.astype(float)  # row j: who defends j
        self.rival = ~ally & ~np.eye(n, dtype=bool)
        self.core = np.array([s.issues[i].core for i in self.issue_ids])
        self.status_quo = np.array([s.issues[i].status_quo for i in self.issue_ids])
        self.red = np.array([[i in a.red_lines for i in self.issue_ids]
                             for a in acts]).reshape(n, k)
        self.belief = np.zeros((n, n))  # P(j is resolute) in i's eyes: drawn for each run
        self.prior_logodds = np.zeros((n, n))
        self.owed = np.zeros((n, n))  # answer i owes j: + cooperation, - hostility (Goldstein/10)
        self.aid = np.zeros(n)  # military aid received (decays)
        self.sanctioned = np.zeros((n, n), bool)  # i sanctions j
        self.halted = np.zeros((n, n), bool)  # i has halted talks with j
        self.mobilized_on = np.full(n, -10**6)  # day of each actor's last mobilisation
        self.threat_until = np.full((n, n, 3), -1)  # last day a threat i -> j stands
        self.threat_base = np.zeros((n, n, 3), dtype=int)  # target's rung when made
        self.called_until = np.full((n, n, 3), -1)  # deadline to carry out a called threat
        self._scal = np.zeros(1)  # [tension], a vector so that compiled code can change it
        self._committed = np.full(k, np.nan)  # the value agreed on each issue with rivals
        # scratch for the compiled day (kernel.work_size, engine.scratch)
        A = len(CATALOG)
        self._work = np.zeros(kernel.work_size(n, k, A) + engine.extra_work(n, A))
        self._work_i = np.zeros(n, dtype=np.int64)
        self._work_b = np.zeros(n * A * n, dtype=np.bool_)
        self._out = np.full(5, -1, dtype=np.int64)  # the outcome as engine writes it
        self._ev_n = np.zeros(1, dtype=np.int64)  # events logged (rows of the event buffer)
        self._bg = np.zeros(3, dtype=np.int64)  # the rng's bit generator (engine.draw_day)
        self._today = np.zeros((n, n))  # Goldstein sum of today's acts i -> j
        days = self.days
        self.record = {
            "rung": np.full((days, n), -1, dtype=int),
            "credibility": np.full((days, n), np.nan),
            "exposure": np.full((days, n), np.nan),
            "positions": np.full((days, n, k), np.nan),
            "belief": np.full((days, n, n), np.nan),
            "tension": np.full(days, np.nan),
        }
        self.talk_soon = np.zeros((self.days, n, n), bool)  # a round with j within 14 days
        for r in s.talks:
            day = (r.date - s.start).days
            idx = np.array([self.actor_ids.index(a) for a in r.participants])
            self.talk_soon[np.ix_(range(max(0, day - TALK_WINDOW), day + 1), idx, idx)] = True
        self._incident_pairs = np.triu(self.rival, 1)  # pairs of rivals that can have incidents
        self._static = _Static(self)

    def _schedule_calendar(self, s: Scenario) -> None:
        t = self._template
        self.rounds = [_Round(self, r, parts, x)
                       for x, (r, parts) in enumerate(zip(s.talks, t.rounds))]
        self._rounds_on: dict[int, list[_Round]] = {}
        self._todays = t.todays  # the indices of each day's rounds, for engine.day
        for r in self.rounds:
            self._rounds_on.setdefault(r.day, []).append(r)
        self._scripted_days = t.scripted_days  # days with scripted events

    @functools.cached_property
    def scripted(self) -> list[_Scripted]:
        """The scenario's scripted events bound to this run (the Python path applies them;
        the compiled day reads them from its constants)."""
        return [_Scripted(self, e) for e in self.crisis.events]

    @functools.cached_property
    def _scripted_on(self) -> dict[int, list[_Scripted]]:
        on: dict[int, list[_Scripted]] = {}
        for e in self.scripted:
            on.setdefault(e.day, []).append(e)
        return on

    def _replay_plan(self, history: Mapping[str, Sequence[RecordedAct]]
                     ) -> dict[int, dict[int, list[tuple[int, int, str]]]]:
        """Recorded acts by actor index and day: (action index, target index, note)."""
        plan: dict[int, dict[int, list[tuple[int, int, str]]]] = {}
        for code, acts in history.items():
            if code not in self.actor_ids:
                raise ValueError(f"unknown actor {code!r} in history")
            i = self.actor_ids.index(code)
            days = plan.setdefault(i, {})
            for date, action, target, note in acts:
                day = (date - self.start).days
                if not 0 <= day < self.days:
                    continue
                if target is not None and target in self.actor_ids:
                    j = self.actor_ids.index(target)
                elif CATALOG[INDEX[action]].target == "none":
                    j = i
                else:  # an untargeted record entry: aim it at the first rival
                    j = int(np.argmax(self.rival[i])) if self.rival[i].any() else i
                days.setdefault(day, []).append((INDEX[action], j, note))
        return plan

    def _engine(self, op: int, day: int, i: int = 0, a: int = 0, j: int = 0, kind: int = 0,
                text: int = -1, prob: float = np.nan, parts: np.ndarray = _NO_PARTS,
                uniforms: np.ndarray = _NO_DRAWS, noise: np.ndarray | None = None,
                draws: np.ndarray | None = None) -> None:
        """Run ``engine.run`` on the model's buffers, then take up the outcome."""
        self._room()
        nn = self._no_draws
        engine.run(op, day, i, a, j, kind, text, prob, parts, uniforms,
                   nn if noise is None else noise, nn if draws is None else draws,
                   *self._head, self._ev_i, self._ev_f, *self._tail)
        if self._out[0] >= 0:
            self._sync_outcome()

    # ------------------------------------------------------------------ helpers

    def actor(self, code: str) -> Actor:
        """The actor with this id."""
        return self.actors[self.actor_ids.index(code)]

    @property
    def day(self) -> int:
        """Index of the day being simulated (0 = start date)."""
        return int(round(self.time)) - 1  # noqa: RUF046 (Mesa time may be a numpy float)

    def date_of(self, day: int) -> dt.date:
        """Calendar date of a day index."""
        return self.start + dt.timedelta(days=day)

    @property
    def max_rung(self) -> int:
        """Highest posture of any actor."""
        return int(self.rung.max())

    @property
    def outcome_kind(self) -> str:
        """'war', 'settlement', 'standoff' once the run has ended, else ''."""
        return self.outcome.kind if self.outcome else ""

    def stakes(self) -> np.ndarray:
        """D[i, j]: share of i's salience-weighted stakes in dispute with j (0-1).

        D[i, j] = sum_k s_ik |x_ik - x_jk| / (100 sum_k s_ik) (``kernel.stakes``).
        """
        return kernel.stakes(self.positions, self.salience)

    def strength(self, brink: bool = False) -> np.ndarray:
        """Effective military strength: capability (0.5 + rung / 16) + aid received.

        With ``brink``, each actor's own strength as if it stood at rung 8.
        """
        return kernel.strength(self.capability, self.rung, self.aid, brink)

    def win_probability(self, brink: bool = False) -> np.ndarray:
        """p[i, j]: chance that i prevails in a war against j (a contest function).

        p[i, j] = S_i / (S_i + S_j + sum of the strengths of those who defend j).
        With ``brink``, i's chance if it stood at rung 8 and j stayed where it is.
        """
        other = self.strength()
        own = self.strength(brink) if brink else other
        return kernel.win_probability(own, other, self._defenders)

    def exposure(self, day: int, pwin: np.ndarray | None = None) -> np.ndarray:
        """E[i]: expected cost to i if every threat standing against it were carried out.

        Credibility of the threatener times severity times i's vulnerability
        for sanctions threats (less the part already sunk by sanctions in
        force) and half that for general warnings; for threats of force, the
        threatener's credibility times its chance of winning a war.
        """
        pwin = self.win_probability() if pwin is None else pwin
        return kernel.exposure(day, self.threat_until, self.credibility, self.severity,
                               self.vulnerability, self.sanctioned, self.params.sanctions_sunk,
                               pwin)

    def sanctions_cost(self) -> np.ndarray:
        """Ongoing cost to each actor of sanctions in force against it."""
        return np.asarray((self.severity[:, None] * self.sanctioned).sum(axis=0)
                          * self.vulnerability)

    def reservation_values(self, members: list[int], agenda: list[int], day: int) -> np.ndarray:
        """What no agreement is worth to each participant (its BATNA), 0-0.95.

        Compiled (``engine.reservation``); ``_reservation_values_reference``
        states it in numpy, and tests hold the two to the same numbers.
        """
        return engine.talk(engine.RESERVATION, day, -1, 0, np.asarray(members, dtype=np.int64),
                           np.asarray(agenda, dtype=np.int64), _NO_INTS, _NO_DRAWS,
                           *self._head)

    def _reservation_values_reference(self, members: list[int], agenda: list[int],
                                      day: int) -> np.ndarray:
        """What no agreement is worth to each participant (its BATNA), 0-0.95.

        The better of the status quo (the value of walking away) and what its
        resolve and its strength at the table let it hold out for, less the
        expected cost of the threats standing against it, of sanctions in
        force, and (for the risk-averse) of a war it fears from a rival. Our
        own functional form; docs/ODD.md, "Reservation values".
        """
        m, ag = np.array(members), np.array(agenda)
        s = self.strength()
        riv = self.rival[np.ix_(m, m)]
        opp = np.where(riv.any(axis=1), (riv * s[m][None, :]).sum(1) / np.maximum(riv.sum(1), 1),
                       s[m])
        leverage = s[m] / (s[m] + opp)
        walk_away = bargaining.utilities(self.status_quo[ag], self.positions[np.ix_(m, ag)],
                                         self.salience[np.ix_(m, ag)])
        hold_out = self.resolve[m] * (0.6 + 0.4 * leverage)
        careful = 1.5 - self.resolve[m]
        rv = (np.maximum(walk_away, hold_out)
              - careful * (0.5 * self.exposure(day)[m] + 0.25 * self.sanctions_cost()[m])
              - self.war_fear()[m] * (1 - self.risk_tolerance[m]))
        return np.asarray(np.clip(rv, 0.0, 0.95))

    def war_fear(self) -> np.ndarray:
        """F[i]: the largest expected loss i fears from a rival's war.

        Its belief that the rival is resolute, times the square of the rival's
        posture (a rival at the brink is likelier to strike), times the
        rival's chance of winning and i's stakes in dispute with it.
        """
        threat = (self.belief * (self.rung[None, :] / 8.0) ** 2 * self.win_probability().T
                  * self.stakes())
        return np.asarray(np.where(self.rival & self.force_ok[None, :], threat, 0.0).max(axis=1))

    # ------------------------------------------------------------------ the day

    def step(self) -> None:
        """Simulate one day: the acts, the day's talk rounds, the end of the day.

        The day's random numbers are drawn first, in a fixed order (the picks,
        the reading noise, the incidents), whoever decides the acts.
        """
        if not self.running:  # the run has ended
            return
        day = self.day
        compiled = not (self.players or self.replay or self._reference)
        if compiled and self.outcome is None and day < self.days and self.days_run <= day:
            self._compiled_day(day)  # the usual case: the model decides every actor
            return
        n = self.n
        if day in self._scripted_days:
            for e in self._scripted_on[day]:  # the morning: scripted events, in file order
                e.happen()
        incident_draws = self._no_draws
        if self.outcome is None:
            uniforms = self.rng.random(n)
            noise = self.rng.standard_normal((n, n))
            incident_draws = self.rng.random((n, n))
            if compiled:
                self._engine(engine.ACTS, day, uniforms=uniforms, noise=noise)
            else:
                self._acts(day, uniforms, noise)
        for r in self._rounds_on.get(day, ()):
            r.convene()
        self._end_of_day(incident_draws)

    def _compiled_day(self, day: int) -> None:
        """The day, its scripted events, draws and talk rounds included, in one compiled
        call (``engine.day``); then what Python keeps: the talk rounds held, the outcome,
        Mesa's DataCollector."""
        if self.rng is not self._bg_of:  # Mesa's reset_rng: draw from the new generator
            self._bg[:] = engine.bit_generator_addresses(self.rng)
            self._bg_of = self.rng
        if self._ev_i.shape[0] - self._ev_n[0] < self._margin:
            self._room()
        rounds = self._rounds_on.get(day)
        text = len(self._notes)
        if rounds:
            self._notes.extend(rounds)  # their talk events' reasons (_Round.reason)
            ended = engine.day(day, text, self._todays[day], *self._day_args)
            for r in rounds:  # a result in TF, which the talk log reads when it is read
                r.done = self._TF[r.t_off] != engine.NOT_HELD
                if r.done:
                    self._talk_rows.append(r)
        else:
            ended = engine.day(day, text, _NO_INTS, *self._day_args)
        if ended:
            self._sync_outcome()
            self._after_day(day)
        else:  # _after_day, for a run that goes on
            self.days_run = day + 1
            if self.collect_daily:
                self.datacollector.collect(self)

    def _acts(self, day: int, uniforms: np.ndarray, noise: np.ndarray) -> None:
        """Every actor chooses an act; the acts take effect in scenario order.

        The path of a day with players or replayed actors (``engine.acts`` is
        the same day when the model decides everyone).
        """
        n = self.n
        utility, parts, _, prob = self._utilities(day)
        picks = kernel.sample(prob, uniforms)
        for i in range(n):
            if i in self.replay:
                for a, j, note in self.replay[i].get(day, ()):
                    self._act(day, i, a, j, f"history: {note}".strip(), "history", noise[i])
                    if self.outcome is not None:
                        return
                continue
            a, j = divmod(int(picks[i]), n)
            if i in self.players:
                chosen = self._ask_player(i, utility, parts, prob)
                if chosen is not None:
                    (a, j) = chosen
                    if a != 0:
                        reason = _reason(_components_of(parts, i, a, j),
                                         float(prob[i, a * n + j]))
                        self._act(day, i, a, j, "played by a person; the model's view: "
                                  + reason, "played", noise[i])
                        if self.outcome is not None:
                            return
                    continue
            if a == 0:
                continue
            self._act(day, i, a, j, None, "act", noise[i], float(prob[i, a * n + j]),
                      _components_of(parts, i, a, j))
            if self.outcome is not None:
                return

    def options(self, i: int, utility: np.ndarray, parts: np.ndarray,
                prob: np.ndarray) -> list[Option]:
        """Actor i's feasible options today, most likely first (for players)."""
        n = self.n
        out = []
        for flat in np.nonzero(prob[i] > 0)[0]:
            a, j = divmod(int(flat), n)
            act = CATALOG[a]
            p = float(prob[i, flat])
            out.append(Option(act.name, None if act.target == "none" else self.actor_ids[j], p,
                              float(utility[i, a, j]),
                              _reason(_components_of(parts, i, a, j), p)))
        return sorted(out, key=lambda o: (-o.probability, o.action, o.target or ""))

    def _ask_player(self, i: int, utility: np.ndarray, parts: np.ndarray,
                    prob: np.ndarray) -> tuple[int, int] | None:
        """The player's pick for actor i as (action, target) indices; None: the model's."""
        code = self.actor_ids[i]
        options = self.options(i, utility, parts, prob)
        choice = self.players[i].choose(self, code, options)
        if choice is None:
            return None
        action, target = choice
        match = [o for o in options if o.action == action and o.target == target]
        if not match:
            allowed = ", ".join(f"{o.action}" + (f"->{o.target}" if o.target else "")
                                for o in options)
            raise ValueError(f"{code} cannot {action}" + (f" {target}" if target else "")
                             + f" today; allowed: {allowed}")
        self.moves.append(Move(self.day, code, "act", (action, target)))
        a = INDEX[action]
        return a, (i if target is None else self.actor_ids.index(target))

    # ------------------------------------------------------------------ injects

    def _check_not_ended(self) -> None:
        if self.outcome is not None:
            raise ValueError(f"the run has ended ({self.outcome.kind})")

    def _next_day(self) -> int:
        """The day an inject between steps belongs to (the next one to simulate)."""
        return min(self.days_run, self.days - 1)

    def inject_act(self, actor: str, action: str, target: str | None = None,
                   note: str = "") -> None:
        """An act made to happen now (an instructor's inject), as a scripted event would."""
        self._check_not_ended()
        i = self.actor_ids.index(actor)
        if action not in INDEX:
            raise ValueError(f"unknown action {action!r}")
        j = i if target is None else self.actor_ids.index(target)
        noise = self.rng.standard_normal(self.n)
        self._act(self._next_day(), i, INDEX[action], j, f"injected: {note}".strip(),
                  "injected", noise)

    def inject_incident(self, a: str, b: str, note: str = "") -> None:
        """A border incident between two actors' forces: tension rises, both climb a rung.

        An actor that may use force and is already at rung 8 goes to war, as
        with an incident of chance (``_incidents``).
        """
        self._check_not_ended()
        i, j = self.actor_ids.index(a), self.actor_ids.index(b)
        self._incident(self._next_day(), i, j, f"injected incident: {note}".strip(": "))

    def inject_report(self, about: str, shift: float, note: str = "") -> None:
        """Intelligence that makes everyone think ``about`` more (shift > 0) or less resolute.

        Every other actor's belief that ``about`` is resolute moves by
        ``shift`` in log-odds (1.0 takes 50% to 73%).
        """
        self._check_not_ended()
        j = self.actor_ids.index(about)
        others = np.arange(self.n) != j
        before = self.belief[others, j].mean()
        self.belief[others, j] = logistic(logit(self.belief[others, j]) + float(shift))
        self._log(self._next_day(), "injected", j, None, "intelligence_report", "", np.nan,
                  f"injected report on {about}: {note} (others' belief {about} is resolute "
                  f"{before:.2f} -> {self.belief[others, j].mean():.2f})".replace(":  (", " ("))

    def _utilities(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Utilities, their parts, feasibility and choice probabilities of today's options.

        The compiled kernel (``sim.model.kernel.day``) computes what
        ``_utilities_reference``, ``_feasible`` and ``logit_probabilities``
        state in numpy, in one call. Returns (utility (n, A, n), parts
        (10, n, A, n), feasible (n, A, n), probabilities (n, A * n)).
        """
        p = self.params
        return kernel.day(
            day, self.days, self.rung, self.belief, self.positions, self.aid, self.credibility,
            self.threat_until, self.called_until, self.sanctioned, self.halted,
            self.mobilized_on, self.owed, float(self.tension), self.salience, self.capability,
            self.resolve, self.risk_tolerance, self.audience, self.severity, self.vulnerability,
            self.force_ok, self.rival, self.ally, self.red, self._defenders,
            self.talk_soon[min(day, self.days - 1)], *self._static.kernel_args,
            p.coercion_weight, p.reciprocity, p.sanctions_sunk, p.war_cost, p.war_threshold,
            p.mobilization_days, p.rationality, *_KERNEL_INDICES, self._work)

    def _utilities_reference(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
        """Expected utility of every (actor, action, target) option, stated in numpy.

        The readable form of the daily choice (docs/ODD.md); the model runs
        the compiled kernel, which tests hold to these values. Returns what
        ``_utilities`` returns: the utilities (n, A, n), their components in
        the order of ``COMPONENTS`` as (10, n, A, n) (for use_force only the
        last counts: war is valued as a whole), the feasibility mask and the
        logit choice probabilities.
        """
        T, p, s = TABLE, self.params, self._static
        res, rung = self.resolve, self.rung
        careful = s.careful
        D = self.stakes()
        mu = self.belief
        pwin = self.win_probability()
        E = self.exposure(day, pwin)
        active = self.threat_until >= day
        called = self.called_until >= day
        riv_rung = np.where(self.rival, rung[None, :], 0).max(axis=1)
        # leverage i already brings to bear on j: standing threats, sanctions, posture
        lev = np.maximum(np.maximum((active * THREAT_PRESSURE).max(axis=2),
                                    s.sanction_pressure * self.sanctioned),
                         (0.5 * rung / 8.0)[:, None])
        credf = np.where(T.public_threat[None, :], self.credibility[:, None], 1.0)  # (n, A)
        # compellence (what i might win from j) plus deterrence (the war i might avert)
        deter = s.risk_averse * mu * (rung[None, :] / 8.0) ** 2 * D * self.force_ok[None, :]
        gain = p.coercion_weight * (res[:, None] * D * (1 - mu) + deter)  # (n, n)
        added = np.maximum(T.pressure[None, :, None] - lev[:, None, :], 0.0)  # (n, A, n)
        coercion = gain[:, None, :] * credf[:, :, None] * added
        doubt = np.where(self.rival.T, 1 - mu.T, 0).sum(1) / s.n_rivals
        signal = (s.signal_value * doubt[:, None])[:, :, None]
        raises = ((T.top[None, :] > rung[:, None]) & T.escalatory[None, :]) * careful
        sanctions_risk = (E[:, None] * raises)[:, :, None]
        war_risk = (s.war_risk_unit * raises * riv_rung[:, None])[:, :, None]
        backing_down = s.conciliatory * (0.5 * active.any(2) + 0.5 * called.any(2))[:, None, :]
        if called.any():  # a called threat makes carrying it out worth the audience cost
            carrying = np.einsum("ijk,ak->iaj", called.astype(float), s.carry).clip(0, 1)
            audience = self.audience[:, None, None] * (carrying - backing_down)
        else:
            audience = self.audience[:, None, None] * -backing_down
        owed = self.owed[:, None, :]
        recip = p.reciprocity * np.where(s.g * owed > 0, np.minimum(s.abs_g, np.abs(owed)), 0.0)
        pressure_felt = E + 0.5 * self.sanctions_cost() + self.tension + 0.5 * riv_rung / 8.0
        relief = (s.relief_unit * ((1 - res) * pressure_felt)[:, None, None] - s.concession_loss
                  - T.deescalates[None, :, None] * (gain * 0.5 / 8.0)[:, None, :])
        threatened = np.where(self.ally, 0, rung[:, None] / 8.0 * D).max(axis=0)  # on each actor
        # the last two components concern single actions: kept as {action: (n, n) values}
        support = {AID: (0.5 * res[:, None] * threatened[None, :]
                         * (1 - np.minimum(self.aid, 1.0))[None, :])}
        # preparing for war: climbing toward the brink keeps a war worth fighting within reach
        at_brink = self._war_value(self.win_probability(brink=True), mu, D, E, careful)
        war = {USE_FORCE: self._war_value(pwin, mu, D, E, careful),
               MOBILIZE: (np.maximum(at_brink, 0.0) * self.force_ok[:, None]
                          * (rung < 8)[:, None] * res[:, None])}
        parts: list[Any] = [coercion, signal, -s.cost, -sanctions_risk, -war_risk, audience,
                            recip, relief, support, war]
        utility = (coercion + signal - s.cost - sanctions_risk - war_risk + audience + recip
                   + relief)
        utility[:, AID, :] += support[AID]
        utility[:, USE_FORCE, :] = war[USE_FORCE]  # war is valued as a whole
        utility[:, MOBILIZE, :] += war[MOBILIZE]
        shape = utility.shape
        stacked = np.zeros((len(parts), *shape))
        for c, part in enumerate(parts):
            if isinstance(part, dict):  # {action: (n, n)}: zero for the other actions
                for a, v in part.items():
                    stacked[c, :, a, :] = v
            else:
                stacked[c] = np.broadcast_to(part, shape)
        stacked[:-1, :, USE_FORCE, :] = 0.0
        feasible = self._feasible(day)
        n = self.n
        prob = logit_probabilities(utility.reshape(n, -1), feasible.reshape(n, -1),
                                   p.rationality)
        return utility, stacked, feasible, prob

    def _war_value(self, pwin: np.ndarray, mu: np.ndarray, D: np.ndarray, E: np.ndarray,
                   careful: np.ndarray) -> np.ndarray:
        """W[i, j]: expected value to i of war on j over the status quo (Fearon 1995).

        The stakes it expects to win (its chance of prevailing, lowered when it
        believes the enemy resolute), less the cost of war (larger for the
        risk-averse and when victory is unsure) and the expected cost of every
        threat standing against it, less the scenario's war_threshold.
        """
        p = self.params
        p_eff = pwin * (1 - 0.3 * mu)  # a resolute enemy fights harder
        return (self.resolve[:, None] * p_eff * D
                - p.war_cost * (1 - self.risk_tolerance[:, None]) * (1.5 - p_eff) * careful
                - E[:, None] * careful - p.war_threshold)

    def _feasible(self, day: int) -> np.ndarray:
        """Mask of allowed options: permissions, targets, ladder, preconditions."""
        T, n = TABLE, self.n
        ok = self._static.allowed_targets & (T.rung[None, :] <= self.rung[:, None] + 1)[:, :, None]
        soon = self.talk_soon[day] if day < self.days else np.zeros((n, n), bool)
        ok[:, INDEX["impose_sanctions"], :] &= ~self.sanctioned
        ok[:, INDEX["lift_sanctions"], :] &= self.sanctioned
        ok[:, INDEX["demobilize"], :] &= (self.rung > 0)[:, None]
        ready = day - self.mobilized_on >= self.params.mobilization_days
        ok[:, MOBILIZE, :] &= ready[:, None]
        ok[:, INDEX["halt_talks"], :] &= soon & ~self.halted
        ok[:, INDEX["propose_talks"], :] &= ~soon | self.halted
        movable = (np.abs(self.positions[:, None, :] - self.positions[None, :, :]) > 1e-9) \
            & ~self.red[:, None, :]
        can_move = movable.any(axis=2)
        ok[:, INDEX["offer_concession"], :] &= can_move
        ok[:, INDEX["make_concession"], :] &= can_move
        return ok

    def _act(self, day: int, i: int, a: int, j: int, reason: str | None, kind: str,
             noise: np.ndarray, prob: float = np.nan, parts: np.ndarray | None = None) -> None:
        """Carry out act ``a`` of actor ``i`` toward ``j`` and log it (``engine.act``).

        ``reason`` is the logged reason in words; None for an act the model
        chose, whose reason is made from its ``prob`` and utility ``parts``.
        """
        text = -1 if reason is None else self._add_note(reason)
        self._engine(engine.ACT_ONE, day, i, a, j, ACT_KINDS.index(kind), text, prob,
                     _NO_PARTS if parts is None else np.ascontiguousarray(parts, dtype=float),
                     noise=np.asarray(noise, dtype=float).reshape(1, self.n))

    # ------------------------------------------------------------------ end of day

    def _end_of_day(self, incident_draws: np.ndarray) -> None:
        day = self.day
        if day >= self.days or self.days_run > day:
            return
        self._engine(engine.END, day, draws=incident_draws)
        self._after_day(day)

    def _after_day(self, day: int) -> None:
        self.days_run = day + 1
        if self.collect_daily or self.outcome is not None:
            self.datacollector.collect(self)
        if self.outcome is not None:
            self.running = False
            self._close_unheld_rounds()

    def _incidents(self, day: int) -> None:
        """Schelling's threat that leaves something to chance (``engine.incidents``).

        Each pair of rivals has an incident with probability
        incident_risk * (r_i / 8) * (r_j / 8); it raises tension and pushes
        each side up a rung, in scenario order: an actor that may use force and
        is already at rung 8 goes to war (and the run ends there); one that may
        not stays at 8.
        """
        self._engine(engine.INCIDENTS, day, draws=self.rng.random((self.n, self.n)))

    def _incident(self, day: int, i: int, j: int, reason: str) -> None:
        """One incident between i's and j's forces, with the reason to log."""
        self._engine(engine.INCIDENT_ONE, day, i, 0, j, text=self._add_note(reason))

    def _threats(self, day: int) -> None:
        """Call threats whose target escalated; let unanswered ones cost credibility."""
        self._engine(engine.THREATS, day)

    def _finish_with(self, kind: str, day: int, detail: str) -> None:
        if self.outcome is None:
            self.outcome = Outcome(kind, self.date_of(day), detail)
            self._out[:] = (OUTCOMES.index(kind), day, -1, -1, engine.BY_PYTHON)

    def _sync_outcome(self) -> None:
        """The outcome the compiled day wrote, as an ``Outcome``."""
        kind, day, x, y, cause = self._out.tolist()
        if kind < 0 or self.outcome is not None:
            return
        ids = self.actor_ids
        if cause == engine.BY_FORCE:
            detail = f"{ids[x]} used force against {ids[y]}"
        elif cause == engine.BY_INCIDENT:
            detail = f"an incident escalated: {ids[x]} at war with {ids[y]}"
        elif cause == engine.BY_TALKS:
            detail = f"agreement on all core issues at {self.rounds[x].spec.name}"
        else:
            detail = "no war and no settlement by the end date"
        self.outcome = Outcome(OUTCOMES[kind], self.date_of(day), detail)

    def _close_unheld_rounds(self) -> None:
        assert self.outcome is not None
        for r in self.rounds:
            if not r.done:
                r.done = True
                self._talk_row(r, "not held", {}, 0,
                               f"the run ended in {self.outcome.kind} on {self.outcome.date}")

    # ------------------------------------------------------------------ logging

    def _log(self, day: int, kind: str, i: int, j: int | None, action: str, cameo: str,
             goldstein: float, reason: str) -> None:
        """Log an event made in Python (talks, offers, reports) in its place in the log."""
        note = self._add_note((day, kind, i, j, action, cameo, goldstein, int(self.rung[i]),
                               reason))
        self._log_row(day, engine.PYTHON, i, -1, 0, note)

    def _log_row(self, day: int, kind: int, i: int, j: int, rung: int, text: int) -> None:
        """A row of the event log written from Python (``engine.log_event``'s layout)."""
        self._room()
        r = int(self._ev_n[0])
        self._ev_i[r] = (day, kind, i, j, 0, rung, text, 0)
        self._ev_n[0] = r + 1

    def _add_note(self, value: Any) -> int:
        self._notes.append(value)
        return len(self._notes) - 1

    def _room(self) -> None:
        """Room in the event buffer for the most events one compiled call can log."""
        count = int(self._ev_n[0])
        if self._ev_i.shape[0] - count < self._margin:
            grow = max(self._ev_i.shape[0], count + 2 * self._margin - self._ev_i.shape[0])
            self._ev_i = np.concatenate([self._ev_i, np.empty((grow, engine.N_INT), np.int64)])
            self._ev_f = np.concatenate([self._ev_f, np.empty((grow, engine.N_FLOAT))])
            self._bind_day()

    def _bind_day(self) -> None:
        """``engine.day``'s buffer arguments, kept in one tuple (rebuilt when one changes)."""
        self._day_args = (*self._head, self._ev_i, self._ev_f, *self._tail, self._TF)

    @property
    def events(self) -> list[tuple[Any, ...]]:
        """The event log: (day, kind, actor, target or None, action, CAMEO code, Goldstein
        value, actor's rung after it, reason), in the order the events happened."""
        done, count = len(self._events), int(self._ev_n[0])
        if done < count:
            self._events.extend(self._words(done, count))
        return self._events

    def events_unexplained(self) -> list[tuple[Any, ...]]:
        """The event log without the reasons the compiled day would put into words (None
        in their place; events logged in Python keep theirs): quicker to read where only
        what happened counts (ensembles count acts, incidents and Goldstein values)."""
        count = int(self._ev_n[0])
        if len(self._events) == count:  # already put into words
            return self._events
        if len(self._unexplained) != count:  # read once per length (ensembles read it thrice)
            self._unexplained = self._words(0, count, reasons=False)
        return self._unexplained

    def _words(self, lo: int, hi: int, reasons: bool = True) -> list[tuple[Any, ...]]:
        """Event rows lo..hi as logged tuples, with their reasons in words (or None)."""
        out: list[tuple[Any, ...]] = []
        for r, (day, kind, i, j, a, rung, text, aux) in enumerate(
                self._ev_i[lo:hi].tolist(), lo):
            if kind == engine.PYTHON:  # logged in Python: the whole event was kept
                out.append(self._notes[text])
                continue
            reason = self._reason_of(r, kind, a, text, aux) if reasons else None
            if kind <= engine.HISTORY:
                act = CATALOG[a]
                out.append((day, ACT_KINDS[kind], i, None if j < 0 else j, act.name, act.cameo,
                            act.goldstein, rung, reason))
            elif kind == engine.TALKS:
                out.append((day, "talks", i, j, "negotiate", "046", 7.0, rung, reason))
            elif kind == engine.INCIDENT:
                out.append((day, "incident", i, j, "incident", "", np.nan, rung, reason))
            else:  # a threat carried out (a = 1) or not
                out.append((day, "credibility", i, j,
                            "threat_carried_out" if a else "threat_not_carried_out", "", np.nan,
                            rung, reason))
        return out

    def _reason_of(self, r: int, kind: int, a: int, text: int, aux: int) -> str:
        """The reason of event row r in words, from what the row keeps."""
        if kind == engine.TALKS:  # notes[text] is the round
            return self._notes[text].reason()
        if text >= 0:  # given in Python (a played or injected act, an injected incident)
            return self._notes[text]
        floats = self._ev_f[r]
        if kind <= engine.HISTORY:
            if text <= engine.SCRIPTED_TEXT:  # a scripted event, applied in compiled code
                return self._template.scripted_text[engine.SCRIPTED_TEXT - text]
            return _reason(floats[engine.F_PARTS:engine.F_PARTS + len(COMPONENTS)],
                           float(floats[engine.F_PROB]))
        if kind == engine.INCIDENT:
            return f"incident between forces at rungs {a} and {aux}"
        what = "carried out" if a else "not carried out"
        return (f"{THREAT_KINDS[aux]} threat {what}: credibility "
                f"{floats[engine.F_BEFORE]:.2f} -> {floats[engine.F_AFTER]:.2f}")

    @property
    def _reference(self) -> bool:
        """True when a test has put the numpy statement in place of the compiled choice
        (``model._utilities = model._utilities_reference``): the day then runs in Python."""
        return "_utilities" in vars(self)

    @property
    def commitments(self) -> dict[int, float]:
        """{issue index: value} agreed at rounds with rivals at the table."""
        return {k: float(v) for k, v in enumerate(self._committed) if v == v}

    @property
    def tension(self) -> float:
        """The tension index (0-1)."""
        return float(self._scal[0])

    @tension.setter
    def tension(self, value: float) -> None:
        self._scal[0] = value

    def _talk_row(self, r: _Round, status: str, agreed: dict[int, float], offers: int,
                  note: str) -> None:
        self._talk_rows.append((r, status, agreed, offers, note))

    @property
    def talk_log(self) -> list[dict[str, Any]]:
        """One row per scheduled round: held (and its result), cancelled or not held."""
        for row in self._talk_rows[self._rows_read:]:
            if isinstance(row, _Round):  # held: its result is read when the log is read
                row = row.row()
            self._talk_log.append(self._talk_words(*row))
        self._rows_read = len(self._talk_rows)
        return self._talk_log

    def _talk_words(self, r: _Round, status: str, agreed: dict[int, float], offers: int,
                    note: str) -> dict[str, Any]:
        return ({
            "day": r.day, "name": r.spec.name, "venue": r.spec.venue,
            "participants": " ".join(self.actor_ids[m] for m in r.members),
            "agenda": " ".join(self.issue_ids[k] for k in r.agenda),
            "status": status,
            "agreed": " ".join(f"{self.issue_ids[k]}={v:.0f}" for k, v in sorted(agreed.items())),
            "offers": offers, "note": note})

    # ------------------------------------------------------------------ running

    def run(self) -> None:
        """Run to the end: war, settlement or the scenario's end date."""
        self.run_model()


class _Round:
    """A scheduled talk round, bound to its model."""

    def __init__(self, model: CrisisModel, spec: Any, constants: dict[str, Any],
                 index: int) -> None:
        self.model = model
        self.spec = spec
        self.index = index
        self.__dict__.update(constants)
        self.done = False
        self._rejected = ""  # why a player turned down the deal, if one did
        self._result: tuple[Any, ...] | None = None  # read from TF (``_read``)
        self._row: tuple[Any, ...] | None = None

    @staticmethod
    def constants(model: CrisisModel, spec: Any) -> dict[str, Any]:
        """What the round reads of the scenario, by participant and agenda item."""
        members = [model.actor_ids.index(a) for a in spec.participants]
        agenda = [model.issue_ids.index(k) for k in (spec.agenda or model.issue_ids)]
        mem = np.array(members, dtype=np.int64)
        ag = np.array(agenda, dtype=np.int64)
        block = np.ix_(mem, ag)
        rivals = model.rival[np.ix_(mem, mem)]
        turns = model.params.talk_turns
        taus = np.arange(turns) / (turns - 1) if turns > 1 else np.ones(1)
        return {
            "day": (spec.date - model.start).days, "members": members, "agenda": agenda,
            "mem": mem, "ag": ag, "rivals": rivals,
            "dyads": [(int(mem[x]), int(mem[y])) for x, y in zip(*np.nonzero(rivals))],
            "salience": np.ascontiguousarray(model.salience[block]),
            "red": np.ascontiguousarray(model.red[block]),
            "status_quo": np.ascontiguousarray(model.status_quo[ag], dtype=float),
            "settings": np.array([model.params.continue_margin, model.params.red_line_tolerance,
                                  model.params.settlement_max_rung], dtype=float),
            # the part of the aspirations (bargaining.aspiration) that does not change
            "concession": 1.0 - np.clip(taus[:, None], 0.0, 1.0) ** model.exponent[mem][None, :],
        }

    def _bargain(self, table: np.ndarray, rv: np.ndarray) -> bargaining.RoundResult:
        """The round's bargaining (``bargaining.negotiate_compiled``) when a player sits at
        the table; ``engine.hold_round`` bargains the same way when none does."""
        p = self.model.params
        return bargaining.negotiate_compiled(
            table, self.salience, rv, self.model.exponent[self.mem], p.talk_turns,
            p.continue_margin, status_quo=self.status_quo, red=self.red,
            tolerance=p.red_line_tolerance)

    def convene(self) -> None:
        """Hold the round (in the step, after the day's acts)."""
        m, day = self.model, self.day
        if m.outcome is not None or self.done:
            return
        self.done = True
        if not (any(a in m.players for a in self.members) or m._reference):
            self._hold()
            return
        mem = self.mem
        halted = m.halted[mem][:, mem]
        if halted.any():
            who = sorted({m.actor_ids[mem[x]] for x in np.nonzero(halted.any(1))[0]})
            m.halted[np.ix_(mem, mem)] = False
            m._talk_row(self, "cancelled", {}, 0, f"talks halted by {', '.join(who)}")
            return
        rv = m.reservation_values(self.mem, self.ag, day)
        table = m.positions[self.mem][:, self.ag]
        played = [x for x, a in enumerate(self.members) if a in m.players]
        for x in played:
            table[x] = self._offer(x, table, rv)
        res = self._bargain(table, rv)
        for x in played:
            if res.status in ("agreement", "partial"):
                res = self._answer(x, table, rv, res)
        agreed = {int(self.ag[c]): v for c, v in res.agreed.items()}
        before = m.positions[self.mem]  # (a copy) to say whose position each deal is nearer
        self._effects(res.status, agreed)
        self._result = (res, rv, before)  # what engine.hold_round leaves in TF (``_read``)
        m._talk_rows.append(self)  # its row and its talk events' reason: ``row``, ``reason``
        text = m._add_note(self)
        for x, y in self.dyads:  # one event per directed dyad of rivals
            m._log_row(day, engine.TALKS, x, y, int(m.rung[x]), text)
        self._check_settlement()

    def _hold(self) -> None:
        """The round in one compiled call (``engine.hold``): no player sits at it."""
        m = self.model
        text = m._add_note(self)  # its talk events' reason: ``reason``
        m._room()
        engine.hold(self.day, self.index, text, *m._head, m._ev_i, m._ev_f, m._TF)
        m._talk_rows.append(self)  # the talk log reads the result from TF (``row``)
        if m._out[0] >= 0:
            m._sync_outcome()

    def _read(self) -> tuple[Any, ...]:
        """The round's result, read once from the slot ``engine.hold_round`` left in TF
        (a round held in Python sets it directly): (RoundResult or the halted-by names,
        reservation values, positions before)."""
        if self._result is None:
            m = self.model
            tf, to, p, ka = m._TF, self.t_off, len(self.members), len(self.agenda)
            status = int(tf[to + engine.T_STATUS])
            at = to + 5 + 2 * ka
            if status == engine.CANCELLED:
                halted = tf[at + p + p * m.k:][:p]
                who = sorted({m.actor_ids[self.members[x]] for x in np.nonzero(halted)[0]})
                self._result = (who, None, None)
            else:
                count = int(tf[to + engine.T_COUNT])
                res = bargaining.RoundResult(
                    bargaining._STATUS[status],
                    {int(c): float(v) for c, v in zip(tf[to + 5:to + 5 + count].astype(int),
                                                      tf[to + 5 + ka:to + 5 + ka + count])},
                    int(tf[to + engine.T_OFFERS]), float(tf[to + engine.T_GAP]),
                    int(tf[to + engine.T_HOLDOUT]))
                self._result = (res, tf[at:at + p].copy(),
                                tf[at + p:at + p + p * m.k].reshape(p, m.k).copy())
        return self._result

    def row(self) -> tuple[Any, ...]:
        """The round's row of the talk log (``CrisisModel._talk_row``'s arguments)."""
        if self._row is None:
            res, rv, before = self._read()
            if rv is None:
                self._row = (self, "cancelled", {}, 0, f"talks halted by {', '.join(res)}")
            else:
                agreed = {int(self.ag[c]): v for c, v in res.agreed.items()}
                self._row = (self, res.status, agreed, res.offers,
                             self._note(res, rv, self.mem, before))
        return self._row

    def reason(self) -> str:
        """The reason logged with the round's talk events."""
        note = self.row()[4]
        return _talk_reason(self.spec.name, self._read()[0].status, note)

    def _talks(self, x: int, table: np.ndarray, rv: np.ndarray) -> Talks:
        m = self.model
        a = self.members[x]
        issues = [m.issue_ids[k] for k in self.agenda]
        return Talks(self.spec.name, self.spec.venue, m.date_of(self.day),
                     tuple(m.actor_ids[y] for y in self.members), tuple(issues),
                     {m.actor_ids[y]: {k: float(v) for k, v in zip(issues, table[r])}
                      for r, y in enumerate(self.members)},
                     float(rv[x]), tuple(k for c, k in zip(self.agenda, issues) if m.red[a, c]))

    def _offer(self, x: int, table: np.ndarray, rv: np.ndarray) -> np.ndarray:
        """Participant x's player may put other positions on the table for this round."""
        m, code = self.model, self.model.actor_ids[self.members[x]]
        talks = self._talks(x, table, rv)
        offer = m.players[self.members[x]].offer(m, code, talks)
        if not offer:
            return table[x]
        unknown = sorted(set(offer) - set(talks.agenda))
        if unknown:
            raise ValueError(f"{code} offered positions on {', '.join(unknown)}, not on the "
                             f"agenda of {self.spec.name} ({', '.join(talks.agenda)})")
        row = table[x].copy()
        for c, k in enumerate(talks.agenda):
            if k in offer:
                v = float(offer[k])
                if not 0.0 <= v <= 100.0:
                    raise ValueError(f"{code}'s position on {k} must be 0-100, not {v:g}")
                row[c] = v
        clean = {k: float(offer[k]) for k in talks.agenda if k in offer}
        m.moves.append(Move(self.day, code, "offer", clean, self.spec.name))
        m._log(self.day, "offer", self.members[x], None, "table_offer", "", np.nan,
               f"{self.spec.name}: {code} put on the table "
               + ", ".join(f"{k} {v:.0f}" for k, v in clean.items()))
        return row

    def _answer(self, x: int, table: np.ndarray, rv: np.ndarray,
                res: bargaining.RoundResult) -> bargaining.RoundResult:
        """Participant x's player agrees to the deal, or turns it down (a breakdown)."""
        m, code = self.model, self.model.actor_ids[self.members[x]]
        deal = {m.issue_ids[self.agenda[c]]: float(v) for c, v in sorted(res.agreed.items())}
        answer = m.players[self.members[x]].accept(m, code, self._talks(x, table, rv), deal)
        if answer is None:
            return res
        m.moves.append(Move(self.day, code, "accept", bool(answer), self.spec.name))
        if answer:
            return res
        deal_text = ", ".join(f"{k} {v:.0f}" for k, v in deal.items())
        self._rejected = f"{code} turned down the deal reached ({deal_text})"
        return bargaining.RoundResult("breakdown", {}, res.offers, 0.0, x)

    def _effects(self, status: str, agreed: dict[int, float]) -> None:
        """The result takes effect (``engine.effects``): agreed positions for everyone at the
        table, beliefs about rivals shifted, tension, one rung down after an agreement."""
        engine.talk(engine.EFFECTS, self.day, self.index, _STATUS_CODE[status], _NO_INTS,
                    _NO_INTS, np.fromiter(agreed, dtype=np.int64, count=len(agreed)),
                    np.fromiter(agreed.values(), dtype=float, count=len(agreed)),
                    *self.model._head)

    def _note(self, res: bargaining.RoundResult, rv: np.ndarray, mem: np.ndarray,
              before: np.ndarray) -> str:
        """The round's result in words: whose positions the deals are near, what stayed open."""
        m = self.model
        if res.status in ("agreement", "partial"):
            parts = []
            for k, v in sorted((int(self.agenda[c]), v) for c, v in res.agreed.items()):
                gap = np.abs(before[:, k] - v)
                near = [m.actor_ids[mem[x]] for x in np.nonzero(gap <= 5)[0]]
                where = f"at {'/'.join(near)}'s position" if near else "a compromise"
                parts.append(f"{m.issue_ids[k]} {v:.0f} ({where})")
            open_ = [m.issue_ids[k] for k in self.agenda
                     if k not in {int(self.agenda[c]) for c in res.agreed}]
            text = "agreed: " + ", ".join(parts)
            return text + (f"; left open: {', '.join(open_)}" if open_ else "")
        if self._rejected:
            return self._rejected
        who = m.actor_ids[mem[res.holdout]] if res.holdout >= 0 else "?"
        if res.gap >= 1.0:
            return f"no deal could respect {who}'s red lines"
        return (f"{who}'s utility of the last offer was {res.gap:.2f} below what it would "
                f"accept (its reservation value {rv[res.holdout]:.2f}, on a 0-1 scale)")

    def _check_settlement(self) -> None:
        """A comprehensive deal commits those at the table to stand down (``engine.settle``)."""
        m = self.model
        engine.talk(engine.SETTLE, self.day, self.index, 0, _NO_INTS, _NO_INTS, _NO_INTS,
                    _NO_DRAWS, *m._head)
        if m._out[0] >= 0:
            m._sync_outcome()


class _Scripted:
    """A scripted event, bound to its model; it happens in the morning of its day's step."""

    def __init__(self, model: CrisisModel, spec: Any) -> None:
        self.model = model
        self.spec = spec
        self.day = (spec.date - model.start).days

    def happen(self) -> None:
        """Apply the act on the morning of its day."""
        m = self.model
        i = m.actor_ids.index(self.spec.actor)
        if m.outcome is not None or i in m.replay:
            return
        j = m.actor_ids.index(self.spec.target) if self.spec.target else i
        noise = m.rng.standard_normal(m.n)
        m._act(self.day, i, INDEX[self.spec.action], j, f"scripted: {self.spec.note}".strip(),
               "scripted", noise)


class _Static:
    """Parts of the daily utilities that do not change during a run."""

    def __init__(self, m: CrisisModel) -> None:
        T, p, n = TABLE, m.params, m.n
        self.careful = (1.5 - m.resolve)[:, None]  # resolute actors discount costs
        self.risk_averse = (1 - m.risk_tolerance)[:, None]
        self.n_rivals = np.maximum(m.rival.sum(1), 1)
        sig = T.signal[None, :] * (1 + m.audience[:, None] * T.public_threat[None, :])
        self.signal_value = p.signal_weight * m.resolve[:, None] * np.maximum(sig, 0)
        self.cost = (T.cost[None, :] / (0.5 + m.capability[:, None]) * self.careful
                      + p.effort * ~T.untargeted[None, :])[:, :, None]
        self.war_risk_unit = (p.war_cost * self.risk_averse * p.incident_risk * SIGNAL_HORIZON
                              / 64.0)
        self.carry = np.stack([T.carries[k] for k in THREAT_KINDS], axis=1).astype(float)
        self.conciliatory = T.conciliatory[None, :, None]
        self.g = (T.goldstein / 10.0 * T.to_rival)[None, :, None]
        self.abs_g = np.abs(self.g)
        self.relief_unit = (p.deescalation_weight * T.cooperation * T.to_rival)[None, :, None]
        self.concession_loss = m.resolve[:, None, None] * T.concedes[None, :, None] / 50.0
        self.sanction_pressure = T.pressure[INDEX["impose_sanctions"]]
        eye = np.eye(n, dtype=bool)
        self.allowed_targets = ((T.to_rival[None, :, None] & m.rival[:, None, :])
                                | (T.to_ally[None, :, None] & m.ally[:, None, :])
                                | (T.untargeted[None, :, None] & eye[:, None, :])) \
            & m.allowed[:, :, None]
        # aid flows from the stronger to the weaker ally
        self.allowed_targets[:, AID, :] &= m.capability[:, None] > m.capability[None, :]
        self.kernel_args = (
            self.careful, self.risk_averse, self.n_rivals.astype(float), self.signal_value,
            self.cost, self.war_risk_unit, self.carry, self.conciliatory, self.g, self.abs_g,
            self.relief_unit, self.concession_loss, float(self.sanction_pressure),
            self.allowed_targets, T.pressure.astype(float), T.public_threat, T.top, T.escalatory,
            T.deescalates, T.rung, THREAT_PRESSURE.astype(float))


def _components_of(parts: np.ndarray, i: int, a: int, j: int) -> np.ndarray:
    """The utility components of one option (only the war term for use_force)."""
    values = parts[:, i, a, j].copy()
    if a == USE_FORCE:
        values[:-1] = 0.0
    return values


_KERNEL_INDICES = tuple(INDEX[a] for a in (
    "military_aid", "use_force", "mobilize", "impose_sanctions", "lift_sanctions", "demobilize",
    "halt_talks", "propose_talks", "offer_concession", "make_concession"))


def _reason(parts: np.ndarray, prob: float) -> str:
    """The two largest components of the chosen option's utility, in words."""
    order = np.argsort(-np.abs(parts))[:2]
    words = [f"{COMPONENTS[c]} {parts[c]:+.2f}" for c in order if abs(parts[c]) >= 0.005]
    return "; ".join([*words, f"p={prob:.2f}"])


def _resolve(scenario: Scenario | str | Path | dict[str, Any] | None,
             overrides: dict[str, Any]) -> Scenario:
    if scenario is None:
        scenario = FLAGSHIP
    if isinstance(scenario, str | Path):
        return load_scenario(scenario, overrides)
    if isinstance(scenario, dict):
        return scenario_from_dict(scenario, overrides)
    if overrides:
        return with_overrides(scenario, overrides)
    return scenario


class _Template:
    """What a scenario gives every run of it: its arrays packed into the engine's buffers.

    Built once per ``Scenario`` object (``_template``); each model copies the
    buffers and takes views of its copies (``CrisisModel._from_template``).
    """

    SHARED = ("actor_ids", "issue_ids", "n", "k", "start", "end", "days", "exponent",
              "allowed", "defends", "_static")

    def __init__(self, spec: Scenario) -> None:
        ns = SimpleNamespace(params=spec.parameters)
        CrisisModel._setup_arrays(ns, spec)  # type: ignore[arg-type]
        self.shared = {name: getattr(ns, name) for name in self.SHARED}
        self.groups = []
        for owner, names, dtype in (
                ("model", engine.STATE_F, float), ("model", engine.STATE_I, np.int64),
                ("model", engine.STATE_B, np.bool_), ("model", engine.CONST_F, float),
                ("model", engine.CONST_B, np.bool_), ("record", engine.RECORD_F, float),
                ("record", engine.RECORD_I, np.int64)):
            arrays = [np.asarray(ns.record[x] if owner == "record" else getattr(ns, x))
                      for x in names]
            buf = np.empty(sum(a.size for a in arrays), dtype=dtype)
            entries, o = [], 0
            for x, a in zip(names, arrays):
                buf[o:o + a.size] = a.ravel()
                entries.append((x, o, a.shape, a.size))
                o += a.size
            self.groups.append((owner, buf, tuple(entries)))
        statics = engine.static_buffers(ns._static.kernel_args, _KERNEL_INDICES)
        par = np.array([float(getattr(spec.parameters, k)) for k in engine.PARAMETERS])
        self.rounds = [_Round.constants(ns, r) for r in spec.talks]  # type: ignore[arg-type]
        _, Fc, _ = self.groups[3]
        _, Bc, _ = self.groups[4]
        scripted = [((e.date - spec.start).days, ns.actor_ids.index(e.actor), INDEX[e.action],
                     ns.actor_ids.index(e.target) if e.target else ns.actor_ids.index(e.actor))
                    for e in spec.events]
        self.scripted_text = [f"scripted: {e.note}".strip() for e in spec.events]
        self.scripted_days = frozenset(e[0] for e in scripted)
        self.scripted_most = max(Counter(e[0] for e in scripted).values(), default=0)
        CF, self.CI, CB, self.tf_size = engine.constant_buffers(
            Fc, Bc, statics, par, (ns.days, ns.n, ns.k, len(CATALOG)), self.rounds, scripted)
        # the scenario's arrays are the start of CF and CB: their views keep their offsets
        self.groups[3] = ("model", CF, self.groups[3][2])
        self.groups[4] = ("model", CB, self.groups[4][2])
        self.todays = {day: np.array([x for x, r in enumerate(self.rounds) if r["day"] == day],
                                     dtype=np.int64)
                       for day in {r["day"] for r in self.rounds}}
        self.talk_events = max([sum(len(self.rounds[x]["dyads"]) for x in today)
                                for today in self.todays.values()], default=0)


_TEMPLATES: dict[int, tuple[Scenario, _Template]] = {}
_TEMPLATES_LOCK = threading.Lock()  # the dashboard runs ensembles in a thread


def _template(spec: Scenario) -> _Template:
    """The template of a scenario, kept for the last 64 scenario objects run."""
    hit = _TEMPLATES.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    template = _Template(spec)
    with _TEMPLATES_LOCK:
        if len(_TEMPLATES) >= 64:
            _TEMPLATES.pop(next(iter(_TEMPLATES)))
        _TEMPLATES[id(spec)] = (spec, template)
    return template


def _talk_reason(name: str, status: str, note: str) -> str:
    return f"{name}: {status}" + (f" ({note})" if note else "")


class RecordCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model's tension, highest rung and outcome.

    It reads the model's own daily record (``CrisisModel.record``) when its
    data are asked for, instead of copying three values at every step: a
    collect notes which day it saw. ``model_vars``,
    ``get_model_vars_dataframe()`` and ``mesa.batch_run`` see what Mesa's own
    collector would have collected at the same steps.
    """

    REPORTERS: ClassVar[dict[str, str]] = {
        "tension": "tension", "max_rung": "max_rung", "outcome": "outcome_kind"}

    def __init__(self) -> None:
        self._model: CrisisModel | None = None
        self._days: list[int] = []  # the day each collect saw (-1: before the first day)
        self._start: tuple[float, int] = (0.0, 0)  # tension and highest rung before day 0
        self._cache: tuple[Any, dict[str, list[Any]]] | None = None
        super().__init__(model_reporters=dict(self.REPORTERS))

    def collect(self, model: Any) -> None:
        if self._model is None:
            self._model = model
            self._start = (float(model.tension), int(model.max_rung))
            self._steps = getattr(self, "_collection_steps", None)
        if self._steps is not None:
            self._steps.append(model.time)
        self._days.append(model.days_run - 1)

    @property
    def model_vars(self) -> dict[str, list[Any]]:  # type: ignore[override]
        """{reporter: [value at each collect]}, read from the record."""
        m = self._model
        out: dict[str, list[Any]] = {name: [] for name in self.REPORTERS}
        if m is None:
            return out
        key = (len(self._days), m.days_run, m.outcome)
        if self._cache is not None and self._cache[0] == key:  # batch_run reads it per step
            return self._cache[1]
        self._cache = (key, out)
        last = len(self._days) - 1
        for n, day in enumerate(self._days):
            if day < 0:
                tension, top = self._start
            else:
                tension, top = float(m.record["tension"][day]), int(m.record["rung"][day].max())
            out["tension"].append(tension)
            out["max_rung"].append(top)
            # the outcome is known at the collect of the day it happened, the last one
            ended = m.outcome is not None and n == last and day == m.days_run - 1
            out["outcome"].append(m.outcome.kind if ended else "")
        return out

    @model_vars.setter
    def model_vars(self, value: dict[str, list[Any]]) -> None:
        pass  # Mesa's __init__ sets an empty dict; the values come from the record
