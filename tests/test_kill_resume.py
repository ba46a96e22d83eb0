"""SIGKILL at many moments, then --resume: the files of an uninterrupted run, nothing left over.

``brink sweep`` and ``brink ensemble`` run in a subprocess and are killed again and again,
each time resumed with ``--resume`` on the same ``--out``, until one completes. Random kill
moments come from a seeded generator and are tied to the command's observed progress (it
holds its lock, so many chunks are saved, all are saved) plus a random delay scaled by the
uninterrupted run's measured pace, so they land in the same phases on an idle or a loaded
machine. Windows too narrow to hit by timing (between two file operations) are hit exactly:
an audit hook (``sys.addaudithook``) kills the command just before a chosen file operation.
One kill is of a pool worker rather than the command; twice a second command is started on
the folder while the first is paused, and must be refused.

After every kill the folder is checked: each saved file whole and equal to the uninterrupted
run's, each checkpoint counting only chunks whose rows are saved, and each once, no process
of the command left running. At the end the output files, the per-run rows and the complete
work folder (checkpoints included) must equal the uninterrupted run's, with nothing else left.

``BRINK_KILL_SEED=n`` draws other kill moments (for a soak run).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import OUTCOMES, WORK, default_chunk
from tests.conftest import FLAGSHIP, ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="watches the command through /proc (Linux)")

SEED = int(os.environ.get("BRINK_KILL_SEED", "20240"))
PART = re.compile(r"cell-(\d{5})-chunk-(\d{6})\.csv")
CHECKPOINT = re.compile(r"cell-(\d{5})\.npz")
POLL = 0.005

# Runs brink as ``python -m sim`` does, with an audit hook that can kill the process (or
# pause it) at the n-th file operation matching a step of BRINK_TEST_AT, and copy the work
# folder aside (BRINK_TEST_SNAPSHOT) when the command starts to remove it (the last time).
HARNESS = r"""
import json, os, runpy, shutil, signal, sys, time

steps = json.loads(os.environ.get("BRINK_TEST_AT", "[]"))
snapshot = os.environ.get("BRINK_TEST_SNAPSHOT")
seen, counts, busy = set(), [0] * len(steps), [False]

def hook(event, args):
    global snapshot
    if busy[0] or not (event.startswith(("os.", "shutil.", "tempfile.")) or event == "open"):
        return
    busy[0] = True
    try:
        seen.add(event)
        first = args[0] if args else None
        first = os.fsdecode(first) if isinstance(first, (str, bytes, os.PathLike)) else ""
        if snapshot and event in ("os.rename", "shutil.rmtree") and first.endswith(".brink-work"):
            shutil.rmtree(snapshot, ignore_errors=True)  # the last one: as it was complete
            shutil.copytree(first, snapshot)
        for k, step in enumerate(steps):
            if event != step["event"] or step.get("needle", "") not in repr(args):
                continue
            if step.get("after") and step["after"] not in seen:
                continue
            counts[k] += 1
            if counts[k] != step.get("nth", 1):
                continue
            if step["action"] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            folder = step["action"].partition(":")[2]
            open(os.path.join(folder, f"paused-{k}"), "w").close()
            deadline = time.monotonic() + 120
            while not os.path.exists(os.path.join(folder, f"go-{k}")):
                if time.monotonic() > deadline:
                    os.kill(os.getpid(), signal.SIGKILL)
                time.sleep(0.01)
    finally:
        busy[0] = False

sys.addaudithook(hook)
sys.argv = ["brink", *sys.argv[1:]]
runpy.run_module("sim", run_name="__main__", alter_sys=True)
"""


# --------------------------------------------------------------------------- the command


@dataclass
class Command:
    """One ``brink`` command (the same arguments every time) and the shape of its work."""

    args: list[str]
    cells: int
    runs: int
    workers: int

    @property
    def chunk(self) -> int:
        return default_chunk(self.runs, self.workers)

    @property
    def chunks(self) -> int:
        return self.cells * -(-self.runs // self.chunk)

    def start(self, out: Path, log: Path, resume: bool = False, at: list[dict] | None = None,
              snapshot: Path | None = None, workers: int | None = None
              ) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BRINK_TEST_AT": json.dumps(at or [])}
        env.pop("BRINK_TEST_SNAPSHOT", None)
        if snapshot is not None:
            env["BRINK_TEST_SNAPSHOT"] = str(snapshot)
        # output to files, not pipes: a process left behind must not hang the test
        with open(log, "wb") as fh:
            return subprocess.Popen(
                [sys.executable, "-c", HARNESS, *self.args, "--out", str(out),
                 "--workers", str(workers or self.workers), *(["--resume"] if resume else [])],
                stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=out.parent)


def holds_lock(pid: int, out: Path) -> bool:
    """Whether process ``pid`` holds the flock on ``out/.lock`` (from /proc/locks)."""
    try:
        inode = (out / ".lock").stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return False
    for line in lines:
        f = line.split()
        if len(f) > 5 and "->" not in f and f[4] == str(pid) and f[5].endswith(f":{inode}"):
            return True
    return False


def saved_parts(out: Path) -> int:
    try:
        return sum(1 for name in os.listdir(out / WORK) if PART.fullmatch(name))
    except OSError:
        return 0


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread or process has ended
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``: {pid: command line}."""
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        for child in children(frontier.pop()):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().decode(
                    errors="replace").replace("\0", " ")
            except OSError:
                found[child] = ""
            frontier.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for p in pids:
        try:
            if Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
                left.add(p)
        except OSError:
            pass
    return left


def started_in(root: Path) -> set[int]:
    """Processes whose command line names ``root``: the pool's forkserver and workers carry
    the command's working folder in their sys.path, even if started after a look at its
    children."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            with contextlib.suppress(OSError):
                if str(root).encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.add(int(entry))
    return found


def assert_nothing_left_running(pids: set[int], root: Path, seconds: float = 20) -> None:
    """The command's helper processes (pool workers, forkserver...) end with it."""
    deadline = time.monotonic() + seconds
    while alive(pids | started_in(root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive(pids | started_in(root))
    for p in left:  # do not leave them to the rest of the suite
        os.kill(p, signal.SIGKILL)
    assert not left, f"processes of the killed command still running: {sorted(left)}"


# --------------------------------------------------------------------------- the reference


@dataclass
class Reference:
    """An uninterrupted run: its files, per-run rows, work folder, and pace."""

    files: dict[str, bytes]
    header: bytes
    lines: dict[tuple[int, int], bytes]  # (cell, run) -> its line of runs.csv
    rows: pd.DataFrame
    work: Path  # its work folder, copied as it was complete
    t_lock: float  # seconds from launch to holding the lock
    chunk_time: float  # median seconds per saved chunk
    final_time: float  # seconds from the last chunk saved to the work folder gone

    def part(self, cell: int, index: int, chunk: int, runs: int) -> bytes:
        return b"".join(self.lines[(cell, r)]
                        for r in range(index * chunk, min((index + 1) * chunk, runs)))


def reference(cmd: Command, root: Path) -> Reference:
    out = root / "whole"
    proc = cmd.start(out, root / "whole.log", snapshot=root / "whole-work")
    t0 = time.monotonic()
    t_lock = None
    t_parts: dict[int, float] = {}
    t_gone = None
    while proc.poll() is None:
        now = time.monotonic() - t0
        if t_lock is None and holds_lock(proc.pid, out):
            t_lock = now
        n = saved_parts(out)
        if n and n not in t_parts:
            t_parts[n] = now
        if t_parts and t_gone is None and not (out / WORK).exists():
            t_gone = now
        time.sleep(POLL)
    assert proc.wait() == 0, (root / "whole.log").read_text()
    t_end = time.monotonic() - t0
    counts = sorted(t_parts)
    gaps = [(t_parts[b] - t_parts[a]) / (b - a) for a, b in itertools.pairwise(counts)]
    last = t_parts[counts[-1]] if counts else 0.0
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    assert not [n for n in files if n.startswith(".")], sorted(files)
    raw = files["runs.csv"].splitlines(keepends=True)
    lines = {}
    for line in raw[1:]:
        cell, run = line.split(b",")[:2]
        lines[(int(cell), int(run))] = line
    assert len(lines) == cmd.cells * cmd.runs
    return Reference(files, raw[0], lines, pd.read_csv(out / "runs.csv"), root / "whole-work",
                     t_lock or 0.5, statistics.median(gaps) if gaps else 0.05,
                     max((t_gone or t_end) - last, 0.01))


# --------------------------------------------------------------------------- checks


def check_folder(out: Path, ref: Reference, cmd: Command) -> dict[str, int]:
    """What a kill left, checked against the uninterrupted run. Returns what was found."""
    found = {"work": 0, "parts": 0, "done": 0, "final": 0, "leftover": 0}
    if not out.exists():  # killed before it made the folder
        return found
    for p in out.iterdir():
        if p.name.startswith("."):
            found["leftover"] += p.name not in (".lock", WORK)  # temporary files...
            continue
        # a final file is either absent or complete: never half-written, never different
        assert p.read_bytes() == ref.files[p.name], f"{p.name} is not the uninterrupted run's"
        found["final"] += 1
    work = out / WORK
    if not work.is_dir():
        return found
    found["work"] = 1
    names = os.listdir(work)
    if "plan.json" not in names:  # killed before saving its plan: nothing else saved
        assert not [n for n in names if not n.endswith(".tmp")], names
    if any(CHECKPOINT.fullmatch(n) for n in names):
        assert "header.csv" in names
    parts: dict[int, set[int]] = {}
    for p in work.iterdir():
        if m := PART.fullmatch(p.name):
            cell, index = int(m[1]), int(m[2])
            assert p.read_bytes() == ref.part(cell, index, cmd.chunk, cmd.runs), p.name
            parts.setdefault(cell, set()).add(index)
            found["parts"] += 1
        elif p.name == "header.csv":
            assert p.read_bytes() == ref.header
        elif p.name == "plan.json":
            assert p.read_bytes() == (ref.work / "plan.json").read_bytes()
        elif p.name.endswith(".tmp"):
            found["leftover"] += 1
    for p in work.iterdir():
        if m := CHECKPOINT.fullmatch(p.name):
            cell = int(m[1])
            with np.load(p) as data:
                done = set(data["done"].tolist())
                outcome, war_day = data["outcome"], data["war_day"]
            # a chunk counted as done has its rows saved...
            assert done <= parts.get(cell, set()), (p.name, done, parts.get(cell))
            # ...and is counted exactly once
            rows = ref.rows[(ref.rows["cell"] == cell)
                            & (ref.rows["run"] // cmd.chunk).isin(done)]
            assert outcome.tolist() == [int((rows["outcome"] == o).sum()) for o in OUTCOMES]
            wars = rows.loc[rows["outcome"] == "war", "days"].to_numpy() - 1
            assert war_day.tolist() == np.bincount(wars, minlength=len(war_day)).tolist()
            found["done"] += len(done)
    return found


def check_finished(out: Path, ref: Reference, cmd: Command, work: Path) -> None:
    """Every file the uninterrupted run's, nothing else; the same complete work folder."""
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(ref.files), "files left behind or missing"
    for name, data in ref.files.items():  # no timing fields: summary.json compares whole
        assert (out / name).read_bytes() == data, name
    rows = pd.read_csv(out / "runs.csv")
    assert sorted(zip(rows["cell"], rows["run"])) == sorted(ref.lines)  # none lost, none twice
    # the work folder as it was complete, before it was removed: the same checkpoints
    kept = sorted(p.name for p in work.iterdir() if not p.name.endswith(".tmp"))
    assert kept == sorted(p.name for p in ref.work.iterdir() if not p.name.endswith(".tmp"))
    for name in kept:
        if name.endswith(".npz"):
            with np.load(work / name) as a, np.load(ref.work / name) as b:
                assert sorted(a.files) == sorted(b.files), name
                for key in a.files:
                    assert np.array_equal(a[key], b[key]), (name, key)
        else:
            assert (work / name).read_bytes() == (ref.work / name).read_bytes(), name


# --------------------------------------------------------------------------- kills and resumes


@dataclass
class Moment:
    """When to kill one launch of the command.

    By timing: once the command holds its lock with ``chunks`` chunks saved, ``delay``
    seconds later (``chunks=None``: ``delay`` seconds after launch). Or exactly: just
    before the file operation ``at`` (an audit hook step). ``second``: pause the command
    at that file operation first and check that a second command on the folder is refused.
    """

    what: str
    chunks: int | None = None
    delay: float = 0.0
    target: str = "command"  # or "worker": one of its pool's worker processes
    workers: int | None = None  # this launch's --workers, if not the command's
    at: dict | None = None
    second: dict | None = None
    left: dict[str, int] = field(default_factory=dict)
    outcome: str = ""


def wait_for_moment(proc: subprocess.Popen[bytes], out: Path, m: Moment) -> None:
    deadline = time.monotonic() + 300
    if m.chunks is not None:
        locked = False
        while proc.poll() is None:
            locked = locked or holds_lock(proc.pid, out)
            if locked and saved_parts(out) >= m.chunks:
                break
            assert time.monotonic() < deadline, "the command made no progress"
            time.sleep(POLL)
    time.sleep(m.delay)


def kill_now(proc: subprocess.Popen[bytes], m: Moment) -> set[int]:
    """Kill the command or a worker; return the command's processes seen just before."""
    deadline = time.monotonic() + 60
    while proc.poll() is None:
        family = descendants(proc.pid)
        if m.target != "worker":
            proc.send_signal(signal.SIGKILL)
            return set(family)
        servers = [p for p, line in family.items() if "forkserver" in line]
        workers = sorted(c for s in servers for c in children(s))
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            return set(family)
        assert time.monotonic() < deadline, f"no pool workers below {proc.pid}: {family}"
        time.sleep(POLL)
    return set()


def refuse_second(cmd: Command, out: Path, root: Path, k: int) -> None:
    """A second command on the folder, while the first is paused: exit 2, nothing touched."""
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    log = root / f"second-{k}.log"
    proc = cmd.start(out, log, resume=True)
    rc = proc.wait(timeout=120)
    assert rc == 2 and "another brink command" in log.read_text(), log.read_text()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def kill_and_resume(cmd: Command, ref: Reference, plan: list[Moment], root: Path) -> None:
    """Launch, kill at each moment in turn (resuming from the second on), then finish."""
    out, flags = root / "cut", root / "flags"
    flags.mkdir()
    for k, m in enumerate(plan):
        steps = []
        if m.second:
            steps.append({**m.second, "action": f"pause:{flags}"})
        if m.at:
            steps.append({**m.at, "action": "kill"})
        log = root / f"cut-{k}.log"
        proc = cmd.start(out, log, resume=k > 0, at=steps, workers=m.workers,
                         snapshot=root / f"work-{k}")
        if m.second:
            deadline = time.monotonic() + 300
            while not (flags / "paused-0").exists():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the command never paused"
                time.sleep(POLL)
            refuse_second(cmd, out, root, k)
            (flags / "go-0").touch()
        family: set[int] = set()
        if not m.at:
            wait_for_moment(proc, out, m)
            family = kill_now(proc, m)
        rc = proc.wait(timeout=120)
        for flag in flags.iterdir():
            flag.unlink()
        text = log.read_text()
        if rc == 0:
            assert not m.at, f"{m.what}: the file operation never came"
            m.outcome = "finished first"
        elif m.target == "worker":
            # the command says what happened, in one line, and how to go on
            assert rc == 2 and "worker" in text and "--resume" in text, text
            assert "Traceback" not in text, text
            m.outcome = "exit 2"
        else:
            assert rc == -signal.SIGKILL, f"{m.what}: {text}"
            m.outcome = "killed"
        assert_nothing_left_running(family, root)
        m.left = check_folder(out, ref, cmd)
        if rc == 0:
            work = root / f"work-{k}"
            break
    else:
        log, work = root / "cut-last.log", root / "work-last"
        proc = cmd.start(out, log, resume=True, snapshot=work)
        assert proc.wait(timeout=300) == 0, log.read_text()
    print(f"\n{cmd.args[0]}: {cmd.chunks} chunks; uninterrupted: lock after {ref.t_lock:.2f} s, "
          f"{ref.chunk_time * 1000:.0f} ms a chunk, {ref.final_time * 1000:.0f} ms to finish")
    for k, m in enumerate(plan):
        print(f"  {k + 1}. {m.what}{f' (--workers {m.workers})' if m.workers else ''}: "
              f"{m.outcome}; left {m.left}")
    check_finished(out, ref, cmd, work)


def timed(rng: random.Random, ref: Reference, chunks: int | None, what: str,
          **more: object) -> Moment:
    """A moment by timing: a random delay of up to a chunk's time (or the final phase's)."""
    if chunks is None:
        return Moment(what, None, rng.uniform(0.2, 0.9) * ref.t_lock, **more)
    span = ref.final_time if what.startswith("final") else ref.chunk_time
    return Moment(what, chunks, rng.uniform(0, span), **more)


# --------------------------------------------------------------------------- the sweep


SWEEP = Command(["sweep", str(FLAGSHIP), "--param", "actors.RUS.resolve=0.5,0.7,0.9",
                 "--runs", "4", "--seed", "3", "--no-plots"], cells=3, runs=4, workers=1)


def test_sweep_killed_at_random_moments_resumes_to_the_same_files(tmp_path: Path) -> None:
    """Eight kills at random moments, on one worker or on a pool of two (the chunks are the
    same, so a command may resume with another --workers), one of them a pool worker's."""
    assert SWEEP.chunks == 12 and default_chunk(4, 2) == SWEEP.chunk == 1
    ref = reference(SWEEP, tmp_path)
    rng = random.Random(SEED)
    middle = rng.sample(range(1, SWEEP.chunks), 3)
    plan = [timed(rng, ref, None, "while starting"),
            timed(rng, ref, 0, "before the first chunk", workers=2),
            timed(rng, ref, rng.randint(1, SWEEP.chunks // 2), "a pool worker",
                  target="worker", workers=2),
            *[timed(rng, ref, n, f"after {n} chunks", workers=rng.choice([1, 2]))
              for n in middle],
            timed(rng, ref, SWEEP.chunks, "final writes"),
            timed(rng, ref, SWEEP.chunks, "final writes", workers=2)]
    plan[2:6] = sorted(plan[2:6], key=lambda m: m.chunks)  # progress only grows
    kill_and_resume(SWEEP, ref, plan, tmp_path)
    assert sum(m.outcome in ("killed", "exit 2") for m in plan) >= len(plan) - 2
    assert [m.outcome for m in plan if m.target == "worker"] == ["exit 2"]


# --------------------------------------------------------------------------- the ensemble


ENSEMBLE = Command(["ensemble", str(FLAGSHIP), "--runs", "16", "--seed", "4", "--no-plots"],
                   cells=1, runs=16, workers=1)


def test_ensemble_killed_at_exact_and_random_moments_resumes_to_the_same_files(
        tmp_path: Path) -> None:
    """Four kills at exact file operations (windows of microseconds), three at random
    moments, and twice a second command on the folder, refused while the first runs."""
    assert ENSEMBLE.chunks == 4
    ref = reference(ENSEMBLE, tmp_path)
    rng = random.Random(SEED + 1)
    plan = [
        Moment("before the plan is saved", at={"event": "os.rename", "needle": "plan.json"}),
        timed(rng, ref, 0, "before the first chunk"),
        Moment("between a chunk's rows and its checkpoint",
               at={"event": "os.rename", "needle": ".npz"},
               second={"event": "os.rename", "needle": "-chunk-"}),
        timed(rng, ref, rng.randint(2, ENSEMBLE.chunks - 1), "between chunks"),
        Moment("between two final files", at={"event": "os.rename", "needle": "quantiles.csv"}),
        timed(rng, ref, ENSEMBLE.chunks, "final writes"),
        Moment("while the work folder is removed",
               at={"event": "os.remove", "after": "shutil.rmtree", "nth": 2},
               second={"event": "shutil.rmtree"}),
    ]
    kill_and_resume(ENSEMBLE, ref, plan, tmp_path)
    assert sum(m.outcome == "killed" for m in plan) >= len(plan) - 1
    assert plan[0].left["work"] and not plan[0].left["parts"]
    assert plan[2].left["parts"] > plan[2].left["done"]
    assert plan[4].left["final"] and plan[4].left["leftover"]
    assert not plan[6].left["work"]  # taken away at once, never half-removed
