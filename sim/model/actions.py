"""The action catalog: what an actor can do on a day, and what each act means.

Every action is directed (actor -> target) and carries its event-data coding
(CAMEO code and the Goldstein value GDELT publishes for that code), a rung on
the escalation ladder (0-9, after Kahn 1965), a cost, and the parameters the
model's mechanisms read: how much coercive pressure it puts on the target, how
strongly it signals resolve (a log-likelihood ratio, see ``beliefs.py``), and
which threats it makes or carries out.

The table is data, kept in one place so that the documentation
(docs/ODD.md, "Action catalog"), the tests and the model read the same values.

Sources: CAMEO codebook (Schrodt 2012) and the Goldstein (1992) scale as
published with GDELT (``CAMEO.goldsteinscale.txt``); rungs after Kahn (1965)
compressed to ten steps; the taxonomy follows ../shared/reference/anchors.md §3.
Code 176 (cyber attack) has no Goldstein value in GDELT's table; we use -7.0,
the value of the CAMEO root 17 ("coerce") it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Target = Literal["rival", "ally", "none"]
ThreatKind = Literal["sanctions", "force", "general"]


@dataclass(frozen=True, slots=True)
class Action:
    """One entry of the catalog.

    Attributes:
        name: identifier used in scenario files and outputs.
        cameo: CAMEO event code.
        goldstein: Goldstein conflict-cooperation value of that code (-10..+10).
        rung: escalation-ladder rung the act belongs to (0-9). An act is
            allowed at most one rung above the actor's posture; an act above
            the posture raises it by one rung, up to ``ceiling``.
        cost: base cost in utility units; an actor pays
            cost / (0.5 + capability) * (1.5 - resolve), plus the fixed ``effort``
            of acting at all.
        target: whom it is aimed at: a rival, an ally, or nobody.
        pressure: coercive pressure the act brings to bear on the target
            (0-1): what it adds to the sender's leverage, and so to its
            expected issue gains (the "issue leverage" utility term).
        signal: log-likelihood ratio of the act under a resolute versus an
            irresolute type (positive: looks resolute; negative: looks soft).
        public_threat: the act is a public commitment that carries audience
            costs; its signal is scaled by (1 + audience_cost) of the sender.
        threat: the kind of threat the act makes, if any.
        carries_out: threat kinds that this act carries out.
        deescalates: the act lowers the actor's posture by one rung.
        concedes: position points the actor moves toward the target on its
            least salient disputed issue.
        requires_force: only actors with ``can_use_force`` may take it.
        label: plain-words description for event feeds.
    """

    name: str
    cameo: str
    goldstein: float
    rung: int
    cost: float
    target: Target
    pressure: float = 0.0
    signal: float = 0.0
    public_threat: bool = False
    threat: ThreatKind | None = None
    carries_out: tuple[ThreatKind, ...] = ()
    deescalates: bool = False
    concedes: float = 0.0
    requires_force: bool = False
    ceiling: int | None = None
    label: str = ""

    @property
    def top(self) -> int:
        """Highest posture this act can raise its actor to."""
        return self.rung if self.ceiling is None else self.ceiling


# fmt: off
CATALOG: tuple[Action, ...] = (
    Action("hold", "", 0.0, 0, 0.0, "none", label="holds its position"),
    Action("leader_call", "041", 1.0, 0, 0.04, "rival", signal=-0.02,
           label="holds a leaders' call with"),
    Action("propose_talks", "036", 4.0, 0, 0.04, "rival", signal=-0.05,
           label="proposes talks to"),
    Action("criticize", "111", -2.0, 1, 0.04, "rival", pressure=0.05, signal=0.02,
           label="criticises"),
    Action("reject", "1232", -4.0, 1, 0.05, "rival", pressure=0.05, signal=0.05,
           label="rejects the demands of"),
    Action("demand", "1042", -5.0, 2, 0.07, "rival", pressure=0.15, signal=0.05,
           label="makes demands of"),
    Action("warn", "130", -4.4, 2, 0.07, "rival", pressure=0.20, signal=0.05,
           public_threat=True, threat="general", label="warns"),
    Action("threaten_sanctions", "1312", -5.8, 3, 0.12, "rival", pressure=0.35,
           signal=0.1, public_threat=True, threat="sanctions",
           label="threatens sanctions against"),
    Action("threaten_force", "138", -7.0, 4, 0.18, "rival", pressure=0.45,
           signal=0.15, public_threat=True, threat="force", requires_force=True,
           label="threatens force against"),
    Action("offer_concession", "035", 7.0, 0, 0.1, "rival", signal=-0.2,
           concedes=5.0, label="offers a concession to"),
    Action("make_concession", "080", 5.0, 0, 0.2, "rival", signal=-0.4,
           concedes=10.0, deescalates=True, label="makes a concession to"),
    Action("mobilize", "154", -7.2, 5, 0.3, "rival", pressure=0.50, signal=0.5,
           carries_out=("force", "general"), ceiling=8,
           label="mobilises forces against"),
    Action("demobilize", "0873", 9.0, 0, 0.15, "rival", signal=-0.4,
           deescalates=True, label="pulls back forces facing"),
    Action("military_aid", "072", 8.3, 2, 0.2, "ally", signal=0.2,
           carries_out=("general",), label="sends military aid to"),
    Action("impose_sanctions", "163", -8.0, 6, 0.35, "rival", pressure=0.60,
           signal=0.6, carries_out=("sanctions", "general"),
           label="imposes sanctions on"),
    Action("lift_sanctions", "085", 7.0, 0, 0.2, "rival", signal=-0.3,
           deescalates=True, label="lifts sanctions on"),
    Action("cyber_attack", "176", -7.0, 7, 0.3, "rival", pressure=0.40, signal=0.4,
           label="launches a cyber attack on"),
    Action("halt_talks", "164", -7.0, 6, 0.15, "rival", pressure=0.15, signal=0.15,
           label="halts talks with"),
    Action("use_force", "190", -10.0, 9, 0.0, "rival", pressure=1.0, signal=2.0,
           carries_out=("force", "general"), requires_force=True,
           label="uses military force against"),
)
# fmt: on

ACTIONS: dict[str, Action] = {a.name: a for a in CATALOG}

#: families of acts, for timelines and weekly mixes; "negotiate" (a talk round held)
#: and "incident" are logged events that are not catalog actions
FAMILIES: dict[str, tuple[str, ...]] = {
    "talks and calls": ("leader_call", "propose_talks", "negotiate"),
    "concessions": ("offer_concession", "make_concession", "demobilize", "lift_sanctions"),
    "words against": ("criticize", "reject", "demand"),
    "warnings and threats": ("warn", "threaten_sanctions", "threaten_force"),
    "material pressure": ("mobilize", "impose_sanctions", "cyber_attack", "halt_talks",
                          "military_aid"),
    "force and incidents": ("use_force", "incident"),
}
FAMILY_OF: dict[str, str] = {a: f for f, acts in FAMILIES.items() for a in acts}
INDEX: dict[str, int] = {a.name: k for k, a in enumerate(CATALOG)}
NAMES: tuple[str, ...] = tuple(a.name for a in CATALOG)

#: Actions an actor of a kind may take when its scenario does not list them.
#: An alliance coordinates, warns, sanctions, deploys forces and aids; it does
#: not invade, threaten force or run cyber operations.
_FORCE_ONLY = {a.name for a in CATALOG if a.requires_force}
_STATE_ONLY = {"cyber_attack"}
# An organisation (the OSCE, the UN) talks, criticises and sanctions; it has no forces.
DEFAULT_ACTIONS: dict[str, tuple[str, ...]] = {
    "state": NAMES,
    "alliance": tuple(n for n in NAMES if n not in _FORCE_ONLY | _STATE_ONLY),
    "organisation": tuple(
        n for n in NAMES
        if n not in _FORCE_ONLY | _STATE_ONLY | {"military_aid", "mobilize", "demobilize"}
    ),
}


def default_actions(kind: str, can_use_force: bool) -> tuple[str, ...]:
    """Actions allowed by default for an actor of ``kind``."""
    base = DEFAULT_ACTIONS[kind]
    if can_use_force:
        return base
    return tuple(n for n in base if n not in _FORCE_ONLY)


class Table:
    """The catalog as numpy columns, for the vectorised daily choice."""

    def __init__(self, catalog: tuple[Action, ...] = CATALOG) -> None:
        self.names = tuple(a.name for a in catalog)
        self.goldstein = np.array([a.goldstein for a in catalog])
        self.rung = np.array([a.rung for a in catalog])
        self.top = np.array([a.top for a in catalog])
        self.cost = np.array([a.cost for a in catalog])
        self.pressure = np.array([a.pressure for a in catalog])
        self.signal = np.array([a.signal for a in catalog])
        self.public_threat = np.array([a.public_threat for a in catalog])
        self.deescalates = np.array([a.deescalates for a in catalog])
        self.concedes = np.array([a.concedes for a in catalog])
        self.to_rival = np.array([a.target == "rival" for a in catalog])
        self.to_ally = np.array([a.target == "ally" for a in catalog])
        self.untargeted = np.array([a.target == "none" for a in catalog])
        self.hostility = np.clip(-self.goldstein / 10.0, 0.0, 1.0)
        self.cooperation = np.clip(self.goldstein / 10.0, 0.0, 1.0)
        self.escalatory = self.rung > 0
        # conciliatory acts toward a rival: talks, offers, concessions, pull-backs
        self.conciliatory = self.to_rival & (self.goldstein > 0)
        self.carries = {
            kind: np.array([kind in a.carries_out for a in catalog])
            for kind in ("sanctions", "force", "general")
        }


TABLE = Table()
