"""Speed and memory of Brink, measured in one run on one machine (ratios matter, not seconds).

    .venv/bin/python bench/benchmark.py                 # quick: 200-run ensembles
    .venv/bin/python bench/benchmark.py --runs 1000 --memory-runs 10000   # the full report

Reports: median time of one flagship run; the same for a floor model (a bare
Mesa model with the same actors and days that does nothing) and their ratio
(the median of five measurements, with their range); ensemble throughput with 1
and with all local workers and the parallel efficiency (workers started); the
start-up of the worker pool; the wall time of ``brink ensemble --runs 1000`` on
all cores from a fresh interpreter; peak memory (PSS and RSS summed over the
command and its workers) of an ensemble of --memory-runs runs. Writes
bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "winter-2021-22.yaml"


class Floor(mesa.Model):
    """The same actors and days as the flagship, doing nothing."""

    def __init__(self, actors: int = 4, seed: int = 0) -> None:
        super().__init__(rng=seed)
        for _ in range(actors):
            mesa.Agent(self)

    def step(self) -> None:
        pass


def median_seconds(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for k in range(repeats):
        t = time.perf_counter()
        fn(k)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


_SCENARIO: list = []  # loaded once: reading and validating YAML is not part of a run


def one_run(seed: int) -> None:
    from sim import CrisisModel, load_scenario

    if not _SCENARIO:
        _SCENARIO.append(load_scenario(FLAGSHIP))
    CrisisModel(_SCENARIO[0], seed=seed).run()


def load_once(_: int) -> None:
    from sim import load_scenario

    load_scenario(FLAGSHIP)


def floor_run(seed: int) -> None:
    Floor(seed=seed).run_for(121)


def ensemble_seconds(runs: int, workers: int) -> float:
    from sim.ensemble import run_ensemble

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        run_ensemble(FLAGSHIP, runs=runs, seed=1, workers=workers, out=Path(tmp) / "e",
                     plots=False)
        return time.perf_counter() - t


def cold_command_seconds(runs: int, workers: int) -> float:
    """Wall time of ``brink ensemble --runs RUNS --workers W`` from a fresh interpreter:
    what a user waits for, start-up, imports, worker pool and output files included."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "ensemble", str(FLAGSHIP), "--runs",
                        str(runs), "--workers", str(workers), "--seed", "1", "--no-plots",
                        "--out", str(Path(tmp) / "c")], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        return time.perf_counter() - t


def peak_memory_mb(runs: int, workers: int) -> tuple[float, float]:
    """Peak memory (MB) of an ensemble command and all its worker processes: (PSS, RSS).

    Sampled every 0.2 s from /proc as the sum over the process tree (Linux).
    PSS (proportional set size) counts a page shared by k processes as 1/k
    in each, so its sum is the memory the tree really uses; the sum of RSS
    counts the forkserver's preloaded modules (numpy, numba, ...) once in
    every worker forked from it.
    """
    with tempfile.TemporaryDirectory() as tmp:
        code = (f"from sim.ensemble import run_ensemble\n"
                f"run_ensemble({str(FLAGSHIP)!r}, runs={runs}, seed=1, workers={workers}, "
                f"out={str(Path(tmp) / 'm')!r}, plots=False)\n")
        proc = subprocess.Popen([sys.executable, "-c", code],
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        peak_pss = peak_rss = 0
        while proc.poll() is None:
            pss, rss = _tree_kb(proc.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(0.2)
        if proc.returncode:
            raise SystemExit(f"memory ensemble failed ({proc.returncode})")
        return peak_pss / 1024, peak_rss / 1024


def _tree_kb(root: int) -> tuple[int, int]:
    """Summed PSS and RSS (kB) of a process and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
    total_pss, total_rss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total_rss += rss.get(pid, 0)
        total_pss += _pss_kb(pid, rss.get(pid, 0))
        stack.extend(children.get(pid, []))
    return total_pss, total_rss


def _pss_kb(pid: int, fallback: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return fallback


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="runs per throughput ensemble")
    ap.add_argument("--memory-runs", type=int, default=2000, help="runs of the memory ensemble")
    ap.add_argument("--repeats", type=int, default=15, help="single runs timed")
    args = ap.parse_args()
    cores = os.cpu_count() or 1

    one_run(0)  # warm imports and caches
    floor_run(0)
    # the ratio, five times over, the two medians taken side by side each time: timings on a
    # shared machine drift, so the report gives the median ratio and the spread
    rounds = []
    for _ in range(5):
        flagship = median_seconds(one_run, args.repeats)
        floor = median_seconds(floor_run, args.repeats)
        rounds.append((flagship / floor, flagship, floor))
    ratio, flagship, floor = sorted(rounds)[2]
    loading = median_seconds(load_once, args.repeats)
    # the first parallel command of a process starts the worker pool's forkserver, which
    # imports Brink and loads the compiled code: timed on its own, then the throughputs
    # are measured warm
    started = time.perf_counter()
    ensemble_seconds(2 * cores, cores)
    pool_start = time.perf_counter() - started
    serial = ensemble_seconds(args.runs, 1)
    parallel = ensemble_seconds(args.runs, cores)
    cold = cold_command_seconds(1000, cores)
    peak_pss, peak_rss = peak_memory_mb(args.memory_runs, cores)
    res = {
        "machine": {"cores": cores, "python": platform.python_version(),
                    "platform": platform.platform(), "mesa": mesa.__version__,
                    "numpy": np.__version__, "numba": numba.__version__},
        "flagship_run_ms": round(flagship * 1e3, 2),
        "scenario_load_ms": round(loading * 1e3, 2),
        "floor_run_ms": round(floor * 1e3, 3),
        "ratio_to_floor": round(ratio, 2),
        "ratio_to_floor_range": [round(min(r[0] for r in rounds), 2),
                                 round(max(r[0] for r in rounds), 2)],
        "ensemble_runs": args.runs,
        "throughput_1_worker_runs_per_s": round(args.runs / serial, 1),
        f"throughput_{cores}_workers_runs_per_s": round(args.runs / parallel, 1),
        "parallel_efficiency": round(serial / parallel / cores, 2),
        "worker_pool_start_s": round(pool_start, 2),
        "brink_ensemble_1000_runs_all_cores_s": round(cold, 2),
        "memory_runs": args.memory_runs,
        "peak_pss_mb_all_processes": round(peak_pss, 1),
        "peak_rss_mb_summed_over_processes": round(peak_rss, 1),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    width = max(map(len, res))
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
