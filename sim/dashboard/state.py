"""What the dashboard knows, in plain Python: scenarios, settings, the event feed, the team game.

Nothing here imports Solara, so all of it is tested without a browser
(tests/test_dashboard.py). The pages in ``app.py`` only call these functions
and classes; the model itself is reached through its public API
(``CrisisModel``, its ``record``, ``events``, ``talk_log``, ``moves``,
``inject_*`` and the player hook of ``sim.model.players``).

Files: the dashboard reads only the bundled scenarios (chosen by name from a
list, never by a path) and what a user uploads, which is validated like any
scenario file, refused above ``MAX_FILE_BYTES`` and refused if it names
another file (``extends``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.model.actions import ACTIONS, NAMES
from sim.model.crisis import ACT_KINDS, CrisisModel
from sim.model.players import Move, Option, Replay, Talks, replay_players
from sim.results import day_label, describe_act
from sim.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_from_dict
from sim.scenario.loader import MAX_FILE_BYTES, scenario_hash

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
FLAGSHIP = "winter-2021-22"
SAVE_FORMAT = "brink-game"
#: one line per talk result, in plain words
TALK_WORDS = {"agreement": "agreement", "partial": "partial agreement",
              "continue": "no agreement; talks to continue", "breakdown": "talks broke down",
              "cancelled": "cancelled"}


class GameError(ValueError):
    """A request the game refuses (wrong key, move not on the menu, game over...): one line."""


# --------------------------------------------------------------------------- scenarios


def bundled() -> dict[str, Path]:
    """The bundled scenarios by name (``scenarios/*.yaml``)."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def load_bundled(name: str) -> Scenario:
    """A bundled scenario, by name only: nothing else on disk can be reached this way."""
    known = bundled()
    if name not in known:
        raise ScenarioError([Problem(str(name)[:60], None, "",
                                     f"no bundled scenario of that name (bundled: "
                                     f"{', '.join(known)})")])
    return load_scenario(known[name])


def safe_name(name: str) -> str:
    """The file name an upload is shown under: its last part, plain characters only."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = re.sub(r"[^\w.-]", "_", base).lstrip(".")[:80]
    return base or "upload.yaml"


def load_upload(name: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file (YAML) exactly as ``brink validate`` would.

    Raises:
        ScenarioError: every problem, one line each, located in the uploaded
            file as ``name:line: key.path: what is wrong``; also for a file
            over ``MAX_FILE_BYTES`` or one that ``extends`` another file.
    """
    shown = safe_name(name)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(shown, None, "", f"file larger than {MAX_FILE_BYTES:,} "
                                     f"bytes ({len(data):,}); a scenario is a few kB")])
    _refuse_extends(shown, data)
    with tempfile.TemporaryDirectory(prefix="brink-upload-") as tmp:
        path = Path(tmp) / shown
        path.write_bytes(data)
        try:
            return load_scenario(path)
        except ScenarioError as err:
            raise ScenarioError([replace(p, source=shown) if p.source == str(path) else p
                                 for p in err.problems]) from None


def _refuse_extends(shown: str, data: bytes) -> None:
    """An upload may not name another file: ``extends`` would read from the server's disk."""
    from ruamel.yaml import YAML

    try:
        doc = YAML(typ="rt").load(data.decode("utf-8"))
    except Exception:
        return
    if isinstance(doc, Mapping) and "extends" in doc:
        line = doc.lc.key("extends")[0] + 1 if hasattr(doc, "lc") else None
        raise ScenarioError([Problem(shown, line, "extends", "an uploaded scenario cannot "
                                     "extend another file; upload the complete scenario")])


def problems(err: ScenarioError) -> list[str]:
    """The one-line problems of a scenario error, as the page shows them."""
    return [str(p) for p in err.problems]


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Slider:
    """One parameter the page offers as a slider; ``key`` is its override key path."""

    key: str
    label: str
    low: float
    high: float
    step: float
    value: float


def sliders(scenario: Scenario) -> list[Slider]:
    """Key parameters of a scenario: each actor's resolve, credibility, audience cost;
    rationality and incident risk (the keys are those of ``--set``, docs/scenarios.md)."""
    out = []
    for code, a in scenario.actors.items():
        out += [Slider(f"actors.{code}.resolve", f"{code} resolve", 0.0, 1.0, 0.05, a.resolve),
                Slider(f"actors.{code}.credibility", f"{code} credibility", 0.0, 1.0, 0.05,
                       a.credibility),
                Slider(f"actors.{code}.audience_cost", f"{code} audience costs", 0.0, 1.0,
                       0.05, a.audience_cost)]
    p = scenario.parameters
    out += [Slider("parameters.rationality", "rationality", 0.0, 100.0, 1.0, p.rationality),
            Slider("parameters.incident_risk", "incident risk", 0.0, 0.1, 0.005,
                   p.incident_risk)]
    return out


@dataclass(frozen=True)
class Setup:
    """A scenario, a seed and overrides: everything a run or a game starts from.

    ``label`` names it on the page (a bundled scenario's name, or the uploaded
    file's); ``bundled`` is the bundled name, if it is one.
    """

    scenario: Scenario
    label: str
    seed: int = 0
    overrides: tuple[tuple[str, float], ...] = ()
    bundled: str | None = None

    @classmethod
    def of_bundled(cls, name: str, seed: int | None = None) -> Setup:
        s = load_bundled(name)
        return cls(s, name, (s.seed or 0) if seed is None else seed, (), name)

    def with_changes(self, seed: int | None = None,
                     overrides: Mapping[str, float] | None = None) -> Setup:
        """The same scenario with another seed or other overrides (validated now).

        Overrides equal to the scenario's own value are dropped, so the saved
        settings list only what was changed.
        """
        over = self.overrides if overrides is None else tuple(sorted(
            (k, float(v)) for k, v in overrides.items()
            if not _same(v, self.default(k))))
        changed = replace(self, seed=self.seed if seed is None else int(seed), overrides=over)
        changed.model()  # raises ScenarioError with one line per problem
        return changed

    def default(self, key: str) -> float | None:
        """The scenario's own value of a slider key."""
        for s in sliders(self.scenario):
            if s.key == key:
                return s.value
        return None

    def value(self, key: str) -> float | None:
        """The value a slider key has in this setup (override, else the scenario's)."""
        return dict(self.overrides).get(key, self.default(key))

    def model(self, players: Mapping[str, Any] | None = None) -> CrisisModel:
        """A new model of this setup (validating the overrides like ``--set``)."""
        return CrisisModel(self.scenario, seed=self.seed, overrides=dict(self.overrides) or None,
                           players=players)

    def identity(self) -> dict[str, Any]:
        """What a saved game records to rebuild the scenario."""
        return {"label": self.label, "bundled": self.bundled,
                "sha256": scenario_hash(self.scenario),
                "data": self.scenario.model_dump(mode="json")}


def _same(a: Any, b: Any) -> bool:
    return b is not None and abs(float(a) - float(b)) < 1e-9


# --------------------------------------------------------------------------- the feed


def feed(model: CrisisModel, limit: int = 12) -> list[str]:
    """The latest happenings in plain words, newest first.

    E.g. "12 Jan — NATO–Russia Council: no agreement; talks to continue".
    """
    items: list[tuple[int, int, str]] = []
    ids = model.actor_ids
    for n, (day, kind, i, j, action, _c, _g, _r, reason) in enumerate(model.events):
        text = _event_words(kind, ids[i], None if j is None else ids[j], action, reason)
        if text:
            items.append((day, n, text))
    for n, row in enumerate(model.talk_log):
        if row["status"] in TALK_WORDS:
            words = f"{row['name']}: {TALK_WORDS[row['status']]}"
            if row["note"] and row["status"] != "continue":
                words += f" ({row['note']})"
            items.append((row["day"], len(model.events) + n, words))
    if model.outcome is not None:
        o = model.outcome
        items.append(((o.date - model.start).days, 10**9, f"{o.kind.upper()}: {o.detail}"))
    items.sort(key=lambda t: (t[0], t[1]))
    return [f"{day_label(model.date_of(d))} \u2014 {t}" for d, _, t in items[::-1][:limit]]


def _event_words(kind: str, actor: str, target: str | None, action: str, reason: str) -> str:
    if action == "intelligence_report":  # an instructor's report: the reason says it all
        return f"{reason} (instructor)"
    if kind in ACT_KINDS:
        who = {"played": " (a team's move)", "injected": " (instructor)",
               "scripted": " (scripted)", "history": " (the record)"}.get(kind, "")
        if kind == "act" and reason:  # the model's choice: its two largest reasons
            who = f" \u2014 why: {reason}"
        return describe_act(actor, action, target) + who
    if kind == "incident":
        return describe_act(actor, "incident", target)
    if kind == "credibility":
        return f"{actor}: {reason}"
    if kind in ("injected", "offer"):  # intelligence reports, offers at the table
        return reason
    return ""


class _Watched:
    """A model that pages read under a lock: what a game and one browser's run share."""

    lock: threading.Lock
    model: CrisisModel

    def snapshot(self) -> Any:
        """The run so far as a ``Result`` (DataFrames copied under the lock)."""
        from sim.dashboard.figures import live_result

        with self.lock:
            return live_result(self.model)

    def feed(self, limit: int = 12) -> list[str]:
        """The latest events in plain words (read under the lock)."""
        with self.lock:
            return feed(self.model, limit)


def option_label(o: Option) -> str:
    """A menu entry: 'warns RUS (model: 23%)'."""
    act = ACTIONS[o.action]
    words = act.label if o.target is None else f"{act.label} {o.target}"
    return f"{words} (model: {o.probability:.0%})"


def option_detail(o: Option) -> str:
    """What an option means and why the model rates it as it does, in one line."""
    from sim.plots import RUNG_NAMES

    act = ACTIONS[o.action]
    reason = o.reason.rsplit("; p=", 1)[0] if "; p=" in o.reason else ""
    rung = f"rung {act.rung} ({RUNG_NAMES[act.rung]})"
    return (f"{rung}; Goldstein {act.goldstein:+g}"
            + (f"; the model's reasons: {reason}" if reason else ""))


# --------------------------------------------------------------------------- the team game


@dataclass(frozen=True)
class Inject:
    """An instructor's inject, made before the day ``day`` is simulated."""

    day: int
    kind: str  # act | incident | report
    args: Mapping[str, Any]

    def apply(self, model: CrisisModel) -> None:
        a = self.args
        if self.kind == "act":
            model.inject_act(a["actor"], a["action"], a.get("target"), a.get("note", ""))
        elif self.kind == "incident":
            model.inject_incident(a["a"], a["b"], a.get("note", ""))
        elif self.kind == "report":
            model.inject_report(a["about"], float(a["shift"]), a.get("note", ""))
        else:
            raise GameError(f"unknown inject kind {self.kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "kind": self.kind, "args": dict(self.args)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Inject:
        return cls(int(d["day"]), str(d["kind"]), dict(d["args"]))


class _Seat:
    """The player for one actor of a game.

    Before ``live_from`` (a resumed game being replayed) it repeats the
    recorded moves; from then on it asks ``live``, which returns the team's
    submitted move or None (the model decides, as for an unclaimed actor).
    """

    def __init__(self, recorded: Replay | None, live: Callable[..., Any] | None,
                 live_from: int) -> None:
        self.recorded, self.live, self.live_from = recorded, live, live_from

    def _ask(self, model: CrisisModel, kind: str, *args: Any) -> Any:
        if model.day < self.live_from:
            return getattr(self.recorded, kind)(model, *args) if self.recorded else None
        return self.live(kind, model, *args) if self.live else None

    def choose(self, model: CrisisModel, actor: str,
               options: list[Option]) -> tuple[str, str | None] | None:
        return self._ask(model, "choose", actor, options)

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> Mapping[str, float] | None:
        return self._ask(model, "offer", actor, talks)

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> bool | None:
        return self._ask(model, "accept", actor, talks, deal)


def replay_game(setup: Setup, moves: Iterable[Move], injects: Iterable[Inject], days: int,
                live: Callable[..., Any] | None = None) -> CrisisModel:
    """The game after ``days`` days, rebuilt from its moves and injects; then ``live`` decides.

    The model draws its random numbers the same way whoever decides, so this
    reproduces the game exactly (``sim.model.players``).
    """
    replays = replay_players(list(moves))
    seats = {a: _Seat(replays.get(a), live, days) for a in setup.scenario.actors}
    model = setup.model(players=seats)
    by_day: dict[int, list[Inject]] = {}
    for inj in injects:
        by_day.setdefault(inj.day, []).append(inj)
    for day in range(days):
        for inj in by_day.get(day, ()):
            inj.apply(model)
        model.step()
    for inj in by_day.get(days, ()):
        inj.apply(model)
    return model


class Game(_Watched):
    """A game for several teams on one server: each team plays one actor, the model the rest.

    Every method takes the game's lock, so pages in several browsers (each
    served by its own thread) see and change one consistent state. A team
    claims an actor and gets a key (its browser keeps it); with that key it
    submits today's move, chosen from the menu the model would pick from, and
    its answer to any deal at talks. The instructor advances the days and
    injects events. ``version`` grows with every change, for pages to poll.
    """

    def __init__(self, setup: Setup, *, moves: Iterable[Move] = (),
                 injects: Iterable[Inject] = (), days: int = 0) -> None:
        self.lock = threading.RLock()
        self.setup = setup
        self.injects: list[Inject] = list(injects)
        self.keys: dict[str, str] = {}  # actor -> the claiming team's key
        self.teams: dict[str, str] = {}  # actor -> team name
        self.pending: dict[str, tuple[str, str | None]] = {}  # today's submitted acts
        self.answers: dict[str, bool] = {}  # standing answers to deals at talks
        self.chances: dict[tuple[int, str], float] = {}  # model's probability of a team's act
        self.offers: dict[str, dict[str, float]] = {}  # positions for the next round attended
        self.version = 0
        self._menus: tuple[tuple[int, int], dict[str, list[Option]]] | None = None
        self.model = replay_game(setup, moves, self.injects, days, self._live)

    # ---- what the pages read

    @property
    def actors(self) -> list[str]:
        return list(self.model.actor_ids)

    @property
    def over(self) -> bool:
        return self.model.outcome is not None

    def today(self) -> dt.date:
        """The date of the day the next advance simulates."""
        return self.model.date_of(min(self.model.days_run, self.model.days - 1))


    def moves(self) -> list[Move]:
        with self.lock:
            return list(self.model.moves)

    def move_lines(self) -> list[str]:
        """The teams' moves in words, newest first, with the model's own chance of each act."""
        with self.lock:
            out = []
            for m in self.model.moves:
                when = day_label(self.model.date_of(m.day))
                if m.kind == "act":
                    action, target = m.value
                    text = ACTIONS[action].label + (f" {target}" if target else "")
                    p = self.chances.get((m.day, m.actor))
                    if p is not None:
                        text += f" (the model would have: {p:.0%})"
                elif m.kind == "accept":
                    text = f"{'accepted' if m.value else 'turned down'} the deal at {m.talks}"
                else:
                    text = f"put on the table at {m.talks}: " + ", ".join(
                        f"{k} {v:.0f}" for k, v in m.value.items())
                out.append(f"{when} {m.actor}: {text}")
            return out[::-1]

    # ---- teams

    def claim(self, actor: str, team: str = "") -> str:
        """Claim an actor for a team; returns the team's key (keep it to move)."""
        with self.lock:
            self._known(actor)
            if actor in self.keys:
                raise GameError(f"{actor} is already played by {self.teams[actor] or 'a team'}")
            key = secrets.token_urlsafe(12)
            self.keys[actor] = key
            self.teams[actor] = " ".join(team.split())[:40]
            self.version += 1
            return key

    def release(self, actor: str) -> None:
        """Free an actor (the instructor's): the model plays it again."""
        with self.lock:
            self.keys.pop(actor, None)
            self.teams.pop(actor, None)
            self.pending.pop(actor, None)
            self.answers.pop(actor, None)
            self.offers.pop(actor, None)
            self.version += 1

    def holds(self, actor: str, key: str | None) -> bool:
        """Does this key hold the claim on this actor?"""
        with self.lock:
            held = self.keys.get(actor)
        return bool(key) and held is not None and hmac.compare_digest(held, str(key))

    def stamp(self) -> tuple[int, int]:
        """What the model's state depends on: the days simulated and the injects made.

        ``version`` also counts claims, moves and offers, which change no plot.
        """
        return (self.model.days_run, len(self.injects))

    def menu(self, actor: str) -> list[Option]:
        """What the actor may do on the next day, with the model's own probabilities."""
        with self.lock:
            self._known(actor)
            if self.over:
                return []
            stamp = self.stamp()
            if self._menus is None or self._menus[0] != stamp:
                self._menus = (stamp, self._probe())
            return list(self._menus[1].get(actor, []))

    def submit(self, actor: str, key: str | None, action: str, target: str | None) -> None:
        """A team's act for the next day (replaces an earlier submission)."""
        with self.lock:
            self._check_key(actor, key)
            menu = self.menu(actor)
            chosen = [o for o in menu if o.action == action and o.target == target]
            if not chosen:
                raise GameError(f"{actor} cannot {action}" + (f" {target}" if target else "")
                                + f" on {day_label(self.today())}")
            self.pending[actor] = (action, target)
            self.chances[(self.model.days_run, actor)] = chosen[0].probability
            self.version += 1

    def withdraw(self, actor: str, key: str | None) -> None:
        """Take back today's submission (the model will decide)."""
        with self.lock:
            self._check_key(actor, key)
            self.pending.pop(actor, None)
            self.version += 1

    def answer_deals(self, actor: str, key: str | None, answer: bool | None) -> None:
        """How the team answers any deal reached at talks: yes, no, or None (model decides)."""
        with self.lock:
            self._check_key(actor, key)
            if answer is None:
                self.answers.pop(actor, None)
            else:
                self.answers[actor] = bool(answer)
            self.version += 1

    def next_talks(self, actor: str) -> Any:
        """The next scheduled round this actor attends (a TalkRound), or None."""
        with self.lock:
            held = {(r["day"], r["name"]) for r in self.model.talk_log}
            for t in sorted(self.setup.scenario.talks, key=lambda t: t.date):
                day = (t.date - self.model.start).days
                if actor in t.participants and day >= self.model.days_run and \
                        (day, t.name) not in held:
                    return t
            return None

    def agenda(self, talks: Any) -> list[str]:
        return list(talks.agenda or self.setup.scenario.issues)

    def offer(self, actor: str, key: str | None, positions: Mapping[str, float] | None) -> None:
        """Positions (issue -> 0-100) to put on the table at the next round; None withdraws."""
        with self.lock:
            self._check_key(actor, key)
            if not positions:
                self.offers.pop(actor, None)
            else:
                talks = self.next_talks(actor)
                if talks is None:
                    raise GameError(f"{actor} attends no more talks")
                agenda = self.agenda(talks)
                clean = {}
                for k, value in positions.items():
                    if k not in agenda:
                        raise GameError(f"{k} is not on the agenda of {talks.name}")
                    if not 0.0 <= float(value) <= 100.0:
                        raise GameError(f"a position on {k} must be 0-100")
                    clean[k] = float(value)
                self.offers[actor] = clean
            self.version += 1

    # ---- the instructor

    def advance(self, days: int = 1) -> int:
        """Simulate the next day(s); the submitted moves are played. Returns days simulated."""
        with self.lock:
            done = 0
            for _ in range(days):
                if self.over:
                    break
                rounds = len(self.model.talk_log)
                self.model.step()
                self.pending.clear()
                for row in self.model.talk_log[rounds:]:  # an offer is for one round
                    for a in row["participants"].split():
                        self.offers.pop(a, None)
                done += 1
            self.version += 1
            return done

    def inject(self, kind: str, **args: Any) -> None:
        """An instructor's inject before the next day: an act, an incident or a report."""
        with self.lock:
            if self.over:
                raise GameError(f"the game has ended ({self.model.outcome.kind})")
            inj = Inject(self.model.days_run, kind, self._checked(kind, args))
            inj.apply(self.model)
            self.injects.append(inj)
            self.version += 1

    def save(self) -> dict[str, Any]:
        """The game as JSON-ready data: scenario, seed, overrides, moves, injects."""
        with self.lock:
            return {"format": SAVE_FORMAT, "format_version": 1,
                    "scenario": self.setup.identity(), "seed": self.setup.seed,
                    "overrides": dict(self.setup.overrides), "days": self.model.days_run,
                    "moves": [m.to_dict() for m in self.model.moves],
                    "injects": [i.to_dict() for i in self.injects],
                    "teams": dict(self.teams)}

    @classmethod
    def resume(cls, data: bytes | str | Mapping[str, Any]) -> Game:
        """The game a save file holds, replayed to where it stopped (claims start free)."""
        try:
            d = _read_save(data)
            ident = d["scenario"]
            label = str(ident.get("label") or "saved game")
            scenario = None
            if ident.get("bundled") in bundled():
                own = load_bundled(ident["bundled"])
                if scenario_hash(own) == ident.get("sha256"):
                    scenario = own
            if scenario is None:
                scenario = scenario_from_dict(ident["data"], source=safe_name(label))
            if ident.get("sha256") and scenario_hash(scenario) != ident["sha256"]:
                raise GameError("the scenario in the save file does not match its checksum")
            bundled_name = ident.get("bundled") if scenario_hash(scenario) == ident.get(
                "sha256") and ident.get("bundled") in bundled() else None
            setup = Setup(scenario, label, int(d["seed"]), (), bundled_name)
            setup = setup.with_changes(overrides={str(k): float(v)
                                                  for k, v in d.get("overrides", {}).items()})
            moves = [Move.from_dict(m) for m in d.get("moves", [])]
            injects = [Inject.from_dict(i) for i in d.get("injects", [])]
            days = int(d.get("days", 0))
            if not 0 <= days <= scenario.days:
                raise GameError(f"day {days} is outside the scenario ({scenario.days} days)")
            return cls(setup, moves=moves, injects=injects, days=days)
        except ScenarioError as err:
            raise GameError(f"the save file's scenario is invalid: {err.problems[0]}") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            if isinstance(err, GameError):
                raise
            raise GameError(f"not a Brink game save file ({type(err).__name__}: "
                            f"{' '.join(str(err).split())[:120]})") from None

    # ---- internals

    def _live(self, kind: str, model: CrisisModel, actor: str, *args: Any) -> Any:
        """A live decision for a seat (called by the model under the game's lock)."""
        if actor not in self.keys:
            return None
        if kind == "choose":
            return self.pending.get(actor)
        if kind == "accept":
            return self.answers.get(actor)
        if kind == "offer":
            talks = args[0]
            mine = {k: v for k, v in self.offers.get(actor, {}).items() if k in talks.agenda}
            return mine or None
        return None

    def _probe(self) -> dict[str, list[Option]]:
        """Tomorrow's menu of every actor: replay the game so far, then step once, asking."""
        menus: dict[str, list[Option]] = {}

        def capture(kind: str, model: CrisisModel, actor: str, *args: Any) -> Any:
            if kind == "choose":
                menus[actor] = list(args[0])
            return None

        probe = replay_game(self.setup, self.model.moves, self.injects, self.model.days_run,
                            capture)
        probe.step()
        return menus

    def _known(self, actor: str) -> None:
        if actor not in self.model.actor_ids:
            raise GameError(f"no actor {actor!r} in this game "
                            f"(actors: {', '.join(self.model.actor_ids)})")

    def _check_key(self, actor: str, key: str | None) -> None:
        self._known(actor)
        if not self.holds(actor, key):
            raise GameError(f"this page does not hold the claim on {actor}")
        if self.over:
            raise GameError(f"the game has ended ({self.model.outcome.kind})")

    def _checked(self, kind: str, args: Mapping[str, Any]) -> dict[str, Any]:
        ids = self.model.actor_ids
        note = " ".join(str(args.get("note", "")).split())[:200]
        if kind == "act":
            actor, action, target = args.get("actor"), args.get("action"), args.get("target")
            if actor not in ids or (target is not None and target not in ids):
                raise GameError("pick the actor (and target) from this game's actors")
            if action not in NAMES or action == "hold":
                raise GameError(f"unknown action {action!r}")
            if ACTIONS[action].target == "none":
                target = None
            elif target is None or target == actor:
                raise GameError(f"{action} needs a target other than {actor}")
            return {"actor": actor, "action": action, "target": target, "note": note}
        if kind == "incident":
            a, b = args.get("a"), args.get("b")
            if a not in ids or b not in ids or a == b:
                raise GameError("an incident needs two different actors of this game")
            return {"a": a, "b": b, "note": note}
        if kind == "report":
            about, shift = args.get("about"), float(args.get("shift", 0.0))
            if about not in ids:
                raise GameError("pick whom the report is about")
            if not -3.0 <= shift <= 3.0:
                raise GameError("the report's shift must be between -3 and 3 (log-odds)")
            return {"about": about, "shift": shift, "note": note}
        raise GameError(f"unknown inject {kind!r}")


MAX_SAVE_BYTES = 5_000_000


def _read_save(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(data, Mapping):
        d = dict(data)
    else:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        if len(raw) > MAX_SAVE_BYTES:
            raise GameError(f"save file larger than {MAX_SAVE_BYTES:,} bytes")
        try:
            d = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise GameError(f"not a Brink game save file (not JSON: {err})") from None
    if not isinstance(d, dict) or d.get("format") != SAVE_FORMAT:
        raise GameError("not a Brink game save file (no \"format\": \"brink-game\")")
    return d


@dataclass
class Explorer(_Watched):
    """One browser's own run: a setup, its model, stepped by the page (Step, Play, Reset)."""

    setup: Setup
    model: CrisisModel = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    run_id: int = field(default=0, init=False)  # grows at each reset

    def __post_init__(self) -> None:
        self.model = self.setup.model()

    def reset(self, setup: Setup | None = None) -> None:
        with self.lock:
            if setup is not None:
                self.setup = setup
            self.model = self.setup.model()
            self.run_id += 1

    def step(self, days: int = 1, run_id: int | None = None) -> bool:
        """Simulate the next day(s); False once the run has ended.

        With ``run_id`` (a Play loop's), nothing happens if the run was reset
        since: a late step of the old loop must not move the new run.
        """
        with self.lock:
            if run_id is not None and run_id != self.run_id:
                return False
            for _ in range(days):
                if self.model.outcome is not None:
                    break
                self.model.step()
            return self.model.outcome is None



class EnsembleJob:
    """Many seeded runs of a setup in a background thread (``sim.ensemble.run_ensemble``).

    One worker (no processes started from the server), into a temporary
    folder that is removed afterwards. ``progress`` counts the finished
    chunks of runs, so the page can show a bar while it waits.
    """

    CHUNK = 10

    def __init__(self, setup: Setup, runs: int = 200) -> None:
        self.setup, self.runs = setup, int(runs)
        self.frame: Any = None
        self.error = ""
        self.finished = False
        self._tmp = tempfile.TemporaryDirectory(prefix="brink-ensemble-")
        self._thread = threading.Thread(target=self._run, daemon=True, name="brink-ensemble")

    def start(self) -> EnsembleJob:
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.finished

    def _run(self) -> None:
        from sim.ensemble import EnsembleError, run_ensemble

        try:
            self.frame = run_ensemble(self.setup.scenario, runs=self.runs, seed=self.setup.seed,
                                      overrides=dict(self.setup.overrides) or None, workers=1,
                                      out=Path(self._tmp.name) / "ensemble", plots=False,
                                      progress=False, chunk=self.CHUNK)
        except (EnsembleError, ScenarioError, OSError) as err:
            self.error = " ".join(str(err).split())
        finally:
            self.finished = True
            self._tmp.cleanup()

    def progress(self) -> tuple[int, int]:
        """(runs finished, runs)."""
        if self.finished:
            return self.runs, self.runs
        work = Path(self._tmp.name) / "ensemble" / ".brink-work"
        try:
            parts = len(list(work.glob("cell-*-chunk-*.csv")))
        except OSError:
            parts = 0
        return min(parts * self.CHUNK, self.runs), self.runs

    def summary(self) -> str:
        """'200 runs (seed 2022): war 18% (13-24%), settlement 0% (0-2%), standoff 82% (...)'."""
        s = self.frame.attrs["summary"]
        shares = ", ".join(f"{o} {v['share']:.0%} ({v['low']:.0%}-{v['high']:.0%})"
                           for o, v in s["outcomes"].items())
        return f"{s['runs']} runs (seed {s['seed']}): {shares}"

    def figures(self) -> tuple[Any, Any]:
        """Outcome shares and the cumulative probability of war by date (``sim.plots``)."""
        from sim import plots

        return plots.outcome_shares(self.frame), plots.war_by_date(self.frame)
