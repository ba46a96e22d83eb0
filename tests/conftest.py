"""Shared fixtures: bundled scenarios and small scenarios built in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "winter-2021-22.yaml"


def two_states(**changes: Any) -> dict[str, Any]:
    """A small crisis as a dict: A coerces B over one issue, with one round of talks."""
    data: dict[str, Any] = {
        "name": "Test crisis",
        "start": "2030-01-01",
        "end": "2030-03-01",
        "issues": {"border": {"label": "Border", "low": "A's claim", "high": "B's claim"}},
        "actors": {
            "AAA": {"name": "A", "capability": 0.8, "resolve": 0.8, "positions": {"border": 0},
                    "rung": 4},
            "BBB": {"name": "B", "capability": 0.4, "resolve": 0.5, "positions": {"border": 100},
                    "rung": 2},
        },
        "talks": [{"date": "2030-02-01", "name": "Border talks",
                   "participants": ["AAA", "BBB"]}],
    }
    for path, value in changes.items():
        node = data
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return data


@pytest.fixture
def flagship() -> Path:
    return FLAGSHIP
