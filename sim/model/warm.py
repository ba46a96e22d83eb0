"""Importing this module loads every compiled kernel (sim.model.kernel) into the process.

numba loads a cached kernel on its first call, which costs a few tenths of a
second per process. The ensemble engine preloads this module in its
forkserver, so that every worker forked from it starts with the kernels in
memory instead of loading them itself.
"""

from __future__ import annotations

from sim.model.crisis import CrisisModel
from sim.scenario import scenario_from_dict

_TINY = {
    "name": "warm-up", "start": "2030-01-01", "end": "2030-01-04",
    "issues": {"a": {"label": "A", "low": "x", "high": "y"},
               "b": {"label": "B", "low": "x", "high": "y"}},
    "actors": {
        "AAA": {"name": "A", "capability": 0.8, "resolve": 0.8, "rung": 2,
                "positions": {"a": 0, "b": 0}, "red_lines": ["a"]},
        "BBB": {"name": "B", "capability": 0.4, "resolve": 0.5, "rung": 2,
                "positions": {"a": 100, "b": 100}},
    },
    "talks": [{"date": "2030-01-02", "name": "t", "participants": ["AAA", "BBB"]}],
    "events": [{"date": "2030-01-02", "actor": "AAA", "action": "warn", "target": "BBB"}],
}


def warm() -> None:
    """Run a tiny crisis (three days, a scripted event, one round of talks) as the model
    runs alone, and once with an actor replaying the record: every compiled entry the
    bundled scenarios and ``brink validate`` use gets called."""
    tiny = scenario_from_dict(_TINY)
    CrisisModel(tiny, seed=0).run()
    CrisisModel(tiny, seed=0, history={"BBB": [(tiny.start, "warn", "AAA", "warm-up")]}).run()


warm()
