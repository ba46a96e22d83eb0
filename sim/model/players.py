"""Human players: the hook through which a person (or a script) decides for an actor.

The model scores every option each day for every actor (``CrisisModel.step``).
For an actor with a player, it hands the player the menu of feasible options,
each with the model's own probability and reasons, and carries out what the
player picks; ``None`` leaves the choice to the model. At a talk round the
player may put other positions on the table before the bargaining
(``offer``) and must agree to any deal reached (``accept``).

The model draws its random numbers the same way whoever decides, so a game is
a scenario, a seed and the list of the players' moves (``CrisisModel.moves``):
replaying the moves with ``Replay`` reproduces the game exactly, and leaving a
player out reruns the same game with the model in its place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sim.model.crisis import CrisisModel


@dataclass(frozen=True)
class Option:
    """One thing an actor may do today, as the model rates it.

    ``probability`` is the chance the model itself would pick it (the logit
    rule), ``utility`` its expected utility and ``reason`` the two largest
    parts of that utility in words.
    """

    action: str
    target: str | None
    probability: float
    utility: float
    reason: str


@dataclass(frozen=True)
class Talks:
    """A talk round about to be held, as a participant sees it.

    ``positions[actor][issue]`` are the positions each participant brings;
    ``reservation`` is what no agreement is worth to the player itself (0-1),
    ``red_lines`` the player's own red lines among the agenda.
    """

    name: str
    venue: str
    date: dt.date
    participants: tuple[str, ...]
    agenda: tuple[str, ...]
    positions: Mapping[str, Mapping[str, float]]
    reservation: float
    red_lines: tuple[str, ...]


@dataclass(frozen=True)
class Move:
    """A decision a player made: an act, positions offered at talks, or a deal answered.

    ``kind`` is ``act`` (``value`` = (action, target or None)), ``offer``
    (``value`` = {issue: position}) or ``accept`` (``value`` = True/False);
    ``talks`` names the round of an offer or answer. ``day`` is the day index
    (0 = the scenario's start).
    """

    day: int
    actor: str
    kind: str
    value: Any
    talks: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``from_dict`` reads it back)."""
        v = self.value
        if self.kind == "act":
            v = {"action": v[0], "target": v[1]}
        d = {"day": self.day, "actor": self.actor, "kind": self.kind, "value": v}
        return {**d, "talks": self.talks} if self.talks else d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Move:
        """The move ``to_dict`` wrote."""
        v = d["value"]
        if d["kind"] == "act":
            v = (v["action"], v.get("target"))
        elif d["kind"] == "offer":
            v = {str(k): float(x) for k, x in v.items()}
        elif d["kind"] == "accept":
            v = bool(v)
        else:
            raise ValueError(f"unknown move kind {d['kind']!r}")
        return cls(int(d["day"]), str(d["actor"]), str(d["kind"]), v, str(d.get("talks", "")))


class Player(Protocol):
    """Decides for one actor. Return None from any method to leave it to the model."""

    def choose(self, model: CrisisModel, actor: str,
               options: list[Option]) -> tuple[str, str | None] | None:
        """Pick today's act: (action, target id or None) from ``options``."""

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> Mapping[str, float] | None:
        """Positions (issue -> 0-100) to put on the table instead of the current ones."""

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> bool | None:
        """Agree to the deal reached (issue -> value)? None: the model agrees."""


@dataclass
class Replay:
    """A player that repeats recorded moves and leaves every other decision to the model."""

    moves: Iterable[Move]
    _by_key: dict[tuple[int, str, str], Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key = {(m.day, m.kind, m.talks): m.value for m in self.moves}

    def choose(self, model: CrisisModel, actor: str,
               options: list[Option]) -> tuple[str, str | None] | None:
        return self._by_key.get((model.day, "act", ""))

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> Mapping[str, float] | None:
        return self._by_key.get((model.day, "offer", talks.name))

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> bool | None:
        return self._by_key.get((model.day, "accept", talks.name))


def replay_players(moves: Iterable[Move]) -> dict[str, Replay]:
    """One ``Replay`` player per actor that has moves."""
    by_actor: dict[str, list[Move]] = {}
    for m in moves:
        by_actor.setdefault(m.actor, []).append(m)
    return {a: Replay(ms) for a, ms in by_actor.items()}
