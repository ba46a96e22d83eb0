"""The ``brink`` command line (also ``python -m sim``).

A thin face over the Python API: it parses arguments, calls ``load_scenario``,
``run`` and ``write_outputs``, and turns bad input into one line per problem
and exit status 2. It holds no model logic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim._version import __version__
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.schema import Scenario, json_schema

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as err:
        for p in err.problems:
            print(str(p), file=sys.stderr)
        n = len(err.problems)
        print(f"brink: {n} problem{'s' if n != 1 else ''} in the scenario; nothing written",
              file=sys.stderr)
        return EXIT_USAGE
    except UsageError as err:
        print(f"brink: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("brink: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `brink run ... | head`: the reader has gone; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="brink", description="Simulate crisis bargaining between states.",
        epilog="Scenario files: docs/scenarios.md. The model: docs/ODD.md.")
    p.add_argument("--version", action="version", version=f"brink {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run a scenario and write data and plots",
                       description="Run a scenario day by day; print what happened; write "
                       "events.csv, timeseries.csv, talks.csv, summary.json and plots.")
    r.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    r.add_argument("--seed", type=_seed, help="random seed (default: the scenario's, else 0)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value, e.g. --set actors.RUS.resolve=0.4 (repeatable)")
    r.add_argument("--out", type=Path, help="output folder (default: runs/<scenario>-<seed>/)")
    r.add_argument("--no-plots", action="store_true", help="write data only")
    r.add_argument("--history", action="append", default=[], metavar="ACTOR",
                   help="this actor replays its recorded acts of 2021/22 instead of choosing "
                   "(repeatable; 'all' for every actor in the record)")
    r.add_argument("--quiet", action="store_true", help="print only the output folder")
    r.set_defaults(func=cmd_run)

    e = sub.add_parser("ensemble", help="many seeded runs: outcome shares, fan charts",
                       description="Run N seeded runs (seeds spawned from --seed) and write "
                       "runs.csv, summary.json (outcome shares with 95% Wilson intervals), "
                       "quantiles.csv, war_by_date.csv and plots.")
    _many_runs_args(e, default_runs=None)
    e.set_defaults(func=cmd_ensemble)

    w = sub.add_parser("sweep", help="outcome shares over a grid of parameter values",
                       description="Run --runs seeded runs in every cell of a grid of "
                       "parameter values (the same seeds in every cell); write cells.csv "
                       "(shares with 95% intervals per cell), runs.csv and a plot.")
    _many_runs_args(w, default_runs=100)
    w.add_argument("--param", action="append", default=[], required=True,
                   metavar="KEY=LO:HI:N", help="a parameter and its values: LO:HI:N for N "
                   "evenly spaced values, or a,b,c (repeat for more parameters)")
    w.set_defaults(func=cmd_sweep)

    g = sub.add_parser("sensitivity", help="global sensitivity analysis (SALib)",
                       description="Which parameters drive the probability of war and of "
                       "settlement: Morris elementary effects or Sobol indices (SALib), each "
                       "sample point run --runs times; writes indices.csv and a ranked chart.")
    _many_runs_args(g, default_runs=20)
    g.add_argument("--method", choices=["morris", "sobol"], default="morris",
                   help="morris (elementary effects, default) or sobol (variance-based)")
    g.add_argument("--param", action="append", default=[], required=True,
                   metavar="KEY=LO:HI", help="a parameter and its range (repeat; at least 2)")
    g.add_argument("--samples", type=_positive, default=16,
                   help="Morris trajectories, or Sobol base samples (a power of 2); default 16")
    g.set_defaults(func=cmd_sensitivity)

    h = sub.add_parser("history", help="the record of 2021/22, and runs held against it",
                       description="Plot the historical record (event timeline, Goldstein "
                       "per dyad, troop estimates). Given a run folder, compare its weekly "
                       "Goldstein per dyad and its mix of acts with the record; given an "
                       "ensemble folder, also score how often the record falls inside the "
                       "ensemble's 90% band, week by week.")
    h.add_argument("folder", nargs="?", type=Path, help="a folder written by brink run or "
                   "brink ensemble")
    h.add_argument("--out", type=Path, help="output folder (default: FOLDER/history/, or "
                   "runs/history/)")
    h.set_defaults(func=cmd_history)

    y = sub.add_parser("play", help="decide for actors yourself, day by day; then a debrief",
                       description="Play one or more actors at the terminal: each day see the "
                       "situation and the options with the model's own probabilities; pick one "
                       "(Enter lets the model choose); bargain at talk rounds. Input may be a "
                       "script on standard input. Writes the run's files, game.json (replay it "
                       "with --replay) and debrief.txt. Guide: docs/play.md.")
    y.add_argument("scenario", nargs="?", help="scenario file, or the name of a bundled scenario")
    y.add_argument("--as", dest="played", action="append", default=[], metavar="ACTOR",
                   help="the actor you play (repeat for more players at one terminal)")
    y.add_argument("--seed", type=_seed, help="random seed (default: the scenario's, else 0)")
    y.add_argument("--out", type=Path, help="output folder (default: "
                   "runs/play-<scenario>-<seed>/; with --replay, next to the game file)")
    y.add_argument("--skip-quiet", action="store_true", help="leave quiet days to the model "
                   "(nothing happened around you and no talks near; see docs/play.md)")
    y.add_argument("--runs", type=_runs, default=200, help="model-only runs the debrief "
                   "compares the game with (default 200; 0 skips them)")
    y.add_argument("--no-plots", action="store_true", help="write data only")
    y.add_argument("--replay", type=Path, metavar="GAME_JSON",
                   help="replay a game from its game.json (or a team game saved by the "
                   "dashboard) instead; no SCENARIO or --as")
    y.add_argument("--model-for", action="append", default=[], metavar="ACTOR",
                   help="with --replay: the model plays this actor instead (repeatable)")
    y.set_defaults(func=cmd_play)

    v = sub.add_parser("validate", help="check scenario files",
                       description="Check scenario files; report every problem, one per line.")
    v.add_argument("files", nargs="+", help="scenario files")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="check with these overrides applied")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("scenarios", help="list the bundled scenarios")
    s.set_defaults(func=cmd_scenarios)

    j = sub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    j.add_argument("--out", type=Path, help="write it to this file instead")
    j.set_defaults(func=cmd_schema)

    d = sub.add_parser("dashboard", help="the classroom dashboard in a web browser",
                       description="Serve the dashboard (docs/dashboard.md): explore a "
                       "scenario day by day, run ensembles, play a game in teams.")
    d.add_argument("scenario", nargs="?", default="winter-2021-22",
                   help="scenario file, or the name of a bundled scenario (default: the flagship)")
    d.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                   "127.0.0.1, this computer only; 0.0.0.0 opens it to the network)")
    d.set_defaults(func=cmd_dashboard)
    return p


def _many_runs_args(p: argparse.ArgumentParser, default_runs: int | None) -> None:
    p.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    p.add_argument("--runs", type=_positive, default=default_runs, required=default_runs is None,
                   help="runs (per cell)" + (f"; default {default_runs}" if default_runs else ""))
    p.add_argument("--seed", type=_seed, default=0, help="base seed (default 0)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value of the scenario (repeatable)")
    p.add_argument("--workers", type=_positive, default=os.cpu_count() or 1,
                   help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--out", type=Path,
                   help="output folder (default: runs/<scenario>-<command>-<seed>/)")
    p.add_argument("--resume", action="store_true",
                   help="finish interrupted work in --out without redoing what is done")
    p.add_argument("--no-plots", action="store_true", help="write data only")


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(
            f"must be at least 1: {text}" if least == 1 else f"must be {least} or more: {text}")
    return value


def _positive(text: str) -> int:
    return _whole(text, 1)


def _runs(text: str) -> int:
    """A number of runs that may be 0 (brink play's debrief)."""
    return _whole(text, 0)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2^63-1: {text}")
    return value


def resolve_scenario_path(name: str) -> Path:
    """A path as given, or the bundled scenario of that name."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name:
        return path
    bundled = SCENARIO_DIR / f"{name}.yaml"
    if bundled.exists():
        return bundled
    known = ", ".join(p.stem for p in sorted(SCENARIO_DIR.glob("*.yaml")))
    raise UsageError(f"no file or bundled scenario named {name!r} (bundled: {known})")


def cmd_run(args: argparse.Namespace) -> int:
    """brink run."""
    from sim.results import account, run, write_outputs

    path = resolve_scenario_path(args.scenario)
    scenario = load_scenario(path, args.overrides)
    seed = args.seed if args.seed is not None else (scenario.seed or 0)
    out = args.out or Path("runs") / f"{path.stem}-{seed}"
    _check_writable(out)
    history = _history_plan(scenario, args.history) if args.history else None
    result = run(scenario, seed=seed, history=history)
    _check_same_run(out, result.summary)
    try:
        written = write_outputs(result, out, plots=not args.no_plots)
    except OSError as err:
        raise UsageError(f"cannot write to {out}: {err.strerror or err}") from None
    if args.quiet:
        print(out)
    else:
        print(account(result))
        print(f"Wrote {len(written)} files to {out}/")
    return 0


def _check_same_run(out: Path, summary: dict[str, Any]) -> None:
    """Rerunning the same run into its folder is harmless (same bytes); another run is not."""
    previous = out / "summary.json"
    if not previous.exists():
        return
    try:
        old = json.loads(previous.read_text())
    except (OSError, ValueError):
        old = {}
    keys = ("scenario_sha256", "seed", "history", "version")
    if any(old.get(k) != summary.get(k) for k in keys):
        raise UsageError(f"{out} holds the results of another run (other scenario, overrides, "
                         "seed or history); choose another --out")


def _history_plan(scenario: Scenario, names: list[str]) -> dict[str, Any]:
    """The recorded acts of the actors named by --history (validated against the scenario)."""
    from sim.history import replay_plan
    from sim.scenario.schema import did_you_mean

    actors = list(scenario.actors)
    wanted = actors if "all" in names else names
    for name in wanted:
        if name not in actors:
            raise UsageError(f"--history {name}: no such actor in the scenario"
                             f"{did_you_mean(name, actors)} (actors: {', '.join(actors)})")
    return replay_plan(wanted, scenario.start, scenario.end, known=set(actors))


def _check_writable(out: Path) -> None:
    from sim.results import unwritable  # not at the top: `brink validate` needs no model

    problem = unwritable(out)
    if problem:
        raise UsageError(problem)


def _prepare_many(args: argparse.Namespace, command: str) -> tuple[Scenario, Path]:
    from sim.sweep import check_params

    path = resolve_scenario_path(args.scenario)
    scenario = load_scenario(path, args.overrides)
    if getattr(args, "param", None):
        check_params(scenario, args.param, grid=command == "sweep")
    out = args.out or Path("runs") / f"{path.stem}-{command}-{args.seed}"
    _check_writable(out)
    from sim.ensemble import WORK

    if not args.resume and (out / "summary.json").exists() and not (out / WORK).exists():
        raise UsageError(f"{out} already holds results; choose another --out")
    return scenario, out


def _many(args: argparse.Namespace, command: str, call: Any) -> int:
    """Run an ensemble-type command: errors in one line, Ctrl-C keeps finished work."""
    from sim.ensemble import EnsembleError

    try:
        scenario, out = _prepare_many(args, command)
    except EnsembleError as err:
        raise UsageError(str(err)) from None
    try:
        result = call(scenario, out)
    except EnsembleError as err:
        raise UsageError(str(err)) from None
    except KeyboardInterrupt:
        print(f"brink: interrupted; finished runs are kept in {out}; rerun the same command "
              "with --resume to complete it", file=sys.stderr)
        return 130
    print(_describe_many(command, result, out))
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    """brink ensemble."""
    from sim.ensemble import run_ensemble

    return _many(args, "ensemble", lambda scn, out: run_ensemble(
        scn, runs=args.runs, seed=args.seed, workers=args.workers, scheduler=args.scheduler,
        out=out, resume=args.resume, plots=not args.no_plots, progress=None))


def cmd_sweep(args: argparse.Namespace) -> int:
    """brink sweep."""
    from sim.sweep import run_sweep

    return _many(args, "sweep", lambda scn, out: run_sweep(
        scn, args.param, runs=args.runs, seed=args.seed, workers=args.workers,
        scheduler=args.scheduler, out=out, resume=args.resume, plots=not args.no_plots,
        progress=None))


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """brink sensitivity."""
    from sim.sweep import run_sensitivity

    return _many(args, "sensitivity", lambda scn, out: run_sensitivity(
        scn, args.param, method=args.method, samples=args.samples, runs=args.runs,
        seed=args.seed, workers=args.workers, scheduler=args.scheduler, out=out,
        resume=args.resume, plots=not args.no_plots, progress=None))


def _describe_many(command: str, result: Any, out: Path) -> str:
    s = result.attrs["summary"]
    if command == "ensemble":
        shares = ", ".join(f"{o} {_pct(v['share'])} ({_pct(v['low'])}-{_pct(v['high'])})"
                           for o, v in s["outcomes"].items())
        head = f"{s['scenario']}: {s['runs']} runs (seed {s['seed']}): {shares}"
    elif command == "sweep":
        head = (f"{s['scenario']}: {s['cells']} cells x {s['runs_per_cell']} runs; P(war) from "
                f"{_pct(result['p_war'].min())} to {_pct(result['p_war'].max())} across cells")
    else:
        top = result[(result["output"] == "p_war")].sort_values("value", ascending=False)
        name = "mu*" if result.attrs["method"] == "morris" else "S_T"
        ranked = ", ".join(f"{r.param} {name}={r.value:.2f}" for r in top.head(5).itertuples()
                           if r.index in ("mu_star", "ST"))
        head = f"{s['scenario']}: sensitivity of P(war) ({result.attrs['method']}): {ranked}"
    return f"{head}\nWrote results to {out}/"


def cmd_history(args: argparse.Namespace) -> int:
    """brink history."""
    import datetime as dt

    from sim import compare, history
    from sim.plots import to_bytes
    from sim.results import write_atomically

    folder = args.folder
    if folder is not None and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder written by brink run or brink ensemble")
    out = args.out or (folder / "history" if folder else Path("runs") / "history")
    _check_writable(out)
    record = history.load_record()
    figures = {"record_timeline": history.plot_record_timeline(record, start="2021-11-01"),
               "record_goldstein": history.plot_record_goldstein(record, start="2021-11-01"),
               "troops": history.plot_troops(), "ceasefire": history.plot_ceasefire()}
    tables: dict[str, bytes] = {}
    lines = [f"The record: {len(record)} coded events, {record['date'].min():%d %b %Y} to "
             f"{record['date'].max():%d %b %Y}."]
    if folder is not None:
        _check_shares_actors_with_record(folder, set(record["actor"]))
    if folder is not None and (folder / "goldstein_weekly.csv").exists():
        merged, per_week, overall = compare.fit_ensemble(folder)
        figures["ensemble_vs_record"] = compare.plot_run_vs_record(merged)
        figures["fit_by_week"] = compare.plot_fit(per_week, overall)
        sim_mix, rec_mix, start = compare.ensemble_mix(folder, record)
        figures["mix_vs_record"] = compare.plot_mix(sim_mix, rec_mix, start,
                                                    left="simulated (mean of runs)")
        tables["fit.csv"] = _csv_bytes(merged)
        tables["fit_by_week.csv"] = _csv_bytes(per_week)
        lines.append(f"Fit to the record: {overall:.2f} of week-dyad values inside the "
                     f"ensemble's 90% band (0.9 would be a perfectly calibrated band).")
    elif folder is not None and (folder / "events.csv").exists():
        table = compare.compare_run(folder)
        s = table.attrs["summary"]
        start = dt.date.fromisoformat(s["start"])
        last = min(record["date"].max().date(), dt.date.fromisoformat(s["end"]))
        actors = sorted(s["final_rungs"])
        events = compare.read_events(folder)
        figures["run_vs_record"] = compare.plot_run_vs_record(table)
        figures["mix_vs_record"] = compare.plot_mix(compare.mix(events, start, last, actors),
                                                    compare.mix(record, start, last, actors),
                                                    start)
        tables["compare.csv"] = _csv_bytes(table)
        gap = (table["simulated"] - table["record"]).abs().mean()
        lines.append(f"Mean absolute weekly difference from the record: {gap:.1f} Goldstein "
                     f"points per dyad.")
    elif folder is not None:
        raise UsageError(f"{folder} has neither events.csv (a run) nor goldstein_weekly.csv "
                         "(an ensemble)")
    files = [(f"{name}.{fmt}", to_bytes(fig, fmt)) for name, fig in figures.items()
             for fmt in ("png", "svg")]
    write_atomically(out, [*files, *tables.items()])
    print("\n".join([*lines, f"Wrote {len(files) + len(tables)} files to {out}/"]))
    return 0


def _check_shares_actors_with_record(folder: Path, recorded: set[str]) -> None:
    summary = folder / "summary.json"
    if not summary.exists():
        return
    data = json.loads(summary.read_text())
    actors = set(data.get("actors") or data.get("final_rungs") or ())
    if len(actors & recorded) < 2:
        raise UsageError(f"{folder}: its actors ({', '.join(sorted(actors))}) share no pair with "
                         "the record of 2021/22 (RUS, USA, NATO, UKR): nothing to compare")


def _csv_bytes(frame: Any) -> bytes:
    return frame.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode()


def _pct(x: float) -> str:
    """A share as a percentage, with a decimal when it is small (0.4%, not 0%)."""
    return f"{x:.0%}" if x == 0 or x >= 0.1 else f"{x:.1%}"


def cmd_play(args: argparse.Namespace) -> int:
    """brink play (the game itself is sim.play)."""
    from sim import play

    try:
        if args.replay is not None:
            if args.scenario or args.played or args.seed is not None or args.skip_quiet:
                raise UsageError("--replay takes the scenario, players and seed from the game "
                                 "file: give no SCENARIO, --as, --seed or --skip-quiet with it")
            play.replay(args.replay, model_for=args.model_for, out=args.out, runs=args.runs,
                        plots=not args.no_plots)
            return 0
        if args.model_for:
            raise UsageError("--model-for goes with --replay GAME_JSON")
        if not args.scenario:
            raise UsageError("play needs a scenario (a file or a bundled name) and --as ACTOR, "
                             "or --replay GAME_JSON")
        play.play(resolve_scenario_path(args.scenario), args.played, seed=args.seed,
                  out=args.out, skip_quiet=args.skip_quiet, runs=args.runs,
                  plots=not args.no_plots)
    except play.PlayError as err:
        raise UsageError(str(err)) from None
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """brink validate."""
    bad = 0
    for name in args.files:
        try:
            s = load_scenario(name, args.overrides)
        except ScenarioError as err:
            bad += 1
            for p in err.problems:
                print(str(p), file=sys.stderr)
            continue
        print(f"ok: {name}: {_one_line(s)}")
    if bad:
        print(f"brink: {bad} of {len(args.files)} file(s) invalid", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _one_line(s: Scenario) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}" + ("" if n == 1 else "s")

    return (f"{s.name}; {count(len(s.actors), 'actor')}, {count(len(s.issues), 'issue')}, "
            f"{count(len(s.talks), 'talk round')}, {s.start} to {s.end}")


def cmd_scenarios(args: argparse.Namespace) -> int:
    """brink scenarios."""
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        try:
            s = load_scenario(path)
        except ScenarioError as err:
            print(f"{path.stem:<28} INVALID: {err.problems[0]}")
            continue
        blurb = " ".join(s.description.split())
        first = blurb.split(". ")[0].rstrip(".")
        print(f"{path.stem:<28} {s.name}: {first}.")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """brink schema."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out:
        from sim.results import write_atomically

        write_atomically(args.out.parent if str(args.out.parent) else Path("."),
                         [(args.out.name, text.encode())])
    else:
        sys.stdout.write(text)
    return 0


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535: {text}")
    return value


def cmd_dashboard(args: argparse.Namespace) -> int:
    """brink dashboard: check the scenario and the port, then run the Solara server."""
    from sim.dashboard.serve import serve

    path = resolve_scenario_path(args.scenario)
    load_scenario(path)  # a bad scenario: one line per problem, exit 2, no server
    return serve(path, args.host, args.port, UsageError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
