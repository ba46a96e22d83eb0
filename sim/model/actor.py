"""Actors: the parties to a crisis, as Mesa agents.

The model decides for all actors at once (one array operation per day, see
``CrisisModel.step``), so an ``Actor`` holds no copy of the state: it is a
named handle whose attributes read the model's arrays. That keeps one source
of truth and lets users write ``model.actor("RUS").rung``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.scenario.schema import Actor as ActorSpec

if TYPE_CHECKING:
    from sim.model.crisis import CrisisModel


class Actor(mesa.Agent):
    """A state, alliance or organisation in the crisis.

    Attributes:
        code: the actor id from the scenario (``"RUS"``).
        index: its row in the model's arrays.
        spec: its entry in the scenario.
    """

    model: CrisisModel

    def __init__(self, model: CrisisModel, index: int, code: str, spec: ActorSpec) -> None:
        super().__init__(model)
        self.index = index
        self.code = code
        self.spec = spec

    @property
    def name(self) -> str:
        """Display name."""
        return self.spec.name

    @property
    def rung(self) -> int:
        """Current posture on the escalation ladder (0-9)."""
        return int(self.model.rung[self.index])

    @property
    def credibility(self) -> float:
        """Current credibility of its threats (0-1)."""
        return float(self.model.credibility[self.index])

    @property
    def positions(self) -> dict[str, float]:
        """Current position on each issue."""
        return {k: float(v) for k, v in zip(self.model.issue_ids, self.model.positions[self.index])}

    @property
    def beliefs(self) -> dict[str, float]:
        """Its belief that each other actor is resolute."""
        m = self.model
        return {c: float(m.belief[self.index, j]) for j, c in enumerate(m.actor_ids)
                if j != self.index}

    def __repr__(self) -> str:
        return f"Actor({self.code}, rung={self.rung}, credibility={self.credibility:.2f})"
