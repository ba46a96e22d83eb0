"""Load scenario files: YAML 1.2, ``extends``, ``--set`` overrides, validation.

Every problem found is reported at once, one line each, as
``file:line: key.path: what is wrong`` (see ``ScenarioError``). YAML is read
with ruamel.yaml's YAML 1.2 parser (``NO`` stays a string, ``1e3`` is a
number); tags are refused, so no object is ever constructed from a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.scenario.schema import Scenario, check_references, did_you_mean, strip_optional

MAX_FILE_BYTES = 1_000_000  # the flagship is 11 kB; the record of 169 events 56 kB
MAX_LINES = 20_000  # parsing YAML costs ~0.2 ms a line: a bound on the time a file can take
MAX_NODES = 200_000
MAX_DEPTH = 40
MAX_EXTENDS = 16
MAX_MESSAGE = 240
MAX_PROBLEMS = 50

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        message = " ".join(self.message.split())  # always one line, however odd the input
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 3] + "..."
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:  # a runaway file: the first ones say enough
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS],
                        Problem(problems[MAX_PROBLEMS].source, None, "",
                                f"... and {rest} more problems")]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Origin:
    """Where a loaded scenario came from (for provenance in outputs)."""

    path: str
    files: tuple[str, ...]
    file_sha256: str
    overrides: tuple[str, ...]
    scenario_sha256: str


@dataclass
class _Loc:
    """Line tree: where each key of the merged document was written."""

    source: str
    line: int | None
    kids: dict[str | int, _Loc] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, path: KeyPath, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message


def load_scenario(
    path: str | os.PathLike[str], overrides: Iterable[str] | Mapping[str, Any] = ()
) -> Scenario:
    """Read, merge (``extends``), override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: ``"key.path=value"`` strings (values are YAML scalars or flow
            collections), or a mapping from key path to value.

    Returns:
        The validated ``Scenario``; ``scenario.origin`` tells where it came from.

    Raises:
        ScenarioError: listing every problem found.
    """
    fs_path = FsPath(path)
    data, loc, files = _read_with_extends(fs_path, [])
    pairs = _override_pairs(overrides)
    _apply_overrides(data, loc, pairs)
    scenario = validate(data, loc)
    file_hash = hashlib.sha256()
    for f in files:
        file_hash.update(FsPath(f).read_bytes())
    origin = Origin(
        path=str(fs_path),
        files=tuple(files),
        file_sha256=file_hash.hexdigest(),
        overrides=tuple(f"{k}={_show(v)}" for k, v in pairs),
        scenario_sha256=scenario_hash(scenario),
    )
    scenario._origin = origin
    return scenario


def scenario_from_dict(data: Mapping[str, Any],
                       overrides: Iterable[str] | Mapping[str, Any] = (),
                       source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a Python mapping (notebooks, tests, dashboard)."""
    loc = _Loc(source, None)
    try:
        plain = _plain(data, loc, source, (), [0], 0)
    except _Refused as r:
        raise ScenarioError([Problem(source, None, _dotted(r.path), r.message)]) from None
    if not isinstance(plain, dict):
        raise ScenarioError([Problem(source, None, "", "a scenario must be a mapping")])
    pairs = _override_pairs(overrides)
    _apply_overrides(plain, loc, pairs)
    scenario = validate(plain, loc)
    shown = tuple(f"{k}={_show(v)}" for k, v in pairs)
    scenario._origin = Origin(source, (), "", shown, scenario_hash(scenario))
    return scenario


def with_overrides(scenario: Scenario, overrides: Iterable[str] | Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with overrides applied and validated; keeps provenance."""
    before = origin_of(scenario)
    changed = scenario_from_dict(scenario.model_dump(exclude_none=True), overrides, before.path)
    after = origin_of(changed)
    changed._origin = Origin(before.path, before.files, before.file_sha256,
                             before.overrides + after.overrides, after.scenario_sha256)
    return changed


def origin_of(scenario: Scenario) -> Origin:
    """Provenance of a scenario (a default for one built in code)."""
    found: Origin | None = getattr(scenario, "_origin", None)
    return found or Origin("<python>", (), "", (), scenario_hash(scenario))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- reading


def _read_with_extends(path: FsPath, chain: list[str]) -> tuple[dict[str, Any], _Loc, list[str]]:
    source = str(path)
    real = os.path.realpath(path)
    data, loc = _read_yaml(path)
    base_ref = data.pop("extends", None)
    base_loc = loc.kids.pop("extends", None)
    if base_ref is None:
        return data, loc, [source]
    line = base_loc.line if base_loc else None
    if not isinstance(base_ref, str):
        raise ScenarioError([Problem(source, line, "extends", "must be a file path (text)")])
    base_path = path.parent / base_ref
    seen = [*chain, real]
    if os.path.realpath(base_path) in seen:
        cycle = " -> ".join([*seen[seen.index(os.path.realpath(base_path)):],
                             os.path.realpath(base_path)])
        raise ScenarioError([Problem(source, line, "extends", f"extends cycle: {cycle}")])
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError([Problem(source, line, "extends",
                                     f"extends chain longer than {MAX_EXTENDS} files")])
    if not base_path.is_file():
        what = "is a directory" if base_path.is_dir() else "not found"
        raise ScenarioError([Problem(source, line, "extends", f"base file {what}: {base_path}")])
    base, bloc, files = _read_with_extends(base_path, seen)
    _merge(base, bloc, data, loc)
    return base, bloc, [*files, source]


def _read_yaml(path: FsPath) -> tuple[dict[str, Any], _Loc]:
    source = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Problem(source, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(source, None, "", "is a directory, not a file")]) from None
    except OSError as err:
        raise ScenarioError([Problem(source, None, "", f"cannot read: {err.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(source, None, "",
                                     f"file larger than {MAX_FILE_BYTES} bytes")])
    if raw.count(b"\n") > MAX_LINES:
        raise ScenarioError([Problem(source, MAX_LINES + 1, "",
                                     f"file longer than {MAX_LINES} lines")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError([Problem(source, line, "", "not UTF-8 text")]) from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(filter(None, [err.context, err.problem])) or "YAML syntax error"
        key = _duplicate_key_path(text, err, line) if isinstance(err, DuplicateKeyError) else ""
        raise ScenarioError([Problem(source, line, key, f"YAML: {what}")]) from None
    except (YAMLError, RecursionError, ValueError, TypeError) as err:
        msg = "nesting too deep" if isinstance(err, RecursionError) else str(err).splitlines()[0]
        raise ScenarioError([Problem(source, None, "", f"YAML: {msg}")]) from None
    if doc is None:
        raise ScenarioError([Problem(source, None, "", "the file is empty")])
    loc = _Loc(source, 1)
    try:
        plain = _plain(doc, loc, source, (), [0], 0)
    except _Refused as r:
        raise ScenarioError([Problem(source, r.line, _dotted(r.path), r.message)]) from None
    if not isinstance(plain, dict):
        raise ScenarioError([Problem(source, 1, "", "a scenario must be a mapping of keys")])
    return plain, loc


def _duplicate_key_path(text: str, err: MarkedYAMLError, line: int | None) -> str:
    """Key path of the key that ``err`` reports as duplicated ('' if not found).

    Loaded again with duplicates allowed, the first occurrence remains: the
    duplicate has its path, the nearest one written above the reported line.
    """
    import re

    found = re.search(r'duplicate key "(.+?)"', str(err.problem))
    if not found or line is None:
        return ""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    try:
        loc = _Loc("", 1)
        _plain(yaml.load(text), loc, "", (), [0], 0)
    except (YAMLError, _Refused, RecursionError, ValueError, TypeError):
        return ""
    best: tuple[int, KeyPath] = (0, ())
    stack: list[tuple[KeyPath, _Loc]] = [((), loc)]
    while stack:
        path, node = stack.pop()
        for key, kid in node.kids.items():
            here = (*path, key)
            if key == found.group(1) and kid.line is not None and best[0] < kid.line < line:
                best = (kid.line, here)
            stack.append((here, kid))
    return _dotted(best[1])


_SCALARS = (bool, int, float, str, type(None))


def _plain(node: Any, loc: _Loc, source: str, path: KeyPath, count: list[int], depth: int) -> Any:
    """Convert a parsed YAML node to plain Python, recording lines, refusing tags."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _Refused(path, loc.line, f"more than {MAX_NODES} values (alias bomb?)")
    if depth > MAX_DEPTH:
        raise _Refused(path, loc.line, f"nested deeper than {MAX_DEPTH} levels")
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and not isinstance(node, dt.date):
        raise _Refused(path, loc.line, f"YAML tag {tag!r} is not allowed")
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise _Refused(path, loc.line, f"key {k!r} must be text")
            key = str(k)
            line = _line(node, "key", k) or loc.line
            kid = loc.kids[key] = _Loc(source, line)
            out[key] = _plain(v, kid, source, (*path, key), count, depth + 1)
        return out
    if isinstance(node, list | tuple):
        items = []
        for i, v in enumerate(node):
            kid = loc.kids[i] = _Loc(source, _line(node, "item", i) or loc.line)
            items.append(_plain(v, kid, source, (*path, i), count, depth + 1))
        return items
    if isinstance(node, dt.datetime):
        return node if node.time() != dt.time() else node.date()
    if isinstance(node, dt.date):
        return node
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if node is None:
        return None
    raise _Refused(path, loc.line, f"values of type {type(node).__name__} are not allowed")


def _line(node: Any, kind: str, key: Any) -> int | None:
    try:
        return int(getattr(node.lc, kind)(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _merge(base: dict[str, Any], bloc: _Loc, over: dict[str, Any], oloc: _Loc) -> None:
    """Deep-merge ``over`` into ``base``: maps key by key, everything else replaces."""
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], bloc.kids[key], value, oloc.kids[key])
        else:
            base[key] = value
            bloc.kids[key] = oloc.kids[key]


# --------------------------------------------------------------------------- overrides


def _override_pairs(overrides: Iterable[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    pairs: list[tuple[str, Any]] = []
    probs: list[Problem] = []
    for text in overrides:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            probs.append(Problem(f"--set {text}", None, "", "expected KEY.PATH=VALUE"))
            continue
        try:
            parsed = YAML(typ="safe", pure=True).load(value) if value.strip() else ""
            parsed = _plain(parsed, _Loc("", None), "", (), [0], 0)
        except (YAMLError, _Refused, RecursionError):
            probs.append(Problem(f"--set {text}", None, key, f"cannot read value {value!r}"))
            continue
        pairs.append((key.strip(), parsed))
    if probs:
        raise ScenarioError(probs)
    return pairs


def _apply_overrides(data: dict[str, Any], loc: _Loc, pairs: list[tuple[str, Any]]) -> None:
    probs: list[Problem] = []
    for key, value in pairs:
        source = f"--set {key}={_show(value)}"
        try:
            _set_path(data, loc, _split(key), value, source)
        except _Refused as r:
            probs.append(Problem(source, None, _dotted(r.path), r.message))
    if probs:
        raise ScenarioError(probs)


def _split(key: str) -> KeyPath:
    return tuple(int(p) if p.lstrip("-").isdigit() else p for p in key.split("."))


def _set_path(data: Any, loc: _Loc, path: KeyPath, value: Any, source: str) -> None:
    node, here = data, loc
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        so_far = path[: depth + 1]
        if isinstance(node, dict):
            part = str(part)
            if not last and part not in node:
                if depth == 1 and path[0] in ("actors", "issues"):
                    kind = "actor" if path[0] == "actors" else "issue"
                    known = f" ({path[0]}: {', '.join(map(str, node))})" if node else ""
                    raise _Refused(so_far, None, f"unknown {kind} {part!r}"
                                   f"{did_you_mean(part, node) or known}")
                node[part] = {}
        elif isinstance(node, list):
            if not isinstance(part, int) or not -len(node) <= part < len(node):
                raise _Refused(so_far, None, f"no item {part} in a list of {len(node)}")
        else:
            raise _Refused(path[:depth], None, "is a single value, not a mapping or list")
        if last:
            node[part] = value  # type: ignore[index]
            here.kids[part] = _Loc(source, None)
        else:
            node = node[part]  # type: ignore[index]
            here = here.kids.setdefault(part, _Loc(source, None))


# --------------------------------------------------------------------------- validation


def validate(data: dict[str, Any], loc: _Loc) -> Scenario:
    """Validate merged data against the schema and cross-references."""
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems.extend(_from_pydantic(err, loc, data))
    for path, msg in check_references(scenario.model_dump() if scenario else data):
        problems.append(_at(loc, path, msg))
    if problems or scenario is None:
        raise ScenarioError(_dedupe(problems))
    return scenario


def _from_pydantic(err: ValidationError, loc: _Loc, data: dict[str, Any]) -> list[Problem]:
    problems = _pydantic_problems(err, loc, data)
    # a misspelt required key is one mistake: keep "unknown key 'resolv' (did you mean
    # 'resolve'?)" and drop the "missing required key 'resolve'" it explains
    suggested = {p.path.rsplit(".", 1)[0] + "." + p.message.split("did you mean '")[1][:-3]
                 for p in problems if "(did you mean '" in p.message and "unknown key" in
                 p.message}
    return [p for p in problems
            if not (p.message.startswith("missing required key") and p.path in suggested)]


def _pydantic_problems(err: ValidationError, loc: _Loc, data: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors(include_url=False):
        path = _data_path(tuple(e["loc"]), data)
        kind = e["type"]
        if kind == "extra_forbidden":
            name = path[-1]
            fields = _fields_at(path[:-1])
            msg = f"unknown key {name!r}{did_you_mean(str(name), fields)}"
        elif kind == "missing":
            msg = f"missing required key {path[-1]!r}"
        else:
            msg = e["msg"]
            got = e.get("input")
            if isinstance(got, (*_SCALARS, dt.date)) and not isinstance(got, dict):
                msg += f" (got {_show(got)})"
        out.append(_at(loc, path, msg))
    return out


def _data_path(loc: KeyPath, data: Any) -> KeyPath:
    """Drop pydantic's union/validator segments that are not keys of the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part \
                and part not in {"float", "int", "str", "bool", "date"}:
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out)


def _fields_at(path: KeyPath) -> list[str]:
    """Field names of the schema model found at a data path (for did-you-mean)."""
    tp: Any = Scenario
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(str(part))
            if f is None:
                return []
            tp = f.annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    """The model (or type) a data path leads to: Optional stripped, a union's model picked."""
    tp = strip_optional(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        tp = strip_optional(models[0] if models else args[0])
    return tp


def _at(loc: _Loc, path: KeyPath, message: str) -> Problem:
    here = loc
    for part in path:
        kid = here.kids.get(part)
        if kid is None:
            break
        here = kid
    return Problem(here.source, here.line, _dotted(path), message)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    merged: dict[tuple[str, int | None, str], list[str]] = {}
    for p in problems:
        msgs = merged.setdefault((p.source, p.line, p.path), [])
        if p.message not in msgs:
            msgs.append(p.message)
    out = [Problem(s, line, path, "; or ".join(m)) for (s, line, path), m in merged.items()]
    return sorted(out, key=lambda p: (p.source.startswith("--set"), p.source, p.line or 0))


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
