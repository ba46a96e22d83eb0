"""Brink in Mesa's SolaraViz (sim/dashboard/viz.py), rendered headless as Mesa's own tests do."""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402
from mesa.visualization.solara_viz import ComponentsView, ModelController  # noqa: E402

from sim.dashboard import viz  # noqa: E402
from sim.model.crisis import CrisisModel  # noqa: E402
from tests.conftest import FLAGSHIP  # noqa: E402


def _params(**changes):
    base = {"scenario_name": "winter-2021-22", "seed": "2022", "rationality": 30.0,
            "incident_risk": 0.015, "misperception": 0.3, "perception_bias": 0.0}
    return solara.reactive({**base, **changes})


def _controller(model, params):
    return ModelController(model, model_parameters=params, render_interval=solara.reactive(1),
                           use_threads=solara.reactive(False), play_interval=solara.reactive(50))


def test_live_crisis_is_the_bundled_scenario_with_its_settings():
    m = viz.LiveCrisis("winter-2021-22", seed=2022)
    m.run()
    plain = CrisisModel(FLAGSHIP, seed=2022)
    plain.run()
    assert repr(m.events) == repr(plain.events)
    risky = viz.LiveCrisis("winter-2021-22", seed=1, incident_risk=0.05)
    assert risky.params.incident_risk == 0.05
    with pytest.raises(ValueError, match="no bundled scenario 'nope'"):
        viz.LiveCrisis("nope")


def test_mesa_controls_step_and_reset_rebuild_from_the_panel():
    model = solara.reactive(viz.LiveCrisis("winter-2021-22", seed=2022))
    params = _params(scenario_name="two-states", seed="7", incident_risk=0.03)
    _, rc = solara.render(_controller(model, params), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    step.widget.click()
    step.widget.click()
    assert model.value.days_run == 2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    fresh = model.value
    assert isinstance(fresh, viz.LiveCrisis)
    assert fresh.crisis.name == "Two states, one issue" and fresh.seed == 7
    assert fresh.params.incident_risk == 0.03 and fresh.days_run == 0


def test_components_draw_dated_plots_and_the_feed():
    m = viz.LiveCrisis("winter-2021-22", seed=2022)
    for _ in range(45):
        m.step()
    components = [(viz.EscalationPlot, 0), (viz.PositionsPlot, 0), (viz.TensionPlot, 0),
                  (viz.BeliefsPlot, 0), (viz.Feed, 0)]
    _, rc = solara.render(ComponentsView(components, m), handle_error=False)
    assert len(rc.find(ipywidgets.Image)) == 4
    texts = [w.widget.children for w in rc.find(v.Html)]
    assert any("12 Jan" in str(t) and "NATO-Russia Council" in str(t) for t in texts), texts[:5]


def test_page_refuses_an_unknown_plot():
    with pytest.raises(ValueError, match="unknown plot 'map'"):
        viz.page(plots=("map",))
