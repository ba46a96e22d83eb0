"""The scenario-file reference, generated from the schema and the action catalog.

``markdown()`` reads the pydantic models of ``sim.scenario.schema`` (every key's
type, constraints, default and description) and the action catalog of
``sim.model.actions``, so the reference cannot drift from the code.
docs/scenarios.md holds a copy between two markers; ``python -m
sim.scenario.reference`` rewrites it, and tests/test_reference.py fails when
the copy is stale.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.model.actions import CATALOG, DEFAULT_ACTIONS, Action, default_actions
from sim.scenario.schema import (
    ACTOR_ID,
    ISSUE_ID,
    Actor,
    Issue,
    Parameters,
    Scenario,
    ScriptedEvent,
    TalkRound,
    strip_optional,
)

BEGIN = "<!-- BEGIN GENERATED REFERENCE -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"

#: The blocks of a scenario file, in the order the reference lists them.
MODELS: tuple[type[BaseModel], ...] = (Scenario, Issue, Actor, TalkRound, ScriptedEvent,
                                       Parameters)

#: Id rules that live in field validators, not in Field constraints.
ID_PATTERNS: dict[tuple[type[BaseModel], str], re.Pattern[str]] = {
    (Scenario, "issues"): ISSUE_ID,
    (Scenario, "actors"): ACTOR_ID,
}

_SCALARS: dict[Any, str] = {
    str: "text", float: "number", int: "whole number", bool: "true/false",
    dt.date: "date (YYYY-MM-DD)",
}


def markdown() -> str:
    """The whole reference: every block of a scenario file, then the actions.

    Returns:
        Markdown text, ending with a newline.
    """
    parts = ["## Reference", "",
             "Generated from `sim/scenario/schema.py` and `sim/model/actions.py` by "
             "`python -m sim.scenario.reference`; edit those files, not this section.",
             "Columns: the key; its type; the values allowed; its default (*required* "
             "keys have none); what it means. A key path such as `actors.<id>.resolve` "
             "is also what `--set` takes.", ""]
    paths = model_paths(Scenario)
    for model in MODELS:
        parts.append(model_section(model, paths.get(model, "")))
    parts.append(catalog_section())
    parts.append(default_actions_section())
    return "\n".join(parts).rstrip("\n") + "\n"


def model_paths(root: type[BaseModel], prefix: str = "") -> dict[type[BaseModel], str]:
    """Where each block sits in a file, as a key path (``actors.<id>``, ``talks.<n>``).

    Args:
        root: the model to start from (the top level of the file).
        prefix: the key path of ``root``.

    Returns:
        A key path for ``root`` and every model nested in it.
    """
    found = {root: prefix}
    for name, field in root.model_fields.items():
        tp, suffix = strip_optional(field.annotation), ""
        while typing.get_origin(tp) in (dict, list):
            suffix += ".<id>" if typing.get_origin(tp) is dict else ".<n>"
            tp = strip_optional(typing.get_args(tp)[-1])
        if _is_model(tp) and tp not in found:
            path = f"{prefix}.{name}{suffix}" if prefix else f"{name}{suffix}"
            found.update(model_paths(tp, path))
    return found


def model_section(model: type[BaseModel], path: str) -> str:
    """A heading, the model's docstring summary and a table of its keys.

    Args:
        model: a schema model.
        path: its key path in a file ('' for the top level).

    Returns:
        Markdown text.
    """
    summary = (model.__doc__ or "").strip().splitlines()[0]
    where = f"Keys under `{path}`." if path else "Keys at the top level of the file."
    rows = ["| Key | Type | Allowed | Default | Description |",
            "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        kind, allowed = field_shape(model, name, field)
        cells = [f"`{name}`", kind, allowed or "any", default_text(field),
                 field.description or ""]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join([f"### {model.__name__}", "", f"{summary} {where}", "", *rows, ""])


def field_shape(model: type[BaseModel], name: str, field: FieldInfo) -> tuple[str, str]:
    """Type and allowed values of one key, in words.

    Args:
        model: the model the key belongs to.
        name: the key.
        field: its pydantic field.

    Returns:
        (type, allowed values); allowed is '' when anything of the type goes.
    """
    kind, inner = _shape(field.annotation)
    allowed = [_bounds(field.metadata, _is_container(field.annotation)), *inner]
    pattern = ID_PATTERNS.get((model, name))
    if pattern is not None:
        allowed.append(f"ids match `{pattern.pattern}`")
    return kind, "; ".join(a for a in allowed if a)


def default_text(field: FieldInfo) -> str:
    """The default of a key in words: *required*, *not set*, or the value."""
    if field.is_required():
        return "*required*"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return f"see [{type(value).__name__}](#{type(value).__name__.lower()})"
    if value is None:
        return "*not set*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, list | dict):
        return "`[]`" if isinstance(value, list) else "`{}`"
    return f"`{value}`"


def catalog_section() -> str:
    """The action catalog as a table: codes, rung, cost, target and effects."""
    rows = ["### Actions", "",
            "Names for `actors.<id>.actions` and `events.<n>.action`. CAMEO code and "
            "Goldstein value (-10 conflict .. +10 cooperation) are the event-data coding; "
            "an actor may take an act at most one rung above its posture; cost is for an "
            "actor of capability 0.5.", "",
            "| Action | CAMEO | Goldstein | Rung | Cost | Target | What it does | Notes |",
            "|---|---|---|---|---|---|---|---|"]
    for a in CATALOG:
        goldstein = f"{a.goldstein:+.1f}" if a.goldstein else "0.0"
        cells = [f"`{a.name}`", a.cameo or "-", goldstein, str(a.rung), f"{a.cost:g}",
                 a.target, _does(a), action_notes(a)]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join([*rows, ""])


def action_notes(a: Action) -> str:
    """What an act does besides its cost and rung, from its catalog entry."""
    notes = []
    if a.threat:
        public = "public " if a.public_threat else ""
        notes.append(f"{public}threat ({a.threat})")
    elif a.public_threat:
        notes.append("public commitment")
    if a.carries_out:
        notes.append("carries out threats: " + ", ".join(a.carries_out))
    if a.ceiling is not None:
        notes.append(f"raises posture up to rung {a.ceiling}")
    if a.deescalates:
        notes.append("lowers posture one rung")
    if a.concedes:
        notes.append(f"concedes {a.concedes:g} points")
    if a.requires_force:
        notes.append("needs `can_use_force`")
    return "; ".join(notes)


def default_actions_section() -> str:
    """Which actions each kind of actor may take when its file lists none."""
    columns = _default_columns()
    head = "| Action | " + " | ".join(label for label, _ in columns) + " |"
    rows = [head, "|---|" + "---|" * len(columns)]
    for a in CATALOG:
        marks = ["yes" if a.name in allowed else "" for _, allowed in columns]
        rows.append(f"| `{a.name}` | " + " | ".join(marks) + " |")
    always = ", ".join(f"`{n}`" for n in _always_allowed())
    text = ("Used when an actor has no `actions` key. An actor that lists its `actions` "
            f"may take those, and always {always}.")
    return "\n".join(["### Default actions by kind", "", text, "", *rows, ""])


def _default_columns() -> list[tuple[str, frozenset[str]]]:
    """One column per kind, plus one per kind whose can_use_force changes the list."""
    columns: list[tuple[str, frozenset[str]]] = []
    for kind in DEFAULT_ACTIONS:
        usual = _probe_actor(kind).force_allowed
        columns.append((f"{kind}", frozenset(default_actions(kind, usual))))
        other = frozenset(default_actions(kind, not usual))
        if other != columns[-1][1]:
            columns.append((f"{kind}, can_use_force: {str(not usual).lower()}", other))
    return columns


def _always_allowed() -> tuple[str, ...]:
    return _probe_actor("state", actions=[]).allowed_actions


def _probe_actor(kind: str, **extra: Any) -> Actor:
    """A minimal actor, to read the schema's own defaults by kind."""
    return Actor(name="probe", kind=kind, capability=0.5, resolve=0.5, positions={}, **extra)


def _does(a: Action) -> str:
    target = {"rival": " *rival*", "ally": " *ally*", "none": ""}[a.target]
    return f"*actor* {a.label}{target}"


# --------------------------------------------------------------------------- types in words


def _shape(tp: Any) -> tuple[str, list[str]]:
    """A type annotation in words, with the constraints found inside it."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(tp)
        kind, inner = _shape(base)
        items = [m for x in meta for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
        return kind, [b for b in [_bounds(items, _is_container(base)), *inner] if b]
    if origin in (typing.Union, types.UnionType):
        branches = [_shape(a) for a in typing.get_args(tp) if a is not type(None)]
        if len(branches) == 1:
            return branches[0]
        kinds = " or ".join(dict.fromkeys(k for k, _ in branches))
        allowed = "; or ".join(_branch(k, a) for k, a in branches)
        return kinds, [allowed]
    if origin is typing.Literal:
        return "text", [", ".join(f"`{c}`" for c in typing.get_args(tp))]
    if origin is dict:
        kind, inner = _shape(typing.get_args(tp)[1])
        return f"map of id to {kind}", [f"each {a}" for a in inner]
    if origin is list:
        kind, inner = _shape(typing.get_args(tp)[0])
        return f"list of {kind}", [f"each {a}" for a in inner]
    if _is_model(tp):
        return f"[{tp.__name__}](#{tp.__name__.lower()})", []
    return _SCALARS.get(tp, getattr(tp, "__name__", str(tp))), []


def _branch(kind: str, allowed: list[str]) -> str:
    if not allowed:
        return f"any {kind}"
    return "; ".join(allowed) if kind == "text" else f"{kind} " + "; ".join(allowed)


def _bounds(items: list[Any], container: bool) -> str:
    """Constraints (ge, le, gt, lt, min_length) in words: '0 to 1', '> 0, <= 20'."""
    got: dict[str, Any] = {}
    for m in items:
        for key in ("ge", "le", "gt", "lt", "min_length", "max_length"):
            if isinstance(m, annotated_types.BaseMetadata) and hasattr(m, key):
                got[key] = getattr(m, key)
    words = []
    if "ge" in got and "le" in got:
        words.append(f"{_num(got['ge'])} to {_num(got['le'])}")
    else:
        symbols = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
        words += [f"{sym} {_num(got[k])}" for k, sym in symbols.items() if k in got]
    one, many = ("entry", "entries") if container else ("character", "characters")
    for key, word in (("min_length", "at least"), ("max_length", "at most")):
        if key in got:
            words.append(f"{word} {got[key]} {one if got[key] == 1 else many}")
    return ", ".join(words)


def _num(x: float) -> str:
    """A bound as written by people: 1 not 1.0, 2^63 not 9223372036854775808."""
    if isinstance(x, int) and x > 2**20 and x & (x - 1) == 0:
        return f"2^{x.bit_length() - 1}"
    return f"{x:g}"


def _is_container(tp: Any) -> bool:
    return typing.get_origin(strip_optional(tp)) in (dict, list)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# --------------------------------------------------------------------------- the docs page


def splice(page: str, reference: str) -> str:
    """``page`` with the text between the markers replaced by ``reference``.

    Raises:
        ValueError: if the markers are missing or out of order.
    """
    head, tail = _split(page)
    return f"{head}{BEGIN}\n\n{reference.strip()}\n\n{END}{tail}"


def extract(page: str) -> str:
    """The text between the markers, without surrounding blank lines.

    Raises:
        ValueError: if the markers are missing or out of order.
    """
    _split(page)
    return page.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def _split(page: str) -> tuple[str, str]:
    start, stop = page.find(BEGIN), page.find(END)
    if start < 0 or stop < start or page.count(BEGIN) != 1 or page.count(END) != 1:
        raise ValueError(f"expected one {BEGIN} followed by one {END}")
    return page[:start], page[stop + len(END):]


def main(path: Path = DOC_PATH) -> int:
    """Rewrite the generated section of docs/scenarios.md in place.

    Returns:
        Exit status: 0, or 1 if the page lacks the markers.
    """
    page = path.read_text(encoding="utf-8")
    try:
        updated = splice(page, markdown())
    except ValueError as err:
        print(f"{path}: {err}", file=sys.stderr)
        return 1
    if updated != page:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
