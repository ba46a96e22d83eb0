"""Many runs: ensembles, and the engine that sweeps and sensitivity analyses share.

The work is a list of *cells* (a scenario with its overrides) times a list of
run seeds, cut into *chunks* of runs. A chunk is the unit of work sent to a
worker and of what is saved: when a chunk completes, its rows go to a part
file and its counts are added to the cell's checkpoint (each written to a
temporary name, then renamed), so an interrupted command resumes
(``resume=True``) without redoing or losing a chunk, and memory stays flat
however many runs there are.

Per-run rows depend only on the scenario and the run's seed: the seeds are
spawned from the base seed with numpy's ``SeedSequence``, and rows are written
in chunk order, so the files are the same whether the chunks ran serially, on
local worker processes, or on a Dask cluster.

Daily series are aggregated as exact integer histograms (rungs 0-9; positions
and tension in 101 bins), summed across chunks in any order; quantiles are
read off the summed histograms. A run that has ended keeps its final state
(last observation carried forward), so a war stays at rung 9.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import math
import multiprocessing as mp
import os
import select
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim._version import __version__
from sim.model.actions import FAMILIES, FAMILY_OF, NAMES
from sim.model.crisis import ACT_KINDS, CrisisModel
from sim.results import remove_temporaries, write_atomically
from sim.scenario import Scenario, load_scenario, origin_of
from sim.scenario.loader import scenario_from_dict, with_overrides

OUTCOMES = ("war", "settlement", "standoff")
FAMILY_INDEX = {f: k for k, f in enumerate(FAMILIES)}
BINS = 101  # positions 0..100 and tension 0..1 in hundredths
GOLDSTEIN_SPAN = 60  # weekly Goldstein sums per dyad binned as integers in [-60, 60]
WORK = ".brink-work"
Z95 = 1.959963984540054


class EnsembleError(Exception):
    """A request that cannot be carried out (bad settings, folder in use...)."""


# --------------------------------------------------------------------------- seeds and stats


def spawn_seeds(seed: int, runs: int) -> list[int]:
    """Independent 64-bit run seeds spawned from ``seed`` (numpy SeedSequence)."""
    children = np.random.SeedSequence(seed).spawn(runs)
    return [int(c.generate_state(1, np.uint64)[0]) for c in children]


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def outcome_shares(counts: dict[str, int]) -> dict[str, dict[str, float]]:
    """{outcome: {share, low, high, runs}} with 95% Wilson intervals."""
    n = sum(counts.values())
    out = {}
    for o in OUTCOMES:
        k = counts.get(o, 0)
        lo, hi = wilson(k, n)
        out[o] = {"share": round(k / n, 6) if n else 0.0, "low": round(lo, 6),
                  "high": round(hi, 6), "runs": k}
    return out


# --------------------------------------------------------------------------- one chunk


@dataclass(frozen=True)
class Chunk:
    """A unit of work: some runs of one cell."""

    cell: int
    index: int
    first_run: int
    seeds: tuple[int, ...]
    scenario: str  # the cell's scenario as JSON, keys in file order (actor order matters)
    daily: bool  # collect daily histograms (ensembles) or not (sweeps)


_CACHE: dict[str, Scenario] = {}


def _scenario(text: str) -> Scenario:
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _CACHE:
        _CACHE.clear()  # one cell at a time per worker is the common case
        _CACHE[key] = scenario_from_dict(json.loads(text))
    return _CACHE[key]


def run_chunk(chunk: Chunk) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Run a chunk; return its per-run rows and its summed counts."""
    scenario = _scenario(chunk.scenario)
    counts: dict[str, np.ndarray] = {}
    rows = []
    for offset, seed in enumerate(chunk.seeds):
        model = CrisisModel(scenario, seed=seed)
        model.collect_daily = False
        model.run()
        rows.append(run_row(model, chunk.first_run + offset))
        add_run_counts(counts, model, chunk.daily)
    return rows, counts


def run_row(m: CrisisModel, run: int) -> dict[str, Any]:
    """One run as one row of runs.csv."""
    assert m.outcome is not None
    rec = m.record["rung"][: m.days_run]
    row: dict[str, Any] = {"run": run, "seed": m.seed, "outcome": m.outcome.kind,
                           "outcome_date": m.outcome.date.isoformat(), "days": m.days_run}
    for i, a in enumerate(m.actor_ids):
        row[f"peak_rung.{a}"] = int(rec[:, i].max())
    for i, a in enumerate(m.actor_ids):
        row[f"final_rung.{a}"] = int(m.rung[i])
    for i, a in enumerate(m.actor_ids):
        for k, issue in enumerate(m.issue_ids):
            row[f"final_position.{a}.{issue}"] = round(float(m.positions[i, k]), 4)
    acts = np.zeros(len(NAMES), int)
    index = {n: k for k, n in enumerate(NAMES)}
    incidents = 0
    for e in m.events_unexplained():
        if e[1] in ACT_KINDS and e[4] in index:  # not an instructor's report
            acts[index[e[4]]] += 1
        elif e[1] == "incident":
            incidents += 1
    for name, c in zip(NAMES[1:], acts[1:]):
        row[f"count.{name}"] = int(c)
    row["count.incidents"] = incidents
    return row


def add_run_counts(total: dict[str, np.ndarray], m: CrisisModel, daily: bool) -> None:
    """Add one run's integer counts to ``total`` (histograms summed over runs), in place.

    Each histogram gets exactly one count per cell (a day and actor, a day,
    actor and issue, ...), so a run adds 1 at a set of distinct flat indices
    instead of allocating a whole histogram of its own.
    """
    days, n, k = m.days, m.n, m.k
    assert m.outcome is not None
    if not total:
        total["outcome"] = np.zeros(len(OUTCOMES), np.int64)
        total["war_day"] = np.zeros(days, np.int64)
        if daily:
            weeks = -(-days // 7)
            total["rung"] = np.zeros((days, n, 10), np.int64)
            total["positions"] = np.zeros((days, n, k, BINS), np.int64)
            total["tension"] = np.zeros((days, BINS), np.int64)
            total["escalation"] = np.zeros((days, 10), np.int64)
            total["goldstein"] = np.zeros((weeks, n, n, 2 * GOLDSTEIN_SPAN + 1), np.int64)
            total["mix"] = np.zeros((weeks, len(FAMILIES)), np.int64)
    total["outcome"][OUTCOMES.index(m.outcome.kind)] += 1
    if m.outcome.kind == "war":
        total["war_day"][m.days_run - 1] += 1
    if not daily:
        return
    d = m.days_run
    pad = days - d  # last observation carried forward

    def locf(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[:d], np.repeat(a[d - 1:d], pad, axis=0)]) if pad else a[:d]

    rung = locf(m.record["rung"])  # (days, n)
    day = np.arange(days)[:, None]
    # distinct flat indices: fancy-index += adds exactly one to each
    total["rung"].reshape(-1)[((day * n + np.arange(n)) * 10 + rung).ravel()] += 1
    pos = np.rint(locf(m.record["positions"])).astype(np.int64)  # (days, n, k)
    cell = (day[:, :, None] * n + np.arange(n)[None, :, None]) * k + np.arange(k)
    total["positions"].reshape(-1)[cell.ravel() * BINS + pos.ravel()] += 1
    ten = np.rint(locf(m.record["tension"]) * 100).astype(np.int64)
    total["tension"].reshape(-1)[np.arange(days) * BINS + ten] += 1
    esc = rung.max(axis=1)
    total["escalation"].reshape(-1)[np.arange(days) * 10 + esc] += 1
    weekly = np.clip(np.rint(weekly_goldstein(m)), -GOLDSTEIN_SPAN, GOLDSTEIN_SPAN).astype(int)
    weeks = weekly.shape[0]
    cell = (np.arange(weeks)[:, None, None] * n + np.arange(n)[None, :, None]) * n \
        + np.arange(n)[None, None, :]
    width = 2 * GOLDSTEIN_SPAN + 1
    total["goldstein"].reshape(-1)[(cell * width + weekly + GOLDSTEIN_SPAN).ravel()] += 1
    total["mix"] += weekly_mix(m)


def weekly_mix(m: CrisisModel) -> np.ndarray:
    """Count of acts per week and family (``FAMILIES`` order): (weeks, families)."""
    out = np.zeros((-(-m.days // 7), len(FAMILIES)), np.int64)
    for day, kind, _, _, action, *_ in m.events_unexplained():
        family = FAMILY_OF.get(action)
        if family is not None and kind != "credibility":
            out[day // 7, FAMILY_INDEX[family]] += 1
    return out


def weekly_goldstein(m: CrisisModel) -> np.ndarray:
    """Sum of Goldstein values per directed dyad per week from the start date: (weeks, n, n).

    Weeks after the run ended count as quiet (zero): nothing more happened.
    """
    weeks = -(-m.days // 7)
    out = np.zeros((weeks, m.n, m.n))
    for day, _, i, j, _, _, g, _, _ in m.events_unexplained():
        if j is not None and j != i and g == g:  # g == g: not NaN
            out[day // 7, i, j] += g
    return out


def _add(total: dict[str, np.ndarray], more: dict[str, np.ndarray]) -> None:
    for key, value in more.items():
        if key in total:
            total[key] += value
        else:
            total[key] = value.astype(np.int64)


# --------------------------------------------------------------------------- the engine


@dataclass
class Cell:
    """One setting of the scenario (an ensemble has one; a sweep has many)."""

    scenario: Scenario
    values: dict[str, Any] = field(default_factory=dict)  # swept parameter -> value


@dataclass
class Plan:
    """What a command will compute: written to the work folder to check --resume."""

    kind: str
    cells: list[Cell]
    runs: int
    seed: int
    chunk: int
    daily: bool

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, "runs": self.runs, "seed": self.seed, "chunk": self.chunk,
                "daily": self.daily, "version": __version__,
                "cells": [origin_of(c.scenario).scenario_sha256 for c in self.cells]}


def default_chunk(runs: int, workers: int) -> int:
    """Runs per chunk: enough to amortise sending work, small enough to balance load."""
    return max(1, min(200, math.ceil(runs / max(4 * workers, 1))))


def execute(plan: Plan, out: Path, workers: int = 1, scheduler: str | None = None,
            resume: bool = False, progress: bool | None = None,
            on_chunk: Callable[[int], None] | None = None) -> list[Path]:
    """Run every chunk of ``plan`` not yet done; keep parts and checkpoints in ``out``.

    Returns the part files (runs.csv pieces) in order.
    """
    work = out / WORK
    _prepare(work, plan, resume)
    seeds = spawn_seeds(plan.seed, plan.runs)
    chunks = [Chunk(c, k, start, tuple(seeds[start:start + plan.chunk]),
                    json.dumps(cell.scenario.model_dump(mode="json")), plan.daily)
              for c, cell in enumerate(plan.cells)
              for k, start in enumerate(range(0, plan.runs, plan.chunk))]
    # each cell's running totals and completed chunks, read once (resume) and kept here
    totals = [load_counts(work, c) for c in range(len(plan.cells))]
    done = [_done_of(work, c) for c in range(len(plan.cells))]
    todo = [ch for ch in chunks if ch.index not in done[ch.cell]]
    bar = _progress(plan.runs * len(plan.cells), sum(len(ch.seeds) for ch in chunks) -
                    sum(len(ch.seeds) for ch in todo), progress)
    try:
        with _executor(workers, scheduler) as pool:
            for ch, (rows, counts) in _guarded(_completed(pool, todo, workers)):
                _add(totals[ch.cell], counts)
                done[ch.cell].add(ch.index)
                _save_chunk(work, ch, rows, totals[ch.cell], done[ch.cell])
                bar.update(len(ch.seeds))
                if on_chunk is not None:
                    on_chunk(ch.index)
    finally:
        bar.close()
    return [_part(work, ch) for ch in chunks]


def _guarded(results: Iterator[Any]) -> Iterator[Any]:
    """Explain why local workers stop: killed, out of memory, or a script without a main guard."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield from results
    except BrokenProcessPool:
        raise EnsembleError(
            "a worker process stopped (killed, or out of memory; in a script, put the call "
            "under 'if __name__ == \"__main__\":', as workers import the script); the runs "
            "saved in --out are kept: rerun with --resume to complete them"
        ) from None


def _completed(pool: Executor | None, todo: list[Chunk], workers: int
               ) -> Iterator[tuple[Chunk, tuple[list[dict[str, Any]], dict[str, np.ndarray]]]]:
    """Results as chunks complete, keeping at most 2 x workers chunks in flight."""
    if pool is None:
        for ch in todo:
            yield ch, run_chunk(ch)
        return
    pending: dict[Future[Any], Chunk] = {}
    queue = list(reversed(todo))
    try:
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                ch = queue.pop()
                pending[pool.submit(run_chunk, ch)] = ch
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: (pending[f].cell, pending[f].index)):
                ch = pending.pop(fut)
                yield ch, fut.result()
    finally:
        for fut in pending:
            fut.cancel()


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[Executor | None]:
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise EnsembleError("--scheduler needs dask[distributed] installed") from None
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as err:
            raise EnsembleError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if workers <= 1:
        yield None
        return
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.ensemble", "sim.model.warm"])  # workers start warm
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_end_with,
                               initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown()


def _end_with(command: int) -> None:
    """In each local worker: exit as soon as the command's process has ended, even if killed.

    Otherwise a worker of a killed command waits for work for ever, and keeps the
    forkserver and the resource tracker alive with it.
    """
    def watch() -> None:
        try:
            select.select([os.pidfd_open(command)], [], [])  # Linux: readable once it ends
        except (AttributeError, OSError):  # elsewhere, or ended already: look once a second
            with contextlib.suppress(ProcessLookupError):
                while True:
                    os.kill(command, 0)
                    time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="brink-end-with-command", daemon=True).start()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool | None) -> Any:
    if enabled is False:
        return _NoBar()
    from tqdm import tqdm

    # None: shown only on a terminal
    return tqdm(total=total, initial=initial, unit="run", disable=None if enabled is None else
                not enabled, smoothing=0.1, dynamic_ncols=True)


# --------------------------------------------------------------------------- the work folder


def _prepare(work: Path, plan: Plan, resume: bool) -> None:
    config = work / "plan.json"
    fingerprint = plan.fingerprint()
    if work.exists() and not config.exists():
        shutil.rmtree(work)  # a command killed before saving its plan saved no chunk either
    if work.exists():
        if not resume:
            raise EnsembleError(f"{work.parent} holds unfinished work: add --resume to finish "
                                "it, or choose another --out")
        try:
            before = json.loads(config.read_text())
        except (OSError, ValueError):
            before = None
        if before != fingerprint:
            raise EnsembleError(f"--resume: {work.parent} was started with other settings "
                                "(scenario, runs, seed or parameters); use another --out")
        return
    work.mkdir(parents=True)
    write_atomically(work, [("plan.json", json.dumps(fingerprint, sort_keys=True).encode())])


def _checkpoint(work: Path, cell: int) -> Path:
    return work / f"cell-{cell:05d}.npz"


def _part(work: Path, ch: Chunk) -> Path:
    return work / f"cell-{ch.cell:05d}-chunk-{ch.index:06d}.csv"


def _done_of(work: Path, cell: int) -> set[int]:
    path = _checkpoint(work, cell)
    if not path.exists():
        return set()
    with np.load(path) as data:
        return set(data["done"].tolist())


def load_counts(work: Path, cell: int) -> dict[str, np.ndarray]:
    """The summed counts of a cell's completed chunks."""
    path = _checkpoint(work, cell)
    if not path.exists():
        return {}
    with np.load(path) as data:
        return {k: data[k] for k in data.files if k != "done"}


def _save_chunk(work: Path, ch: Chunk, rows: list[dict[str, Any]],
                total: dict[str, np.ndarray], done: set[int]) -> None:
    """Rows first, then the checkpoint (the cell's totals and done chunks), each atomic."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "cell", ch.cell)
    files = [(_part(work, ch).name, frame.to_csv(index=False, header=False,
                                                 lineterminator="\n").encode())]
    if not (work / "header.csv").exists():
        files.append(("header.csv", (",".join(frame.columns) + "\n").encode()))
    write_atomically(work, files)
    buf = io.BytesIO()
    # uncompressed: a 3.5 MB checkpoint takes ~15 ms to compress, which the parent would
    # pay for every chunk while the workers wait
    np.savez(buf, done=np.array(sorted(done), np.int64), **total)
    write_atomically(work, [(_checkpoint(work, ch.cell).name, buf.getvalue())])


def assemble_runs(work: Path, parts: Sequence[Path], target: Path) -> None:
    """Concatenate the part files, in order, into ``target`` (streamed, atomic)."""
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as out:
        out.write((work / "header.csv").read_bytes())
        for part in parts:
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, out)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Refuse a second command writing to the same folder at the same time."""
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / ".lock", "w")  # noqa: SIM115
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EnsembleError(f"another brink command is writing to {out}") from None
        yield
    finally:
        fh.close()


def finish(out: Path) -> None:
    """Remove the work folder once the final files are in place.

    It is renamed first (atomic): a command killed while removing it leaves finished
    results, never a half-removed work folder that --resume would refuse. Leftovers of a
    command killed earlier go too: its renamed work folder, and the temporary files of
    final files it was writing.
    """
    trash = out / f"{WORK}.old"
    shutil.rmtree(trash, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        os.replace(out / WORK, trash)
    shutil.rmtree(trash, ignore_errors=True)
    remove_temporaries(out)
    with contextlib.suppress(FileNotFoundError):
        (out / ".lock").unlink()


# --------------------------------------------------------------------------- ensembles


def quantile_table(counts: dict[str, np.ndarray], m: CrisisModel) -> pd.DataFrame:
    """Daily quantiles (5, 25, 50, 75, 95%) and means of the main series."""
    dates = pd.date_range(m.start, periods=m.days, freq="D")
    frames = []

    def add(name: str, hist: np.ndarray, scale: float) -> None:
        q = _hist_quantiles(hist, (0.05, 0.25, 0.5, 0.75, 0.95)) * scale
        values = np.arange(hist.shape[-1]) * scale
        mean = (hist * values).sum(axis=-1) / np.maximum(hist.sum(axis=-1), 1)
        frames.append(pd.DataFrame({"date": dates, "series": name, "q05": q[:, 0],
                                    "q25": q[:, 1], "q50": q[:, 2], "q75": q[:, 3],
                                    "q95": q[:, 4], "mean": mean}))

    add("escalation", counts["escalation"], 1.0)
    add("tension", counts["tension"], 0.01)
    for i, a in enumerate(m.actor_ids):
        add(f"rung.{a}", counts["rung"][:, i], 1.0)
    for i, a in enumerate(m.actor_ids):
        for k, issue in enumerate(m.issue_ids):
            add(f"position.{a}.{issue}", counts["positions"][:, i, k], 1.0)
    return pd.concat(frames, ignore_index=True)


def goldstein_table(hist: np.ndarray, m: CrisisModel) -> pd.DataFrame:
    """Per week and directed dyad: quantiles (5, 50, 95%) and mean of the weekly Goldstein sum."""
    weeks, n = hist.shape[0], hist.shape[1]
    flat = hist.reshape(weeks * n * n, -1)
    q = _hist_quantiles(flat, (0.05, 0.5, 0.95)) - GOLDSTEIN_SPAN
    values = np.arange(flat.shape[1]) - GOLDSTEIN_SPAN
    mean = (flat * values).sum(axis=1) / np.maximum(flat.sum(axis=1), 1)
    w, i, j = np.unravel_index(np.arange(weeks * n * n), (weeks, n, n))
    table = pd.DataFrame({
        "week_start": [(m.start + dt.timedelta(days=7 * int(x))).isoformat() for x in w],
        "actor": [m.actor_ids[x] for x in i], "target": [m.actor_ids[x] for x in j],
        "q05": q[:, 0], "q50": q[:, 1], "q95": q[:, 2], "mean": mean})
    return table[table["actor"] != table["target"]].reset_index(drop=True)


def _hist_quantiles(hist: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Lower quantiles of integer-binned data: (days, bins) -> (days, len(qs))."""
    cum = hist.cumsum(axis=-1)
    total = cum[:, -1:]
    return np.stack([(cum < q * total).sum(axis=-1) for q in qs], axis=-1).astype(float)


def run_ensemble(scenario: Scenario | str | Path, runs: int = 100, seed: int = 0,
                 overrides: dict[str, Any] | Sequence[str] | None = None, workers: int = 1,
                 scheduler: str | None = None, out: str | Path | None = None,
                 resume: bool = False, plots: bool = True, progress: bool | None = False,
                 chunk: int | None = None) -> pd.DataFrame:
    """Run ``runs`` seeded runs of a scenario; return one row per run.

    The DataFrame's ``attrs`` carry the aggregates: ``summary`` (outcome shares
    with 95% Wilson intervals and provenance), ``quantiles`` (daily quantiles
    of the main series) and ``war_by_date`` (cumulative probability of war).
    With ``out``, everything is also written there (runs.csv, summary.json,
    quantiles.csv, war_by_date.csv and the plots), resumable with ``resume``.
    """
    if runs < 1:
        raise EnsembleError("--runs must be at least 1")
    if workers < 1:
        raise EnsembleError("--workers must be at least 1")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    cell = Cell(with_overrides(base, overrides) if overrides else base)
    plan = Plan("ensemble", [cell], runs, seed, chunk or default_chunk(runs, workers), True)
    return run_plan(plan, out, workers, scheduler, resume, plots, progress, _ensemble_outputs)


def run_plan(plan: Plan, out: str | Path | None, workers: int, scheduler: str | None,
              resume: bool, plots: bool, progress: bool | None,
              outputs: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    import tempfile

    if out is None:
        with tempfile.TemporaryDirectory(prefix="brink-") as tmp:
            folder = Path(tmp)
            parts = execute(plan, folder, workers, scheduler, False, progress)
            return outputs(plan, folder, parts, write=False, plots=False)
    folder = Path(out)
    with locked(folder):
        parts = execute(plan, folder, workers, scheduler, resume, progress)
        frame = outputs(plan, folder, parts, write=True, plots=plots)
        finish(folder)  # still locked: a second command must not start on a folder going away
    return frame


def _ensemble_outputs(plan: Plan, folder: Path, parts: list[Path], write: bool,
                      plots: bool) -> pd.DataFrame:
    work = folder / WORK
    assemble_runs(work, parts, work / "runs.csv")
    frame = pd.read_csv(work / "runs.csv").drop(columns="cell")
    counts = load_counts(work, 0)
    scenario = plan.cells[0].scenario
    probe = CrisisModel(scenario, seed=0)  # dates, ids and talk calendar
    quantiles = quantile_table(counts, probe)
    dates = pd.date_range(probe.start, periods=probe.days, freq="D")
    war = pd.Series(np.cumsum(counts["war_day"]) / plan.runs, index=dates, name="p_war")
    summary = ensemble_summary(plan, counts, scenario)
    weekly = goldstein_table(counts["goldstein"], probe)
    mix = pd.DataFrame(counts["mix"] / plan.runs, columns=list(FAMILIES))
    mix.insert(0, "week_start", [(probe.start + dt.timedelta(days=7 * w)).isoformat()
                                 for w in range(len(mix))])
    frame.attrs.update(summary=summary, quantiles=quantiles, war_by_date=war,
                       goldstein_weekly=weekly, mix_weekly=mix,
                       talks=_talk_calendar(scenario), actors=list(probe.actor_ids),
                       issues={k: scenario.issues[k].label for k in probe.issue_ids})
    if write:
        files: list[tuple[str, bytes]] = [
            ("summary.json", (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode()),
            ("quantiles.csv", quantiles.to_csv(index=False, float_format="%.6g",
                                               lineterminator="\n").encode()),
            ("war_by_date.csv", war.rename_axis("date").reset_index().to_csv(
                index=False, float_format="%.6g", date_format="%Y-%m-%d",
                lineterminator="\n").encode()),
            ("goldstein_weekly.csv", weekly.to_csv(index=False, float_format="%.6g",
                                                   lineterminator="\n").encode()),
            ("mix_weekly.csv", mix.to_csv(index=False, float_format="%.6g",
                                          lineterminator="\n").encode()),
        ]
        if plots:
            from sim import plots as plotting

            files += plotting.render_ensemble(frame)
        write_atomically(folder, files)
        os.replace(work / "runs.csv", folder / "runs.csv")
    return frame


def ensemble_summary(plan: Plan, counts: dict[str, np.ndarray], scenario: Scenario
                     ) -> dict[str, Any]:
    """Outcome shares with intervals, and the same provenance as a single run."""
    origin = origin_of(scenario)
    tally = {o: int(c) for o, c in zip(OUTCOMES, counts["outcome"])}
    return {
        "scenario": scenario.name, "scenario_file": origin.path,
        "scenario_files": list(origin.files), "scenario_file_sha256": origin.file_sha256,
        "scenario_sha256": origin.scenario_sha256, "seed": plan.seed,
        "overrides": list(origin.overrides), "version": __version__, "runs": plan.runs,
        "seeds": "numpy SeedSequence(seed).spawn(runs), one 64-bit state word each",
        "outcomes": outcome_shares(tally),
        "actors": list(scenario.actors),
    }


def _talk_calendar(scenario: Scenario) -> list[tuple[str, str]]:
    return [(t.date.isoformat(), t.name) for t in scenario.talks]
