"""The command line, end to end, as a user runs it (in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FLAGSHIP, ROOT


def brink(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_run_writes_data_and_plots_and_prints_an_account(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = brink("run", str(FLAGSHIP), "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Winter crisis 2021/22 (seed 3):" in r.stdout
    assert "Strategic Stability Dialogue" in r.stdout
    names = {p.name for p in out.iterdir()}
    for stem in ("escalation", "positions", "timeline", "beliefs", "goldstein"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert {"events.csv", "timeseries.csv", "talks.csv", "summary.json"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["outcome"] in {"war", "settlement", "standoff"}
    assert summary["scenario_file_sha256"] and summary["version"]
    header = (out / "events.csv").read_text().splitlines()[0]
    assert header == "date,kind,actor,target,action,cameo,goldstein,rung,reason"


def test_default_output_folder_and_bundled_name(tmp_path: Path) -> None:
    r = brink("run", "two-states", "--no-plots", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "runs" / "two-states-0"
    assert (folder / "summary.json").exists()
    assert not list(folder.glob("*.png"))


def test_same_seed_gives_byte_identical_outputs(tmp_path: Path) -> None:
    for name in ("a", "b"):
        r = brink("run", str(FLAGSHIP), "--seed", "11", "--out", str(tmp_path / name),
                  "--set", "parameters.rationality=25")
        assert r.returncode == 0, r.stderr
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_python_dash_m_and_set_overrides_are_recorded(tmp_path: Path) -> None:
    r = brink("run", str(FLAGSHIP), "--seed", "1", "--no-plots", "--out", str(tmp_path),
              "--set", "actors.RUS.resolve=0.4")
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["overrides"] == ["actors.RUS.resolve=0.4"]


@pytest.mark.parametrize("args, message", [
    (["--set", "actors.RUS.resolv=0.4"], "did you mean 'resolve'"),
    (["--set", "actors.RUSS.resolve=0.4"], "unknown actor 'RUSS' (did you mean 'RUS'?)"),
    (["--set", "actors.RUS.resolve=high"], "actors.RUS.resolve"),
    (["--set", "parameters.rationality"], "expected KEY.PATH=VALUE"),
    (["--seed", "-4"], "must be between"),
    (["--seed", "x"], "not a whole number"),
])
def test_bad_command_line_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str],
                                                       message: str) -> None:
    out = tmp_path / "out"
    r = brink("run", str(FLAGSHIP), "--out", str(out), *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_bad_scenario_file_reports_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: Broken\nstart: 2030-01-01\nend: 2030-02-01\n"
        "issues:\n  border: {label: B, low: a, high: b}\n"
        "actors:\n"
        "  AAA: {name: A, capability: 2, resolve: 0.5, positions: {border: 0}}\n"
        "  BBB: {name: B, capability: 0.5, resolve: 0.5, positions: {bordr: 100}}\n"
        "talks:\n  - {date: 2031-01-01, name: T, participants: [AAA, CCC]}\n")
    out = tmp_path / "out"
    r = brink("run", str(bad), "--out", str(out))
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert f"{bad}:7: actors.AAA.capability: " in r.stderr
    assert f"{bad}:8: actors.BBB.positions.bordr: unknown issue 'bordr'" in r.stderr
    assert f"{bad}:10: talks.0.date: date 2031-01-01 is outside" in r.stderr
    assert f"{bad}:10: talks.0.participants.1: unknown actor 'CCC'" in r.stderr
    assert lines[-1].startswith("brink: ") and "nothing written" in lines[-1]
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_output_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    r = brink("run", str(FLAGSHIP), "--out", str(target))
    assert r.returncode == 2 and "is a file" in r.stderr


def test_unknown_bundled_scenario_lists_the_bundled_ones() -> None:
    r = brink("run", "winter-2012")
    assert r.returncode == 2 and "winter-2021-22" in r.stderr


def test_validate_scenarios_and_schema(tmp_path: Path) -> None:
    r = brink("validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml"))))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("ok: ") == len(list((ROOT / "scenarios").glob("*.yaml")))
    bad = tmp_path / "x.yaml"
    bad.write_text("name: [unclosed\n")
    r = brink("validate", str(FLAGSHIP), str(bad))
    assert r.returncode == 2 and f"{bad}:" in r.stderr and "ok: " in r.stdout
    r = brink("scenarios")
    assert r.returncode == 0 and "winter-2021-22" in r.stdout
    r = brink("schema")
    schema = json.loads(r.stdout)
    assert "actors" in schema["properties"]


def test_version() -> None:
    r = brink("--version")
    assert r.returncode == 0 and r.stdout.startswith("brink ")


def test_history_record_run_and_ensemble(tmp_path: Path) -> None:
    r = brink("history", "--out", str(tmp_path / "rec"))
    assert r.returncode == 0, r.stderr
    assert {"record_timeline.png", "record_goldstein.svg", "troops.png"} <= {
        p.name for p in (tmp_path / "rec").iterdir()}
    run_dir = tmp_path / "run"
    assert brink("run", str(FLAGSHIP), "--seed", "2", "--no-plots", "--out",
                 str(run_dir)).returncode == 0
    r = brink("history", str(run_dir))
    assert r.returncode == 0, r.stderr
    assert "Mean absolute weekly difference" in r.stdout
    assert (run_dir / "history" / "compare.csv").exists()
    ens = tmp_path / "ens"
    assert brink("ensemble", str(FLAGSHIP), "--runs", "8", "--workers", "1", "--no-plots",
                 "--out", str(ens)).returncode == 0
    r = brink("history", str(ens))
    assert r.returncode == 0, r.stderr
    assert "Fit to the record" in r.stdout
    fit = (ens / "history" / "fit_by_week.csv").read_text().splitlines()
    assert fit[0] == "week_start,fit" and len(fit) > 5
    r = brink("history", str(tmp_path / "rec"))
    assert r.returncode == 2 and "neither events.csv" in r.stderr


def test_history_replay_from_the_command_line(tmp_path: Path) -> None:
    r = brink("run", str(FLAGSHIP), "--history", "all", "--no-plots", "--out", str(tmp_path),
              "--set", "parameters.incident_risk=0")
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["history"] == ["RUS", "USA", "NATO", "UKR"]  # scenario order
    assert (summary["outcome"], summary["outcome_date"]) == ("war", "2022-02-24")
    r = brink("run", str(FLAGSHIP), "--history", "RUZ", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "did you mean 'RUS'" in r.stderr


def test_rerunning_into_a_folder_is_fine_but_another_run_is_refused(tmp_path: Path) -> None:
    assert brink("run", "two-states", "--no-plots", "--out", str(tmp_path)).returncode == 0
    assert brink("run", "two-states", "--no-plots", "--out", str(tmp_path)).returncode == 0
    r = brink("run", "two-states", "--seed", "9", "--no-plots", "--out", str(tmp_path))
    assert r.returncode == 2 and "another run" in r.stderr
    r = brink("history", str(tmp_path))
    assert r.returncode == 2 and "share no pair with the record" in r.stderr
