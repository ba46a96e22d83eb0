"""Parameter sweeps on a grid, and global sensitivity analysis with SALib.

Both are lists of *cells* (one override of the scenario per cell), each run
with the same ``runs`` seeds (common random numbers: a difference between
cells comes from the setting, not from the draws), on the engine of
``sim.ensemble``: parallel, resumable, streamed to disk.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.ensemble import (
    OUTCOMES,
    WORK,
    Cell,
    EnsembleError,
    Plan,
    assemble_runs,
    default_chunk,
    load_counts,
    outcome_shares,
    run_plan,
)
from sim.results import write_atomically
from sim.scenario import Scenario, ScenarioError, load_scenario, origin_of
from sim.scenario.loader import with_overrides

MAX_CELLS = 100_000


@dataclass(frozen=True)
class Param:
    """A swept parameter: a key path and its values (grid) or bounds (sensitivity)."""

    path: str
    values: tuple[float, ...]

    @property
    def bounds(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def parse_param(text: str, grid: bool = True) -> Param:
    """``key.path=LO:HI:N`` (N values, grid), ``key.path=a,b,c`` or ``key.path=LO:HI`` (bounds).

    Raises EnsembleError with a one-line reason.
    """
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise EnsembleError(f"--param {text!r}: expected KEY.PATH=LO:HI:N or KEY.PATH=a,b,c")
    if "," in spec:
        items = spec.split(",")
        if not all(re.fullmatch(_NUMBER, x.strip()) for x in items):
            raise EnsembleError(f"--param {text!r}: values must be numbers")
        return Param(key, tuple(float(x) for x in items))
    parts = spec.split(":")
    if not all(re.fullmatch(_NUMBER, x.strip()) for x in parts) or len(parts) not in (2, 3):
        raise EnsembleError(f"--param {text!r}: expected LO:HI:N (a grid) or LO:HI (bounds)")
    lo, hi = float(parts[0]), float(parts[1])
    if not lo < hi:
        raise EnsembleError(f"--param {text!r}: LO must be below HI")
    if len(parts) == 2:
        if grid:
            raise EnsembleError(f"--param {text!r}: a sweep needs LO:HI:N (how many values)")
        return Param(key, (lo, hi))
    n = float(parts[2])
    if n != int(n) or not 2 <= n <= 1000:
        raise EnsembleError(f"--param {text!r}: N must be a whole number from 2 to 1000")
    return Param(key, tuple(float(v) for v in np.linspace(lo, hi, int(n))))


def _cells(base: Scenario, params: Sequence[Param], rows: Sequence[Sequence[float]]) -> list[Cell]:
    """One validated scenario per row of parameter values."""
    cells = []
    for row in rows:
        values = {p.path: _tidy(v) for p, v in zip(params, row)}
        cells.append(Cell(with_overrides(base, values), values))
    return cells


def _tidy(v: float) -> float | int:
    """12.0 -> 12 (for integer parameters); floats rounded to 12 significant digits."""
    v = float(f"{v:.12g}")
    return int(v) if v.is_integer() else v


def _check_paths(base: Scenario, params: Sequence[Param]) -> None:
    """Fail early, once per problem, if a path or its range is invalid."""
    from sim.scenario import Problem

    problems: dict[tuple[str, str], Problem] = {}
    for p in params:
        for v in p.bounds:
            try:
                with_overrides(base, {p.path: _tidy(v)})
            except ScenarioError as err:
                for q in err.problems:
                    source = q.source.replace("--set ", "--param ", 1)
                    problems.setdefault((q.path, q.message), Problem(source, q.line, q.path,
                                                                     q.message))
    if problems:
        raise ScenarioError(list(problems.values()))


def check_params(base: Scenario, params: Sequence[str], grid: bool) -> list[Param]:
    """Parse and validate ``--param`` strings against the scenario (errors at once)."""
    ps = [parse_param(p, grid=grid) for p in params]
    _check_paths(base, ps)
    return ps


def run_sweep(scenario: Scenario | str | Path, params: Sequence[Param | str], runs: int = 100,
              seed: int = 0, workers: int = 1, scheduler: str | None = None,
              out: str | Path | None = None, resume: bool = False, plots: bool = True,
              progress: bool | None = False) -> pd.DataFrame:
    """Outcome shares (with 95% intervals) for every cell of a parameter grid.

    Returns one row per cell; ``attrs["runs"]`` has the per-run rows when no
    ``out`` is given (with ``out`` they are in runs.csv).
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ps = [parse_param(p) if isinstance(p, str) else p for p in params]
    if not ps:
        raise EnsembleError("give at least one --param")
    _check_runs(runs, workers)
    grid = list(itertools.product(*(p.values for p in ps)))
    if len(grid) * runs > MAX_CELLS * 100:
        raise EnsembleError(f"{len(grid)} cells x {runs} runs is too many")
    _check_paths(base, ps)
    plan = Plan("sweep", _cells(base, ps, grid), runs, seed, default_chunk(runs, workers), False)
    frame = run_plan(plan, out, workers, scheduler, resume, plots, progress,
                      _grid_outputs(ps, base))
    return frame


def _check_runs(runs: int, workers: int) -> None:
    if runs < 1:
        raise EnsembleError("--runs must be at least 1")
    if workers < 1:
        raise EnsembleError("--workers must be at least 1")


def _cell_table(plan: Plan, folder: Path, params: Sequence[Param]) -> pd.DataFrame:
    work = folder / WORK
    rows = []
    for c, cell in enumerate(plan.cells):
        counts = load_counts(work, c)
        tally = {o: int(k) for o, k in zip(OUTCOMES, counts["outcome"])}
        row: dict[str, Any] = {"cell": c, **{p.path: cell.values[p.path] for p in params},
                               "runs": plan.runs}
        for o, v in outcome_shares(tally).items():
            row[f"p_{o}"], row[f"p_{o}_low"], row[f"p_{o}_high"] = v["share"], v["low"], v["high"]
        rows.append(row)
    return pd.DataFrame(rows)


def _grid_outputs(params: Sequence[Param], base: Scenario) -> Any:
    def outputs(plan: Plan, folder: Path, parts: list[Path], write: bool,
                plots: bool) -> pd.DataFrame:
        work = folder / WORK
        table = _cell_table(plan, folder, params)
        table.attrs.update(summary=_summary(plan, base, params), params=[p.path for p in params])
        if not write:
            assemble_runs(work, parts, work / "runs.csv")
            table.attrs["runs"] = pd.read_csv(work / "runs.csv")
            return table
        files = [("cells.csv", table.to_csv(index=False, float_format="%.6g",
                                             lineterminator="\n").encode()),
                 ("summary.json", _json(table.attrs["summary"]))]
        if plots:
            from sim import plots as plotting

            files += plotting.render_sweep(table)
        assemble_runs(work, parts, work / "runs.csv")
        write_atomically(folder, files)
        (work / "runs.csv").replace(folder / "runs.csv")
        return table
    return outputs


def _summary(plan: Plan, base: Scenario, params: Sequence[Param]) -> dict[str, Any]:
    from sim._version import __version__

    origin = origin_of(base)
    return {"scenario": base.name, "scenario_file": origin.path,
            "scenario_file_sha256": origin.file_sha256,
            "scenario_sha256": origin.scenario_sha256, "overrides": list(origin.overrides),
            "seed": plan.seed, "runs_per_cell": plan.runs, "cells": len(plan.cells),
            "params": {p.path: list(p.values) for p in params}, "version": __version__,
            "seeds": "the same runs seeds in every cell: SeedSequence(seed).spawn(runs)"}


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


# --------------------------------------------------------------------------- sensitivity


def run_sensitivity(scenario: Scenario | str | Path, params: Sequence[Param | str],
                    method: str = "morris", samples: int = 16, runs: int = 20, seed: int = 0,
                    workers: int = 1, scheduler: str | None = None,
                    out: str | Path | None = None, resume: bool = False, plots: bool = True,
                    progress: bool | None = False) -> pd.DataFrame:
    """Global sensitivity of P(war) and P(settlement) to the parameters (SALib).

    ``method`` is 'morris' (elementary effects: ``samples`` trajectories) or
    'sobol' (Saltelli sampling with ``samples`` base samples, a power of 2).
    Each sample point runs ``runs`` seeded runs. Returns the indices, one row
    per (output, parameter), with 95% confidence intervals.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ps = [parse_param(p, grid=False) if isinstance(p, str) else p for p in params]
    if len(ps) < 2:
        raise EnsembleError("sensitivity analysis needs at least two --param")
    if len({p.path for p in ps}) != len(ps):
        raise EnsembleError("each --param may appear only once")
    _check_runs(runs, workers)
    if method not in ("morris", "sobol"):
        raise EnsembleError(f"--method must be morris or sobol, not {method!r}")
    if samples < 2 or (method == "sobol" and samples & (samples - 1)):
        raise EnsembleError("--samples must be at least 2 (a power of 2 for sobol)")
    _check_paths(base, ps)
    problem = {"num_vars": len(ps), "names": [p.path for p in ps],
               "bounds": [list(p.bounds) for p in ps]}
    if method == "morris":
        X = morris_sample.sample(problem, samples, num_levels=4, seed=seed)
    else:
        X = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    plan = Plan(f"sensitivity-{method}", _cells(base, ps, X.tolist()), runs, seed,
                default_chunk(runs, workers), False)

    def outputs(plan: Plan, folder: Path, parts: list[Path], write: bool,
                plots: bool) -> pd.DataFrame:
        table = _cell_table(plan, folder, ps)
        rows = []
        for output in ("p_war", "p_settlement"):
            Y = table[output].to_numpy(float)
            if np.ptp(Y) == 0:  # the output never varies: no parameter has any influence
                for name in problem["names"]:
                    for idx in (("mu_star",) if method == "morris" else ("S1", "ST")):
                        rows.append({"output": output, "param": name, "index": idx,
                                     "value": 0.0, "conf": 0.0,
                                     **({"sigma": 0.0} if method == "morris" else {})})
                continue
            if method == "morris":
                res = morris_analyze.analyze(problem, X, Y, num_levels=4, seed=seed)
                for k, name in enumerate(problem["names"]):
                    rows.append({"output": output, "param": name, "index": "mu_star",
                                 "value": res["mu_star"][k], "conf": res["mu_star_conf"][k],
                                 "sigma": res["sigma"][k]})
            else:
                res = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed)
                for k, name in enumerate(problem["names"]):
                    for idx in ("S1", "ST"):
                        rows.append({"output": output, "param": name, "index": idx,
                                     "value": res[idx][k], "conf": res[f"{idx}_conf"][k]})
        indices = pd.DataFrame(rows)
        summary = {**_summary(plan, base, ps), "method": method, "samples": samples,
                   "sample_points": len(plan.cells)}
        indices.attrs.update(summary=summary, samples=table, method=method)
        if write:
            files = [("indices.csv", indices.to_csv(index=False, float_format="%.6g",
                                                     lineterminator="\n").encode()),
                     ("samples.csv", table.to_csv(index=False, float_format="%.6g",
                                                  lineterminator="\n").encode()),
                     ("summary.json", _json(summary))]
            if plots:
                from sim import plots as plotting

                files += plotting.render_sensitivity(indices)
            work = folder / WORK
            assemble_runs(work, parts, work / "runs.csv")
            write_atomically(folder, files)
            (work / "runs.csv").replace(folder / "runs.csv")
        return indices

    return run_plan(plan, out, workers, scheduler, resume, plots, progress, outputs)
