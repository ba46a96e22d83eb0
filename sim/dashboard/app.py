"""The classroom dashboard: ``brink dashboard`` serves this Solara app.

Pages (one app, chosen by the address):

* ``/``: explore a scenario: pick a bundled one or upload a file, move the
  sliders, then Step, Play or Reset day by day; live plots against real
  dates (escalation ladder, positions, tension, beliefs), the latest events
  in words, and an ensemble of a few hundred runs in the background.
* ``/?game``: the team game's lobby: which actor each team plays.
* ``/?team=UKR``: a team's page: claim the actor, then submit each day's move
  from the model's menu and say how to answer deals at talks.
* ``/?instructor=TOKEN``: the instructor's page (the token is printed when
  the server starts): advance the days, see every move, inject events, save
  and resume the game, start a new one.

It is built from plain Solara components, the framework under Mesa's
SolaraViz: SolaraViz's parameter panel is fixed when the page is built,
while ours follows the chosen or uploaded scenario's actors, and the team
game has no place in its layout. (``sim.dashboard.viz`` puts a bundled
scenario in SolaraViz itself, for notebooks.)
State and rules live in ``sim.dashboard.state`` (no Solara there); this file
only lays out pages and calls it.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import solara
import solara.lab
from ipyvuetify.extra import FileInput

from sim.dashboard import state
from sim.dashboard.figures import LIVE, live_figure
from sim.model.actions import ACTIONS, NAMES
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.loader import MAX_FILE_BYTES

POLL_SECONDS = 1.0  # how often a game page looks for the others' changes
PLAY_SECONDS = 0.3  # pause between days when playing
DPI = 80


# --------------------------------------------------------------------------- server-wide


class Hub:
    """What all pages of one server share: the starting setup, the game, the instructor token."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token = os.environ.get("BRINK_INSTRUCTOR_TOKEN") or secrets.token_urlsafe(9)
        self._start: state.Setup | None = None
        self._game: state.Game | None = None

    def start(self) -> state.Setup:
        """The scenario named on the command line (validated there), else the flagship."""
        with self.lock:
            if self._start is None:
                self._start = _startup_setup()
            return self._start

    @property
    def game(self) -> state.Game:
        start = self.start()
        with self.lock:
            if self._game is None:
                self._game = state.Game(start)
            return self._game

    def replace_game(self, game: state.Game) -> None:
        with self.lock:
            self._game = game

    def is_instructor(self, token: str | None) -> bool:
        import hmac

        return bool(token) and hmac.compare_digest(str(token), self.token)


def _startup_setup() -> state.Setup:
    name = os.environ.get("BRINK_DASHBOARD_SCENARIO", state.FLAGSHIP)
    if name in state.bundled():
        return state.Setup.of_bundled(name)
    scenario = load_scenario(name)  # a file the teacher named on the command line
    return state.Setup(scenario, Path(name).name, scenario.seed or 0)


HUB = Hub()
if not os.environ.get("BRINK_INSTRUCTOR_TOKEN") and "solara" in Path(sys.argv[0]).name:
    print(f"brink dashboard: instructor page: /?instructor={HUB.token}", file=sys.stderr)


# --------------------------------------------------------------------------- small parts


def _game_stamp() -> tuple[int, int]:
    game = HUB.game
    return id(game), game.version


def use_game(seconds: float = POLL_SECONDS) -> tuple[state.Game, int, Any]:
    """The shared game, its version, and ``sync`` to redraw at once after an action.

    Other browsers change the game too: the version is re-read every
    ``seconds`` in a thread, and the page is redrawn when it changed.
    """
    stamp = solara.use_reactive(_game_stamp())

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(seconds):
            now = _game_stamp()
            if now != stamp.value:
                stamp.set(now)

    solara.use_thread(poll, dependencies=[], intrusive_cancel=False)

    def sync() -> None:
        stamp.set(_game_stamp())

    return HUB.game, stamp.value[1], sync


@solara.component
def FileUpload(accept: str, on_file: Any) -> Any:
    """A file chooser (with a Browse button, unlike solara.FileDrop, which only takes drops).

    ``on_file`` gets {name, size, file_obj} in a thread; nothing is read
    before it asks (so a size check comes first).
    """
    info, set_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    widget = FileInput.element(multiple=False, accept=accept, show_progress=False,
                               on_file_info=set_info)

    def wire() -> None:
        if info:
            real = solara.get_widget(widget)
            real.version += 1  # as solara.FileDrop does: a fresh read for each choice
            real.reset_stats()
            set_wired(real.get_files())

    solara.use_effect(wire, [info])

    def deliver(cancel: threading.Event) -> None:
        if wired:
            on_file(wired[0])

    solara.use_thread(deliver, dependencies=[wired], intrusive_cancel=False)
    return widget  # the root, so that solara.get_widget finds it (as in solara.FileDrop)


@solara.component
def Figure(name: str, result: Any, stamp: Any) -> None:
    """One live plot, redrawn only when ``stamp`` changes."""
    fig = solara.use_memo(lambda: live_figure(name, result), [name, stamp])
    solara.FigureMatplotlib(fig, dependencies=[name, stamp], format="png", dpi=DPI)


@solara.component
def LivePlots(result: Any, stamp: Any, only: tuple[str, ...] = LIVE) -> None:
    """The live plots in tabs; only the open tab is drawn (drawing takes time)."""
    with solara.lab.Tabs(lazy=True):
        for name in only:
            with solara.lab.Tab(name.capitalize()):
                Figure(name, result, stamp)


@solara.component
def Feed(lines: list[str], title: str = "Latest events") -> None:
    with solara.Card(title, classes=["brink-feed"]):
        if not lines:
            solara.Text("Nothing has happened yet.")
        for line in lines:
            solara.Text(line, style={"display": "block", "font-size": "15px",
                                     "margin-bottom": "4px"})


@solara.component
def Problems(lines: list[str]) -> None:
    for line in lines:
        solara.Error(line, icon=False, dense=True, classes=["brink-problem"])


def _status(model: Any, label: str) -> str:
    day = model.days_run
    if model.outcome is not None:
        o = model.outcome
        return (f"{label}: {o.kind.upper()} on {o.date:%d %b %Y} ({o.detail}); "
                f"{day} days simulated")
    date = model.date_of(min(day, model.days - 1))
    return f"{label}: day {day} of {model.days}; next: {date:%a %d %b %Y}"


def _label(text: str) -> None:
    solara.Text(text, style={"font-size": "13px", "color": "#555", "display": "block",
                             "margin-top": "8px"})


def _nav(here: str) -> None:
    with solara.Row(style={"margin-bottom": "4px"}):
        solara.Text("Brink", style={"font-size": "20px", "font-weight": "bold",
                                    "align-self": "center", "margin-right": "12px"})
        for label, href in (("Explore", "/"), ("Team game", "/?game")):
            solara.Button(label, href=href, text=label != here, color="primary")


# --------------------------------------------------------------------------- explore


@solara.component
def ScenarioPanel(setup: state.Setup, on_setup: Any) -> None:
    """Pick a bundled scenario or upload one; seed and sliders; Apply restarts the run."""
    errors = solara.use_reactive([])
    values = solara.use_reactive({s.key: setup.value(s.key) for s in state.sliders(
        setup.scenario)})
    seed = solara.use_reactive(setup.seed)

    def adopt(new: state.Setup) -> None:
        errors.set([])
        values.set({s.key: new.value(s.key) for s in state.sliders(new.scenario)})
        seed.set(new.seed)
        on_setup(new)

    def pick(name: str) -> None:
        try:
            adopt(state.Setup.of_bundled(name))
        except ScenarioError as err:
            errors.set(state.problems(err))

    def upload(f: dict[str, Any]) -> None:
        if f.get("size", 0) > MAX_FILE_BYTES:
            errors.set([f"{state.safe_name(f['name'])}: file larger than {MAX_FILE_BYTES:,} "
                         f"bytes ({f['size']:,}); a scenario is a few kB"])
            return
        data = f["file_obj"].read(MAX_FILE_BYTES + 1)
        try:
            scenario = state.load_upload(f["name"], data)
        except ScenarioError as err:
            errors.set(state.problems(err))
            return
        adopt(state.Setup(scenario, state.safe_name(f["name"]), scenario.seed or 0))

    def apply() -> None:
        try:
            new = setup.with_changes(seed=int(seed.value), overrides=values.value)
        except ScenarioError as err:
            errors.set(state.problems(err))
            return
        errors.set([])
        on_setup(new)

    with solara.Card("Scenario"):
        names = list(state.bundled())
        solara.Select("Bundled scenario", value=setup.bundled or "", values=names,
                      on_value=pick)
        _label("...or upload a scenario file (.yaml)")
        FileUpload(".yaml,.yml,.json,.txt", upload)
        solara.Text(f"Now: {setup.scenario.name} ({setup.label})",
                    style={"display": "block", "margin-top": "6px"})
        Problems(errors.value)
    with solara.Card("Settings"):
        solara.InputInt("Seed", value=seed)
        for s in state.sliders(setup.scenario):
            def change(x: float, key: str = s.key) -> None:
                values.set({**values.value, key: x})

            now = values.value.get(s.key, s.value)
            solara.SliderFloat(f"{s.label}: {now:g}", value=now, min=s.low, max=s.high,
                               step=s.step, on_value=change, thumb_label=False)
        solara.Text("Rationality: 0 picks acts at random, 100 nearly always the best. "
                    "Incident risk: daily chance of an incident between rivals both at "
                    "the brink.", style={"display": "block", "font-size": "13px"})
        solara.Button("Apply (restarts the run)", color="primary", on_click=apply,
                      classes=["brink-apply"])


@solara.component
def EnsemblePanel(setup: state.Setup) -> None:
    """A few hundred runs in a background thread: outcome shares, P(war) by date."""
    runs = solara.use_reactive(200)
    job = solara.use_reactive(None)
    tick = solara.use_reactive(0)

    def watch(cancel: threading.Event) -> None:
        j = job.value
        while j is not None and not j.finished and not cancel.wait(0.5):
            tick.set(tick.value + 1)
        tick.set(tick.value + 1)

    solara.use_thread(watch, dependencies=[job.value], intrusive_cancel=False)

    def start() -> None:
        j = state.EnsembleJob(setup, runs=int(runs.value))
        j.start()
        job.set(j)

    j = job.value
    with solara.Card("Ensemble: many runs of these settings"):
        solara.SliderInt(f"Runs: {runs.value}", value=runs, min=50, max=500, step=50)
        solara.Button("Run ensemble", color="primary", on_click=start,
                      disabled=j is not None and not j.finished, classes=["brink-ensemble"])
        if j is None:
            solara.Text("Runs in the background; the page stays usable.")
            return
        done, total = j.progress()
        if not j.finished:
            solara.ProgressLinear(value=100 * done / max(total, 1))
            solara.Text(f"{done} of {total} runs...")
        elif j.error:
            solara.Error(j.error)
        else:
            s = j.summary()
            solara.Success(s, icon=False, classes=["brink-ensemble-done"])
            figs = solara.use_memo(j.figures, [id(j)])
            with solara.Columns([1, 2]):
                solara.FigureMatplotlib(figs[0], format="png", dpi=DPI,
                                        dependencies=[id(j), "o"])
                solara.FigureMatplotlib(figs[1], format="png", dpi=DPI,
                                        dependencies=[id(j), "w"])


class Drawn:
    """The last tick a page has finished drawing (its effects run after the drawing)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.tick = -1

    def mark(self, tick: int) -> None:
        with self.cond:
            self.tick = tick
            self.cond.notify_all()

    def wait_for(self, tick: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.tick >= tick, timeout)


@solara.component
def ExplorePage() -> None:
    explorer = solara.use_memo(lambda: state.Explorer(HUB.start()), [])
    setup = solara.use_reactive(explorer.setup)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)

    drawn = solara.use_memo(Drawn, [])
    solara.use_effect(lambda: drawn.mark(tick.value), [tick.value])

    def redraw() -> None:
        tick.set(tick.value + 1)

    def play(cancel: threading.Event) -> None:
        run = explorer.run_id
        while playing.value and not cancel.is_set():
            going = explorer.step(run_id=run)
            redraw()
            if not going:
                playing.set(False)
                return
            # let the page finish drawing this day before the next: a render still going
            # when the next day arrives would hold every update back until the end
            drawn.wait_for(tick.value, timeout=60)
            cancel.wait(PLAY_SECONDS)

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    def step() -> None:
        explorer.step()
        redraw()

    def reset() -> None:
        playing.set(False)
        explorer.reset()
        redraw()

    def new_setup(s: state.Setup) -> None:
        playing.set(False)
        explorer.reset(s)
        setup.set(s)
        redraw()

    result = solara.use_memo(explorer.snapshot, [tick.value])
    model = explorer.model
    over = model.outcome is not None
    solara.Title("Brink dashboard")
    _nav("Explore")
    with solara.Columns([1, 3]):
        with solara.Column():
            ScenarioPanel(setup.value, new_setup)
        with solara.Column():
            solara.Text(_status(model, setup.value.scenario.name), classes=["brink-status"],
                        style={"font-size": "18px", "font-weight": "bold"})
            with solara.Row():
                solara.Button("Step", color="primary", on_click=step,
                              disabled=over or playing.value)
                solara.Button("Pause" if playing.value else "Play", color="primary",
                              on_click=lambda: playing.set(not playing.value), disabled=over)
                solara.Button("Reset", on_click=reset)
            LivePlots(result, (tick.value, id(model)))
            Feed(explorer.feed())
            EnsemblePanel(setup.value)


# --------------------------------------------------------------------------- team game


@solara.component
def GameView(game: state.Game, version: int, only: tuple[str, ...] = LIVE) -> None:
    """The game's plots and feed, as every page of the game shows them."""
    stamp = (id(game), *game.stamp())  # claims and moves bump version, not the model
    result = solara.use_memo(game.snapshot, [stamp])
    LivePlots(result, stamp, only)
    Feed(solara.use_memo(game.feed, [stamp]))


@solara.component
def LobbyPage() -> None:
    game, version, _ = use_game()
    solara.Title("Brink - team game")
    _nav("Team game")
    solara.Text(_status(game.model, game.setup.scenario.name), classes=["brink-status"],
                style={"font-size": "18px", "font-weight": "bold"})
    with solara.Card("Teams: open your actor's page (one browser per team)"):
        for actor in game.actors:
            who = game.teams.get(actor)
            status = f"played by {who or 'a team'}" if actor in game.keys else \
                "free: the model plays it"
            with solara.Row():
                solara.Button(f"{actor}: {game.setup.scenario.actors[actor].name}",
                              href=f"/?team={actor}", color="primary", outlined=True)
                solara.Text(status, style={"align-self": "center"})
        solara.Text("The instructor's page is /?instructor=TOKEN (the token is printed "
                    "where the server was started).", style={"display": "block"})
    GameView(game, version, ("escalation", "tension"))


@solara.component
def TeamPage(actor: str, key: str | None) -> None:
    game, version, sync = use_game()
    router = solara.use_router()
    team = solara.use_reactive("")
    error = solara.use_reactive("")
    pick = solara.use_reactive("")
    if actor not in game.actors:
        solara.Error(f"No actor {actor!r} in this game (actors: {', '.join(game.actors)}).")
        _nav("Team game")
        return
    mine = game.holds(actor, key)
    spec = game.setup.scenario.actors[actor]
    solara.Title(f"Brink - {actor}")
    _nav("Team game")
    solara.Text(f"{actor}: {spec.name}" + (f" - {game.teams.get(actor)}" if mine and
                                            game.teams.get(actor) else ""),
                style={"font-size": "22px", "font-weight": "bold", "display": "block"})
    solara.Text(_status(game.model, game.setup.scenario.name), classes=["brink-status"],
                style={"font-size": "16px", "display": "block"})

    def claim() -> None:
        try:
            k = game.claim(actor, team.value)
        except state.GameError as err:
            error.set(str(err))
            return
        error.set("")
        sync()
        router.push(f"/?team={actor}&key={k}")

    menu = game.menu(actor) if mine and not game.over else []
    labels = {state.option_label(o): (o.action, o.target) for o in menu}

    def submit() -> None:
        if pick.value not in labels:
            error.set("choose a move from the list first")
            return
        try:
            game.submit(actor, key, *labels[pick.value])
            error.set("")
        except state.GameError as err:
            error.set(str(err))
        sync()

    def withdraw() -> None:
        game.withdraw(actor, key)
        sync()

    def answer(text: str) -> None:
        game.answer_deals(actor, key, {"accept any deal": True, "turn down any deal": False}
                          .get(text))
        sync()

    with solara.Card("Your move" if mine else "This actor"):
        if not mine and actor in game.keys:
            solara.Info(f"{actor} is played by {game.teams.get(actor) or 'another team'}. "
                        "You can watch here.")
        elif not mine:
            solara.InputText("Team name", value=team)
            solara.Button(f"Claim {actor}", color="primary", on_click=claim,
                          classes=["brink-claim"])
        elif game.over:
            solara.Info("The game has ended.")
        else:
            pending = game.pending.get(actor)
            solara.Text("Submitted for tomorrow: " + (
                state.option_label(next(o for o in menu if (o.action, o.target) == pending))
                if pending and any((o.action, o.target) == pending for o in menu)
                else "nothing yet (the model will decide for you)"),
                classes=["brink-pending"], style={"display": "block", "margin": "6px 0"})
            solara.Select("Move for the next day (the model's own chance in brackets)",
                          value=pick, values=list(labels))
            if pick.value in labels:
                chosen = next(o for o in menu if (o.action, o.target) == labels[pick.value])
                solara.Text(state.option_detail(chosen), classes=["brink-detail"],
                            style={"display": "block", "font-size": "13px"})
            with solara.Row():
                solara.Button("Submit move", color="primary", on_click=submit,
                              classes=["brink-submit"])
                solara.Button("Let the model decide", on_click=withdraw)
            current = {True: "accept any deal", False: "turn down any deal"}.get(
                game.answers.get(actor), "the model decides")  # type: ignore[arg-type]
            solara.ToggleButtonsSingle(value=current, values=[
                "the model decides", "accept any deal", "turn down any deal"],
                on_value=answer)
            solara.Text("...how to answer a deal reached at talks you attend.",
                        style={"display": "block"})
        if error.value:
            solara.Error(error.value, classes=["brink-error"])
    if mine and not game.over:
        TalksCard(game, actor, key, sync, version)
    GameView(game, version, ("escalation", "positions", "beliefs"))


@solara.component
def TalksCard(game: state.Game, actor: str, key: str | None, sync: Any, version: int) -> None:
    """The next round the team attends: positions to put on the table there.

    ``version`` (the game's) is there to redraw the card when the game changes.
    """
    talks = game.next_talks(actor)
    agenda = game.agenda(talks) if talks is not None else []
    model = game.model
    i = model.actor_ids.index(actor)
    now = {k: round(float(model.positions[i, model.issue_ids.index(k)])) for k in agenda}
    offer = game.offers.get(actor)
    draft = solara.use_reactive(dict(offer or now))
    error = solara.use_reactive("")
    if talks is None:
        return

    def put() -> None:
        try:
            game.offer(actor, key, draft.value)
            error.set("")
        except state.GameError as err:
            error.set(str(err))
        sync()

    def withdraw() -> None:
        game.offer(actor, key, None)
        sync()

    with solara.Card(f"Next talks: {talks.name}, {talks.date:%a %d %b} "
                     f"({', '.join(talks.participants)})"):
        solara.Text("Offer: " + (", ".join(f"{k} {v:.0f}" for k, v in offer.items())
                                  if offer else "none (you bring your current positions)"),
                    classes=["brink-offer"], style={"display": "block"})
        with solara.Details("Positions to put on the table (0 and 100 are the issue's poles)"):
            for k in agenda:
                issue = game.setup.scenario.issues[k]

                def change(x: float, k: str = k) -> None:
                    draft.set({**draft.value, k: x})

                solara.SliderInt(f"{issue.label}: {draft.value.get(k, now[k]):.0f}",
                                 value=int(draft.value.get(k, now[k])), min=0, max=100,
                                 on_value=change)
                solara.Text(f"0: {issue.low}. 100: {issue.high}.",
                            style={"display": "block", "font-size": "12px", "color": "#666",
                                   "margin": "-10px 0 6px 0"})
            with solara.Row():
                solara.Button("Put these on the table", color="primary", on_click=put)
                solara.Button("Withdraw the offer", on_click=withdraw)
        if error.value:
            solara.Error(error.value)


@solara.component
def InstructorPage() -> None:
    game, version, sync = use_game()
    ids = game.actors
    error = solara.use_reactive("")
    who = solara.use_reactive(ids[0])
    other = solara.use_reactive(ids[1])
    action = solara.use_reactive("warn")
    shift = solara.use_reactive(1.0)
    note = solara.use_reactive("")
    new_name = solara.use_reactive(game.setup.bundled or state.FLAGSHIP)
    new_seed = solara.use_reactive(game.setup.seed)

    def guarded(fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
                error.set("")
            except (state.GameError, ValueError) as err:
                error.set(" ".join(str(err).split()))
            sync()
        return run

    def inject(kind: str) -> Any:
        args = {"act": {"actor": who.value, "action": action.value, "target": other.value},
                "incident": {"a": who.value, "b": other.value},
                "report": {"about": who.value, "shift": shift.value}}[kind]
        return guarded(lambda: game.inject(kind, note=note.value, **args))

    def resume(f: dict[str, Any]) -> None:
        if f.get("size", 0) > state.MAX_SAVE_BYTES:
            error.set("save file too large")
            return
        try:
            HUB.replace_game(state.Game.resume(f["file_obj"].read(state.MAX_SAVE_BYTES + 1)))
            error.set("")
        except state.GameError as err:
            error.set(str(err))
        sync()

    def new_game() -> None:
        HUB.replace_game(state.Game(state.Setup.of_bundled(new_name.value, int(new_seed.value))))

    solara.Title("Brink - instructor")
    _nav("Instructor")
    solara.Text("Instructor", style={"font-size": "22px", "font-weight": "bold"})
    solara.Text(_status(game.model, game.setup.scenario.name), classes=["brink-status"],
                style={"font-size": "16px", "display": "block"})
    with solara.Columns([1, 1]):
        with solara.Card("Advance"):
            with solara.Row():
                solara.Button("Advance 1 day", color="primary", on_click=guarded(
                    game.advance), disabled=game.over, classes=["brink-advance"])
                solara.Button("Advance 7 days", on_click=guarded(lambda: game.advance(7)),
                              disabled=game.over)
            for actor in ids:
                pending = game.pending.get(actor)
                team = game.teams.get(actor) or "a team"
                text = (f"{actor} ({team}): " + (" ".join(x for x in pending if x) if pending
                                                 else "no move yet (model decides)")
                        if actor in game.keys else f"{actor}: the model plays it")
                with solara.Row():
                    solara.Text(text, classes=["brink-seat"], style={"align-self": "center"})
                    if actor in game.keys:
                        solara.Button("Release", text=True,
                                      on_click=guarded(lambda a=actor: game.release(a)))
            with solara.Details("The teams' moves so far"):
                for line in game.move_lines():
                    solara.Text(line, style={"display": "block"}, classes=["brink-move"])
        with solara.Card("Inject before the next day"):
            with solara.Row():
                solara.Select("Actor (report: about)", value=who, values=ids)
                solara.Select("Other actor / target", value=other, values=ids)
            solara.Select("Act", value=action, values=[n for n in NAMES if n != "hold"])
            solara.SliderFloat(f"Report: others' belief that the actor is resolute, "
                               f"{shift.value:+g} (log-odds; +1 takes 50% to 73%)",
                               value=shift, min=-2.0, max=2.0, step=0.25)
            solara.InputText("Note (shown in the log)", value=note)
            with solara.Row():
                solara.Button("Leaked intelligence report", on_click=inject("report"),
                              classes=["brink-report"])
                solara.Button("Border incident", on_click=inject("incident"),
                              classes=["brink-incident"])
                solara.Button("Act", on_click=inject("act"))
            target = "" if ACTIONS[action.value].target == "none" else f" {other.value}"
            solara.Text(f"Act: {who.value} {ACTIONS[action.value].label}{target}",
                        style={"display": "block"})
    if error.value:
        solara.Error(error.value, classes=["brink-error"])
    with solara.Card("Save, resume, new game"):
        with solara.Row():
            solara.FileDownload(lambda: json.dumps(game.save(), indent=1).encode(),
                                filename=f"brink-game-day{game.model.days_run}.json",
                                label="Save game (JSON)")
        _label("Resume a saved game (.json)")
        FileUpload(".json", resume)
        with solara.Row():
            solara.Select("Scenario", value=new_name, values=list(state.bundled()))
            solara.InputInt("Seed", value=new_seed)
            solara.Button("Start a new game", on_click=guarded(new_game))
    GameView(game, version)


# --------------------------------------------------------------------------- routing


@solara.component
def Page() -> None:
    router = solara.use_router()
    query = urllib.parse.parse_qs(router.search or "", keep_blank_values=True)

    def first(name: str) -> str | None:
        return query[name][0] if name in query else None

    with solara.Column(style={"padding": "4px 12px"}):
        if "instructor" in query:
            if HUB.is_instructor(first("instructor")):
                InstructorPage()
            else:
                solara.Error("Wrong or missing instructor token: use the address printed "
                             "where `brink dashboard` was started.")
        elif "team" in query:
            TeamPage(str(first("team")).upper(), first("key"))
        elif "game" in query:
            LobbyPage()
        else:
            ExplorePage()
