"""Tests of sim/model/actions.py against GDELT's CAMEO -> Goldstein table.

The table is package data (sim/data/cameo_goldstein.tsv, a verbatim copy of
../shared/reference/cameo-goldstein.tsv), so these tests need nothing outside
the package.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import pytest

from sim.model.actions import ACTIONS, CATALOG, DEFAULT_ACTIONS, TABLE, default_actions
from sim.scenario.schema import Actor

REQUIRED = {
    "hold", "leader_call", "propose_talks", "criticize", "reject", "demand", "warn",
    "threaten_sanctions", "threaten_force", "offer_concession", "make_concession",
    "mobilize", "demobilize", "military_aid", "impose_sanctions", "lift_sanctions",
    "cyber_attack", "halt_talks", "use_force",
}
FORCE_ACTS = {"use_force", "threaten_force"}


def _goldstein_table() -> dict[str, float]:
    text = (resources.files("sim.data") / "cameo_goldstein.tsv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows[0] == ["CAMEOEVENTCODE", "GOLDSTEINSCALE"]
    table: dict[str, float] = {}
    for code, value in rows[1:]:
        assert code not in table, f"duplicate code {code}"
        table[code] = float(value)  # codes stay text: leading zeros matter ("041" != "41")
    return table


GOLDSTEIN = _goldstein_table()


def test_table_is_plausible() -> None:
    assert len(GOLDSTEIN) > 250
    assert all(-10.0 <= v <= 10.0 for v in GOLDSTEIN.values())
    # spot checks from GDELT's CAMEO.goldsteinscale.txt
    assert GOLDSTEIN["190"] == -10.0  # use conventional military force
    assert GOLDSTEIN["041"] == 1.0  # discuss by telephone
    assert "176" not in GOLDSTEIN  # cyber attack: no value in the table


def test_package_copy_is_verbatim() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cameo-goldstein.tsv"
    if not shared.exists():
        pytest.skip("../shared/reference is not available here")
    packaged = (resources.files("sim.data") / "cameo_goldstein.tsv").read_bytes()
    assert packaged == shared.read_bytes()


def test_catalog_has_the_required_actions() -> None:
    names = [a.name for a in CATALOG]
    assert set(names) == REQUIRED
    assert len(names) == len(set(names)) == 19
    assert set(ACTIONS) == REQUIRED
    assert TABLE.names == tuple(names)


@pytest.mark.parametrize("action", CATALOG, ids=lambda a: a.name)
def test_goldstein_value_matches_its_cameo_code(action) -> None:
    if action.name == "hold":
        assert action.cameo == ""  # no event at all
        assert action.goldstein == 0.0
    elif action.cameo == "176":
        assert action.name == "cyber_attack"
        assert action.goldstein == -7.0  # CAMEO root 17 ("coerce"), see actions.py
    else:
        assert action.cameo in GOLDSTEIN, f"{action.name}: unknown CAMEO code {action.cameo}"
        assert action.goldstein == GOLDSTEIN[action.cameo]


def test_only_cyber_attack_uses_a_code_missing_from_the_table() -> None:
    missing = {a.name for a in CATALOG if a.cameo and a.cameo not in GOLDSTEIN}
    assert missing == {"cyber_attack"}


def test_rungs_in_range_and_use_force_alone_at_the_top() -> None:
    assert all(0 <= a.rung <= 9 for a in CATALOG)
    assert [a.name for a in CATALOG if a.rung == 9] == ["use_force"]
    assert all(a.top <= 9 for a in CATALOG)


def test_force_acts_require_force() -> None:
    assert {a.name for a in CATALOG if a.requires_force} == FORCE_ACTS


def test_alliance_defaults_exclude_force_and_cyber() -> None:
    alliance = set(DEFAULT_ACTIONS["alliance"])
    assert not alliance & {"use_force", "threaten_force", "cyber_attack"}
    assert {"hold", "warn", "impose_sanctions", "military_aid"} <= alliance
    assert set(default_actions("alliance", can_use_force=False)) == alliance - FORCE_ACTS


def test_organisation_defaults_have_no_military_acts() -> None:
    org = set(DEFAULT_ACTIONS["organisation"])
    assert not org & {"use_force", "threaten_force", "cyber_attack", "mobilize",
                      "demobilize", "military_aid"}
    assert {"hold", "propose_talks", "impose_sanctions"} <= org


def test_state_defaults_are_the_whole_catalog() -> None:
    assert set(default_actions("state", can_use_force=True)) == REQUIRED


@pytest.mark.parametrize("kind", ["state", "alliance", "organisation"])
def test_no_force_actions_without_can_use_force(kind: str) -> None:
    acts = set(default_actions(kind, can_use_force=False))
    assert "hold" in acts
    assert not acts & FORCE_ACTS
    assert not any(ACTIONS[n].requires_force for n in acts)


def _actor(**kw) -> Actor:
    return Actor(name="X", capability=0.5, resolve=0.5, positions={"border": 0.0}, **kw)


def test_actor_with_can_use_force_false_gets_no_force_actions() -> None:
    state = _actor(can_use_force=False)
    assert not state.force_allowed
    assert not set(state.allowed_actions) & FORCE_ACTS
    # default by kind: a state may use force, an alliance may not
    assert "use_force" in _actor().allowed_actions
    alliance = _actor(kind="alliance")
    assert not alliance.force_allowed
    assert not set(alliance.allowed_actions) & FORCE_ACTS


def test_explicit_action_list_always_includes_hold() -> None:
    a = _actor(actions=["warn", "demand", "warn"])
    assert a.allowed_actions == ("hold", "warn", "demand")


def test_mobilizing_needs_forces_not_the_right_to_start_a_war() -> None:
    # documented rule: can_use_force governs use_force/threaten_force only; alliances deploy
    # forces (mobilize) but organisations have none
    assert "mobilize" in _actor(can_use_force=False).allowed_actions
    assert "mobilize" in _actor(kind="alliance").allowed_actions
    assert "mobilize" not in _actor(kind="organisation").allowed_actions
    assert "threaten_force" not in _actor(can_use_force=False).allowed_actions
