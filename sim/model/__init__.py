"""The crisis model: actions, actors, beliefs, bargaining and the daily loop."""

from sim.model.actions import ACTIONS, CATALOG, Action
from sim.model.actor import Actor
from sim.model.crisis import CrisisModel, Outcome

__all__ = ["ACTIONS", "CATALOG", "Action", "Actor", "CrisisModel", "Outcome"]
