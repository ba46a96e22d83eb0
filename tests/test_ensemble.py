"""Ensembles, sweeps and sensitivity: same numbers however computed, resumable, honest stats."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import (
    EnsembleError,
    _hist_quantiles,
    locked,
    outcome_shares,
    run_ensemble,
    spawn_seeds,
    wilson,
)
from sim.results import run
from sim.scenario import ScenarioError, load_scenario
from sim.sweep import parse_param, run_sensitivity, run_sweep
from tests.conftest import FLAGSHIP, ROOT

TWO = ROOT / "scenarios" / "two-states.yaml"
FILES = ("runs.csv", "summary.json", "quantiles.csv", "war_by_date.csv")


def test_seeds_are_spawned_deterministically_and_prefix_stable() -> None:
    a = spawn_seeds(7, 10)
    assert a == spawn_seeds(7, 10)
    assert a[:4] == spawn_seeds(7, 4)
    assert len(set(a)) == 10 and spawn_seeds(8, 10) != a


def test_wilson_interval_hand_values() -> None:
    # 5/10: centre (0.5 + 1.9208/10)/1.38415 = 0.5; half = 1.96*sqrt(0.025+0.0096)/1.38415
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    shares = outcome_shares({"war": 3, "standoff": 7})
    assert shares["war"]["share"] == 0.3 and shares["settlement"]["runs"] == 0
    assert shares["settlement"]["low"] == 0.0


def test_histogram_quantiles_by_hand() -> None:
    # 10 runs on one day: values 0 (x2), 1 (x3), 4 (x5)
    hist = np.array([[2, 3, 0, 0, 5]])
    q = _hist_quantiles(hist, (0.05, 0.25, 0.5, 0.75, 0.95))
    assert q.tolist() == [[0.0, 1.0, 1.0, 4.0, 4.0]]


def test_ensemble_rows_are_the_single_runs_of_the_spawned_seeds() -> None:
    df = run_ensemble(FLAGSHIP, runs=6, seed=3)
    for row in df.itertuples():
        single = run(FLAGSHIP, seed=row.seed)
        assert row.outcome == single.summary["outcome"]
        assert row.outcome_date == single.summary["outcome_date"]
        assert row.seed == spawn_seeds(3, 6)[row.run]


def test_serial_and_two_workers_write_identical_files(tmp_path: Path) -> None:
    a = run_ensemble(FLAGSHIP, runs=24, seed=5, workers=1, out=tmp_path / "a", plots=False)
    b = run_ensemble(FLAGSHIP, runs=24, seed=5, workers=2, out=tmp_path / "b", plots=False)
    pd.testing.assert_frame_equal(a, b)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert not (tmp_path / "a" / ".brink-work").exists()


def test_dask_cluster_gives_the_serial_result() -> None:
    distributed = pytest.importorskip("distributed")
    serial = run_ensemble(FLAGSHIP, runs=12, seed=9)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = run_ensemble(FLAGSHIP, runs=12, seed=9, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(serial, on_dask)
    assert serial.attrs["summary"] == on_dask.attrs["summary"]
    assert serial.attrs["quantiles"].equals(on_dask.attrs["quantiles"])


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with pytest.raises(EnsembleError, match="cannot reach the Dask scheduler"):
        run_ensemble(TWO, runs=2, scheduler="tcp://127.0.0.1:9")


def test_summary_quantiles_and_war_curve_are_consistent() -> None:
    df = run_ensemble(FLAGSHIP, runs=20, seed=1)
    s = df.attrs["summary"]
    assert s["runs"] == 20 and sum(v["runs"] for v in s["outcomes"].values()) == 20
    assert s["outcomes"]["war"]["runs"] == (df["outcome"] == "war").sum()
    war = df.attrs["war_by_date"]
    assert war.is_monotonic_increasing
    assert war.iloc[-1] == pytest.approx((df["outcome"] == "war").mean())
    q = df.attrs["quantiles"]
    rus = q[q["series"] == "rung.RUS"]
    assert (rus["q05"] <= rus["q50"]).all() and (rus["q50"] <= rus["q95"]).all()
    assert rus["q50"].iloc[0] == 5  # Russia starts mobilised in every run


def brink(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for(checkpoint: Path, seconds: float = 120) -> None:
    """Wait until the first chunk's checkpoint exists (some work is saved, some is not)."""
    deadline = time.monotonic() + seconds
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_ensemble_resumes_to_the_same_files(tmp_path: Path, sig: int) -> None:
    args = ["ensemble", str(FLAGSHIP), "--runs", "48", "--seed", "4", "--workers", "1",
            "--no-plots"]
    whole = brink(*args, "--out", str(tmp_path / "whole"))
    cut = brink(*args, "--out", str(tmp_path / "cut"))
    wait_for(tmp_path / "cut" / ".brink-work" / "cell-00000.npz")
    cut.send_signal(sig)
    _, err = cut.communicate(timeout=60)
    assert cut.returncode != 0
    if sig == signal.SIGINT:
        assert "--resume" in err and "Traceback" not in err
    assert not (tmp_path / "cut" / "summary.json").exists()
    # without --resume the unfinished folder is refused, not overwritten
    again = brink(*args, "--out", str(tmp_path / "cut"))
    _, err = again.communicate(timeout=60)
    assert again.returncode == 2 and "--resume" in err
    resumed = brink(*args, "--out", str(tmp_path / "cut"), "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert whole.wait(timeout=300) == 0
    for name in FILES:
        assert (tmp_path / "whole" / name).read_bytes() == \
            (tmp_path / "cut" / name).read_bytes(), name
    rows = pd.read_csv(tmp_path / "cut" / "runs.csv")
    assert rows["run"].tolist() == list(range(48))  # none lost, none twice


def test_resume_with_other_settings_is_refused(tmp_path: Path) -> None:
    work = tmp_path / "x" / ".brink-work"
    work.mkdir(parents=True)
    (work / "plan.json").write_text("{}")
    with pytest.raises(EnsembleError, match="other settings"):
        run_ensemble(TWO, runs=4, out=tmp_path / "x", resume=True)


def test_a_second_command_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with locked(tmp_path), pytest.raises(EnsembleError, match="another brink command"):
        run_ensemble(TWO, runs=2, out=tmp_path)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(EnsembleError, match="at least 1"):
        run_ensemble(TWO, runs=0)
    with pytest.raises(EnsembleError, match="at least 1"):
        run_ensemble(TWO, runs=2, workers=0)


# --------------------------------------------------------------------------- sweeps


@pytest.mark.parametrize("text, values", [
    ("parameters.rationality=0.5:4:8", tuple(np.linspace(0.5, 4, 8))),
    ("actors.RUS.resolve=0.2,0.5,0.9", (0.2, 0.5, 0.9)),
])
def test_param_grammar(text: str, values: tuple[float, ...]) -> None:
    p = parse_param(text)
    assert p.path == text.split("=")[0]
    assert p.values == pytest.approx(values)


@pytest.mark.parametrize("text", ["x", "a.b=1:0:3", "a.b=0:1:1", "a.b=0:1:2.5", "a.b=x:1:3",
                                  "a.b=0:1", "=0:1:3"])
def test_bad_param_ranges(text: str) -> None:
    with pytest.raises(EnsembleError):
        parse_param(text)


def test_sweep_cells_share_seeds_and_move_the_right_way() -> None:
    table = run_sweep(TWO, ["actors.BBB.resolve=0.1,0.1,0.95"], runs=20, seed=2)
    assert len(table) == 3 and (table["runs"] == 20).all()
    # identical cells, identical seeds: identical results (common random numbers)
    assert table.loc[0, "p_settlement"] == table.loc[1, "p_settlement"]
    runs = table.attrs["runs"]
    assert len(runs) == 60 and runs.groupby("cell")["seed"].apply(tuple).nunique() == 1
    for o in ("war", "settlement", "standoff"):
        assert (table[f"p_{o}_low"] <= table[f"p_{o}"]).all()
        assert (table[f"p_{o}"] <= table[f"p_{o}_high"]).all()


def test_sweep_rejects_bad_paths_before_running() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'resolve'"):
        run_sweep(TWO, ["actors.BBB.resolv=0.1:0.9:3"], runs=2)


def test_sweep_two_params_writes_table_and_heatmap(tmp_path: Path) -> None:
    table = run_sweep(load_scenario(TWO), ["actors.BBB.resolve=0.2:0.8:2",
                                           "parameters.rationality=5,40"],
                      runs=4, out=tmp_path)
    assert len(table) == 4
    assert {"cells.csv", "runs.csv", "summary.json", "sweep.png", "sweep.svg"} <= {
        p.name for p in tmp_path.iterdir()}


def test_sensitivity_morris_ranks_every_parameter(tmp_path: Path) -> None:
    params = ["actors.RUS.resolve=0.3:0.95", "actors.USA.credibility=0.05:0.95",
              "parameters.reciprocity=0:1"]
    ind = run_sensitivity(FLAGSHIP, params, method="morris", samples=4, runs=6, workers=2,
                          out=tmp_path)
    war = ind[(ind["output"] == "p_war") & (ind["index"] == "mu_star")]
    assert sorted(war["param"]) == sorted(p.split("=")[0] for p in params)
    assert (war["value"] >= 0).all() and war["conf"].notna().all()
    assert (tmp_path / "sensitivity.png").exists() and (tmp_path / "indices.csv").exists()


def test_sensitivity_sobol_needs_power_of_two() -> None:
    with pytest.raises(EnsembleError, match="power of 2"):
        run_sensitivity(TWO, ["actors.AAA.resolve=0:1", "actors.BBB.resolve=0:1"],
                        method="sobol", samples=6, runs=2)
    ind = run_sensitivity(TWO, ["actors.AAA.resolve=0.1:0.9", "actors.BBB.resolve=0.1:0.9"],
                          method="sobol", samples=4, runs=2)
    assert set(ind["index"]) == {"S1", "ST"}


def test_killed_sweep_resumes_to_the_same_files(tmp_path: Path) -> None:
    args = ["sweep", str(FLAGSHIP), "--param", "actors.RUS.resolve=0.6,0.9", "--runs", "16",
            "--seed", "3", "--workers", "1", "--no-plots"]
    whole = brink(*args, "--out", str(tmp_path / "whole"))
    cut = brink(*args, "--out", str(tmp_path / "cut"))
    wait_for(tmp_path / "cut" / ".brink-work" / "cell-00000.npz")
    cut.send_signal(signal.SIGKILL)
    cut.communicate(timeout=60)
    resumed = brink(*args, "--out", str(tmp_path / "cut"), "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert whole.wait(timeout=300) == 0
    for name in ("cells.csv", "runs.csv", "summary.json"):
        assert (tmp_path / "whole" / name).read_bytes() == \
            (tmp_path / "cut" / name).read_bytes(), name
