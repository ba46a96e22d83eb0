"""brink play: games at the terminal, scripted on standard input, replayed, debriefed.

Whole games run through the real command line in a subprocess (a script on
stdin, or a pseudo-terminal); the pure helpers (reading a pick, an offer, an
answer; the quiet-day rule; the menu's width) are checked by hand.
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.model.players import Option
from sim.play import (
    Command,
    InputProblem,
    is_quiet,
    menu_lines,
    parse_answer,
    parse_command,
    parse_offer,
)
from tests.conftest import FLAGSHIP, ROOT

TWO = ROOT / "scenarios" / "two-states.yaml"  # one round of talks on 20 Jan 2030 (day 19)


def brink(*args: str, script: str = "", cwd: Path | None = None
          ) -> subprocess.CompletedProcess[str]:
    """The real command line, with ``script`` as its standard input (not a terminal)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], input=script,
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def game_of(folder: Path) -> dict:
    return json.loads((folder / "game.json").read_text())


# --------------------------------------------------------------------------- pure helpers

MENU = [Option("hold", None, 0.6, 0.0, "p=0.60"),
        Option("warn", "RUS", 0.2, -0.1, "issue leverage +0.10; cost of the act -0.20; p=0.20"),
        Option("warn", "USA", 0.1, -0.2, "cost of the act -0.20; p=0.10"),
        Option("threaten_sanctions", "RUS", 0.1, -0.2, "cost of the act -0.30; p=0.10")]


@pytest.mark.parametrize("text, command", [
    ("", Command("model")),
    ("   ", Command("model")),
    ("2", Command("pick", 1)),
    (" 4 ", Command("pick", 3)),
    ("hold", Command("pick", 0)),
    ("warn rus", Command("pick", 1)),
    ("WARN USA", Command("pick", 2)),
    ("threaten sanctions RUS", Command("pick", 3)),
    ("threaten-sanctions", Command("pick", 3)),  # one target only: it may be left out
    ("why 3", Command("why", 2)),
    ("skip 7", Command("skip", 7)),
    ("?", Command("help")),
    ("help", Command("help")),
    ("positions", Command("positions")),
    ("news", Command("news")),
    ("quit", Command("quit")),
])
def test_a_line_at_the_daily_prompt_is_read(text: str, command: Command) -> None:
    assert parse_command(text, MENU) == command


@pytest.mark.parametrize("text, hint", [
    ("5", "'5' is not an option number: choose 1-4"),
    ("0", "'0' is not an option number: choose 1-4"),
    ("-1", "'-1' is not an option number: choose 1-4"),
    ("warn", "warn whom? RUS, USA (e.g. 'warn RUS')"),
    ("wran RUS", "no option 'wran rus' (did you mean 'warn'?)"),
    ("mobilize RUS", "mobilize is not open to you today; today's actions: hold, "
                     "threaten_sanctions, warn"),
    ("hold RUS", "hold takes no target: type 'hold'"),
    ("threaten_sanctions USA", "threaten_sanctions USA is not open to you today; "
                               "threaten_sanctions is open toward RUS"),
    ("why", "why needs an option number"),
    ("why 9", "'9' is not an option number"),
    ("skip", "skip needs a number of days"),
    ("skip 0", "skip needs a number of days"),
])
def test_a_line_that_means_nothing_gets_a_one_line_hint(text: str, hint: str) -> None:
    with pytest.raises(InputProblem) as err:
        parse_command(text, MENU)
    assert str(err.value).startswith(hint)
    assert "\n" not in str(err.value)


AGENDA = ["donbas", "troop_buildup"]


def test_positions_offered_at_the_table_are_read() -> None:
    assert parse_offer("", AGENDA) is None
    assert parse_offer("donbas=60", AGENDA) == {"donbas": 60.0}
    assert parse_offer("Donbas = 60,  troop_buildup=80.5", AGENDA) == {
        "donbas": 60.0, "troop_buildup": 80.5}
    assert parse_offer("troop_buildup=0 donbas=100", AGENDA) == {"troop_buildup": 0.0,
                                                                  "donbas": 100.0}


@pytest.mark.parametrize("text, hint", [
    ("donbas", "write issue=value, e.g. donbas=60"),
    ("dunbas=60", "'dunbas' is not on the agenda (did you mean 'donbas'?); the agenda: "
                  "donbas, troop_buildup"),
    ("donbas=101", "donbas: a position is a number from 0 to 100, not '101'"),
    ("donbas=-1", "donbas: a position is a number from 0 to 100"),
    ("donbas=much", "donbas: a position is a number from 0 to 100, not 'much'"),
    ("donbas=nan", "donbas: a position is a number from 0 to 100"),
    ("donbas=60 donbas=70", "donbas is given twice"),
])
def test_a_bad_offer_gets_a_one_line_hint(text: str, hint: str) -> None:
    with pytest.raises(InputProblem, match=re.escape(hint)):
        parse_offer(text, AGENDA)


def test_answers_to_a_deal() -> None:
    assert [parse_answer(t) for t in ("y", "Yes", " n ", "NO", "")] == [True, True, False,
                                                                       False, None]
    with pytest.raises(InputProblem, match="answer y"):
        parse_answer("maybe")


def ev(actor: int, target: int | None, kind: str = "act") -> tuple:
    """An event tuple as the model logs it: (day, kind, actor, target, action, ...)."""
    return (5, kind, actor, target, "warn", "130", -4.4, 2, "")


# me = 3 (UKR), its one rival 0 (RUS); 1 and 2 (USA, NATO) are its allies
@pytest.mark.parametrize("events, talk_days, deadline, quiet", [
    ([], [43], False, True),  # nothing happened, talks 33 days away
    ([ev(3, 0)], [], False, True),  # its own act
    ([ev(3, 0, "played")], [], False, True),  # its own act, played
    ([ev(1, 2)], [], False, True),  # between two allies: not around it
    ([ev(0, 1)], [], False, False),  # its rival acted
    ([ev(1, 0)], [], False, False),  # something was done to its rival
    ([ev(1, 3)], [], False, False),  # something was done to it
    ([ev(0, None, "injected")], [], False, False),  # an inject about its rival
    ([ev(3, 0, "credibility")], [], False, False),  # its threat lapsed: not its own act
    ([], [13], False, False),  # talks in 3 days
    ([], [10], False, False),  # talks today
    ([], [14], False, True),  # talks in 4 days
    ([], [9], False, True),  # talks yesterday
    ([], [], True, False),  # a called threat of its own
])
def test_the_quiet_day_rule(events: list, talk_days: list[int], deadline: bool,
                            quiet: bool) -> None:
    assert is_quiet(events, 3, [0], talk_days, 10, deadline) is quiet


def test_a_long_menu_takes_two_columns_within_100_characters() -> None:
    options = [Option("threaten_sanctions", f"A{k:02d}", 1 / 40, 0.0, "p=0.03")
               for k in range(40)]
    lines = menu_lines(options)
    assert len(lines) == 21 and max(map(len, lines)) <= 100
    assert lines[1].split()[0] == "1" and lines[1].split()[7] == "21"
    assert lines[20].split()[0] == "20" and lines[20].split()[7] == "40"
    assert len(menu_lines(options[:16])) == 17  # one column up to 16 options


# --------------------------------------------------------------------------- whole games


def test_a_scripted_game_with_an_offer_and_a_deal_turned_down(tmp_path: Path) -> None:
    out = tmp_path / "game"
    # days 1-19 to the model, Enter on the day of the talks, an offer, then no to the deal
    r = brink("play", "two-states", "--as", "BBB", "--out", str(out), "--runs", "0",
              "--no-plots", script="skip 19\n\nborder=50\nn\n")
    assert r.returncode == 0, r.stderr
    assert "[BBB 1 Jan] your move> skip 19" in r.stdout  # a script reads like a session
    assert "You put on the table: border 50." in r.stdout
    assert "A deal was reached at Border talks: border " in r.stdout
    assert "You turn the deal down." in r.stdout
    assert r.stdout.count("End of input: the model decides the rest") == 1
    game = game_of(out)
    assert game["played"] == ["BBB"] and game["seed"] == 0
    assert [(m["kind"], m["value"], m["talks"]) for m in game["moves"]] == [
        ("offer", {"border": 50.0}, "Border talks"), ("accept", False, "Border talks")]
    talks = (out / "talks.csv").read_text()
    assert "breakdown" in talks and "BBB turned down the deal" in talks
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcome"] != "settlement" and summary["played"] == ["BBB"]
    debrief = (out / "debrief.txt").read_text()
    assert "Border talks: you put on the table border 50 (was 100)" in debrief
    assert "Border talks: you turned down the deal" in debrief
    assert "does not cover this scenario" in debrief  # the record is of 2021/22
    assert {"events.csv", "timeseries.csv", "talks.csv", "summary.json", "game.json",
            "debrief.txt"} <= {p.name for p in out.iterdir()}


def test_a_deal_accepted_settles_and_the_folder_is_not_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "game"
    r = brink("play", str(TWO), "--as", "bbb", "--out", str(out), "--runs", "0", "--no-plots",
              script="skip 19\n\n\ny\n")
    assert r.returncode == 0, r.stderr
    assert "You keep your positions." in r.stdout and "You accept the deal." in r.stdout
    assert [(m["kind"], m["value"]) for m in game_of(out)["moves"]] == [("accept", True)]
    assert json.loads((out / "summary.json").read_text())["outcome"] == "settlement"
    before = (out / "game.json").read_bytes()
    assert main(["play", str(TWO), "--as", "BBB", "--out", str(out)]) == 2  # before any input
    assert "already holds a game; choose another --out" in capsys.readouterr().err
    assert (out / "game.json").read_bytes() == before


def test_replays_are_exact_and_the_model_can_take_a_players_place(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    game = tmp_path / "game"
    # USA and UKR at one terminal; day 1: USA warns RUS, UKR criticises RUS; then the model
    r = brink("play", str(FLAGSHIP), "--as", "USA", "--as", "UKR", "--seed", "7", "--out",
              str(game), "--runs", "0", "--no-plots", script="warn RUS\ncriticize RUS\n")
    assert r.returncode == 0, r.stderr
    moves = game_of(game)["moves"]
    assert [(m["actor"], m["value"]["action"]) for m in moves] == [("USA", "warn"),
                                                                   ("UKR", "criticize")]
    # replays read no input: run in this process through the same entry point
    assert main(["play", "--replay", str(game / "game.json"), "--runs", "0", "--no-plots"]) == 0
    again = game / "replay"
    for name in ("events.csv", "timeseries.csv", "talks.csv"):
        assert (again / name).read_bytes() == (game / name).read_bytes(), name
    assert game_of(again)["moves"] == moves
    assert main(["play", "--replay", str(game / "game.json"), "--model-for", "UKR", "--runs",
                 "0", "--no-plots"]) == 0
    rerun = game / "replay-model-for-UKR"
    assert game_of(rerun)["played"] == ["USA"] and game_of(rerun)["moves"] == moves[:1]
    # the same as a game in which only USA was played, and warned RUS on the first day
    usa = tmp_path / "usa"
    r = brink("play", str(FLAGSHIP), "--as", "USA", "--seed", "7", "--out", str(usa),
              "--runs", "0", "--no-plots", script="warn RUS\n")
    assert r.returncode == 0, r.stderr
    assert (rerun / "events.csv").read_bytes() == (usa / "events.csv").read_bytes()
    # and with the model for both, the same as brink run
    assert main(["play", "--replay", str(game / "game.json"), "--model-for", "UKR",
                 "--model-for", "usa", "--runs", "0", "--no-plots"]) == 0
    run = tmp_path / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "7", "--out", str(run), "--no-plots"]) == 0
    assert "Replaying " in capsys.readouterr().out
    alone = game / "replay-model-for-UKR-USA"
    assert (alone / "events.csv").read_bytes() == (run / "events.csv").read_bytes()
    assert game_of(alone)["moves"] == []


def test_quitting_ends_the_game_early_and_the_replay_stops_there_too(tmp_path: Path) -> None:
    out = tmp_path / "game"
    r = brink("play", "two-states", "--as", "AAA", "--out", str(out), "--runs", "0",
              "--no-plots", script="\n1\nquit\n")
    assert r.returncode == 0, r.stderr
    game = game_of(out)
    assert game["stopped_after_days"] == 3 and game["outcome"] == ""
    assert "Outcome: none (the game was ended on 3 Jan 2030, day 3 of 46)" in r.stdout
    assert len((out / "timeseries.csv").read_text().splitlines()) == 1 + 3
    assert main(["play", "--replay", str(out / "game.json"), "--runs", "0", "--no-plots"]) == 0
    for name in ("events.csv", "timeseries.csv"):
        assert (out / "replay" / name).read_bytes() == (out / name).read_bytes()


def _wilson(k: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    centre = (k / n + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(k / n * (1 - k / n) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _pct(x: float) -> str:
    return "0%" if x <= 0 else ("<1%" if x < 0.005 else f"{x:.0%}")


def test_the_debrief_against_the_model_alone_and_the_record(tmp_path: Path) -> None:
    import numpy as np

    from sim import CrisisModel

    out = tmp_path / "game"
    runs, seed = 12, 2022
    # playing Russia, but leaving every decision to the model: the game is the model's own run
    r = brink("play", "winter-2021-22", "--as", "RUS", "--seed", str(seed), "--out", str(out),
              "--runs", str(runs), "--no-plots")
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()  # two-column menu included
               if str(out) not in line) <= 100
    # the model-only runs, computed here independently: seeds spawned as documented
    outcomes, wars = [], []
    for child in np.random.SeedSequence(seed).spawn(runs):
        m = CrisisModel(FLAGSHIP, seed=int(child.generate_state(1, np.uint64)[0]))
        m.run()
        outcomes.append(m.outcome.kind)
        if m.outcome.kind == "war":
            wars.append(m.outcome.date.isoformat())
    summary = json.loads((out / "summary.json").read_text())
    kind = summary["outcome"]  # war for this seed (the README's image), whatever the model says
    k = outcomes.count(kind)
    low, high = _wilson(k, runs)
    said = {"war": "war", "standoff": "a standoff", "settlement": "a settlement"}[kind]
    debrief = " ".join((out / "debrief.txt").read_text().split())
    assert (f"Your game ended in {said}; the model alone ends in {said} in {_pct(k / runs)} "
            f"(95% CI {_pct(low)}-{_pct(high)}) of runs.") in debrief
    if kind == "war" and wars:
        date = summary["outcome_date"]
        earlier = sum(w < date for w in wars)
        assert (f"the model's {len(wars)} wars came between {_day(min(wars))} and "
                f"{_day(max(wars))}") in debrief
        assert f"{earlier} of them ({earlier / len(wars):.0%}) came earlier than yours" in debrief
    if kind == "war":
        gap = (np.datetime64(summary["outcome_date"]) - np.datetime64("2022-02-24")).astype(int)
        side = {True: "later", False: "earlier"}[bool(gap > 0)]
        words = "the same day" if gap == 0 else f"{abs(gap)} days {side}"
        assert f"RUS used force against UKR on 24 Feb 2022; your game's war came {words}" \
            in debrief
    assert "RUS's moves: 0 days decided by you" in debrief
    assert debrief in " ".join(r.stdout.split())  # printed as written


def _day(iso: str) -> str:
    """'2022-03-07' as the debrief writes it: '7 Mar 2022'."""
    y, mth, d = iso.split("-")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(d)} {months[int(mth) - 1]} {y}"


def test_quiet_days_are_left_to_the_model(tmp_path: Path) -> None:
    out = tmp_path / "game"
    r = brink("play", "two-states", "--as", "AAA", "--skip-quiet", "--out", str(out),
              "--runs", "0", "--no-plots", script="\n" * 60)
    assert r.returncode == 0, r.stderr
    shown = re.findall(r"=== AAA \(State A\) \| \w+ (\d+ \w+) 2030", r.stdout)
    assert shown[0] == "1 Jan"  # the first day is never quiet
    assert {"17 Jan", "18 Jan", "19 Jan", "20 Jan"} <= set(shown)  # talks within 3 days
    assert len(shown) < 46 and "(quiet)" in r.stdout


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, message", [
    (["--as", "XYZ"], "--as XYZ: no such actor in the scenario (actors: RUS, USA, NATO, UKR)"),
    (["--as", "UKRR"], "--as UKRR: no such actor in the scenario (did you mean 'UKR'?)"),
    (["--as", "UKR", "--as", "ukr"], "--as UKR is given twice"),
    ([], "play needs --as ACTOR"),
    (["--as", "UKR", "--model-for", "UKR"], "--model-for goes with --replay"),
])
def test_bad_requests_are_one_line_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["play", str(FLAGSHIP), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("brink: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_replay_of_a_missing_or_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture
                                             ) -> None:
    assert main(["play", "--replay", str(tmp_path / "none.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "x.json").write_text('{"a": 1}')
    assert main(["play", "--replay", str(tmp_path / "x.json")]) == 2
    assert "not a game written by brink play" in capsys.readouterr().err
    assert main(["play", str(FLAGSHIP), "--as", "UKR", "--replay",
                 str(tmp_path / "x.json")]) == 2
    assert "give no SCENARIO, --as" in capsys.readouterr().err


@pytest.mark.parametrize("script, line, text", [
    ("1\nattack everyone\n", 2, "no option 'attack everyone'"),
    ("skip 19\n\nborder=150\n", 3, "border: a position is a number from 0 to 100"),
    ("skip 19\n\n\nperhaps\n", 4, "answer y (accept the deal) or n"),
])
def test_a_bad_line_in_a_script_stops_the_game_with_its_number(tmp_path: Path, script: str,
                                                                line: int, text: str) -> None:
    out = tmp_path / "game"
    r = brink("play", "two-states", "--as", "BBB", "--out", str(out), "--runs", "0",
              "--no-plots", script=script)
    assert r.returncode == 2
    assert r.stderr.startswith(f"brink: line {line} of the input (")
    assert text in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- a real terminal


def test_an_interactive_session_in_a_pseudo_terminal(tmp_path: Path) -> None:
    import fcntl
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "play", "two-states", "--as", "AAA",
                             "--out", str(tmp_path / "game"), "--runs", "0", "--no-plots"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    pos = 0  # where the last marker found ends

    def read() -> bytes:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            raise AssertionError("the game printed nothing for 2 minutes:\n"
                                 + seen.decode(errors="replace"))
        try:
            return os.read(master, 4096)
        except OSError:  # the program has ended and closed the terminal
            return b""

    def until(marker: bytes) -> bytes:
        """What the game printed up to ``marker`` (read from the terminal as needed)."""
        nonlocal seen, pos
        while marker not in seen[pos:]:
            chunk = read()
            if not chunk:
                raise AssertionError(f"the game ended before {marker!r}:\n"
                                     + seen.decode(errors="replace"))
            seen += chunk
        found = seen.index(marker, pos) + len(marker)
        text, pos = seen[pos:found], found
        return text

    try:
        until(b"[AAA 1 Jan] your move> ")
        os.write(master, b"hodl\n")
        assert b"! no option 'hodl' (did you mean 'hold'?)" in until(b"your move> ")
        os.write(master, b"hold\n")
        until(b"[AAA 2 Jan] your move> ")
        os.write(master, b"\n")  # Enter: the model chooses
        assert b"The model chooses for you today." in until(b"[AAA 3 Jan] your move> ")
        os.write(master, b"skip 5\n")
        assert b"The model plays AAA until 7 Jan" in until(b"[AAA 8 Jan] your move> ")
        os.write(master, b"\x04")  # Ctrl-D: the end of the input
        assert b"End of input: the model decides the rest of the game." in until(b"Wrote ")
        while chunk := read():  # the rest, to the end
            seen += chunk
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = seen.decode().replace("\r\n", "\n")
    assert max(len(line) for line in text.splitlines() if str(tmp_path) not in line) <= 100
    assert "Left to the model since you last looked: 3-7 Jan (skip)." in text
    moves = game_of(tmp_path / "game")["moves"]
    assert moves == [{"day": 0, "actor": "AAA", "kind": "act",
                      "value": {"action": "hold", "target": None}}]


def test_a_team_game_saved_by_the_dashboard_replays_at_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from sim import CrisisModel
    from sim.model.players import Move, replay_players
    from sim.results import _csv, collect
    from sim.scenario import load_scenario
    from sim.scenario.loader import scenario_hash

    base = load_scenario(FLAGSHIP)
    moves = [{"day": 0, "actor": "USA", "kind": "act",
              "value": {"action": "warn", "target": "RUS"}},
             {"day": 6, "actor": "USA", "kind": "offer", "value": {"missiles": 50.0},
              "talks": "Biden-Putin video call"}]
    injects = [{"day": 3, "kind": "report", "args": {"about": "RUS", "shift": 1.0,
                                                     "note": "a leak"}},
               {"day": 20, "kind": "incident", "args": {"a": "RUS", "b": "UKR", "note": "x"}}]
    save = {"format": "brink-game", "format_version": 1,  # as sim.dashboard.state saves it
            "scenario": {"label": "winter-2021-22", "bundled": "winter-2021-22",
                         "sha256": scenario_hash(base), "data": base.model_dump(mode="json")},
            "seed": 5, "overrides": {"actors.RUS.resolve": 0.7}, "days": 20,
            "moves": moves, "injects": injects, "teams": {"USA": "Blue"}}
    path = tmp_path / "team-game.json"
    path.write_text(json.dumps(save))
    assert main(["play", "--replay", str(path), "--runs", "0", "--no-plots"]) == 0
    assert "saved by the dashboard after 20 days" in capsys.readouterr().out
    # the same game, built here from the model's public API
    m = CrisisModel(base, seed=5, overrides={"actors.RUS.resolve": 0.7},
                    players=replay_players([Move.from_dict(d) for d in moves]))
    for day in range(20):
        if day == 3:
            m.inject_report("RUS", 1.0, "a leak")
        m.step()
    m.inject_incident("RUS", "UKR", "x")
    events = (tmp_path / "replay" / "events.csv").read_bytes()
    assert events == _csv(collect(m).events)
    replayed = game_of(tmp_path / "replay")
    assert replayed["played"] == ["USA"] and replayed["injects"] == injects
    assert main(["play", "--replay", str(tmp_path / "replay" / "game.json"), "--runs", "0",
                 "--no-plots"]) == 0
    assert (tmp_path / "replay" / "replay" / "events.csv").read_bytes() == events
    try:  # and as the dashboard itself rebuilds it, when it is installed
        from sim.dashboard.state import Game as TeamGame
    except ImportError:
        return
    assert _csv(collect(TeamGame.resume(save).model).events) == events


def test_threat_lines_say_who_threatens_whom_and_what_a_called_threat_asks():
    from sim.model.crisis import CrisisModel
    from sim.play import threat_lines

    m = CrisisModel(FLAGSHIP, seed=0)
    rus, usa, ukr = (m.actor_ids.index(a) for a in ("RUS", "USA", "UKR"))
    m.threat_until[:] = -1
    m.called_until[:] = -1
    m.sanctioned[:] = False
    m.threat_until[rus, ukr, 1] = 20  # Russia threatens Ukraine with force, until day 20
    m.threat_until[ukr, rus, 0] = 30  # Ukraine threatens sanctions, called: act by day 12
    m.called_until[ukr, rus, 0] = 12
    m.sanctioned[usa, rus] = True
    lines = " ".join(" ".join(threat_lines(m, ukr, day=5)).split())  # unwrapped
    assert lines.startswith("RUS -> you:")  # against you first, then yours
    assert "standing until 21 Dec" in lines  # day 20 from 1 Dec
    assert "you -> RUS:" in lines and "CALLED: RUS escalated, carry it out by 13 Dec" in lines
    assert "lose credibility" in lines
    assert "sanctions on you" not in lines  # the US sanctions Russia, not Ukraine
    assert threat_lines(m, usa, day=5) == ["  your sanctions on RUS"]
