"""The historical record (sim/data/record.yaml) and the helpers of sim.history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.history import (
    FLAGSHIP,
    NEGOTIATE,
    RecordError,
    ceasefire_violations,
    goldstein_table,
    load_record,
    plot_record_goldstein,
    plot_record_timeline,
    plot_troops,
    replay_plan,
    troop_estimates,
)
from sim.model.actions import ACTIONS

TSV = Path(__file__).resolve().parents[1] / "sim" / "data" / "cameo_goldstein.tsv"


@pytest.fixture(scope="module")
def record() -> pd.DataFrame:
    return load_record()


def _has(record: pd.DataFrame, date: str, actor: str, target: str, *actions: str) -> bool:
    day = record[record["date"] == pd.Timestamp(date)]
    return bool(((day["actor"] == actor) & (day["target"] == target)
                 & day["action"].isin(actions)).any())


# --------------------------------------------------------------------------- the file


def test_record_loads(record: pd.DataFrame) -> None:
    assert list(record.columns) == ["date", "actor", "target", "action", "cameo", "goldstein",
                                    "note", "source"]
    assert pd.api.types.is_datetime64_any_dtype(record["date"])
    assert len(record) >= 60
    assert not record["target"].isna().any()          # '' when there is none
    assert record["source"].str.match(r"^https?://").all()
    assert (record["note"].str.len() > 0).all()


def test_every_action_is_in_the_catalog_or_negotiate(record: pd.DataFrame) -> None:
    allowed = (set(ACTIONS) - {"hold"}) | {NEGOTIATE}
    assert set(record["action"]) <= allowed


def test_cameo_and_goldstein_match_the_gdelt_table(record: pd.DataFrame) -> None:
    table = dict(line.split("\t") for line in TSV.read_text().splitlines()[1:] if line)
    for row in record.itertuples():
        if row.cameo == "176":
            assert row.goldstein == -7.0, row
        else:
            assert row.cameo in table, row
            assert row.goldstein == float(table[row.cameo]), row
    assert goldstein_table()["046"] == 7.0


def test_codes_belong_to_the_action_root(record: pd.DataFrame) -> None:
    for row in record.itertuples():
        base = "046" if row.action == NEGOTIATE else ACTIONS[row.action].cameo
        assert row.cameo[:2] == base[:2], row


def test_dates_sorted_and_in_span(record: pd.DataFrame) -> None:
    assert record["date"].is_monotonic_increasing
    assert record["date"].min() >= pd.Timestamp("2021-03-01")
    assert record["date"].max() <= pd.Timestamp("2022-02-24")
    # dense from December 2021 on
    assert (record["date"] >= pd.Timestamp("2021-12-01")).sum() >= 60


def test_flagship_actors_all_act(record: pd.DataFrame) -> None:
    assert set(FLAGSHIP) <= set(record["actor"])
    assert (record["actor"] == record["target"]).sum() == 0


# --------------------------------------------------------------------------- key events


def test_invasion(record: pd.DataFrame) -> None:
    war = record[(record["date"] == pd.Timestamp("2022-02-24")) & (record["actor"] == "RUS")
                 & (record["target"] == "UKR") & (record["action"] == "use_force")]
    assert len(war) == 1
    assert war.iloc[0]["cameo"] == "190" and war.iloc[0]["goldstein"] == -10.0


def test_russian_demands_of_december(record: pd.DataFrame) -> None:
    assert _has(record, "2021-12-15", "RUS", "USA", "demand")
    assert _has(record, "2021-12-17", "RUS", "USA", "demand")
    assert _has(record, "2021-12-17", "RUS", "NATO", "demand")


@pytest.mark.parametrize("date", ["2021-12-07", "2021-12-30", "2022-02-12"])
def test_biden_putin_calls(record: pd.DataFrame, date: str) -> None:
    for a, b in (("USA", "RUS"), ("RUS", "USA")):
        assert _has(record, date, a, b, NEGOTIATE, "leader_call")


@pytest.mark.parametrize(("date", "pairs"), [
    ("2022-01-10", [("USA", "RUS")]),                       # Strategic Stability Dialogue
    ("2022-01-12", [("NATO", "RUS"), ("USA", "RUS")]),      # NATO-Russia Council
    ("2022-01-13", [("USA", "RUS")]),                       # OSCE Permanent Council
])
def test_january_talks(record: pd.DataFrame, date: str, pairs: list[tuple[str, str]]) -> None:
    for a, b in pairs:
        assert _has(record, date, a, b, NEGOTIATE)
        assert _has(record, date, b, a, NEGOTIATE)


def test_talks_come_in_both_directions(record: pd.DataFrame) -> None:
    talks = record[record["action"].isin([NEGOTIATE, "leader_call"])]
    forward = set(zip(talks["date"], talks["actor"], talks["target"], talks["action"]))
    for date, a, b, act in forward:
        assert (date, b, a, act) in forward, (date, a, b, act)


def test_aid_to_ukraine_is_cooperative(record: pd.DataFrame) -> None:
    aid = record[record["action"] == "military_aid"]
    assert not aid.empty
    assert (aid["target"] == "UKR").all() and (aid["goldstein"] == 8.3).all()


# --------------------------------------------------------------------------- validation


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "record.yaml"
    path.write_text(body, encoding="utf-8")
    return path


EVENT = """- date: 2022-01-10
  actor: USA
  target: RUS
  action: {action}
  cameo: {cameo}
  goldstein: {goldstein}
  note: A test event.
  source: https://example.org/a
"""


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, EVENT.format(action="warn", cameo='"1313"', goldstein=-5.8))
    frame = load_record(path)
    assert frame.iloc[0]["cameo"] == "1313"


@pytest.mark.parametrize(("action", "cameo", "goldstein", "message"), [
    ("bluster", '"130"', -4.4, "unknown action"),
    ("warn", '"130"', -5.0, "Goldstein of CAMEO 130 is -4.4"),
    ("warn", '"041"', 1.0, "outside the root"),
    ("warn", "130", -4.4, "quote the CAMEO code"),
    ("warn", '"1399"', -4.4, "not in GDELT's table"),
])
def test_invalid_events_are_refused(tmp_path: Path, action: str, cameo: str, goldstein: float,
                                    message: str) -> None:
    path = _write(tmp_path, EVENT.format(action=action, cameo=cameo, goldstein=goldstein))
    with pytest.raises(RecordError, match=message):
        load_record(path)


def test_out_of_order_events_are_refused(tmp_path: Path) -> None:
    later = EVENT.format(action="warn", cameo='"130"', goldstein=-4.4)
    earlier = later.replace("2022-01-10", "2022-01-09")
    with pytest.raises(RecordError, match="date order"):
        load_record(_write(tmp_path, later + earlier))


# --------------------------------------------------------------------------- replay


def test_replay_plan_for_russia(record: pd.DataFrame) -> None:
    plan = replay_plan(["RUS"], dt.date(2021, 12, 1), dt.date(2022, 3, 31),
                       known=set(FLAGSHIP), record=record)
    acts = plan["RUS"]
    assert (dt.date(2022, 2, 24), "use_force", "UKR") in {(d, a, t) for d, a, t, _ in acts}
    assert all(a != NEGOTIATE for _, a, _, _ in acts)
    assert all(t is None or t in FLAGSHIP for _, _, t, _ in acts)
    assert all(dt.date(2021, 12, 1) <= d <= dt.date(2022, 3, 31) for d, _, _, _ in acts)
    assert all(isinstance(d, dt.date) and isinstance(n, str) for d, _, _, n in acts)
    assert [d for d, *_ in acts] == sorted(d for d, *_ in acts)


def test_replay_plan_drops_unknown_targets(record: pd.DataFrame) -> None:
    small = replay_plan(["RUS", "USA"], "2021-12-01", "2022-02-24", known={"RUS", "USA"},
                        record=record)
    assert all(t in {None, "RUS", "USA"} for acts in small.values() for _, _, t, _ in acts)
    assert not any(a == "use_force" for _, a, _, _ in small["RUS"])   # aimed at UKR
    # acts aimed at others (GBR, FRA, SEP...) are dropped with the default actor set
    default = replay_plan(["USA"], "2021-03-01", "2022-02-24", record=record)
    assert all(t is None or t in FLAGSHIP for _, _, t, _ in default["USA"])
    assert replay_plan(["XYZ"], "2021-12-01", "2022-01-01", record=record) == {"XYZ": []}


# --------------------------------------------------------------------------- series


def test_troop_estimates_rise() -> None:
    est = troop_estimates()
    assert {"date", "low", "high", "source_org", "url"} <= set(est.columns)
    assert (est["low"] <= est["high"]).all()
    december = est[(est["date"] >= "2021-12-01") & (est["date"] <= "2021-12-31")]
    peak = est[est["date"] == pd.Timestamp("2022-02-18")]
    assert not december.empty and not peak.empty
    assert december["high"].max() < peak["low"].min()
    assert december["mid"].mean() < peak["mid"].mean()


def test_ceasefire_violations_rise() -> None:
    cfv = ceasefire_violations()
    assert list(cfv.columns) == ["date", "donetsk", "luhansk", "total", "url"]
    full = cfv.dropna(subset=["total"])
    assert full["total"].iloc[0] == 153
    assert full.set_index("date")["total"].loc["2022-02-18"] == 1566
    assert cfv["total"].isna().any()      # not everything was retrieved


# --------------------------------------------------------------------------- plots


def _drawn(fig: Figure) -> int:
    return sum(len(ax.lines) + len(ax.collections) for ax in fig.axes)


@pytest.mark.parametrize("make", [
    lambda rec: plot_record_timeline(rec),
    lambda rec: plot_record_timeline(rec, start="2021-12-01"),
    lambda rec: plot_record_goldstein(rec),
    lambda rec: plot_record_goldstein(rec, freq="MS"),
    lambda rec: plot_troops(),
])
def test_plots_return_figures(record: pd.DataFrame,
                              make: Callable[[pd.DataFrame], Figure]) -> None:
    fig = make(record)
    assert isinstance(fig, Figure)
    assert _drawn(fig) >= 1
