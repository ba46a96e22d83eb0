"""The dashboard without a browser: its state and game rules, and its pages rendered headless.

The pages are rendered with ``solara.render`` (no server, no browser), as
Mesa's own tests/test_solara_viz.py does, and driven through their widgets.
tests/test_browser.py drives the real server in a real browser.
"""

from __future__ import annotations

import io
import json
import socket
import tarfile
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("solara")

import ipyvuetify as v
import ipywidgets
import solara

from sim.cli import main
from sim.dashboard import app, assets, serve, state
from sim.model.crisis import CrisisModel
from sim.scenario import ScenarioError
from sim.scenario.loader import MAX_FILE_BYTES
from tests.conftest import FLAGSHIP, SCENARIOS

FLAG = "winter-2021-22"


# --------------------------------------------------------------------------- scenarios


def test_bundled_scenarios_are_reached_by_name_only():
    names = state.bundled()
    assert FLAG in names and all(p.parent == SCENARIOS for p in names.values())
    assert state.load_bundled(FLAG).name
    for bad in ("../pyproject", "/etc/passwd", "winter-2021-22.yaml", "../scenarios/two-states",
                str(FLAGSHIP)):
        with pytest.raises(ScenarioError, match="no bundled scenario of that name"):
            state.load_bundled(bad)


def test_an_upload_is_validated_like_a_file_and_named_by_its_own_name():
    good = FLAGSHIP.read_bytes()
    assert state.load_upload("mine.yaml", good).name == state.load_bundled(FLAG).name
    bad = b"name: x\nstart: 2030-01-01\nend: 2030-02-01\nissues: {}\nactors:\n  AAA: {resolv: 2}\n"
    with pytest.raises(ScenarioError) as err:
        state.load_upload("C:\\Users\\me\\bad scenario.yaml", bad)
    lines = state.problems(err.value)
    assert lines and all(line.startswith("bad_scenario.yaml") for line in lines)
    assert all("\n" not in line and "Traceback" not in line and "/tmp" not in line
               for line in lines)
    assert any(":6: actors.AAA" in line for line in lines)
    with pytest.raises(ScenarioError, match="not UTF-8"):
        state.load_upload("x.yaml", b"\xff\xfe name: x")
    with pytest.raises(ScenarioError, match="YAML"):
        state.load_upload("x.yaml", b"name: [unclosed")


def test_an_upload_over_the_size_limit_is_refused_before_it_is_parsed():
    huge = b"#" * (MAX_FILE_BYTES + 1)
    with pytest.raises(ScenarioError, match="file larger than"):
        state.load_upload("big.yaml", huge)


def test_an_upload_cannot_reach_other_files_through_extends(tmp_path, monkeypatch):
    secret = tmp_path / "secret.yaml"
    secret.write_text(FLAGSHIP.read_text())
    read = []
    real_open = open

    def spy(path, *a, **k):
        read.append(str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", spy)
    upload = f"extends: {secret}\nname: what-if\n".encode()
    with pytest.raises(ScenarioError, match="cannot extend another file") as err:
        state.load_upload("whatif.yaml", upload)
    assert str(err.value.problems[0]).startswith("whatif.yaml:1: extends:")
    assert str(secret) not in read


def test_upload_names_cannot_escape():
    assert state.safe_name("../../etc/passwd") == "passwd"
    assert state.safe_name("..") == "upload.yaml"
    assert state.safe_name("a/b\\c d.yaml") == "c_d.yaml"


# --------------------------------------------------------------------------- settings and feed


def test_sliders_use_the_override_keys_of_the_schema():
    s = state.load_bundled(FLAG)
    keys = {x.key for x in state.sliders(s)}
    for a in s.actors:
        assert {f"actors.{a}.resolve", f"actors.{a}.credibility",
                f"actors.{a}.audience_cost"} <= keys
    assert {"parameters.rationality", "parameters.incident_risk"} <= keys
    setup = state.Setup.of_bundled(FLAG)
    for x in state.sliders(s):  # every key is accepted by the model's overrides
        changed = setup.with_changes(overrides={x.key: x.high})
        assert changed.value(x.key) == x.high


def test_settings_are_validated_by_the_model_and_unchanged_values_dropped():
    setup = state.Setup.of_bundled(FLAG)
    same = setup.with_changes(seed=3, overrides={"actors.RUS.resolve": setup.default(
        "actors.RUS.resolve")})
    assert same.overrides == () and same.seed == 3
    with pytest.raises(ScenarioError, match=r"actors\.RUS\.resolve"):
        setup.with_changes(overrides={"actors.RUS.resolve": 1.5})
    changed = setup.with_changes(overrides={"actors.RUS.resolve": 0.3})
    assert changed.model().resolve[changed.model().actor_ids.index("RUS")] == 0.3


def test_the_feed_says_what_happened_in_plain_words():
    m = CrisisModel(FLAGSHIP, seed=2022)
    for _ in range(45):
        m.step()
    lines = state.feed(m, limit=200)
    assert lines and all(" \u2014 " in line for line in lines)
    assert any("NATO-Russia Council:" in line and line.startswith("12 Jan") for line in lines)
    assert not any("_" in line.split(" \u2014 ")[1].split(":")[0] for line in lines)
    assert len(state.feed(m, limit=5)) == 5
    assert state.feed(m, limit=5) == lines[:5]  # newest first


# --------------------------------------------------------------------------- the team game


def _move(game, actor, key, rank=-1):
    menu = game.menu(actor)
    o = menu[rank]
    game.submit(actor, key, o.action, o.target)
    return o


def test_claims_keys_and_menus():
    game = state.Game(state.Setup.of_bundled(FLAG))
    key = game.claim("UKR", "Team Kyiv")
    with pytest.raises(state.GameError, match="already played by Team Kyiv"):
        game.claim("UKR", "Other")
    with pytest.raises(state.GameError, match="no actor 'XYZ'"):
        game.claim("XYZ")
    assert game.holds("UKR", key) and not game.holds("UKR", "guess") and not game.holds("UKR", "")
    menu = game.menu("UKR")
    assert abs(sum(o.probability for o in menu) - 1) < 1e-9
    assert "use_force" not in {o.action for o in menu}
    with pytest.raises(state.GameError, match="does not hold the claim"):
        game.submit("UKR", "guess", menu[0].action, menu[0].target)
    with pytest.raises(state.GameError, match="does not hold the claim"):
        game.submit("RUS", key, "hold", None)
    with pytest.raises(state.GameError, match="cannot use_force RUS"):
        game.submit("UKR", key, "use_force", "RUS")
    game.release("UKR")
    assert "UKR" not in game.keys


def test_a_submitted_move_is_played_and_unclaimed_actors_are_the_models():
    game = state.Game(state.Setup.of_bundled(FLAG))
    alone = CrisisModel(FLAGSHIP, seed=game.setup.seed)
    key = game.claim("UKR")
    o = _move(game, "UKR", key)  # the least likely option
    assert game.pending["UKR"] == (o.action, o.target)
    game.advance()
    alone.step()
    assert game.pending == {}
    assert [(m.day, m.actor, m.value) for m in game.moves()] == [(0, "UKR", (o.action,
                                                                             o.target))]
    played = [e for e in game.model.events if e[1] == "played"]
    if o.action != "hold":
        assert played and played[0][4] == o.action
    others = [e for e in game.model.events if e[2] != game.actors.index("UKR")]
    assert others == [e for e in alone.events if e[2] != game.actors.index("UKR")] or o.action \
        != "hold"
    game.advance()  # no submission: the model decides for the team too
    assert len(game.moves()) == 1
    words = state.option_detail(o)
    assert words.startswith(f"rung {state.ACTIONS[o.action].rung} (") and "Goldstein" in words
    assert game.move_lines() == [
        f"1 Dec UKR: {state.ACTIONS[o.action].label}" + (f" {o.target}" if o.target else "")
        + f" (the model would have: {o.probability:.0%})"]


def _play(game, keys, days, start=0):
    """A scripted class: teams pick the 2nd most likely option on even days; injects on 5, 9."""
    for d in range(start, start + days):
        if game.over:
            return
        for actor, key in keys.items():
            if d % 2 == 0 and len(game.menu(actor)) > 1:
                _move(game, actor, key, rank=1)
        if d == 5:
            game.inject("report", about="RUS", shift=1.0, note="a leaked assessment")
        if d == 9:
            game.inject("incident", a="RUS", b="UKR", note="shelling at the line")
            game.inject("act", actor="USA", action="warn", target="RUS", note="a call")
        game.advance()


def test_a_saved_and_resumed_game_goes_on_exactly_as_an_uninterrupted_one():
    setup = state.Setup.of_bundled(FLAG).with_changes(overrides={"actors.RUS.resolve": 0.9})
    whole = state.Game(setup)
    keys = {"UKR": whole.claim("UKR"), "USA": whole.claim("USA")}
    whole.answer_deals("USA", keys["USA"], False)
    _play(whole, keys, 30)

    first = state.Game(setup)
    keys1 = {"UKR": first.claim("UKR"), "USA": first.claim("USA")}
    first.answer_deals("USA", keys1["USA"], False)
    _play(first, keys1, 12)
    saved = json.dumps(first.save())
    resumed = state.Game.resume(saved.encode())
    assert resumed.model.days_run == 12 and resumed.model.events == first.model.events
    assert resumed.moves() == first.moves()
    assert resumed.keys == {}  # claims start free; teams claim again
    keys2 = {"UKR": resumed.claim("UKR"), "USA": resumed.claim("USA")}
    resumed.answer_deals("USA", keys2["USA"], False)
    _play(resumed, keys2, 18, start=12)
    assert resumed.model.events == whole.model.events
    assert resumed.model.talk_log == whole.model.talk_log
    assert resumed.moves() == whole.moves()
    kinds = {e[1] for e in whole.model.events}
    assert {"played", "injected", "incident"} <= kinds
    data = json.loads(saved)
    assert data["scenario"]["bundled"] == FLAG and data["overrides"] == {
        "actors.RUS.resolve": 0.9}
    assert data["injects"] and data["moves"]


def test_a_game_on_an_uploaded_scenario_resumes_from_its_save_alone():
    text = (SCENARIOS / "two-states.yaml").read_text().replace("resolve: 0.5", "resolve: 0.7")
    scenario = state.load_upload("class.yaml", text.encode())
    game = state.Game(state.Setup(scenario, "class.yaml", 4))
    key = game.claim("AAA")
    _move(game, "AAA", key, rank=0)
    game.advance(10)
    again = state.Game.resume(json.dumps(game.save()))
    assert again.setup.bundled is None and again.model.events == game.model.events


def test_an_offer_goes_on_the_table_at_the_next_round_and_replays():
    game = state.Game(state.Setup.of_bundled(FLAG))
    key = game.claim("USA", "Team DC")
    talks = game.next_talks("USA")
    assert talks.name == "Biden-Putin video call"
    issue = game.agenda(talks)[0]
    with pytest.raises(state.GameError, match="not on the agenda"):
        game.offer("USA", key, {"no_such_issue": 5})
    with pytest.raises(state.GameError, match="0-100"):
        game.offer("USA", key, {issue: 120})
    game.offer("USA", key, {issue: 20})
    day = (talks.date - game.model.start).days
    game.advance(day + 1)
    offers = [m for m in game.moves() if m.kind == "offer"]
    assert [(m.actor, m.value, m.talks) for m in offers] == [("USA", {issue: 20.0}, talks.name)]
    assert any(e[1] == "offer" for e in game.model.events)
    assert "USA" not in game.offers and game.next_talks("USA").name != talks.name
    assert any("put on the table at Biden-Putin video call" in line
               for line in game.move_lines())
    again = state.Game.resume(game.save())
    assert again.model.events == game.model.events


@pytest.mark.parametrize("bad, message", [
    (b"not json", "not JSON"),
    (b'{"format": "other"}', "no \"format\""),
    (b"[1, 2]", "no \"format\""),
    (b'{"format": "brink-game"}', "not a Brink game save file"),
    (b"x" * (state.MAX_SAVE_BYTES + 1), "larger than"),
])
def test_resume_refuses_what_is_not_a_save_in_one_line(bad, message):
    with pytest.raises(state.GameError, match=message) as err:
        state.Game.resume(bad)
    assert "\n" not in str(err.value)


def test_resume_refuses_a_tampered_scenario():
    game = state.Game(state.Setup.of_bundled("two-states"))
    data = game.save()
    data["scenario"]["bundled"] = None
    data["scenario"]["data"]["actors"]["AAA"]["resolve"] = 0.9
    with pytest.raises(state.GameError, match="does not match its checksum"):
        state.Game.resume(data)
    data["scenario"]["sha256"] = ""
    data["scenario"]["data"]["actors"]["AAA"]["resolve"] = 7
    with pytest.raises(state.GameError, match=r"scenario is invalid: .*actors\.AAA\.resolve"):
        state.Game.resume(data)


def test_injects_are_checked_and_the_end_of_a_game_is_respected():
    game = state.Game(state.Setup.of_bundled(FLAG))
    for kind, args, msg in [("report", {"about": "XX", "shift": 1}, "whom the report"),
                            ("report", {"about": "RUS", "shift": 9}, "between -3 and 3"),
                            ("incident", {"a": "RUS", "b": "RUS"}, "two different actors"),
                            ("act", {"actor": "USA", "action": "fly", "target": "RUS"},
                             "unknown action"),
                            ("act", {"actor": "USA", "action": "warn", "target": None},
                             "needs a target"),
                            ("party", {}, "unknown inject")]:
        with pytest.raises(state.GameError, match=msg):
            game.inject(kind, **args)
    assert game.injects == []
    game.inject("act", actor="RUS", action="use_force", target="UKR", note="invasion")
    assert game.over and game.menu("UKR") == []
    with pytest.raises(state.GameError, match="has ended"):
        game.inject("report", about="RUS", shift=1)
    assert game.advance() == 0


def test_pages_in_many_threads_share_one_consistent_game():
    game = state.Game(state.Setup.of_bundled(FLAG))
    keys = {a: game.claim(a) for a in ("UKR", "USA", "NATO")}
    errors: list[BaseException] = []

    def team(actor: str) -> None:
        try:
            for _ in range(30):
                menu = game.menu(actor)
                if menu:
                    try:
                        game.submit(actor, keys[actor], menu[0].action, menu[0].target)
                    except state.GameError as err:  # the day moved on under us: fine
                        assert "cannot" in str(err) or "ended" in str(err)
                game.snapshot()
        except BaseException as err:
            errors.append(err)

    def instructor() -> None:
        try:
            for _ in range(25):
                game.advance()
                time.sleep(0.001)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=team, args=(a,)) for a in keys]
    threads.append(threading.Thread(target=instructor))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert game.model.days_run == 25 or game.over
    replayed = state.Game.resume(game.save())
    assert replayed.model.events == game.model.events


# --------------------------------------------------------------------------- ensemble, serving


def test_the_ensemble_runs_in_the_background():
    job = state.EnsembleJob(state.Setup.of_bundled("two-states"), runs=20).start()
    assert job.wait(60)
    assert job.error == "" and job.progress() == (20, 20)
    assert job.summary().startswith("20 runs (seed 0): war ")
    shares, war = job.figures()
    assert shares.axes and war.axes


def test_serving_refuses_a_busy_port_and_sets_up_offline_assets(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert "already in use" in serve.check_port("127.0.0.1", port)
        assert main(["dashboard", "--port", str(port)]) == 2
    assert "not an address" in serve.check_port("192.0.2.55", 8765)
    monkeypatch.setenv("BRINK_ASSETS_DIR", str(tmp_path))
    env = serve.environment(FLAGSHIP, "tok")
    assert env["BRINK_DASHBOARD_SCENARIO"] == FLAG and env["BRINK_INSTRUCTOR_TOKEN"] == "tok"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_THEME_TITLE"] == "Brink"
    assert env["PYTHONWARNINGS"].endswith("ignore:Cookies with samesite=none require https"
                                          ":UserWarning")
    assert "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env  # empty folder: not offline-ready
    for name in assets.missing(tmp_path):
        (tmp_path / name).mkdir(parents=True)
    assert serve.environment(FLAGSHIP, "t")["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)


def test_the_network_warning_and_the_addresses_printed(monkeypatch, capsys):
    started = []

    class FakeServer:
        def __init__(self, cmd, env):
            started.append((cmd, env))

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", FakeServer)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["dashboard", "two-states", "--host", "0.0.0.0", "--port", str(port)]) == 0
    out, err = capsys.readouterr()
    assert "WARNING: the dashboard is open to the network" in err
    token = started[0][1]["BRINK_INSTRUCTOR_TOKEN"]
    assert f"/?instructor={token}" in out and "/?game" in out
    cmd = started[0][0]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0" and "--production" in cmd
    assert started[0][1]["BRINK_DASHBOARD_SCENARIO"] == "two-states"
    started.clear()
    assert main(["dashboard", "--port", str(port)]) == 0
    out, err = capsys.readouterr()
    assert "WARNING" not in err and f"http://127.0.0.1:{port}/" in out
    cmd = started[0][0]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_a_bad_scenario_stops_the_dashboard_before_any_server(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    assert main(["dashboard", str(bad), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err
    assert main(["dashboard", "no-such-scenario"]) == 2


def test_assets_are_the_versions_solara_asks_for_and_unpack_safely(tmp_path):
    wanted = assets.wanted_versions()
    assert set(wanted) == set(assets.PACKAGES)
    assert all(v[0].isdigit() and v.count(".") >= 2 for v in wanted.values())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("package/dist/a.js", b"ok"), ("package/../../evil", b"x"),
                           ("/etc/evil", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assets._unpack(buf.getvalue(), tmp_path / "pkg@1.0.0")
    assert (tmp_path / "pkg@1.0.0" / "dist" / "a.js").read_bytes() == b"ok"
    assert not any(p.name == "evil" for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="checksum"):
        assets._check(b"data", {"integrity": "sha512-AAAA"}, "pkg")


# --------------------------------------------------------------------------- pages, headless


def _text(rc) -> str:
    return " ".join(str(w.widget.children[0]) if isinstance(w.widget.children[0], str) else ""
                    for w in rc.find(v.Html) if w.widget.children)


def _status(rc) -> str:
    return rc.find(v.Html, class_="brink-status").widget.children[0]


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_explore_page_steps_plays_and_resets():
    _box, rc = solara.render(app.ExplorePage(), handle_error=False)
    try:
        assert "day 0 of 121" in _status(rc)
        _click(rc, "Step")
        _click(rc, "Step")
        assert "day 2 of 121" in _status(rc)
        plot = rc.find(ipywidgets.Image).widget  # the escalation plot, as a PNG
        assert bytes(plot.value).startswith(b"\x89PNG")
        _click(rc, "Play")
        deadline = time.time() + 60  # a loaded CI machine can be slow
        while "day 2 " in _status(rc) and time.time() < deadline:
            time.sleep(0.05)
        _click(rc, "Pause")
        assert "day 2 " not in _status(rc)
        deadline = time.time() + 30  # the Play thread may be drawing a last day
        while not rc.find(v.Btn, children=["Play"]).widgets and time.time() < deadline:
            time.sleep(0.05)
        assert rc.find(v.Btn, children=["Play"]).widgets
        _click(rc, "Reset")
        assert "day 0 of 121" in _status(rc)
    finally:
        rc.close()


def test_explore_page_switches_scenario_and_applies_sliders():
    _box, rc = solara.render(app.ExplorePage(), handle_error=False)
    try:
        rc.find(v.Select, label="Bundled scenario").widget.v_model = "two-states"
        assert "Two states, one issue" in _status(rc)
        slider = rc.find(v.Slider, label="AAA resolve: 0.5").widget
        slider.v_model = 0.9
        seed = rc.find(v.TextField, label="Seed").widget
        seed.v_model = "7"
        _click(rc, "Apply (restarts the run)")
        assert rc.find(v.Slider, label="AAA resolve: 0.9").widgets
        assert not rc.find(v.Alert, classes=["brink-problem"]).widgets
    finally:
        rc.close()


def test_team_and_instructor_pages_play_a_day(monkeypatch):
    game = state.Game(state.Setup.of_bundled(FLAG))
    monkeypatch.setattr(app.HUB, "_game", game)
    key = game.claim("UKR", "Team Kyiv")
    _box, rc = solara.render(app.TeamPage("UKR", key), handle_error=False)
    _box2, rc2 = solara.render(app.InstructorPage(), handle_error=False)
    try:
        select = rc.find(v.Select, label="Move for the next day (the model's own chance in "
                                           "brackets)").widget
        choice = select.items[-1]
        select.v_model = choice
        _click(rc, "Submit move")
        assert game.pending["UKR"]
        pending = rc.find(v.Html, class_="brink-pending").widget.children[0]
        assert pending.endswith(choice), pending
        _click(rc2, "Advance 1 day")
        assert game.model.days_run == 1 and game.moves()[0].actor == "UKR"
        _click(rc2, "Leaked intelligence report")
        assert game.injects and game.injects[0].kind == "report"
    finally:
        rc.close()
        rc2.close()


def test_a_team_page_without_the_key_only_watches(monkeypatch):
    game = state.Game(state.Setup.of_bundled(FLAG))
    monkeypatch.setattr(app.HUB, "_game", game)
    game.claim("RUS", "Team Moscow")
    _box, rc = solara.render(app.TeamPage("RUS", None), handle_error=False)
    try:
        assert rc.find(v.Alert, children=["RUS is played by Team Moscow. You can watch "
                                          "here."]).widgets
        assert not rc.find(v.Btn, children=["Submit move"]).widgets
    finally:
        rc.close()


def test_the_instructor_token_is_checked():
    assert app.HUB.is_instructor(app.HUB.token)
    assert not app.HUB.is_instructor("wrong") and not app.HUB.is_instructor(None)


def test_the_app_module_reads_no_path_from_the_page():
    source = Path(app.__file__).read_text()
    assert "load_scenario(" in source  # only at startup, for the file named on the command line
    assert source.count("load_scenario(") == 1 and "_startup_setup" in source


def test_the_feed_gives_the_model_s_reasons_for_its_own_choices():
    m = CrisisModel(FLAGSHIP, seed=2022)
    for _ in range(40):
        m.step()
    lines = state.feed(m, limit=500)
    chosen = [e for e in m.events if e[1] == "act"]
    assert chosen
    why = [line for line in lines if " \u2014 why: " in line]
    assert len(why) == len(chosen)
    assert all(line.rstrip().split("p=")[-1][:4].replace(".", "").isdigit() for line in why)
    assert not any(" \u2014 why: " in line for line in lines if "(scripted)" in line)
