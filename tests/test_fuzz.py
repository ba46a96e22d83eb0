"""Scenario files from anyone: the loader ends every malformed file in a ScenarioError.

Mutated copies of the bundled scenarios (hypothesis picks the mutations) and hostile
constructions: whatever the input, load_scenario returns a Scenario or raises
ScenarioError, never anything else, and within bounded time.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, load_scenario
from tests.conftest import ROOT

SOURCES = sorted((ROOT / "scenarios").glob("*.yaml"))
TEXTS = {p.name: p.read_bytes() for p in SOURCES}
NOISE = [b":", b"-", b"{", b"}", b"[", b"]", b",", b"&a", b"*a", b"!!python/object:os.system",
         b"\n", b"  ", b"\t", b"'", b'"', b"#", b"NO", b"1e309", b".nan", b"-.inf", b"~",
         b"99999999999999999999999", b"\xff\xfe", b"2022-13-45", b"extends: x.yaml\n",
         b"<<: *a", b"? ", b"|", b">"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(TEXTS)))
    data = bytearray(TEXTS[name])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "truncate", "duplicate", "swap"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(NOISE))
        elif kind == "truncate":
            del data[at:]
        elif kind == "duplicate":
            lines = bytes(data).splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                lines.insert(k, lines[k])
                data = bytearray(b"".join(lines))
        else:
            lines = bytes(data).splitlines(keepends=True)
            if len(lines) > 1:
                k = draw(st.integers(0, len(lines) - 2))
                lines[k], lines[k + 1] = lines[k + 1], lines[k]
                data = bytearray(b"".join(lines))
    return name, bytes(data)


def load_any(path: Path) -> Scenario | ScenarioError:
    try:
        return load_scenario(path)
    except ScenarioError as err:
        assert err.problems, "a ScenarioError must say what is wrong"
        for p in err.problems:
            assert p.message and "\n" not in str(p), str(p)
        return err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_mutated_scenarios_never_crash_the_loader(tmp_path_factory: pytest.TempPathFactory,
                                                  case: tuple[str, bytes]) -> None:
    name, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    for other, text in TEXTS.items():  # what-ifs extend their base: keep the bases around
        (folder / other).write_bytes(text)
    path = folder / name
    path.write_bytes(data)
    start = time.monotonic()
    load_any(path)
    assert time.monotonic() - start < 5


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_loader(tmp_path_factory: pytest.TempPathFactory,
                                                 text: str) -> None:
    path = tmp_path_factory.mktemp("text") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert isinstance(load_any(path), ScenarioError | Scenario)


@pytest.mark.parametrize("body", [
    # exponential aliases ("billion laughs")
    "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, "
        f"*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}]\n"
        for k in range(9)),
    "a: " + "[" * 5000 + "]" * 5000 + "\n",  # deep nesting
    "name: x\n" + "".join(f"k{i}: {i}\n" for i in range(60_000)),  # huge
    "name: !!python/object/apply:os.system ['echo pwned']\n",
    "name: !!binary aGVsbG8=\n",
    "name: x\nseed: 1e400\n",
    "name: x\nstart: 2022-01-01\nend: 10000000-01-01\n",
])
def test_hostile_files_end_in_a_clear_error_quickly(tmp_path: Path, body: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(body)
    start = time.monotonic()
    result = load_any(path)
    assert isinstance(result, ScenarioError)
    assert time.monotonic() - start < 10
    assert len(result.problems) <= 51  # a runaway file gets the first 50 and a count


def test_extends_chains_and_missing_or_odd_bases(tmp_path: Path) -> None:
    for k in range(30):  # a chain longer than the limit
        (tmp_path / f"s{k}.yaml").write_text(f"extends: s{k + 1}.yaml\nname: s{k}\n")
    (tmp_path / "s30.yaml").write_text("name: end\n")
    assert "longer than" in str(load_any(tmp_path / "s0.yaml"))
    (tmp_path / "d.yaml").write_text("extends: .\nname: d\n")
    assert "is a directory" in str(load_any(tmp_path / "d.yaml"))
    (tmp_path / "n.yaml").write_text("extends: 42\nname: n\n")
    assert "file path" in str(load_any(tmp_path / "n.yaml"))
