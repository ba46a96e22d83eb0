"""Tests of sim/scenario/loader.py: every bad input is reported as
``file:line: key.path: message`` (or ``file:line: message`` for problems that
are not about one key: syntax, encoding, emptiness), all at once.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from sim.scenario.loader import Problem, ScenarioError, load_scenario, origin_of
from sim.scenario.schema import Parameters

ROOT = Path(__file__).resolve().parents[1]

BASE = """\
name: Test crisis
start: 2030-01-01
end: 2030-02-15
issues:
  border: {label: Border, low: A's claim, high: B's claim}
actors:
  AAA:
    name: State A
    capability: 0.5
    resolve: 0.5
    positions: {border: 0}
  BBB:
    name: State B
    capability: 0.5
    resolve: 0.5
    positions: {border: 100}
talks:
  - date: 2030-01-20
    name: Border talks
    participants: [AAA, BBB]
events:
  - date: 2030-01-10
    actor: AAA
    target: BBB
    action: warn
"""
AAA_RESOLVE = "    resolve: 0.5\n    positions: {border: 0}"  # unique: AAA's resolve line


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def variant(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert BASE.count(old) == 1, old
    text = BASE.replace(old, new)
    return write(tmp_path, text), text


def line_of(text: str, needle: str) -> int:
    """1-based number of the single line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def problems(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    probs = info.value.problems
    assert probs
    assert str(info.value) == "\n".join(str(p) for p in probs)
    return probs


def one(path: Path) -> Problem:
    probs = problems(path)
    assert len(probs) == 1, [str(p) for p in probs]
    return probs[0]


def at(probs: list[Problem], key: str) -> Problem:
    found = [p for p in probs if p.path == key]
    assert len(found) == 1, [str(p) for p in probs]
    return found[0]


def assert_format(problem: Problem, path: Path, line: int | None, key: str,
                  message: str) -> None:
    """str(problem) is exactly ``file:line: key.path: message`` (message a regex)."""
    where = f"{path}:{line}" if line else f"{path}"
    head = f"{where}: {key}: " if key else f"{where}: "
    assert re.fullmatch(re.escape(head) + message, str(problem)), str(problem)
    assert problem.line == line
    assert problem.path == key


# --------------------------------------------------------------------------- good files


def test_minimal_scenario_loads() -> None:
    s = load_scenario(ROOT / "scenarios" / "two-states.yaml")
    assert set(s.actors) == {"AAA", "BBB"}
    assert set(s.issues) == {"border"}
    assert s.actors["AAA"].positions == {"border": 0.0}
    assert s.actors["BBB"].positions == {"border": 100.0}
    assert len(s.talks) == 1 and s.talks[0].participants == ["AAA", "BBB"]
    assert s.days == 46  # 1 Jan .. 15 Feb 2030, both ends: 31 + 15


def test_base_text_loads(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, BASE))
    assert s.events[0].action == "warn"
    assert s.parameters == Parameters()  # no parameters block: every default


# --------------------------------------------------------------------------- field errors


def test_wrong_type(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "capability: 0.5\n    resolve: 0.5\n    positions: {border: 0}",
                         "capability: strong\n    resolve: 0.5\n    positions: {border: 0}")
    assert_format(one(path), path, line_of(text, "strong"), "actors.AAA.capability",
                  r"Input should be a valid number.*\(got strong\)")


def test_out_of_range(tmp_path: Path) -> None:
    path, text = variant(tmp_path, AAA_RESOLVE, "    resolve: 1.5\n    positions: {border: 0}")
    assert_format(one(path), path, line_of(text, "1.5"), "actors.AAA.resolve",
                  r"Input should be less than or equal to 1 \(got 1.5\)")


@pytest.mark.parametrize("bad", [".nan", ".NaN", ".inf", "-.inf"])
def test_nan_and_inf_refused(tmp_path: Path, bad: str) -> None:
    path, text = variant(tmp_path, AAA_RESOLVE, f"    resolve: {bad}\n    positions: {{border: 0}}")
    assert_format(one(path), path, line_of(text, f"resolve: {bad}"), "actors.AAA.resolve",
                  r"Input should be a finite number.*")


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    path, text = variant(tmp_path, AAA_RESOLVE,
                         "    resolve: 0.5\n    resolv: 0.4\n    positions: {border: 0}")
    assert_format(one(path), path, line_of(text, "resolv:"), "actors.AAA.resolv",
                  re.escape("unknown key 'resolv' (did you mean 'resolve'?)"))


def test_unknown_top_level_key_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "parameter:\n  rationality: 3\n")
    assert_format(one(path), path, 26, "parameter",
                  re.escape("unknown key 'parameter' (did you mean 'parameters'?)"))


def test_missing_required_key(tmp_path: Path) -> None:
    path, text = variant(tmp_path, AAA_RESOLVE, "    positions: {border: 0}")
    # reported at the actor it is missing from
    assert_format(one(path), path, line_of(text, "AAA:"), "actors.AAA.resolve",
                  re.escape("missing required key 'resolve'"))


def test_missing_required_key_in_a_list_item(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "    name: Border talks\n", "")
    assert_format(one(path), path, line_of(text, "2030-01-20"), "talks.0.name",
                  re.escape("missing required key 'name'"))


# --------------------------------------------------------------------------- references


def test_unknown_actor_in_talks(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "participants: [AAA, BBB]", "participants: [AAA, BBX]")
    assert_format(one(path), path, line_of(text, "BBX"), "talks.0.participants.1",
                  re.escape("unknown actor 'BBX' (did you mean 'BBB'?)"))


def test_unknown_issue_in_positions(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "positions: {border: 0}", "positions: {border: 0, boarder: 3}")
    assert_format(one(path), path, line_of(text, "boarder"), "actors.AAA.positions.boarder",
                  re.escape("unknown issue 'boarder' (did you mean 'border'?)"))


def test_unknown_action_in_events(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "action: warn", "action: warm")
    assert_format(one(path), path, line_of(text, "warm"), "events.0.action",
                  re.escape("unknown action 'warm' (did you mean 'warn'?)"))


def test_talk_date_outside_window(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "date: 2030-01-20", "date: 2030-03-20")
    assert_format(one(path), path, line_of(text, "2030-03-20"), "talks.0.date",
                  re.escape("date 2030-03-20 is outside start..end (2030-01-01..2030-02-15)"))


def test_event_date_outside_window(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "date: 2030-01-10", "date: 2029-12-31")
    assert_format(one(path), path, line_of(text, "2029-12-31"), "events.0.date",
                  re.escape("date 2029-12-31 is outside start..end (2030-01-01..2030-02-15)"))


def test_end_before_start(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "end: 2030-02-15", "end: 2029-12-15")
    probs = problems(path)
    assert_format(at(probs, "end"), path, line_of(text, "end:"), "end",
                  re.escape("end 2029-12-15 is before start 2030-01-01"))
    # the dated talk and event are now outside the (empty) window too
    assert {p.path for p in probs} == {"end", "talks.0.date", "events.0.date"}


# --------------------------------------------------------------------------- YAML level


def test_duplicate_keys(tmp_path: Path) -> None:
    path, text = variant(tmp_path, AAA_RESOLVE,
                         "    resolve: 0.5\n    resolve: 0.6\n    positions: {border: 0}")
    assert_format(one(path), path, line_of(text, "resolve: 0.6"), "actors.AAA.resolve",
                  r'YAML: .*duplicate key "resolve".*')


def test_duplicate_key_reports_key_path(tmp_path: Path) -> None:
    path, _ = variant(tmp_path, AAA_RESOLVE,
                      "    resolve: 0.5\n    resolve: 0.6\n    positions: {border: 0}")
    assert one(path).path == "actors.AAA.resolve"


def test_yaml_syntax_error_reports_line(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "talks:\n", "talks: [\n")
    # the unclosed flow sequence is found broken at the next block item ("- date")
    assert_format(one(path), path, line_of(text, "- date: 2030-01-20"), "", r"YAML: .+")


def test_python_object_tag_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path, text = variant(tmp_path, "name: Test crisis",
                         f'name: !!python/object/apply:os.system ["touch {marker}"]')
    assert_format(one(path), path, line_of(text, "os.system"), "name",
                  r"YAML tag '.*python/object/apply:os\.system' is not allowed")
    assert not marker.exists()


def test_custom_tag_refused(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "action: warn", "action: !act warn")
    assert_format(one(path), path, line_of(text, "!act"), "events.0.action",
                  re.escape("YAML tag '!act' is not allowed"))


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("State B", "\u00c9tat B").encode("latin-1"))
    assert_format(one(path), path, line_of(BASE, "State B"), "", re.escape("not UTF-8 text"))


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert_format(one(path), path, None, "", re.escape("the file is empty"))


def test_top_level_list(tmp_path: Path) -> None:
    path = write(tmp_path, "- name: A\n- name: B\n")
    assert_format(one(path), path, 1, "", re.escape("a scenario must be a mapping of keys"))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert_format(one(path), path, None, "", re.escape("file not found"))


# --------------------------------------------------------------------------- extends


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "extends: b.yaml\nname: A\n", "a.yaml")
    b = write(tmp_path, "extends: a.yaml\nname: B\n", "b.yaml")
    (p,) = problems(a)
    assert p.path == "extends"
    assert re.fullmatch(r"extends cycle: .*a\.yaml -> .*b\.yaml -> .*a\.yaml", p.message)
    # reported where the cycle closes: b.yaml's extends line
    assert str(p).startswith(f"{b}:1: extends: ")


def test_extends_cycle_reports_line(tmp_path: Path) -> None:
    a = write(tmp_path, "extends: b.yaml\nname: A\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\nname: B\n", "b.yaml")
    (p,) = problems(a)
    assert re.fullmatch(r".*[ab]\.yaml:1: extends: extends cycle: .*", str(p)), str(p)


def test_extends_missing_file(tmp_path: Path) -> None:
    path = write(tmp_path, "name: X\nextends: nothere.yaml\n")
    assert_format(one(path), path, 2, "extends",
                  re.escape(f"base file not found: {tmp_path / 'nothere.yaml'}"))


OVERLAY = """\
extends: base.yaml
name: Overlay
actors:
  AAA:
    resolve: 0.8
    red_lines: [border]
  BBB:
    positions: {border: 90}
talks:
  - {date: 2030-02-01, name: Second round, participants: [BBB, AAA]}
"""


def test_extends_deep_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    base = write(tmp_path, BASE, "base.yaml")
    over = write(tmp_path, OVERLAY, "over.yaml")
    s = load_scenario(over)
    assert s.name == "Overlay"
    a, b = s.actors["AAA"], s.actors["BBB"]
    # maps merge key by key: overlay keys win, the base's other keys stay
    assert a.resolve == 0.8 and a.red_lines == ["border"]
    assert a.name == "State A" and a.capability == 0.5 and a.positions == {"border": 0.0}
    assert b.positions == {"border": 90.0} and b.name == "State B"
    # lists replace: the base's one talk round is gone, not appended to
    assert [t.name for t in s.talks] == ["Second round"]
    assert s.talks[0].participants == ["BBB", "AAA"]
    assert len(s.events) == 1  # not in the overlay: inherited
    o = origin_of(s)
    assert o.files == (str(base), str(over))
    expected = hashlib.sha256(base.read_bytes() + over.read_bytes()).hexdigest()
    assert o.file_sha256 == expected


def test_extends_reports_problems_in_the_file_that_wrote_them(tmp_path: Path) -> None:
    write(tmp_path, BASE.replace("action: warn", "action: warm"), "base.yaml")
    over = write(tmp_path, "extends: base.yaml\nactors:\n  AAA:\n    resolve: 7\n", "over.yaml")
    probs = problems(over)
    assert_format(at(probs, "actors.AAA.resolve"), over, 4, "actors.AAA.resolve",
                  r"Input should be less than or equal to 1 \(got 7\)")
    assert_format(at(probs, "events.0.action"), tmp_path / "base.yaml",
                  line_of(BASE, "action: warn"), "events.0.action",
                  re.escape("unknown action 'warm' (did you mean 'warn'?)"))


# --------------------------------------------------------------------------- all at once


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = (BASE.replace("capability: 0.5\n    resolve: 0.5\n    positions: {border: 0}",
                         "capability: strong\n    resolve: 1.5\n    colour: red\n"
                         "    positions: {border: 0}")
            .replace("participants: [AAA, BBB]", "participants: [AAA, BBX]")
            .replace("action: warn", "action: warm")
            .replace("date: 2030-01-10", "date: 2031-01-10"))
    path = write(tmp_path, text)
    probs = problems(path)
    # 1 wrong type, 2 out of range, 3 unknown key, 4 unknown actor, 5 unknown action,
    # 6 event date outside the window
    assert len(probs) == 6, [str(p) for p in probs]
    assert {p.path for p in probs} == {
        "actors.AAA.capability", "actors.AAA.resolve", "actors.AAA.colour",
        "talks.0.participants.1", "events.0.action", "events.0.date",
    }
    for p in probs:
        assert re.fullmatch(rf"{re.escape(str(path))}:\d+: {re.escape(p.path)}: .+", str(p))
    lines = [p.line for p in probs]
    assert lines == sorted(lines)  # in file order
    assert at(probs, "actors.AAA.colour").line == line_of(text, "colour")


# --------------------------------------------------------------------------- YAML 1.2


def test_yaml_12_no_stays_a_string(tmp_path: Path) -> None:
    path, _ = variant(tmp_path, "label: Border", "label: NO")
    s = load_scenario(path)
    assert s.issues["border"].label == "NO"


def test_yaml_12_exponent_is_a_number(tmp_path: Path) -> None:
    path, text = variant(tmp_path, "events:", "parameters:\n  rationality: 1e2\nevents:")
    assert load_scenario(path).parameters.rationality == 100.0
    # 1e3 is read as 1000 (YAML 1.1 would read the string '1e3'): out of range
    path, text = variant(tmp_path, "events:", "parameters:\n  incident_risk: 1e3\nevents:")
    assert_format(one(path), path, line_of(text, "1e3"), "parameters.incident_risk",
                  re.escape("Input should be less than or equal to 1 (got 1000.0)"))


# --------------------------------------------------------------------------- --set


def test_set_override_changes_value(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    s = load_scenario(path, ["actors.AAA.resolve=0.9"])
    assert s.actors["AAA"].resolve == 0.9
    assert s.actors["BBB"].resolve == 0.5
    o = origin_of(s)
    assert o.overrides == ("actors.AAA.resolve=0.9",)
    assert o.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert o.files == (str(path),)
    assert o.scenario_sha256 != origin_of(load_scenario(path)).scenario_sha256


def test_set_override_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    (p,) = problems(path, ["actors.AAA.resolve=2"])
    assert p.source == "--set actors.AAA.resolve=2"
    assert str(p) == ("--set actors.AAA.resolve=2: actors.AAA.resolve: "
                      "Input should be less than or equal to 1 (got 2)")


def test_set_override_unknown_actor(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    (p,) = problems(path, ["actors.ZZZ.resolve=1"])
    assert str(p) == ("--set actors.ZZZ.resolve=1: actors.ZZZ: unknown actor 'ZZZ' "
                      "(actors: AAA, BBB)")
    (p,) = problems(path, ["actors.AAB.resolve=1"])  # close to AAA
    assert str(p) == ("--set actors.AAB.resolve=1: actors.AAB: "
                      "unknown actor 'AAB' (did you mean 'AAA'?)")


def test_set_override_problems_all_reported(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    probs = problems(path, ["actors.AAA.resolve=2", "actors.BBB.capability=-1"])
    assert [p.path for p in probs] == ["actors.AAA.resolve", "actors.BBB.capability"]


def test_set_override_without_equals(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    (p,) = problems(path, ["actors.AAA.resolve"])
    assert str(p) == "--set actors.AAA.resolve: expected KEY.PATH=VALUE"


def test_set_override_refuses_tags(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, BASE)
    (p,) = problems(path, [f'name=!!python/object/apply:os.system ["touch {marker}"]'])
    assert p.path == "name" and "cannot read value" in p.message
    assert not marker.exists()


def test_set_override_makes_file_dates_invalid(tmp_path: Path) -> None:
    # moving the end before the talk round is reported at the talk's line in the file
    path = write(tmp_path, BASE)
    (p,) = problems(path, ["end=2030-01-15"])
    assert_format(p, path, line_of(BASE, "2030-01-20"), "talks.0.date",
                  re.escape("date 2030-01-20 is outside start..end (2030-01-01..2030-01-15)"))


# --------------------------------------------------------------------------- provenance


def test_same_file_gives_same_hashes(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    o1, o2 = origin_of(load_scenario(path)), origin_of(load_scenario(path))
    assert o1.scenario_sha256 == o2.scenario_sha256
    assert o1.file_sha256 == o2.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert o1.overrides == ()
    assert re.fullmatch(r"[0-9a-f]{64}", o1.scenario_sha256)


def test_scenario_hash_ignores_layout_but_not_values(tmp_path: Path) -> None:
    # the same content written differently (comments, block style): same scenario hash,
    # different file hash; a changed value: different scenario hash
    relaid = BASE.replace("  border: {label: Border, low: A's claim, high: B's claim}",
                          "  border:  # the only issue\n    label: Border\n"
                          "    low: A's claim\n    high: B's claim")
    p1 = write(tmp_path, BASE, "one.yaml")
    p2 = write(tmp_path, relaid, "two.yaml")
    p3 = write(tmp_path, BASE.replace("label: Border", "label: Frontier"), "three.yaml")
    o1, o2, o3 = (origin_of(load_scenario(p)) for p in (p1, p2, p3))
    assert o1.scenario_sha256 == o2.scenario_sha256
    assert o1.file_sha256 != o2.file_sha256
    assert o3.scenario_sha256 != o1.scenario_sha256


# --------------------------------------------------------------------------- datetimes


@pytest.mark.parametrize("old,new,key", [
    ("date: 2030-01-20", "date: 2030-01-20T10:00:00", "talks.0.date"),
    ("start: 2030-01-01", "start: 2030-01-01T06:00:00", "start"),
])
def test_date_with_time_is_a_scenario_error(tmp_path: Path, old: str, new: str,
                                            key: str) -> None:
    path, text = variant(tmp_path, old, new)
    probs = problems(path)
    assert at(probs, key).line == line_of(text, new)


def test_set_date_with_time_is_a_scenario_error(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    probs = problems(path, ["talks.0.date=2030-01-20T10:00:00"])
    assert at(probs, "talks.0.date").source.startswith("--set talks.0.date=")
