"""Results of a run as DataFrames, and writing them to disk.

``run`` is the one-call API::

    result = run("scenarios/winter-2021-22.yaml", seed=1)
    result.events       # one row per act, talk round, incident, credibility change
    result.timeseries   # one row per day: rungs, credibility, positions, beliefs, tension
    result.talks        # one row per scheduled talk round and its result
    result.summary      # outcome, date, provenance

``write_outputs`` writes them (and the plots) atomically: each file goes to a
temporary name first and is renamed into place, so an interrupted run never
leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim._version import __version__
from sim.model.crisis import ACT_KINDS, CrisisModel
from sim.scenario import Scenario
from sim.scenario.loader import origin_of

EVENT_COLUMNS = ["date", "kind", "actor", "target", "action", "cameo", "goldstein", "rung",
                 "reason"]


@dataclass
class Result:
    """Everything a run produced, as plain data."""

    events: pd.DataFrame
    timeseries: pd.DataFrame
    talks: pd.DataFrame
    summary: dict[str, Any]
    actors: list[str]
    issues: dict[str, str]  # id -> label

    @property
    def outcome(self) -> str:
        """'war', 'settlement' or 'standoff'."""
        return str(self.summary["outcome"])


def run(scenario: Scenario | str | Path, seed: int | None = None,
        overrides: dict[str, Any] | None = None,
        history: dict[str, Any] | None = None) -> Result:
    """Run a scenario to its end and return the results.

    ``history`` maps actor ids to recorded acts that they replay instead of
    choosing (``sim.history.replay_plan``).
    """
    model = CrisisModel(scenario, seed=seed, overrides=overrides, history=history)
    model.run()
    return collect(model)


def collect(model: CrisisModel) -> Result:
    """The results of a model that has run (or is running) as DataFrames."""
    return Result(_events(model), _timeseries(model), _talks(model), summarize(model),
                  list(model.actor_ids),
                  {k: model.crisis.issues[k].label for k in model.issue_ids})


def _events(m: CrisisModel) -> pd.DataFrame:
    ids = m.actor_ids
    rows = [(m.date_of(day), kind, ids[i], "" if j is None else ids[j], action, cameo,
             goldstein, rung, reason)
            for day, kind, i, j, action, cameo, goldstein, rung, reason in m.events]
    df = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    df["date"] = pd.to_datetime(df["date"])
    return df


def _timeseries(m: CrisisModel) -> pd.DataFrame:
    d, rec, ids = m.days_run, m.record, m.actor_ids
    cols: dict[str, Any] = {"date": pd.date_range(m.start, periods=d, freq="D"),
                            "tension": rec["tension"][:d],
                            "escalation": rec["rung"][:d].max(axis=1) / 9.0}
    for i, a in enumerate(ids):
        cols[f"rung.{a}"] = rec["rung"][:d, i]
        cols[f"credibility.{a}"] = rec["credibility"][:d, i]
        cols[f"exposure.{a}"] = rec["exposure"][:d, i]
        for k, issue in enumerate(m.issue_ids):
            cols[f"position.{a}.{issue}"] = rec["positions"][:d, i, k]
        for j, b in enumerate(ids):
            if i != j:
                cols[f"belief.{a}.{b}"] = rec["belief"][:d, i, j]
    return pd.DataFrame(cols)


def _talks(m: CrisisModel) -> pd.DataFrame:
    cols = ["date", "name", "venue", "participants", "agenda", "status", "agreed", "offers",
            "note"]
    rows = sorted(m.talk_log, key=lambda r: (r["day"], r["name"]))
    df = pd.DataFrame([{**r, "date": m.date_of(r["day"])} for r in rows], columns=["day", *cols])
    df = df.drop(columns="day")
    df["date"] = pd.to_datetime(df["date"])
    return df


def summarize(m: CrisisModel) -> dict[str, Any]:
    """The run's outcome and provenance (what summary.json holds)."""
    origin = origin_of(m.crisis)
    out = m.outcome
    counts: dict[str, int] = {}
    for e in m.events:
        if e[1] in ACT_KINDS:
            counts[e[4]] = counts.get(e[4], 0) + 1
    return {
        "scenario": m.crisis.name,
        "scenario_file": origin.path,
        "scenario_files": list(origin.files),
        "scenario_file_sha256": origin.file_sha256,
        "scenario_sha256": origin.scenario_sha256,
        "seed": m.seed,
        "overrides": list(origin.overrides),
        "history": [m.actor_ids[i] for i in sorted(m.replay)],
        "version": __version__,
        "start": m.start.isoformat(),
        "end": m.end.isoformat(),
        "days_simulated": m.days_run,
        "outcome": out.kind if out else "",
        "outcome_date": out.date.isoformat() if out else "",
        "outcome_detail": out.detail if out else "",
        "final_rungs": {a: int(r) for a, r in zip(m.actor_ids, m.rung)},
        "final_credibility": {a: round(float(c), 6) for a, c in zip(m.actor_ids, m.credibility)},
        "final_positions": {a: {k: round(float(v), 6) for k, v in zip(m.issue_ids, row)}
                            for a, row in zip(m.actor_ids, m.positions)},
        "agreements": {m.issue_ids[k]: round(v, 6) for k, v in sorted(m.commitments.items())},
        "action_counts": dict(sorted(counts.items())),
    }


# --------------------------------------------------------------------------- writing


def write_outputs(result: Result, out_dir: str | os.PathLike[str],
                  plots: bool = True) -> list[Path]:
    """Write the CSVs, summary.json and (optionally) the plots into ``out_dir``.

    Everything is rendered in memory first; then each file is written to a
    temporary name and renamed into place. Returns the paths written.
    """
    from sim import plots as plotting  # matplotlib only when plots are wanted

    files: dict[str, bytes] = {
        "events.csv": _csv(result.events),
        "timeseries.csv": _csv(result.timeseries),
        "talks.csv": _csv(result.talks),
        "summary.json": (json.dumps(result.summary, indent=2, sort_keys=True) + "\n").encode(),
    }
    if plots:
        files.update(plotting.render_all(result))
    return write_atomically(Path(out_dir), files.items())


#: the names of write_atomically's temporary files (mkstemp's: ".NAME.xxxxxxxx.tmp")
TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_temporaries(out_dir: Path) -> None:
    """Remove what write_atomically left behind in ``out_dir`` when it was killed mid-write."""
    for path in out_dir.glob(".*.tmp"):
        if TEMPORARY.fullmatch(path.name):
            path.unlink(missing_ok=True)


def write_atomically(out_dir: Path, files: Iterable[tuple[str, bytes]]) -> list[Path]:
    """Write each (name, bytes) under ``out_dir`` via a temporary file and a rename."""
    out_dir.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_umask()  # what a plain open() would give, not mkstemp's 0600
    written = []
    for name, data in files:
        target = out_dir / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _csv(df: pd.DataFrame) -> bytes:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode()


def account(result: Result, width: int = 8) -> str:
    """A short account of the run in words, for the terminal."""
    s = result.summary
    lines = [f"{s['scenario']} (seed {s['seed']}): {s['outcome'].upper()} on {s['outcome_date']}"
             f" - {s['outcome_detail']}"]
    if s.get("history"):
        lines.append(f"Replaying the record of 2021/22: {', '.join(s['history'])}")
    talks = result.talks
    if len(talks):
        lines.append("Talks:")
        for r in talks.itertuples():
            extra = f" - {r.note}" if r.note and r.status not in ("not held",) else ""
            lines.append(f"  {r.date:%d %b %Y}  {r.name}: {r.status}{extra}")
    ev = result.events
    acts = ev[ev["kind"].isin([*ACT_KINDS, "incident"])]
    key = acts[acts["action"].isin(_NOTABLE)]
    if len(key):
        lines.append("Key moves:")
        for r in key.head(width).itertuples():
            lines.append(f"  {r.date:%d %b %Y}  {describe(r)}")
        if len(key) > width:
            lines.append(f"  ... and {len(key) - width} more in events.csv")
    rungs = ", ".join(f"{a} {r}" for a, r in s["final_rungs"].items())
    lines.append(f"Final postures (rung 0-9): {rungs}")
    return "\n".join(lines)


_NOTABLE = {"threaten_sanctions", "threaten_force", "mobilize", "impose_sanctions",
            "cyber_attack", "halt_talks", "use_force", "make_concession", "demobilize",
            "incident", "lift_sanctions"}


def describe(row: Any) -> str:
    """One row of events.csv in plain words, e.g. 'RUS mobilises forces against UKR'."""
    return describe_act(row.actor, row.action, row.target)


def describe_act(actor: str, action: str, target: str | None) -> str:
    """An act (or an incident) in plain words, e.g. 'RUS mobilises forces against UKR'."""
    from sim.model.actions import ACTIONS

    if action == "incident":
        return f"incident between the forces of {actor} and {target}"
    act = ACTIONS.get(action)
    verb = act.label if act else action.replace("_", " ")
    return f"{actor} {verb}" + (f" {target}" if target else "")


def day_label(d: dt.date) -> str:
    """'12 Jan'."""
    return f"{d.day} {d:%b}"


def unwritable(out: Path) -> str:
    """Why the output folder ``out`` cannot be written ('' if it can), for --out checks."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"--out {out}: {probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"--out {out}: {probe} is not writable"
    return ""
