"""Play mode: people decide for actors at the terminal (``brink play``).

A game is a model run in which some actors are *played*. Each day the model
hands the player of such an actor the menu of what it may do, with its own
probability of each option (``sim.model.players``); the player sees the
situation (postures, beliefs, threats, positions, what happened, talks
ahead), picks an option by number or name, or presses Enter to let the model
choose. At a talk round the player may put other positions on the table and
answers any deal reached. Every other decision is the model's.

Input comes from a terminal (bad input is asked again, with a hint) or from a
script on standard input (a bad line stops the game: its line number, exit
status 2, nothing written; the end of the input leaves the rest to the
model). At the end, a debrief: the player's moves with the model's view of
each, the outcome, the same scenario and seed played by the model alone
(many runs), and the historical record where it covers the scenario.

The pieces, in the order of this file:

- what a player types: ``parse_command``, ``parse_offer``, ``parse_answer``,
  and the quiet-day rule ``is_quiet`` (pure functions);
- what a player sees: ``feed_lines``, ``posture_lines``, ``threat_lines``,
  ``talks_ahead``, ``positions_lines``, ``menu_lines``, ``why_lines``, ``table_lines``;
- ``Console`` (a terminal or a script), ``TerminalPlayer`` (asks) and
  ``Recorder`` (keeps each decision with the model's view of it);
- ``play`` and ``replay``: a whole game, its files (the usual run outputs and
  ``game.json``, from which ``replay`` reproduces the game exactly), and the
  ``debrief``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from sim._version import __version__
from sim.dashboard.state import SAVE_FORMAT, bundled  # saves, scenarios by name only
from sim.model.actions import ACTIONS, CATALOG, FAMILIES, FAMILY_OF
from sim.model.crisis import ACT_KINDS, FLAGSHIP, THREAT_KINDS, CrisisModel
from sim.model.players import Move, Option, Player, Talks, replay_players
from sim.plots import RUNG_NAMES
from sim.results import day_label, describe_act, unwritable
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import origin_of
from sim.scenario.schema import did_you_mean

#: days ahead (today included) in which a talk round makes a day not quiet
QUIET_TALK_DAYS = 3
#: days ahead for which the situation lists the talk rounds
TALKS_AHEAD = 14
#: events shown at most in "since your last decision" (the latest ones)
FEED_LINES = 12
#: days after a move in which the debrief looks for what happened next
AFTER_DAYS = 3
#: below this many runs the debrief ensemble runs in one process (no start-up cost)
SERIAL_RUNS = 50
WIDTH = 100
GAME_FILE = "game.json"
DEBRIEF_FILE = "debrief.txt"
GAME_FORMAT = 1
#: the "format" of a team game saved by ``brink dashboard`` (also replayed by --replay)
DASHBOARD_FORMAT = SAVE_FORMAT

THREAT_WORDS = {"sanctions": "a threat of sanctions", "force": "a threat of force",
                "general": "a warning"}
#: acts that carry out each kind of threat (from the catalog)
CARRIED_OUT_BY = {k: tuple(a.name for a in CATALOG if k in a.carries_out) for k in THREAT_KINDS}
#: events that happen in the morning, before anyone chooses: a player may see today's
MORNING_KINDS = ("scripted", "injected")

HELP = """\
At the prompt:
  3              pick option 3 of the menu
  warn RUS       pick by name (action and target; the target may be left out when there is one)
  Enter          let the model choose today, as it would for any actor
  why 3          the model's reasons for option 3 (its two largest utility terms)
  skip 7         let the model play you for 7 days, today included (talk rounds still come to you)
  positions      every actor's positions on the issues, and what 0 and 100 mean
  news           every event since your last decision (the situation shows the latest 12)
  quit           end the game after today; what was played is written and debriefed
  ?  or  help    this help
The menu: cost = what the act costs in the model's units (0-0.35); signal = how much more
resolute it makes you look (+) or less (-), as a log-likelihood ratio; Goldstein = the act's
place on the conflict-cooperation scale (-10 hostile, +10 cooperative); model = the chance the
model itself would pick it today."""

LEGEND = (
    "cost: what the act costs (model units); signal (sig.): how resolute it makes you look (+) or",
    "soft (-); Goldstein (Gold.): -10 hostile to +10 cooperative; model (p): the model's chance.",
    "Type a number or a name (e.g. 1 or 'hold'); Enter lets the model choose; ? for help.")

HELP_OFFER = """\
Put positions on the table as issue=value (0-100), several on one line separated by spaces,
e.g. {example}; issues you leave out keep your current position. Enter keeps all of them.
The bargaining values every proposal by its closeness to the positions you bring, and you
accept none worth less to you than your reservation value. quit ends the game after today."""

HELP_ANSWER = """\
y accepts the deal; n turns it down (the round then breaks down, as if no deal were reached);
Enter lets the model answer (it accepts every deal its bargaining reaches). quit ends the game
after today."""


class PlayError(Exception):
    """A problem with the request or the input: one line, exit status 2, nothing written."""


class InputProblem(ValueError):
    """What a player typed cannot be used; the message is a one-line hint."""


class GameStopped(Exception):
    """Internal: a bad line in a script stops the game (becomes a PlayError)."""


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Command:
    """What a player typed at the daily prompt.

    ``kind`` is ``pick`` (``number`` = index into the menu, from 0), ``model``
    (let the model choose), ``why`` (``number`` = menu index), ``skip``
    (``number`` = days), ``positions``, ``news``, ``help`` or ``quit``.
    """

    kind: str
    number: int = 0


def _words(text: str) -> list[str]:
    return text.strip().lower().split()


def parse_command(text: str, options: Sequence[Option]) -> Command:
    """Read one line typed at the daily prompt.

    Raises:
        InputProblem: with a one-line hint when the line means nothing here.
    """
    words = _words(text)
    if not words:
        return Command("model")
    head = words[0]
    if words in (["?"], ["help"]):
        return Command("help")
    if words == ["quit"]:
        return Command("quit")
    if words in (["positions"], ["issues"]):
        return Command("positions")
    if words == ["news"]:
        return Command("news")
    if head == "why":
        if len(words) != 2:
            raise InputProblem(f"why needs an option number, e.g. 'why 2' (1-{len(options)})")
        return Command("why", _option_number(words[1], options))
    if head == "skip":
        if len(words) != 2 or not words[1].isdigit() or int(words[1]) < 1:
            raise InputProblem("skip needs a number of days, e.g. 'skip 7'")
        return Command("skip", int(words[1]))
    if len(words) == 1 and words[0].lstrip("-").isdigit():
        return Command("pick", _option_number(words[0], options))
    return Command("pick", match_option(words, options))


def _option_number(word: str, options: Sequence[Option]) -> int:
    if not word.isdigit() or not 1 <= int(word) <= len(options):
        raise InputProblem(f"{word!r} is not an option number: choose 1-{len(options)}")
    return int(word) - 1


def match_option(words: Sequence[str], options: Sequence[Option]) -> int:
    """The menu index of the option named by ``words`` (``["warn", "rus"]``), case-insensitive.

    The action may be written with spaces, hyphens or underscores
    (``threaten sanctions RUS``); the target may be left out when the action
    has only one today.
    """
    targets = {o.target.lower(): o.target for o in options if o.target}
    target = None
    rest = list(words)
    if len(rest) > 1 and rest[-1] in targets:
        target = targets[rest.pop()]
    action = "_".join(rest).replace("-", "_")
    named = [k for k, o in enumerate(options) if o.action == action]
    if not named:
        today = sorted({o.action for o in options})
        if action in ACTIONS:
            raise InputProblem(f"{action} is not open to you today; today's actions: "
                               + ", ".join(today))
        raise InputProblem(f"no option {' '.join(words)!r}{did_you_mean(action, today)}; "
                           "type an option's number or name, or ? for help")
    open_to = [options[k].target for k in named if options[k].target]
    if target is None:
        if len(named) == 1:
            return named[0]
        raise InputProblem(f"{action} whom? {', '.join(map(str, open_to))} "
                           f"(e.g. '{action} {open_to[0]}')")
    if not open_to:
        raise InputProblem(f"{action} takes no target: type '{action}'")
    for k in named:
        if options[k].target == target:
            return k
    raise InputProblem(f"{action} {target} is not open to you today; {action} is open "
                       f"toward {', '.join(map(str, open_to))}")


def parse_offer(text: str, agenda: Sequence[str]) -> dict[str, float] | None:
    """Positions typed at a talk round: ``donbas=60 troop_buildup=80``; empty: None (keep).

    Raises:
        InputProblem: with a one-line hint (issue not on the agenda, value out of 0-100...).
    """
    text = re.sub(r"\s*=\s*", "=", text.strip().replace(",", " "))
    if not text:
        return None
    by_lower = {k.lower(): k for k in agenda}
    out: dict[str, float] = {}
    for token in text.split():
        if "=" not in token:
            raise InputProblem(f"write issue=value, e.g. {agenda[0]}=60, or press Enter to "
                               "keep your positions")
        name, value = token.split("=", 1)
        issue = by_lower.get(name.lower())
        if issue is None:
            raise InputProblem(f"{name!r} is not on the agenda{did_you_mean(name.lower(), agenda)}"
                               f"; the agenda: {', '.join(agenda)}")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and 0.0 <= number <= 100.0):
            raise InputProblem(f"{issue}: a position is a number from 0 to 100, not {value!r}")
        if issue in out:
            raise InputProblem(f"{issue} is given twice")
        out[issue] = number
    return out


def parse_answer(text: str) -> bool | None:
    """y/yes: True, n/no: False, empty: None (the model answers).

    Raises:
        InputProblem: for anything else.
    """
    word = text.strip().lower()
    if not word:
        return None
    if word in ("y", "yes"):
        return True
    if word in ("n", "no"):
        return False
    raise InputProblem("answer y (accept the deal) or n (turn it down), or press Enter to let "
                       "the model answer")


# --------------------------------------------------------------------------- the quiet-day rule


def is_quiet(events: Iterable[Sequence[Any]], me: int, rivals: Iterable[int],
             talk_days: Iterable[int], today: int, deadline: bool) -> bool:
    """Whether a day is quiet for the player of actor ``me`` (``--skip-quiet``).

    A day is quiet when, since the player last saw the situation, nothing
    happened to or around it, and nothing is near:

    1. no event (an act, incident, talk round, offer or credibility change)
       has ``me`` or one of its ``rivals`` as actor or target, except the
       acts ``me`` made itself (``events`` are the model's event tuples
       ``(day, kind, actor, target, ...)`` the player has not seen);
    2. no talk round with ``me`` at the table is held today or in the next
       ``QUIET_TALK_DAYS`` days (``talk_days``: day indices of its rounds);
    3. no threat of ``me``'s has been called (``deadline``: a rival escalated
       after the threat and ``me`` must carry it out or lose credibility).

    The caller never treats a player's first day as quiet.
    """
    watch = {me, *rivals}
    for e in events:
        kind, actor, target = e[1], e[2], e[3]
        if actor == me and kind in ACT_KINDS:
            continue
        if actor in watch or target in watch:
            return False
    if any(0 <= d - today <= QUIET_TALK_DAYS for d in talk_days):
        return False
    return not deadline


# --------------------------------------------------------------------------- what a player sees


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def _pct(p: float) -> str:
    if p <= 0:
        return "0%"
    if p < 0.005:
        return "<1%"
    return f"{p:.0%}"


def _wrap(text: str, hang: int | None = None, width: int = WIDTH) -> list[str]:
    """A long line wrapped to ``width``, continuation lines indented by ``hang``
    (default: the line's own indentation plus two)."""
    body = text.lstrip(" ")
    indent = len(text) - len(body)
    pad = " " * (indent + 2 if hang is None else hang)
    return textwrap.wrap(body, width, initial_indent=" " * indent, subsequent_indent=pad,
                         break_on_hyphens=False) or [""]


def _clip(text: str, width: int = WIDTH) -> str:
    """One line of at most ``width`` characters, cut at a word with '...' if longer."""
    text = text.rstrip()
    if len(text) <= width:
        return text
    cut = text[:width - 3]
    if " " in cut.strip():
        cut = cut[:cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:(") + "..."


def describe_event(m: CrisisModel, e: Sequence[Any], me: int | None = None) -> str:
    """One of the model's events in plain words (``RUS warns USA (Blinken ...)``)."""
    _day, kind, i, j, action, _cameo, _g, _rung, reason = e
    ids = m.actor_ids
    who = ids[i]
    target = None if j is None else ids[j]
    if kind in ACT_KINDS and action in ACTIONS:
        text = describe_act(who, action, target)
        note = reason.split(": ", 1)[1] if ": " in reason else ""
        if kind in ("scripted", "injected", "history") and note:
            text += f" ({note})"
        elif kind == "act" and i == me:
            text += " (the model's choice for you)"
        return text
    if kind == "incident":
        return describe_act(who, "incident", target)
    if kind == "credibility":
        return f"{who} -> {ids[j] if j is not None else '?'}: {reason}"
    return reason  # talks, offers at the table, an injected report: already in words


def _talk_events_once(events: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """Events with the talk-round lines (one per pair of rivals) given once."""
    seen: set[tuple[int, str]] = set()
    out = []
    for e in events:
        if e[1] == "talks":
            if (e[0], e[8]) in seen:
                continue
            seen.add((e[0], e[8]))
        out.append(e)
    return out


def feed_lines(m: CrisisModel, events: Sequence[Sequence[Any]], me: int,
               limit: int | None = FEED_LINES) -> list[str]:
    """The latest events, one line each (date and words), at most ``limit``."""
    events = _talk_events_once(events)
    limit = len(events) if limit is None else limit
    lines = []
    for e in events[-limit:] if limit else []:
        text = f"  {day_label(m.date_of(e[0])):>6}  {describe_event(m, e, me)}"
        lines += _wrap(text, 10) if e[1] in ("talks", "offer") else [_clip(text)]
    if len(events) > limit:
        lines.insert(0, f"  ... and {len(events) - limit} earlier events ('news' shows them all)")
    return lines


def posture_lines(m: CrisisModel, me: int, before: _Seat | None = None) -> list[str]:
    """Every actor's rung and credibility, and how resolute ``me`` believes it is.

    With ``before`` (what the player saw last time), the changes since.
    """
    out = [f"  {'actor':<11}{'posture (rung 0-9)':<32}{'credibility':<20}you think it resolute"]
    seen = before is not None and before.rungs is not None
    for j, code in enumerate(m.actor_ids):
        rung, cred = int(m.rung[j]), float(m.credibility[j])
        rung_text, cred_text = f"{rung} {RUNG_NAMES[rung]}", f"{cred:.2f}"
        belief = "-" if j == me else f"{m.belief[me, j]:.0%}"
        if seen:
            assert before is not None and before.rungs is not None
            rung_text += _change(rung - int(before.rungs[j]), "{:+d}")
            cred_text += _change(cred - float(before.credibility[j]), "{:+.2f}", 0.005)
            if j != me:
                belief += _change(100 * (m.belief[me, j] - before.beliefs[j]), "{:+.0f}", 0.5,
                                  " pts")
        name = f"{code} (you)" if j == me else code
        out.append(f"  {name:<11}{rung_text:<32}{cred_text:<20}{belief}")
    return out


def _change(delta: float, fmt: str, least: float = 1, unit: str = "") -> str:
    """' (+1)' for a change at least ``least`` in size, else ''."""
    return f" ({fmt.format(delta)}{unit})" if abs(delta) >= least else ""


def threat_lines(m: CrisisModel, me: int, day: int) -> list[str]:
    """Threats standing against ``me``, then its own (called ones flagged), then sanctions."""
    ids = m.actor_ids

    def standing(i: int, j: int, t: int, head: str, called: str) -> list[str]:
        """The line for i's threat of kind t against j, if it stands; ``called`` if called."""
        if m.threat_until[i, j, t] < day:
            return []
        line = (f"  {head}: {THREAT_WORDS[THREAT_KINDS[t]]}, standing until "
                f"{day_label(m.date_of(int(m.threat_until[i, j, t])))}")
        if m.called_until[i, j, t] >= day:
            line += called.format(by=day_label(m.date_of(int(m.called_until[i, j, t]))))
        return [line]

    against, mine = [], []
    for j in (j for j in range(m.n) if j != me):
        for t, kind in enumerate(THREAT_KINDS):
            against += standing(j, me, t, f"{ids[j]} -> you", f"; you escalated since, so "
                                f"{ids[j]} must carry it out by {{by}} or lose credibility")
            mine += standing(me, j, t, f"you -> {ids[j]}", f"; CALLED: {ids[j]} escalated, "
                             f"carry it out by {{by}} ("
                             + " or ".join(CARRIED_OUT_BY[kind]) + ") or lose credibility")
    out = [*against, *mine]
    by = [ids[j] for j in range(m.n) if m.sanctioned[j, me]]
    on = [ids[j] for j in range(m.n) if m.sanctioned[me, j]]
    if by:
        out.append(f"  sanctions on you by {', '.join(by)}")
    if on:
        out.append(f"  your sanctions on {', '.join(on)}")
    return [w for line in out for w in _wrap(line, 6)]


def _deadline(m: CrisisModel, me: int, day: int) -> bool:
    """A threat of ``me``'s has been called and must be carried out."""
    return bool((m.called_until[me] >= day).any())


def talks_ahead(m: CrisisModel, me: int, day: int) -> list[str]:
    """Talk rounds today or in the next ``TALKS_AHEAD`` days (held after today's acts)."""
    ids, out = m.actor_ids, []
    for t in m.crisis.talks:
        gap = (t.date - m.date_of(day)).days
        if not 0 <= gap <= TALKS_AHEAD:
            continue
        members = [ids.index(a) for a in t.participants]
        when = "today" if gap == 0 else day_label(t.date)
        line = f"  {when:>6}  {t.name}" + (f", {t.venue}" if t.venue else "")
        line += f" ({', '.join(t.participants)})" + (": you take part" if me in members else "")
        halted = sorted({ids[a] for a in members if any(m.halted[a, b] for b in members)})
        if halted:
            line += f"; halted by {', '.join(halted)} (cancelled unless talks are proposed again)"
        out.append(_clip(line))
    return out


def own_talk_days(m: CrisisModel, code: str) -> list[int]:
    """Day indices of the rounds at which ``code`` sits at the table."""
    return [(t.date - m.start).days for t in m.crisis.talks if code in t.participants]


def positions_lines(m: CrisisModel, me: int, poles: bool = False) -> list[str]:
    """Every actor's position on each issue (0-100), the status quo, ``me``'s red lines."""
    ids = m.actor_ids
    head = f"  {'issue':<28}" + "".join(f"{a:>6}" for a in ids) + f"{'status quo':>12}"
    out = [head]
    for k, issue in enumerate(m.issue_ids):
        spec = m.crisis.issues[issue]
        row = f"  {_clip(spec.label, 27):<28}" + "".join(f"{m.positions[j, k]:>6.0f}"
                                                       for j in range(m.n))
        row += f"{spec.status_quo:>12.0f}"
        if m.red[me, k]:
            row += "  your red line"
        out.append(row)
        if poles:
            out += _wrap(f"      {issue}: 0 = {spec.low}; 100 = {spec.high}", 8)
    return out


def menu_lines(options: Sequence[Option]) -> list[str]:
    """The numbered menu: option, cost, signal, Goldstein value, the model's chance.

    More than 16 options are shown in two columns (numbered down the left
    column first, with shorter headings) when they fit in 100 characters.
    """
    names = [o.action + (f" {o.target}" if o.target else "") for o in options]
    w = max(6, *map(len, names))
    acts = [ACTIONS[o.action] for o in options]
    if len(options) <= 16 or 2 * (w + 25) + 2 > WIDTH:
        head = f"{'#':>3} {'option':<{w}} {'cost':>4} {'signal':>6} {'Goldstein':>9} {'model':>5}"
        return [head] + [f"{k + 1:>3} {name:<{w}} {a.cost:>4.2f} {a.signal:>+6.2f} "
                         f"{a.goldstein:>+9.1f} {_pct(o.probability):>5}"
                         for k, (name, a, o) in enumerate(zip(names, acts, options))]
    head = f"{'#':>2} {'option':<{w}} {'cost':>4} {'sig.':>5} {'Gold.':>5} {'p':>4}"
    rows = [f"{k + 1:>2} {name:<{w}} {a.cost:>4.2f} {a.signal:>+5.2f} {a.goldstein:>+5.1f} "
            f"{_pct(o.probability):>4}" for k, (name, a, o) in enumerate(zip(names, acts, options))]
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:]
    lines = [f"{head}  {head}"]
    for k, row in enumerate(left):
        lines.append(f"{row}  {right[k]}" if k < len(right) else row)
    return lines


def why_lines(m: CrisisModel, me: int, options: Sequence[Option], k: int) -> list[str]:
    """The model's view of option ``k``: what the act is, and its two largest utility terms."""
    o, best = options[k], options[0]
    act = ACTIONS[o.action]
    terms = [p for p in o.reason.split("; ") if not p.startswith("p=")]
    name = o.action + (f" {o.target}" if o.target else "")
    lines = [f"  {k + 1}. {name}: {m.actor_ids[me]} {act.label}"
             + (f" {o.target}" if o.target else "")
             + (f"; a public threat ({THREAT_WORDS[act.threat]})" if act.threat else "")
             + (f"; carries out {', '.join(act.carries_out)} threats" if act.carries_out else ""),
             f"     utility {o.utility:+.3f}; its largest terms: "
             + ("; ".join(terms) if terms else "none above 0.005"),
             f"     the model would pick it with {_pct(o.probability)}"
             + ("" if k == 0 else f" (its favourite: {best.action}"
                + (f" {best.target}" if best.target else "")
                + f", {_pct(best.probability)}, utility {best.utility:+.3f})")]
    return [w for line in lines for w in _wrap(line, 5)]


def table_lines(m: CrisisModel, code: str, talks: Talks) -> list[str]:
    """A talk round as a participant sees it: positions on the table, reservation, red lines."""
    lines = [f"  {'issue':<18}{'':<30}" + "".join(f"{a + (' (you)' if a == code else ''):>11}"
                                                for a in talks.participants)]
    for issue in talks.agenda:
        label = _clip(m.crisis.issues[issue].label, 29)
        lines.append(f"  {issue:<18}{label:<30}"
                     + "".join(f"{talks.positions[a][issue]:>11.0f}" for a in talks.participants))
    lines.append(f"  Your reservation value: {talks.reservation:.2f} (what no agreement is worth "
                 "to you, on a 0-1 scale).")
    if talks.red_lines:
        lines.append(f"  Your red lines on this agenda: {', '.join(talks.red_lines)} (a deal must "
                     "respect them).")
    return lines


# --------------------------------------------------------------------------- input


class Console:
    """Where a game's input comes from and its text goes.

    On a terminal (``interactive``), a line that means nothing is asked
    again with a hint. From a script, the line is echoed after its prompt (so
    a transcript reads as a session), and a bad one stops the game with its
    line number. The end of the input leaves every remaining decision to the
    model (said once).
    """

    def __init__(self, stdin: TextIO, stdout: TextIO, interactive: bool | None = None) -> None:
        self.stdin, self.stdout = stdin, stdout
        self.interactive = stdin.isatty() if interactive is None else interactive
        self.line = 0
        self.eof = False
        self.interrupted = False
        if self.interactive and stdin is sys.stdin:
            with contextlib.suppress(ImportError):  # not on every platform
                import readline  # noqa: F401  (line editing and history for input())

    def say(self, *lines: str) -> None:
        """Print lines."""
        for line in lines:
            print(line, file=self.stdout)
        self.stdout.flush()

    def ask(self, prompt: str) -> str | None:
        """One line of input without its newline; None once the input has ended."""
        if self.eof:
            return None
        try:
            text = self._read(prompt)
        except KeyboardInterrupt:
            self.say("", "Interrupted: the game ends after today; what was played is kept.")
            self.interrupted = True
            return None
        except UnicodeDecodeError:
            self.line += 1
            self.problem("", "not text (the input must be UTF-8)")
            return self.ask(prompt)
        if text is None:
            self.eof = True
            self.say("", "End of input: the model decides the rest of the game.")
            return None
        self.line += 1
        return text

    def _read(self, prompt: str) -> str | None:
        if self.interactive and self.stdin is sys.stdin and self.stdout is sys.stdout:
            try:
                return input(prompt)
            except EOFError:
                return None
        self.stdout.write(prompt)
        self.stdout.flush()
        text = self.stdin.readline()
        if not text:
            self.stdout.write("\n")
            return None
        text = text.rstrip("\r\n")
        if not self.interactive:
            self.stdout.write(text + "\n")  # echo: a scripted game reads like a session
        return text

    def problem(self, text: str, hint: str) -> None:
        """Bad input: a hint on a terminal; from a script, the game stops."""
        if not self.interactive:
            quoted = f" ({text.strip()!r})" if text.strip() else ""
            raise GameStopped(f"line {self.line} of the input{quoted}: {hint}")
        self.say(f"  ! {hint}")


# --------------------------------------------------------------------------- players


@dataclass
class _Seat:
    """What the terminal keeps for one played actor."""

    code: str
    seen: int = 0  # events of the model shown to this player so far
    shown: bool = False  # has seen the situation at least once
    skip_until: int = -1  # the model plays it on days before this one
    left: list[tuple[int, str]] = field(default_factory=list)  # days left to the model, why
    rungs: np.ndarray | None = None  # rungs at its last decision
    credibility: np.ndarray = field(default_factory=lambda: np.zeros(0))  # everyone's, then
    beliefs: np.ndarray = field(default_factory=lambda: np.zeros(0))  # its beliefs, then
    tension: float = 0.0
    news: list[Sequence[Any]] = field(default_factory=list)  # the events it saw last
    positions: np.ndarray | None = None  # positions at its last decision
    last_day: int | None = None


class TerminalPlayer:
    """Asks a person (or reads a script) for each decision of the played actors.

    One object serves every played actor (players take turns at the same
    terminal). ``quit`` is set when a player ends the game; the caller stops
    after the current day.
    """

    def __init__(self, console: Console, played: Sequence[str], skip_quiet: bool) -> None:
        self.console = console
        self.seats = {code: _Seat(code) for code in played}
        self.skip_quiet = skip_quiet
        self.quit = False
        self._legend_shown = False

    @property
    def done(self) -> bool:
        """No more questions: the player quit or the input ended."""
        return self.quit or self.console.eof or self.console.interrupted

    # -- the daily choice

    def choose(self, model: CrisisModel, actor: str,
               options: list[Option]) -> tuple[str, str | None] | None:
        """Show the situation and the menu; read the pick (None: the model's choice)."""
        if self.done:
            return None
        seat, day, me = self.seats[actor], model.day, model.actor_ids.index(actor)
        new = self._unseen(model, seat, day)
        if day < seat.skip_until:
            seat.left.append((day, "skip"))
            return None
        if self.skip_quiet and seat.shown and is_quiet(
                new, me, np.nonzero(model.rival[me])[0].tolist(), own_talk_days(model, actor),
                day, _deadline(model, me, day)):
            seat.left.append((day, "quiet"))
            return None
        self._show_day(model, seat, me, day, new, options)
        while True:
            text = self.console.ask(f"[{actor} {day_label(model.date_of(day))}] your move> ")
            if text is None:
                return None
            try:
                cmd = parse_command(text, options)
            except InputProblem as err:
                self.console.problem(text, str(err))
                continue
            if not self._show(cmd, model, seat, me, options):
                return self._decide(cmd, model, seat, day, options)

    def _show(self, cmd: Command, m: CrisisModel, seat: _Seat, me: int,
              options: list[Option]) -> bool:
        """Answer a command that only shows something (help, why, positions, news)."""
        say = self.console.say
        if cmd.kind == "help":
            say(HELP)
        elif cmd.kind == "why":
            say(*why_lines(m, me, options, cmd.number))
        elif cmd.kind == "positions":
            say(*positions_lines(m, me, poles=True))
        elif cmd.kind == "news":
            say(*(feed_lines(m, seat.news, me, None) or ["  Nothing happened."]))
        else:
            return False
        return True

    def _decide(self, cmd: Command, m: CrisisModel, seat: _Seat, day: int,
                options: list[Option]) -> tuple[str, str | None] | None:
        """Carry out a command that settles the day: a pick, or the model's choice."""
        say = self.console.say
        if cmd.kind == "pick":
            o = options[cmd.number]
            say(f"  {seat.code} {ACTIONS[o.action].label}" + (f" {o.target}." if o.target
                                                               else "."))
            return o.action, o.target
        if cmd.kind == "quit":
            self._quit()
        elif cmd.kind == "skip":
            seat.skip_until = day + cmd.number
            seat.left.append((day, "skip"))
            say(f"  The model plays {seat.code} until {day_label(m.date_of(day + cmd.number - 1))}"
                " (talk rounds still come to you).")
        else:
            say("  The model chooses for you today.")
        return None

    def _unseen(self, m: CrisisModel, seat: _Seat, day: int) -> list[Sequence[Any]]:
        """Events since the player last looked that it may see now.

        Today's acts of actors who chose earlier stay hidden until tomorrow
        (everyone chooses at once); the morning's scripted and injected
        events are shown.
        """
        out = []
        for e in m.events[seat.seen:]:
            if e[0] < day or (e[0] == day and e[1] in MORNING_KINDS):
                out.append(e)
            else:
                break
        return out

    def _show_day(self, m: CrisisModel, seat: _Seat, me: int, day: int,
                  new: list[Sequence[Any]], options: Sequence[Option]) -> None:
        say = self.console.say
        date = m.date_of(day)
        title = (f"=== {seat.code} ({m.crisis.actors[seat.code].name}) | {date:%a} {_date(date)}"
                 f" | day {day + 1} of {m.days} ")
        say("", title + "=" * max(3, _width() - len(title)))
        if seat.left:
            say(*_wrap(f"Left to the model since you last looked: {_days_text(m, seat.left)}."))
        since = "the start" if seat.last_day is None else day_label(m.date_of(seat.last_day))
        lines = feed_lines(m, new, me)
        seat.news = new
        say(f"Since {since}:" if lines else f"Since {since}: nothing happened.", *lines)
        say("Postures and beliefs" + (" (changes since you last looked):" if seat.shown
                                      else ":"), *posture_lines(m, me, seat))
        change = _change(m.tension - seat.tension, "{:+.2f}", 0.005) if seat.shown else ""
        say(f"  Tension {m.tension:.2f}{change} (0 calm, 1 extreme).")
        threats = threat_lines(m, me, day)
        say("Threats and sanctions:" if threats else "Threats: none stand for or against you.",
            *threats)
        ahead = talks_ahead(m, me, day)
        if ahead:
            say("Talks in the next two weeks:", *ahead)
        if seat.positions is None or not np.array_equal(seat.positions, m.positions):
            say("Positions (0-100; 'positions' says what 0 and 100 mean):",
                *positions_lines(m, me))
        else:
            say("Positions: unchanged ('positions' shows them).")
        say("Your options today:", *menu_lines(options))
        if not self._legend_shown:
            say(*LEGEND)
            self._legend_shown = True
        seat.seen += len(new)
        seat.shown, seat.last_day, seat.left = True, day, []
        seat.rungs, seat.positions = m.rung.copy(), m.positions.copy()
        seat.credibility, seat.beliefs = m.credibility.copy(), m.belief[me].copy()
        seat.tension = float(m.tension)

    def last_news(self, m: CrisisModel) -> None:
        """What happened after the players' last look, at the end of the game."""
        seats = list(self.seats.values())
        start = min(seat.seen for seat in seats)
        if start < len(m.events):
            self.console.say("", "After your last decision:",
                             *feed_lines(m, m.events[start:], m.actor_ids.index(seats[0].code)))

    # -- talk rounds

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> Mapping[str, float] | None:
        """Show the round and the positions on the table; read new positions (None: keep)."""
        if self.done:
            return None
        seat, me = self.seats[actor], model.actor_ids.index(actor)
        new = list(model.events[seat.seen:])  # the round sits after today's acts: all are known
        title = f"=== {actor} at the talks: {talks.name}" + (f", {talks.venue}" if talks.venue
                                                             else "")
        title += f" | {talks.date:%a} {_date(talks.date)} "
        self.console.say("", title + "=" * max(3, _width() - len(title)))
        if new:
            since = ("the start" if seat.last_day is None
                     else day_label(model.date_of(seat.last_day)))
            self.console.say(f"Since {since}:", *feed_lines(model, new, me))
        seat.seen = len(model.events)
        others = [a for a in talks.participants if a != actor]
        example = next((k for k in talks.agenda if k not in talks.red_lines), talks.agenda[0])
        self.console.say(f"At the table with {', '.join(others)}. Positions on the table (0-100):",
                         *table_lines(model, actor, talks),
                         "Enter new positions as issue=value (e.g. "
                         f"{example}={talks.positions[actor][example]:.0f}), "
                         "or press Enter to keep yours; ? for help.")
        help_text = HELP_OFFER.format(example=" ".join(f"{k}=60" for k in talks.agenda[:2]))
        answered, offer = self._ask_at_table(f"[{actor} talks] your positions> ", help_text,
                                             lambda text: parse_offer(text, talks.agenda))
        if not answered:
            return None
        if offer is None:
            self.console.say("  You keep your positions.")
        else:
            self.console.say("  You put on the table: "
                             + ", ".join(f"{k} {v:g}" for k, v in offer.items()) + ".")
        return offer

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> bool | None:
        """Show the deal reached; read yes or no (None: the model answers, which is yes)."""
        if self.done:
            return None
        terms = ", ".join(f"{k} {v:.0f} (you: {talks.positions[actor][k]:.0f})"
                          for k, v in deal.items())
        left = [k for k in talks.agenda if k not in deal]
        self.console.say(*_wrap(f"  A deal was reached at {talks.name}: {terms}"
                                + (f"; left open: {', '.join(left)}" if left else "") + "."),
                         "  Accept it? y = yes, n = no (the round breaks down), Enter = the "
                         "model's answer (yes).")
        answered, answer = self._ask_at_table(f"[{actor} deal] accept? ", HELP_ANSWER,
                                              parse_answer)
        if not answered:
            return None
        self.console.say({True: "  You accept the deal.", False: "  You turn the deal down.",
                          None: "  The model answers for you: it accepts."}[answer])
        return answer

    def _ask_at_table(self, prompt: str, help_text: str, parse: Any) -> tuple[bool, Any]:
        """Ask until a line ``parse`` accepts: (True, its value), or (False, None) on quit/EOF."""
        while True:
            text = self.console.ask(prompt)
            if text is None:
                return False, None
            if _words(text) in (["?"], ["help"]):
                self.console.say(help_text)
                continue
            if _words(text) == ["quit"]:
                self._quit()
                return False, None
            try:
                return True, parse(text)
            except InputProblem as err:
                self.console.problem(text, str(err))

    def _quit(self) -> None:
        self.quit = True
        self.console.say("  You end the game: the model plays out today, then the game stops.")


def _width() -> int:
    return min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)


def _days_text(m: CrisisModel, left: Sequence[tuple[int, str]]) -> str:
    """'2-5 Dec (quiet), 7 Dec (skipped)': runs of consecutive days with one reason."""
    runs: list[list[Any]] = []
    for day, why in left:
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == why:
            runs[-1][1] = day
        else:
            runs.append([day, day, why])
    parts = []
    for a, b, why in runs:
        da, db = m.date_of(a), m.date_of(b)
        span = day_label(da) if a == b else (f"{da.day}-{day_label(db)}" if da.month == db.month
                                          else f"{day_label(da)}-{day_label(db)}")
        parts.append(f"{span} ({why})")
    return ", ".join(parts)


@dataclass
class Decision:
    """A decision a player made, with the model's view of it (for the debrief).

    ``kind`` is ``act`` (``value`` = (action, target); ``option`` its entry
    in the menu, ``favourite`` the model's most likely option that day),
    ``offer`` (``value`` = {issue: position}; ``before`` the player's
    positions it replaced) or ``accept`` (``value`` = True/False; ``deal``).
    """

    day: int
    actor: str
    kind: str
    value: Any
    option: Option | None = None
    favourite: Option | None = None
    talks: str = ""
    before: Mapping[str, float] | None = None
    deal: Mapping[str, float] | None = None


class Recorder:
    """Wraps a player: keeps each decision with the model's view of it, skips impossible ones.

    A recorded move that is not open when it comes up (in a rerun where
    another actor is left to the model, the game takes another course) is
    left to the model and noted in ``notes``.
    """

    def __init__(self, inner: Player, journal: list[Decision], notes: list[str]) -> None:
        self.inner, self.journal, self.notes = inner, journal, notes

    def choose(self, model: CrisisModel, actor: str,
               options: list[Option]) -> tuple[str, str | None] | None:
        choice = self.inner.choose(model, actor, options)
        if choice is None:
            return None
        action, target = choice
        option = next((o for o in options if (o.action, o.target) == (action, target)), None)
        if option is None:
            self.notes.append(f"{day_label(model.date_of(model.day))}: {actor}'s recorded move "
                              f"({action}{' ' + target if target else ''}) was not open; the "
                              "model chose instead")
            return None
        self.journal.append(Decision(model.day, actor, "act", (action, target), option,
                                     options[0]))
        return action, target

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> Mapping[str, float] | None:
        offer = self.inner.offer(model, actor, talks)
        if offer:
            self.journal.append(Decision((talks.date - model.start).days, actor, "offer",
                                         dict(offer), talks=talks.name,
                                         before=dict(talks.positions[actor])))
        return offer

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> bool | None:
        answer = self.inner.accept(model, actor, talks, deal)
        if answer is not None:
            self.journal.append(Decision((talks.date - model.start).days, actor, "accept",
                                         bool(answer), talks=talks.name, deal=dict(deal)))
        return answer


class _ModelDecides:
    """A player that leaves everything to the model (a played actor with no recorded move)."""

    def choose(self, model: CrisisModel, actor: str, options: list[Option]) -> None:
        return None

    def offer(self, model: CrisisModel, actor: str, talks: Talks) -> None:
        return None

    def accept(self, model: CrisisModel, actor: str, talks: Talks,
               deal: Mapping[str, float]) -> None:
        return None


# --------------------------------------------------------------------------- games


@dataclass
class Game:
    """A game as ``game.json`` keeps it: enough to replay it exactly."""

    scenario: Scenario
    seed: int
    played: list[str]
    moves: list[Move]
    stopped: int | None = None  # days simulated when a player ended the game early
    skip_quiet: bool = False
    replay_of: dict[str, Any] | None = None
    injects: list[dict[str, Any]] = field(default_factory=list)  # a dashboard game's injects

    def to_dict(self, model: CrisisModel) -> dict[str, Any]:
        """The JSON-ready form, with the scenario's provenance and the outcome."""
        origin = origin_of(self.scenario)
        out = model.outcome
        data: dict[str, Any] = {
            "brink": "game", "format": GAME_FORMAT, "version": __version__,
            "scenario": self.scenario.name, "scenario_file": origin.path,
            "scenario_files": list(origin.files), "scenario_file_sha256": origin.file_sha256,
            "scenario_sha256": origin.scenario_sha256, "overrides": list(origin.overrides),
            "seed": self.seed, "played": self.played, "skip_quiet": self.skip_quiet,
            "stopped_after_days": self.stopped,
            "outcome": out.kind if out else "", "outcome_date": out.date.isoformat() if out else "",
            "days_simulated": model.days_run,
            "moves": [m.to_dict() for m in self.moves]}
        if self.injects:
            data["injects"] = self.injects
        if origin.path == "<python>":  # no file to find again: the scenario itself
            data["scenario_data"] = self.scenario.model_dump(mode="json")
        if self.replay_of is not None:
            data["replay_of"] = self.replay_of
        return data


def check_played(scenario: Scenario, names: Sequence[str], option: str = "--as") -> list[str]:
    """The actor ids named (case-insensitive), in the order given; one-line errors."""
    actors = list(scenario.actors)
    upper = {a.upper(): a for a in actors}
    if not names:
        raise PlayError(f"play needs {option} ACTOR, the actor you decide for (repeat it for "
                        f"more players); this scenario's actors: {', '.join(actors)}")
    out: list[str] = []
    for name in names:
        code = upper.get(name.upper())
        if code is None:
            raise PlayError(f"{option} {name}: no such actor in the scenario"
                            f"{did_you_mean(name.upper(), actors)} (actors: {', '.join(actors)})")
        if code in out:
            raise PlayError(f"{option} {code} is given twice")
        out.append(code)
    return out


def default_out(scenario_path: Path, seed: int) -> Path:
    """runs/play-<scenario>-<seed>/."""
    return Path("runs") / f"play-{scenario_path.stem}-{seed}"


def replay_out(game_path: Path, model_for: Sequence[str]) -> Path:
    """<game folder>/replay/, or <game folder>/replay-model-for-UKR/."""
    name = "replay" + ("-model-for-" + "-".join(model_for) if model_for else "")
    return game_path.parent / name


def check_out(out: Path, same: dict[str, Any] | None = None) -> None:
    """Refuse an output folder that cannot be written or already holds other results.

    A new game never writes over results; a replay may write over the same
    replay (``same``: the keys of ``game.json`` that fix it; same keys, same bytes).
    """
    problem = unwritable(out)
    if problem:
        raise PlayError(problem)
    game, summary = out / GAME_FILE, out / "summary.json"
    if not (game.exists() or summary.exists()):
        return
    if same is not None and game.exists():
        try:
            old = json.loads(game.read_text())
        except (OSError, ValueError):
            old = {}
        if all(old.get(k) == v for k, v in same.items()):
            return
    what = "a game" if game.exists() else "the results of a run"
    raise PlayError(f"{out} already holds {what}; choose another --out")


def _run(model: CrisisModel, limit: int, stop: Any = lambda: False,
         injects: Sequence[Mapping[str, Any]] = ()) -> None:
    """Step the model to its outcome, to ``limit`` days, or until ``stop()``.

    ``injects`` (an instructor's, from a dashboard game) are made before the
    day they name is simulated, as the dashboard made them.
    """
    by_day: dict[int, list[Mapping[str, Any]]] = {}
    for inj in injects:
        by_day.setdefault(int(inj["day"]), []).append(inj)
    while model.outcome is None and model.days_run < limit and not stop():
        for inj in by_day.get(model.days_run, ()):
            _inject(model, inj)
        model.step()
    if model.outcome is None and model.days_run == limit:
        for inj in by_day.get(limit, ()):
            _inject(model, inj)


def _inject(model: CrisisModel, inj: Mapping[str, Any]) -> None:
    """An instructor's inject, through the model's public API (the dashboard's save format)."""
    kind, a = inj["kind"], inj["args"]
    if kind == "act":
        model.inject_act(a["actor"], a["action"], a.get("target"), a.get("note", ""))
    elif kind == "incident":
        model.inject_incident(a["a"], a["b"], a.get("note", ""))
    elif kind == "report":
        model.inject_report(a["about"], float(a["shift"]), a.get("note", ""))
    else:
        raise PlayError(f"--replay: unknown kind of inject {kind!r}")


def play(scenario_path: Path, played: Sequence[str], *, seed: int | None = None,
         out: Path | None = None, skip_quiet: bool = False, runs: int = 200,
         plots: bool = True, stdin: TextIO | None = None, stdout: TextIO | None = None,
         workers: int | None = None) -> Path:
    """Play a game at the terminal (or from a script on ``stdin``); write it; debrief it.

    Returns the output folder. Raises ``PlayError`` for bad requests and bad
    script lines (nothing is written then) and ``ScenarioError`` for bad
    scenario files.
    """
    scenario = load_scenario(scenario_path)
    codes = check_played(scenario, played)
    seed = seed if seed is not None else (scenario.seed or 0)
    out = out or default_out(scenario_path, seed)
    check_out(out)
    console = Console(stdin or sys.stdin, stdout or sys.stdout)
    terminal = TerminalPlayer(console, codes, skip_quiet)
    journal: list[Decision] = []
    notes: list[str] = []
    model = CrisisModel(scenario, seed=seed,
                        players={c: Recorder(terminal, journal, notes) for c in codes})
    console.say(*_intro(model, codes, seed, skip_quiet))
    try:
        _run(model, model.days, lambda: terminal.quit or console.interrupted)
    except GameStopped as err:
        raise PlayError(f"{err}; nothing written") from None
    terminal.last_news(model)
    stopped = model.days_run if model.outcome is None else None
    game = Game(scenario, seed, codes, list(model.moves), stopped, skip_quiet)
    _finish(game, model, journal, notes, out, runs=runs, plots=plots, console=console,
            workers=workers)
    return out


def _intro(m: CrisisModel, codes: Sequence[str], seed: int, skip_quiet: bool) -> list[str]:
    s = m.crisis
    others = [a for a in m.actor_ids if a not in codes]
    you = ", ".join(f"{c} ({s.actors[c].name})" for c in codes)
    lines = [f"Brink play: {s.name}, {_date(s.start)} to {_date(s.end)} ({m.days} days), "
             f"seed {seed}.",
             f"You play {you}; the model plays "
             + (", ".join(others) if others else "no one else") + "."]
    if s.description:
        lines += textwrap.wrap(" ".join(s.description.split()), WIDTH)
    lines.append("Each day you see the situation and pick what you do; Enter lets the model "
                 "choose; ? for help.")
    if skip_quiet:
        lines.append(f"Quiet days are left to the model: nothing happened to you or your rivals "
                     f"since you last looked, no talks of yours within {QUIET_TALK_DAYS} days, "
                     "no called threat.")
    return lines


def load_game(path: Path) -> tuple[dict[str, Any], Scenario, list[Move]]:
    """Read a ``game.json``: its data, its scenario (checked unchanged) and its moves."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise PlayError(f"--replay {path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise PlayError(f"--replay {path}: not a game written by brink play (not JSON: "
                        f"{_one_line(err)})") from None
    if isinstance(data, dict) and data.get("format") == DASHBOARD_FORMAT:
        return _dashboard_game(data, path)
    if not isinstance(data, dict) or data.get("brink") != "game":
        raise PlayError(f"--replay {path}: not a game written by brink play or saved by the "
                        "dashboard")
    try:
        moves = [Move.from_dict(d) for d in data["moves"]]
        played = [str(a) for a in data["played"]]
        int(data["seed"])
        data["injects"] = [{"day": int(i["day"]), "kind": str(i["kind"]), "args": dict(i["args"])}
                           for i in data.get("injects", [])]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PlayError(f"--replay {path}: a damaged game file ({_one_line(err)})") from None
    data["played"] = played
    return data, _find_scenario(data, path), moves


def _dashboard_game(save: dict[str, Any], path: Path
                    ) -> tuple[dict[str, Any], Scenario, list[Move]]:
    """A team game saved by ``brink dashboard``, in the terms of ``game.json``.

    The save holds the scenario itself (and the bundled name, if it is one),
    the seed, the overrides, the days simulated, the moves, the instructor's
    injects and the teams (``sim.dashboard.state.Game.save``).
    """
    from sim.scenario import ScenarioError, scenario_from_dict
    from sim.scenario.loader import scenario_hash, with_overrides

    try:
        ident = save["scenario"]
        base = None
        named = bundled().get(str(ident.get("bundled")))
        if named is not None:
            base = load_scenario(named)
            if scenario_hash(base) != ident.get("sha256"):
                base = None
        if base is None:
            base = scenario_from_dict(ident["data"], source=str(path))
            if scenario_hash(base) != ident.get("sha256"):
                raise PlayError(f"--replay {path}: the scenario in the save does not match its "
                                "checksum")
        overrides = {str(k): v for k, v in (save.get("overrides") or {}).items()}
        scenario = with_overrides(base, overrides) if overrides else base
        moves = [Move.from_dict(d) for d in save.get("moves", [])]
        days = int(save.get("days", 0))
        teams = dict(save.get("teams") or {})
        data = {"seed": int(save["seed"]), "skip_quiet": False, "days_simulated": days,
                "stopped_after_days": days if days < scenario.days else None,
                "outcome": "", "outcome_date": "", "source": "dashboard",
                "played": [a for a in scenario.actors
                           if a in teams or any(m.actor == a for m in moves)],
                "injects": [{"day": int(i["day"]), "kind": str(i["kind"]),
                             "args": dict(i["args"])} for i in save.get("injects", [])]}
    except ScenarioError as err:
        raise PlayError(f"--replay {path}: the save's scenario is invalid: "
                        f"{err.problems[0]}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PlayError(f"--replay {path}: a damaged dashboard save ({_one_line(err)})") from None
    return data, scenario, moves


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _find_scenario(data: dict[str, Any], game_path: Path) -> Scenario:
    """The game's scenario: its file as given, next to the game, or bundled; unchanged."""
    from sim.scenario import ScenarioError

    if isinstance(data.get("scenario_data"), dict):
        from sim.scenario.loader import scenario_from_dict

        try:
            embedded = scenario_from_dict(data["scenario_data"])
        except ScenarioError as err:
            raise PlayError(f"--replay: the game's scenario is invalid: {err.problems[0]}"
                            ) from None
        if origin_of(embedded).scenario_sha256 == data.get("scenario_sha256"):
            return embedded
    given = Path(str(data.get("scenario_file", "")))
    candidates = [given]
    if not given.is_absolute():
        candidates.append(game_path.parent / given)
    candidates.append(FLAGSHIP.parent / given.name)
    changed = None
    for path in dict.fromkeys(candidates):
        if not path.is_file():
            continue
        try:
            scenario = load_scenario(path, data.get("overrides") or ())
        except ScenarioError:
            changed = path
            continue
        if origin_of(scenario).scenario_sha256 == data.get("scenario_sha256"):
            return scenario
        changed = path
    if changed is not None:
        raise PlayError(f"--replay: the scenario {changed} has changed since the game was "
                        "played (its SHA-256 differs), so the replay would be another game")
    raise PlayError(f"--replay: cannot find the game's scenario file {given}")


def replay(game_path: Path, *, model_for: Sequence[str] = (), out: Path | None = None,
           runs: int = 200, plots: bool = True, stdout: TextIO | None = None,
           workers: int | None = None) -> Path:
    """Replay a game from its ``game.json``; with ``model_for``, the model plays those actors.

    Returns the output folder (default: next to the game, see ``replay_out``).
    """
    data, scenario, moves = load_game(game_path)
    played = data["played"]
    if model_for:
        unknown = [a for a in model_for if a.upper() not in {p.upper() for p in played}]
        if unknown:
            raise PlayError(f"--model-for {unknown[0]}: not played in this game (played: "
                            f"{', '.join(played) or 'nobody'})")
        model_for = check_played(scenario, model_for, "--model-for")
    kept = [m for m in moves if m.actor not in model_for]
    remaining = [a for a in played if a not in model_for]
    seed = int(data["seed"])
    stopped = data.get("stopped_after_days")
    out = out or replay_out(game_path, model_for)
    origin = {"file": str(game_path), "game_sha256": _sha256(game_path),
              "model_for": list(model_for)}
    check_out(out, {"scenario_sha256": origin_of(scenario).scenario_sha256, "seed": seed,
                    "played": remaining, "stopped_after_days": stopped, "replay_of": origin})
    console = Console(sys.stdin, stdout or sys.stdout, interactive=False)
    journal: list[Decision] = []
    notes: list[str] = []
    inner = replay_players(kept)
    model = CrisisModel(scenario, seed=seed, players={
        a: Recorder(inner.get(a, _ModelDecides()), journal, notes) for a in remaining})
    who = (f"; the model plays {', '.join(model_for)} instead" if model_for else "")
    console.say(*_wrap(f"Replaying {game_path} ({scenario.name}, seed {seed}, played by "
                       f"{', '.join(played) or 'nobody'}{who})."))
    _run(model, model.days if stopped is None else int(stopped), injects=data["injects"])
    if not model_for and model.moves != kept:
        notes.append("the replay did not repeat every recorded move: the model has changed "
                     "since the game was played")
    game = Game(scenario, seed, remaining, list(model.moves), stopped,
                bool(data.get("skip_quiet")), origin, data["injects"])
    original = Original(str(data.get("outcome", "")), str(data.get("outcome_date", "")),
                        list(model_for), int(data.get("days_simulated") or 0),
                        str(data.get("source", "")))
    _finish(game, model, journal, notes, out, runs=runs, plots=plots, console=console,
            workers=workers, original=original)
    return out


@dataclass(frozen=True)
class Original:
    """The game a replay repeats: how it ended, and whom the model plays in the rerun."""

    outcome: str
    date: str
    model_for: list[str]
    days: int
    source: str = ""  # "dashboard": a team game saved by brink dashboard

    def text(self) -> str:
        """One line for the debrief of the replay."""
        if self.source == "dashboard":
            end = f"was saved by the dashboard after {self.days} days"
        elif self.outcome:
            end = (f"ended in {ARTICLE.get(self.outcome, self.outcome)} on "
                   f"{_date(dt.date.fromisoformat(self.date))}")
        else:
            end = f"was ended after {self.days} days"
        if self.model_for:
            return (f"A rerun of a game with the model in place of {', '.join(self.model_for)}"
                    f"; the original game {end}.")
        return f"A replay of a game that {end}."


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the end of a game


def _finish(game: Game, model: CrisisModel, journal: list[Decision], notes: list[str],
            out: Path, *, runs: int, plots: bool, console: Console, workers: int | None,
            original: Original | None = None) -> None:
    """Write the game, run the model alone for comparison, print and write the debrief."""
    from sim.results import collect, write_atomically, write_outputs

    result = collect(model)
    result.summary["played"] = list(game.played)
    title = (f"=== Game over: {outcome_text(model)} " if model.outcome else
             f"=== The game was ended on {_date(model.date_of(model.days_run - 1))}, before any "
             "outcome ")
    console.say("", title + "=" * max(3, _width() - len(title)))
    game_json = json.dumps(game.to_dict(model), indent=2) + "\n"
    try:
        written = write_outputs(result, out, plots=plots)
        written += write_atomically(out, [(GAME_FILE, game_json.encode())])
    except OSError as err:
        raise PlayError(f"cannot write to {out}: {err.strerror or err}") from None
    alone = CrisisModel(game.scenario, seed=game.seed)
    _run(alone, alone.days if game.stopped is None else game.stopped, injects=game.injects)
    ensemble = _ensemble(game, runs, workers, console)
    text = debrief(model, game, journal, notes, ensemble, alone, original)
    console.say("", text)
    try:
        written += write_atomically(out, [(DEBRIEF_FILE, (text + "\n").encode())])
    except OSError as err:
        raise PlayError(f"cannot write to {out}: {err.strerror or err}") from None
    console.say("", f"Wrote {len(written)} files to {out}/ (the debrief is in {DEBRIEF_FILE}).",
                f"Replay this game: brink play --replay {out / GAME_FILE}")


def _ensemble(game: Game, runs: int, workers: int | None, console: Console) -> Any:
    """The model alone: ``runs`` runs of the scenario, seeds spawned from the game's seed."""
    if runs <= 0:
        return None
    from sim.ensemble import EnsembleError, run_ensemble

    console.say(f"Running the model alone {runs} times for the debrief (--runs 0 skips this)...")
    if workers is None:
        workers = (os.cpu_count() or 1) if runs >= SERIAL_RUNS else 1
    try:
        return run_ensemble(game.scenario, runs=runs, seed=game.seed, workers=workers,
                            progress=None)
    except EnsembleError as err:
        console.say(f"  (the model-only runs failed: {err})")
        return None


def outcome_text(m: CrisisModel) -> str:
    """'WAR on 7 Mar 2022: RUS used force against UKR', or how far an unfinished game got."""
    if m.outcome is not None:
        return f"{m.outcome.kind.upper()} on {_date(m.outcome.date)}: {m.outcome.detail}"
    last = m.date_of(m.days_run - 1)
    return f"none (the game was ended on {_date(last)}, day {m.days_run} of {m.days})"


ARTICLE = {"war": "war", "standoff": "a standoff", "settlement": "a settlement"}


def debrief(m: CrisisModel, game: Game, journal: Sequence[Decision], notes: Sequence[str],
            ensemble: Any, alone: CrisisModel,
            original: Original | None = None) -> str:
    """The debrief of a game, in words: moves, outcome, the model alone, the record."""
    s = m.crisis
    who = ", ".join(f"{c} ({s.actors[c].name})" for c in game.played)
    title = "=== Debrief "
    lines = [title + "=" * (WIDTH - len(title)),
             f"{s.name}, seed {game.seed}. "
             + (f"Played by {who}." if who else "Nobody played: the model decided for everyone."),
             f"Outcome: {outcome_text(m)}."]
    if original is not None:
        lines.append(original.text())
    for code in game.played:
        lines += ["", *_timeline(m, code, [d for d in journal if d.actor == code])]
    lines += ["", *_vs_model(m, game, ensemble, alone)]
    lines += ["", *_vs_record(m, game)]
    if notes:
        lines += ["", "Notes:", *(f"  {n}" for n in notes)]
    return "\n".join(w for line in lines for w in (_wrap(line) if len(line) > WIDTH else [line]))


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _timeline(m: CrisisModel, code: str, decisions: Sequence[Decision]) -> list[str]:
    """One player's moves, each with the model's view of it and what happened next."""
    acts = [d for d in decisions if d.kind == "act"]
    talks = [d for d in decisions if d.kind != "act"]
    asked = len(acts)
    head = (f"{code}'s moves: {asked} day{'s' if asked != 1 else ''} decided by you"
            + (f", {len(talks)} decision{'s' if len(talks) != 1 else ''} at the table"
               if talks else "")
            + f"; the model decided the other {_days(max(m.days_run - asked, 0))}.")
    lines = [head]
    holds: list[Decision] = []

    def flush() -> None:
        if not holds:
            return
        a, b = m.date_of(holds[0].day), m.date_of(holds[-1].day)
        span = day_label(a) if len(holds) == 1 else f"{day_label(a)}-{day_label(b)}"
        ps = sorted(d.option.probability for d in holds if d.option)
        model = (f"{_pct(ps[0])}" if ps[0] == ps[-1] else f"{_pct(ps[0])}-{_pct(ps[-1])}") \
            if ps else "?"
        days = f" ({len(holds)} times)" if len(holds) > 1 else ""
        lines.extend(_wrap(f"  {span:<13}  hold{days}: the model's chance of holding {model}",
                           17))
        holds.clear()

    for d in decisions:
        if d.kind == "act" and d.value[0] == "hold":
            holds.append(d)
            continue
        flush()
        when = f"  {day_label(m.date_of(d.day)):<13}  "
        if d.kind == "act":
            lines += _act_lines(m, code, d, when)
        elif d.kind == "offer":
            was = ", ".join(f"{k} {v:g} (was {d.before[k]:.0f})" if d.before else f"{k} {v:g}"
                            for k, v in d.value.items())
            lines += _wrap(f"{when}{d.talks}: you put on the table {was}", 17)
            lines += _wrap(f"{'':17}result: {_talk_result(m, d)}", 19)
        else:
            deal = ", ".join(f"{k} {v:.0f}" for k, v in (d.deal or {}).items())
            lines += _wrap(f"{when}{d.talks}: you {'accepted' if d.value else 'turned down'}"
                           f" the deal ({deal})" + ("" if d.value else "; the round broke down"),
                           17)
            if d.value:
                lines += _wrap(f"{'':17}result: {_talk_result(m, d)}", 19)
    flush()
    unlikely = [d for d in acts if d.option and d.option.probability < 0.1]
    if acts:
        mean = sum(d.option.probability for d in acts if d.option) / len(acts)
        lines.append(f"  The model found {len(unlikely)} of your {len(acts)} choices unlikely "
                     f"(under 10%); on average it gave your choices {_pct(mean)}.")
    return lines


def _act_lines(m: CrisisModel, code: str, d: Decision, when: str) -> list[str]:
    o, fav = d.option, d.favourite
    action, target = d.value
    name = action + (f" {target}" if target else "")
    view = ""
    if o is not None:
        terms = [t for t in o.reason.split("; ") if not t.startswith("p=")]
        view = f" - the model: {_pct(o.probability)}"
        if fav is not None and (fav.action, fav.target) != (action, target):
            view += f" (its favourite: {fav.action}{' ' + fav.target if fav.target else ''}, " \
                    f"{_pct(fav.probability)})"
        if terms:
            view += "; " + "; ".join(terms)
    return [*_wrap(f"{when}{name}{view}", 17),
            *_wrap(f"{'':17}then: {_after(m, code, d.day, target)}", 23)]


def _after(m: CrisisModel, code: str, day: int, target: str | None) -> str:
    """What happened to the player or its target in the days after a move."""
    me = m.actor_ids.index(code)
    watch = {me} | ({m.actor_ids.index(target)} if target else set())
    events = _talk_events_once(
        e for e in m.events
        if day < e[0] <= day + AFTER_DAYS and not (e[2] == me and e[1] in ACT_KINDS)
        and (e[2] in watch or e[3] in watch))
    if not events:
        whom = code + (f" or {target}" if target else "")
        return f"nothing involving {whom} in the next {AFTER_DAYS} days"
    text = "; ".join(f"{day_label(m.date_of(e[0]))} {describe_event(m, e, me)}" for e in events[:3])
    return text + (f" (and {len(events) - 3} more)" if len(events) > 3 else "")


def _talk_result(m: CrisisModel, d: Decision) -> str:
    for row in m.talk_log:
        if row["day"] == d.day and row["name"] == d.talks:
            return row["status"] + (f" - {row['note']}" if row["note"] else "")
    return "not recorded"


def _vs_model(m: CrisisModel, game: Game, ensemble: Any, alone: CrisisModel) -> list[str]:
    """The game next to the model playing alone: the same seed, and many seeds."""
    rungs = ", ".join(f"{a} {r}" for a, r in zip(m.actor_ids, m.rung))
    alone_rungs = ", ".join(f"{a} {r}" for a, r in zip(alone.actor_ids, alone.rung))
    same = " (the same injects)" if game.injects else ""
    lines = ["The model alone:",
             f"  Same scenario and seed, nobody playing{same}: {outcome_text(alone)}."
             if alone.outcome else f"  Same scenario and seed, nobody playing{same}, to the same "
                                   "day: no outcome either.",
             f"  Postures at the end (rungs): your game {rungs}; the model alone {alone_rungs}."]
    if ensemble is None:
        lines.append("  (No model-only runs: --runs 0.)")
        return lines
    summary = ensemble.attrs["summary"]
    shares = summary["outcomes"]
    lines.append(f"  {summary['runs']} runs (seeds spawned from {game.seed}"
                 + ("; without the instructor's injects" if game.injects else "") + "): "
                 + ", ".join(f"{o} {_share(v)}" for o, v in shares.items()) + ".")
    if m.outcome is None:
        war = ensemble.attrs["war_by_date"]
        last = m.date_of(m.days_run - 1)
        p = float(war.loc[str(last)]) if str(last) in war.index else float("nan")
        lines.append(f"  Your game was ended on {_date(last)} without war; by then the model alone "
                     f"had gone to war in {_pct(p)} of runs.")
        return lines
    kind = m.outcome.kind
    lines.append(f"  Your game ended in {ARTICLE[kind]}; the model alone ends in {ARTICLE[kind]} "
                 f"in {_share(shares[kind])} of runs.")
    if kind == "war":
        wars = sorted(str(d) for d in ensemble.loc[ensemble["outcome"] == "war", "outcome_date"])
        date = m.outcome.date.isoformat()
        if wars:
            earlier = sum(w < date for w in wars)
            median = wars[len(wars) // 2]
            lines.append(f"  Your war came on {_date(m.outcome.date)}; the model's {len(wars)} "
                         f"wars came between {_iso(wars[0])} and {_iso(wars[-1])} (median "
                         f"{_iso(median)}): {earlier} of them ({earlier / len(wars):.0%}) "
                         "came earlier than yours.")
        else:
            lines.append("  None of the model's runs ended in war.")
    return lines


def _share(v: Mapping[str, float]) -> str:
    return f"{_pct(v['share'])} (95% CI {_pct(v['low'])}-{_pct(v['high'])})"


def _iso(text: str) -> str:
    return _date(dt.date.fromisoformat(text))


def _vs_record(m: CrisisModel, game: Game) -> list[str]:
    """The game next to the historical record of 2021/22, where the record covers it."""
    from sim.history import RECORD_END, RECORD_START, load_record

    s, ids = m.crisis, m.actor_ids
    record = load_record()
    recorded = (set(record["actor"]) | set(record["target"])) - {""}
    if len(set(ids) & recorded) < 2:
        return [f"The historical record of 2021/22 does not cover this scenario: its actors "
                f"({', '.join(ids)}) share no pair with the record's (RUS, USA, NATO, UKR)."]
    if s.end < RECORD_START or s.start > RECORD_END:
        return [f"The historical record ({_date(RECORD_START)} to {_date(RECORD_END)}) does not "
                f"cover this scenario's dates ({_date(s.start)} to {_date(s.end)})."]
    first = max(s.start, RECORD_START)
    days = record["date"].dt.date
    rec = record[(days >= first) & (days <= s.end)]
    lines = ["The historical record of 2021/22 (sim/data/record.yaml):"]
    wars = rec[(rec["action"] == "use_force") & rec["actor"].isin(ids) & rec["target"].isin(ids)]
    if len(wars):
        w = wars.iloc[0]
        when = w["date"].date()
        line = f"  {w['actor']} used force against {w['target']} on {_date(when)}"
        if m.outcome is not None and m.outcome.kind == "war":
            gap = (m.outcome.date - when).days
            line += ("; your game's war came the same day" if gap == 0 else
                     f"; your game's war came {abs(gap)} days {'later' if gap > 0 else 'earlier'}")
        elif m.outcome is not None:
            line += (f"; your game ended in {ARTICLE[m.outcome.kind]} on "
                     f"{_date(m.outcome.date)}, without war")
        else:
            line += "; your game was ended before any war"
        lines.append(line + ".")
    else:
        lines.append(f"  No war between these actors in the record up to {_date(RECORD_END)}.")
    last = min(m.date_of(m.days_run - 1), RECORD_END, s.end)
    if last < first:
        return lines
    for code in game.played:
        ours = [e[4] for e in m.events if e[1] in ACT_KINDS and e[2] == ids.index(code)
                and first <= m.date_of(e[0]) <= last]
        theirs = rec.loc[(rec["actor"] == code) & (rec["action"] != "negotiate")
                         & (rec["date"].dt.date <= last), "action"].tolist()
        if not theirs and code not in recorded:
            lines.append(f"  The record has no acts of {code}.")
            continue
        lines.append(f"  {code}'s acts, {_date(first)} to {_date(last)}: in your game "
                     f"{_families(ours)}; in the record {_families(theirs)}.")
    lines.append("  (Your game counts all of the acts of the actors you played, yours and the "
                 "model's on the days left to it.)")
    return lines


def _families(actions: Iterable[str]) -> str:
    counts = {f: 0 for f in FAMILIES}
    total = 0
    for a in actions:
        if a in FAMILY_OF:
            counts[FAMILY_OF[a]] += 1
            total += 1
    parts = [f"{f} {n}" for f, n in counts.items() if n]
    return f"{total}" + (f" ({', '.join(parts)})" if parts else "")
