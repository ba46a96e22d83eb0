"""The scenario schema: the public contract for scenario files.

One pydantic model per block of the file. Every optional key has a default,
documented in its ``description`` (which is also what ``brink schema`` exports
as JSON Schema for editors, and what docs/scenarios.md lists). Cross-references
(actor ids in talks, issue ids in positions, ...) are checked in
``check_references`` so that every problem is reported at once with its path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from sim.model.actions import ACTIONS, default_actions

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Position = Annotated[float, Field(ge=0.0, le=100.0)]
Rung = Annotated[int, Field(ge=0, le=8)]

ISSUE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ACTOR_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")

STYLE_EXPONENTS = {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}


class Strict(BaseModel):
    """Base: unknown keys are errors; floats must be finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Issue(Strict):
    """An issue in dispute, on a 0-100 scale between two named poles."""

    label: str = Field(description="Short name of the issue, shown in plots.")
    low: str = Field(description="What position 0 means, in words.")
    high: str = Field(description="What position 100 means, in words.")
    core: bool = Field(
        True, description="A settlement must include an agreement on this issue."
    )
    status_quo: Position = Field(
        50.0, description="The position that holds if no agreement is reached: what "
        "walking away from the table is worth is measured against it.")
    description: str = Field("", description="Longer explanation for readers.")


class Actor(Strict):
    """A party to the crisis: a state, an alliance or an organisation."""

    name: str = Field(description="Display name.")
    kind: Literal["state", "alliance", "organisation"] = Field(
        "state",
        description="Sets the default allowed actions: alliances and organisations "
        "do not invade, threaten force or run cyber operations; organisations also "
        "do not mobilise or send military aid.",
    )
    capability: Unit = Field(description="Relative power (0-1): lowers action costs, "
                             "raises the odds in war and the bite of its sanctions.")
    resolve: Unit = Field(description="Determination (0-1): weight on issue gains, "
                          "tolerance of costs, reluctance to concede. Private: "
                          "others only hold beliefs about it.")
    positions: dict[str, Position] = Field(
        description="Position on every issue (0-100).")
    salience: dict[str, Unit] = Field(
        default_factory=dict,
        description="How much each issue matters (0-1); issues not listed get 0.5.")
    can_use_force: bool | None = Field(
        None, description="May it start a war (use_force) and threaten one "
        "(threaten_force)? Default: true for a state, false for an alliance or "
        "organisation. Mobilising forces (deployments, exercises) does not need it.")
    risk_tolerance: Unit = Field(
        0.5, description="Acceptance of the risk of war (0 = averse, 1 = indifferent).")
    audience_cost: Unit = Field(
        0.5, description="Domestic cost of backing down after a public threat "
        "(Fearon 1994); also how costly, hence credible, its public threats are.")
    concession_style: Literal["boulware", "linear", "conceder"] | Annotated[
        float, Field(gt=0.0, le=20.0)] = Field(
        "linear", description="Concession curve at the table: boulware (exponent 4, "
        "holds out), linear (1), conceder (0.25), or an exponent.")
    defends: list[str] = Field(
        default_factory=list, description="Actor ids it would fight for if they were "
        "attacked (collective defence, e.g. NATO's Article 5): their attacker faces its "
        "strength too. Supporting an ally (allies) is not defending it.")
    red_lines: list[str] = Field(
        default_factory=list, description="Issues on which it will not give ground: at the "
        "table it accepts no deal more than red_line_tolerance points from its position, "
        "and it never concedes on them (indivisible stakes, Fearon 1995).")
    allies: list[str] = Field(
        default_factory=list, description="Actor ids it supports; allies are never "
        "targets of hostile acts. Alliances are made symmetric.")
    actions: list[str] | None = Field(
        None, description="Allowed actions (hold is always allowed); default by kind "
        "and can_use_force.")
    rung: Rung = Field(0, description="Initial posture on the escalation ladder (0-8; "
                       "9 is war): 0 quiet, 1 criticism, 2 demands and warnings, 3 sanctions "
                       "threats, 4 threats of force, 5 mobilisation, 6 sanctions or broken "
                       "talks, 7 covert attack, 8 at the brink.")
    credibility: Unit = Field(
        0.5, description="Initial credibility of its threats (0-1).")
    vulnerability: Unit = Field(
        0.5, description="Exposure to sanctions (0-1).")
    sanctions_severity: Unit | None = Field(
        None, description="Bite of the sanctions it can impose (0-1); "
        "default: its capability.")

    @property
    def force_allowed(self) -> bool:
        """Whether the actor may use force (resolving the default by kind)."""
        if self.can_use_force is not None:
            return self.can_use_force
        return self.kind == "state"

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        """Allowed actions (resolving the default by kind)."""
        if self.actions is not None:
            return tuple(dict.fromkeys(["hold", *self.actions]))
        return default_actions(self.kind, self.force_allowed)

    @property
    def style_exponent(self) -> float:
        """Exponent e of the aspiration curve a(t) = RV + (1 - RV)(1 - t^e)."""
        if isinstance(self.concession_style, str):
            return STYLE_EXPONENTS[self.concession_style]
        return float(self.concession_style)


class TalkRound(Strict):
    """A scheduled round of talks."""

    date: dt.date = Field(description="Date of the round (within start..end).")
    name: str = Field(description="Name shown in logs and plots.")
    venue: str = Field("", description="Where it takes place.")
    participants: list[str] = Field(
        min_length=2, description="Actor ids at the table (at least two).")
    agenda: list[str] | None = Field(
        None, description="Issue ids on the table; default: all issues.")


class ScriptedEvent(Strict):
    """A dated inject: an act that happens whatever the actors choose."""

    date: dt.date = Field(description="Date of the event (within start..end).")
    actor: str = Field(description="Actor id of the actor it is attributed to.")
    target: str | None = Field(None, description="Actor id of the target, if any.")
    action: str = Field(description="An action from the catalog. It happens whatever "
                        "the actor's allowed actions and posture, and moves its posture like a "
                        "chosen act.")
    note: str = Field("", description="What happened, in words (shown in the log).")


class Parameters(Strict):
    """Model-wide knobs. Equations and sources: docs/ODD.md."""

    rationality: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        30.0, description="Precision of the logit choice rule: 0 = choose at random, "
        "large = always the best act (McKelvey & Palfrey 1995).")
    misperception: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.3, description="Noise (sd) in priors about others' resolve and in how each "
        "signal is read (Jervis 1976).")
    belief_decay: Unit = Field(
        0.02, description="Daily pull of beliefs back toward the first impression: old "
        "evidence is discounted, so beliefs do not freeze at certainty.")
    perception_bias: Annotated[float, Field(ge=-2.0, le=2.0)] = Field(
        0.0, description="Bias in reading rivals' signals: > 0 reads them as more "
        "resolute than they are (worst-case thinking), < 0 as softer.")
    incident_risk: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.015, description="Daily probability of an incident between two rivals both at "
        "rung 8; for rungs r_i, r_j it is incident_risk * (r_i/8) * (r_j/8) (Schelling 1966).")
    coercion_weight: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        3.0, description="Weight of expected issue gains from coercive pressure.")
    signal_weight: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.25, description="Weight of the value of looking resolute to a doubting rival.")
    effort: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.15, description="Fixed cost of any act other than hold: leaders' attention is "
        "scarce, so most days most actors hold.")
    reciprocity: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.3, description="Weight of answering hostility with hostility and cooperation "
        "with cooperation (Richardson 1960; Axelrod 1984).")
    deescalation_weight: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.5, description="Weight of the value of conciliatory acts when under pressure.")
    war_cost: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Cost of war to a fully risk-averse actor, in utility units.")
    war_threshold: Unit = Field(
        0.0, description="Margin by which war must beat the status quo before force "
        "is considered.")
    sanctions_sunk: Unit = Field(
        0.6, description="Share of a sanction's deterrent value lost once imposed "
        "(threats work before imposition: TIES, Morgan et al. 2014).")
    credibility_gain: Unit = Field(
        0.3, description="Rise of credibility when a called threat is carried out.")
    credibility_loss: Unit = Field(
        0.3, description="Fall of credibility when a called threat is not carried out.")
    threat_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        30, description="Days a threat stays in force.")
    mobilization_days: Annotated[int, Field(ge=0, le=365)] = Field(
        14, description="Days before an actor that mobilised can mobilise again: "
        "moving forces takes time, so climbing to the brink takes weeks.")
    follow_through_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        14, description="Days a threatener has to carry out a called threat.")
    tension_memory: Unit = Field(
        0.15, description="Weight of today in the tension index (exponential average); "
        "also the daily decay of reciprocity debts.")
    talk_turns: Annotated[int, Field(ge=1, le=100)] = Field(
        6, description="Offers exchanged (alternating) in each attempt of a round; when "
        "the full agenda fails, the hardest issue is set aside and the rest tried again.")
    red_line_tolerance: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        10.0, description="How far (in position points) a deal may stray from an actor's "
        "position on one of its red-line issues.")
    continue_margin: Unit = Field(
        0.25, description="A round without agreement ends in 'talks to continue' if "
        "every side came within this utility of accepting; otherwise breakdown.")
    settlement_max_rung: Annotated[int, Field(ge=0, le=8)] = Field(
        4, description="A settlement needs every actor's posture at or below this rung.")


class Scenario(Strict):
    """A crisis: who, over what, when they meet, and what is scripted."""

    name: str = Field(description="Name of the scenario.")
    description: str = Field("", description="What it is about and what to notice.")
    start: dt.date = Field(description="First simulated day (ISO date).")
    end: dt.date = Field(description="Last simulated day (ISO date).")
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = Field(
        None, description="Default random seed (overridden by --seed).")
    issues: dict[str, Issue] = Field(min_length=1, description="Issues by id.")
    actors: dict[str, Actor] = Field(min_length=2, description="Actors by id.")
    talks: list[TalkRound] = Field(default_factory=list,
                                   description="Scheduled talk rounds.")
    events: list[ScriptedEvent] = Field(default_factory=list,
                                        description="Scripted injects.")
    parameters: Parameters = Field(default_factory=Parameters,
                                   description="Model-wide parameters.")
    _origin: Any = PrivateAttr(default=None)

    @field_validator("issues")
    @classmethod
    def _issue_ids(cls, v: dict[str, Issue]) -> dict[str, Issue]:
        bad = [k for k in v if not ISSUE_ID.match(k)]
        if bad:
            raise ValueError(f"issue ids must be lower-case identifiers: {bad}")
        return v

    @field_validator("actors")
    @classmethod
    def _actor_ids(cls, v: dict[str, Actor]) -> dict[str, Actor]:
        bad = [k for k in v if not ACTOR_ID.match(k)]
        if bad:
            raise ValueError(f"actor ids must be upper-case identifiers: {bad}")
        return v

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1


Path = tuple[str | int, ...]


def strip_optional(tp: Any) -> Any:
    """A type annotation without Annotated and Optional (unions of several types are kept)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files for editors (``extends`` included)."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string", "title": "Extends",
        "description": "A base scenario file, relative to this one; this file deep-merges "
        "over it (maps key by key, lists replace). Keys required in a full scenario may "
        "then come from the base."}
    schema.pop("required", None)  # a what-if may take them from its base
    return schema


def check_references(s: dict[str, Any]) -> list[tuple[Path, str]]:
    """Cross-reference checks on scenario data.

    Runs on validated data, and also on raw data that failed field validation
    (so that every problem is reported at once): malformed parts are skipped,
    since the field errors already describe them.

    Returns every problem as (key path, message); empty if all is well.
    """
    probs: list[tuple[Path, str]] = []
    issues = set(_map(s.get("issues")))
    actors = set(_map(s.get("actors")))
    start, end = s.get("start"), s.get("end")
    dated = _is_date(start) and _is_date(end)
    if dated and end < start:
        probs.append((("end",), f"end {end} is before start {start}"))

    def actor_ref(path: Path, ref: Any) -> None:
        if isinstance(ref, str) and ref not in actors:
            probs.append((path, f"unknown actor {ref!r}{did_you_mean(ref, actors)}"))

    def issue_ref(path: Path, ref: Any) -> None:
        if isinstance(ref, str) and ref not in issues:
            probs.append((path, f"unknown issue {ref!r}{did_you_mean(ref, issues)}"))

    def in_window(path: Path, d: Any) -> None:
        if dated and _is_date(d) and not start <= d <= end:
            probs.append((path, f"date {d} is outside start..end ({start}..{end})"))

    for aid, a in _map(s.get("actors")).items():
        if not isinstance(a, dict):
            continue
        for n, k in enumerate(_seq(a.get("red_lines"))):
            issue_ref(("actors", aid, "red_lines", n), k)
        for block in ("positions", "salience"):
            for k in _map(a.get(block)):
                issue_ref(("actors", aid, block, k), k)
        if isinstance(a.get("positions"), dict):
            for k in sorted(issues - set(a["positions"])):
                probs.append((("actors", aid, "positions"), f"missing position on issue {k!r}"))
        for n, d in enumerate(_seq(a.get("defends"))):
            actor_ref(("actors", aid, "defends", n), d)
        for n, ally in enumerate(_seq(a.get("allies"))):
            actor_ref(("actors", aid, "allies", n), ally)
            if ally == aid:
                probs.append((("actors", aid, "allies", n), "an actor cannot be its own ally"))
        for n, act in enumerate(_seq(a.get("actions"))):
            if not isinstance(act, str):
                continue
            if act not in ACTIONS:
                probs.append((("actors", aid, "actions", n),
                              f"unknown action {act!r}{did_you_mean(act, ACTIONS)}"))
            elif ACTIONS[act].requires_force and not _force_allowed(a):
                probs.append((("actors", aid, "actions", n),
                              f"{act!r} needs can_use_force: true (default only for a state)"))
    for n, t in enumerate(_seq(s.get("talks"))):
        if not isinstance(t, dict):
            continue
        in_window(("talks", n, "date"), t.get("date"))
        seen: set[str] = set()
        for m, p in enumerate(_seq(t.get("participants"))):
            actor_ref(("talks", n, "participants", m), p)
            if p in seen:
                probs.append((("talks", n, "participants", m), f"duplicate participant {p!r}"))
            if isinstance(p, str):
                seen.add(p)
        for m, k in enumerate(_seq(t.get("agenda"))):
            issue_ref(("talks", n, "agenda", m), k)
    for n, e in enumerate(_seq(s.get("events"))):
        if not isinstance(e, dict):
            continue
        in_window(("events", n, "date"), e.get("date"))
        actor_ref(("events", n, "actor"), e.get("actor"))
        actor_ref(("events", n, "target"), e.get("target"))
        act = e.get("action")
        if isinstance(act, str) and act not in ACTIONS:
            probs.append((("events", n, "action"),
                          f"unknown action {act!r}{did_you_mean(act, ACTIONS)}"))
        elif isinstance(act, str) and ACTIONS[act].target != "none" and e.get("target") is None:
            probs.append((("events", n, "target"), f"action {act!r} needs a target"))
        if e.get("target") is not None and e.get("target") == e.get("actor"):
            probs.append((("events", n, "target"), "an actor cannot target itself"))
    return probs


def _force_allowed(actor: dict[str, Any]) -> bool:
    """can_use_force, or its default by kind (as ``Actor.force_allowed``)."""
    flag = actor.get("can_use_force")
    return bool(flag) if flag is not None else actor.get("kind", "state") == "state"


def _is_date(v: Any) -> bool:
    """A plain date (a datetime with a time of day is a field error, not a date)."""
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _map(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def _seq(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def did_you_mean(word: str, choices: Any) -> str:
    """A ' (did you mean X?)' suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""

