"""Pattern-oriented validation of the flagship scenario (Grimm et al. 2005).

Each pattern is a qualitative regularity of the real winter crisis of 2021/22
that the flagship should show in most runs *without being forced*. A pattern
is a function of one finished run returning True or False; ``check_patterns``
reports, over a seeded ensemble, the share of runs that show each one.
docs/validation.md gives the measured shares, including the patterns that fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ensemble import spawn_seeds, wilson
from sim.model.crisis import ACT_KINDS, CrisisModel
from sim.scenario import Scenario, load_scenario

WEST = ("USA", "NATO")
JANUARY_TALKS = (dt.date(2022, 1, 10), dt.date(2022, 1, 12), dt.date(2022, 1, 13))


@dataclass(frozen=True)
class Pattern:
    """A qualitative pattern of the real crisis, and the share of runs it must reach."""

    name: str
    description: str
    test: Callable[[CrisisModel], bool]
    threshold: float = 0.5


def _acts(m: CrisisModel, actors: tuple[str, ...], actions: tuple[str, ...]) -> list[int]:
    ids = {m.actor_ids.index(a) for a in actors if a in m.actor_ids}
    kinds = [k for k in ACT_KINDS if k != "history"]  # the record's own acts are not the model's
    return [e[0] for e in m.events if e[1] in kinds and e[2] in ids and e[4] in actions]


def no_comprehensive_deal_in_january(m: CrisisModel) -> bool:
    """No round of 10-13 January 2022 agrees on its whole agenda."""
    return not any(m.date_of(r["day"]) in JANUARY_TALKS and r["status"] == "agreement"
                   for r in m.talk_log)


def threats_long_before_sanctions(m: CrisisModel) -> bool:
    """The West warns or threatens sanctions at least two weeks before imposing any."""
    threats = _acts(m, WEST, ("warn", "threaten_sanctions"))
    imposed = _acts(m, WEST, ("impose_sanctions",))
    if not threats:
        return False
    return not imposed or min(imposed) - min(threats) >= 14


def russian_posture_stays_high(m: CrisisModel) -> bool:
    """Russia stays mobilised (rung 5 or more) from 1 January until 23 February (or war)."""
    i = m.actor_ids.index("RUS")
    lo = (dt.date(2022, 1, 1) - m.start).days
    hi = min((dt.date(2022, 2, 23) - m.start).days + 1, m.days_run)
    return bool((m.record["rung"][lo:hi, i] >= 5).all()) if hi > lo else True


def west_moves_on_arms_control_not_enlargement(m: CrisisModel) -> bool:
    """The US or NATO moves toward Russia on missiles or exercises, neither on enlargement."""
    issues = m.issue_ids
    start = {a: m.crisis.actors[a].positions for a in WEST}
    moved_arms = any(start[a][k] - m.positions[m.actor_ids.index(a), issues.index(k)] >= 5
                     for a in WEST for k in ("missiles", "exercises"))
    kept_door = all(abs(start[a]["nato_enlargement"]
                        - m.positions[m.actor_ids.index(a), issues.index("nato_enlargement")]) < 1
                    for a in WEST)
    return moved_arms and kept_door


def war_not_before_the_january_talks(m: CrisisModel) -> bool:
    """If war comes, it comes after the January talks (as it did, on 24 February)."""
    assert m.outcome is not None
    return m.outcome.kind != "war" or m.outcome.date > JANUARY_TALKS[-1]


PATTERNS = (
    Pattern("no_deal_in_january", "No comprehensive agreement at the 10-13 January talks",
            no_comprehensive_deal_in_january),
    Pattern("threats_before_sanctions", "Warnings and sanctions threats long (14+ days) "
            "before any Western sanctions are imposed", threats_long_before_sanctions),
    Pattern("russia_stays_mobilised", "Russian posture at rung 5+ through January and "
            "February", russian_posture_stays_high),
    Pattern("arms_control_not_enlargement", "The West moves on arms control or transparency, "
            "not on enlargement", west_moves_on_arms_control_not_enlargement),
    Pattern("war_after_january", "War, if it comes, after the January talks",
            war_not_before_the_january_talks),
)


def check_patterns(scenario: Scenario | str | Path, runs: int = 100, seed: int = 0
                   ) -> pd.DataFrame:
    """Share of seeded runs showing each pattern, with a 95% Wilson interval."""
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    shown = np.zeros((len(PATTERNS), runs), bool)
    for r, s in enumerate(spawn_seeds(seed, runs)):
        m = CrisisModel(spec, seed=s)
        m.run()
        shown[:, r] = [p.test(m) for p in PATTERNS]
    rows = []
    for p, hits in zip(PATTERNS, shown):
        k = int(hits.sum())
        lo, hi = wilson(k, runs)
        rows.append({"pattern": p.name, "description": p.description, "share": k / runs,
                     "low": lo, "high": hi, "threshold": p.threshold,
                     "holds": k / runs > p.threshold})
    return pd.DataFrame(rows)
