"""The generated scenario reference: complete, and the copy in docs/ up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from sim.model.actions import CATALOG
from sim.scenario import reference
from sim.scenario.schema import Actor, Issue, Parameters, Scenario, ScriptedEvent, TalkRound

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"


@pytest.fixture(scope="module")
def text() -> str:
    return reference.markdown()


def test_docs_reference_is_up_to_date(text: str) -> None:
    in_docs = reference.extract(DOC.read_text(encoding="utf-8"))
    assert in_docs == text.strip(), (
        "the generated reference in docs/scenarios.md is out of date: "
        "run `python -m sim.scenario.reference`")


@pytest.mark.parametrize(
    "model", [Scenario, Issue, Actor, TalkRound, ScriptedEvent, Parameters],
    ids=lambda m: m.__name__)
def test_every_field_is_documented(text: str, model: type[BaseModel]) -> None:
    section = text.split(f"### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
    missing = [n for n in model.model_fields if f"| `{n}` |" not in section]
    assert not missing, f"{model.__name__} keys missing from the reference: {missing}"


def test_every_action_is_documented(text: str) -> None:
    actions = text.split("### Actions\n", 1)[1].split("\n### ", 1)[0]
    assert all(f"| `{a.name}` | {a.cameo or '-'} |" in actions for a in CATALOG)


def _row(text: str, model: type[BaseModel], key: str) -> list[str]:
    section = text.split(f"### {model.__name__}\n", 1)[1]
    line = next(x for x in section.splitlines() if x.startswith(f"| `{key}` |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_rows_carry_type_range_default_and_description(text: str) -> None:
    assert _row(text, Actor, "resolve")[1:4] == ["number", "0 to 1", "*required*"]
    assert _row(text, Actor, "rung")[1:4] == ["whole number", "0 to 8", "`0`"]
    assert _row(text, Actor, "kind")[2] == "`state`, `alliance`, `organisation`"
    assert _row(text, Actor, "concession_style")[2] == (
        "`boulware`, `linear`, `conceder`; or number > 0, <= 20")
    assert _row(text, Actor, "positions")[2] == "each 0 to 100"
    assert _row(text, Scenario, "seed")[2:4] == [">= 0, < 2^63", "*not set*"]
    assert _row(text, Scenario, "actors")[2].startswith("at least 2 entries; ids match")
    assert _row(text, TalkRound, "participants")[2] == "at least 2 entries"
    description = Parameters.model_fields["effort"].description or ""
    assert _row(text, Parameters, "effort")[4] == " ".join(description.split())


def test_key_paths_follow_the_nesting() -> None:
    paths = reference.model_paths(Scenario)
    assert paths[Actor] == "actors.<id>"
    assert paths[TalkRound] == "talks.<n>"
    assert paths[Parameters] == "parameters"


def test_docs_quote_the_smallest_scenario_verbatim() -> None:
    minimal = (ROOT / "scenarios" / "two-states.yaml").read_text(encoding="utf-8")
    assert minimal.strip() in DOC.read_text(encoding="utf-8")


def test_splice_replaces_only_the_marked_section() -> None:
    page = f"intro\n{reference.BEGIN}\nold\n{reference.END}\noutro\n"
    new = reference.splice(page, "fresh\n")
    assert new == f"intro\n{reference.BEGIN}\n\nfresh\n\n{reference.END}\noutro\n"
    assert reference.extract(new) == "fresh"


@pytest.mark.parametrize("page", ["no markers", f"{reference.END}\n{reference.BEGIN}"])
def test_splice_refuses_a_page_without_markers(page: str) -> None:
    with pytest.raises(ValueError, match="GENERATED REFERENCE"):
        reference.splice(page, "x")


def test_main_rewrites_the_page(tmp_path: Path) -> None:
    page = tmp_path / "scenarios.md"
    page.write_text(f"intro\n{reference.BEGIN}\n{reference.END}\n", encoding="utf-8")
    assert reference.main(page) == 0
    assert reference.extract(page.read_text(encoding="utf-8")) == reference.markdown().strip()


@pytest.mark.parametrize("name", ["credible-early-sanctions", "nato-moratorium"])
def test_what_ifs_keep_the_base_events(name: str) -> None:
    # `events` is a list, so a what-if that adds an event carries a copy of the
    # base list: when the flagship's events change, these copies must follow.
    from sim.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios" / "winter-2021-22.yaml").events
    what_if = load_scenario(ROOT / "scenarios" / f"{name}.yaml").events
    assert what_if[: len(base)] == base, f"update the copy of the base events in {name}.yaml"
