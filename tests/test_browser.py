"""The dashboard in a real browser: `brink dashboard` served, Debian's chromium driving it.

Every request that leaves 127.0.0.1 is aborted, so these tests also show
that the pages work offline (scripts and style sheets served by the server
from the assets install.sh fetched). Playwright's own browser download
cannot run here: the tests launch the system chromium by its path.

Without chromium (or the assets) the tests are skipped, except in CI
(``CI`` set), where they fail: install.sh --test installs both.
Set BRINK_SCREENSHOTS=docs/images to write the screenshots of docs/dashboard.md.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
            or shutil.which("chromium-headless-shell"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = os.environ.get("BRINK_SCREENSHOTS")
WAIT = 30_000  # ms: generous, CI machines are slow


def _unavailable() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (bash install.sh --test)"
    if not CHROMIUM:
        return "no chromium: bash install.sh --test installs it (or apt-get install chromium)"
    from sim.dashboard import assets

    cache = Path(os.environ.get("BRINK_ASSETS_DIR") or assets.default_dir())
    if assets.missing(cache):
        return f"the dashboard's offline assets are not in {cache} (bash install.sh fetches them)"
    return ""


REASON = _unavailable()
if REASON:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {REASON}", pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=WAIT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, str]]:
    """`brink dashboard` on a free port: (base address, instructor token)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    token, lines = "", []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            found = re.search(r"instructor=(\S+)", line)
            if found:
                token = found.group(1)
                break
        assert token, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # brink and the server it started
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _offline_page(browser: Browser, blocked: list[str]) -> Page:
    """A page in its own context (its own session) that can reach only 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def route(r: Any) -> None:
        url = r.request.url
        if re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]", url) or \
                url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return page


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _status(page: Page) -> str:
    return page.locator(".brink-status").first.inner_text()


ACTIVE_IMG = ".v-window-item--active img"


def _plot(page: Page, old: str = "") -> tuple[str, bytes]:
    """The open tab's plot once it is not ``old`` any more: (its address, its pixels)."""
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel); "
        "return i && i.complete && i.naturalHeight > 0 && i.src !== old; }",
        arg=[ACTIVE_IMG, old])
    img = page.locator(ACTIVE_IMG).first
    return img.get_attribute("src") or "", img.screenshot()


def _pick(page: Page, label: str, option: str | None = None) -> str:
    """Open the select with this label and click an option (the last one if None)."""
    page.locator(".v-select", has_text=label).first.click()
    items = page.locator(".menuable__content__active .v-list-item")
    expect(items.first).to_be_visible()
    item = items.filter(has_text=option).first if option else items.last
    text = item.inner_text().strip()
    item.click()
    expect(page.locator(".v-select", has_text=label).first).to_contain_text(text)
    expect(page.locator(".menuable__content__active")).to_have_count(0)
    return text


def test_explore_steps_with_live_plots_feed_and_an_ensemble(server, browser):
    base, _ = server
    blocked: list[str] = []
    page = _offline_page(browser, blocked)
    page.goto(base + "/")
    expect(page.locator(".brink-status")).to_contain_text("day 0 of 121")
    src, before = _plot(page)
    expect(page.get_by_text("Nothing has happened yet.")).to_be_visible()
    for day in range(1, 7):
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".brink-status")).to_contain_text(f"day {day} of 121")
    expect(page.get_by_text("Nothing has happened yet.")).to_have_count(0)
    feed = page.locator(".brink-feed").inner_text()
    assert re.search(r"\d+ (Dec|Jan) \u2014 ", feed), feed
    src, after = _plot(page, src)
    assert after != before  # the escalation ladder has grown
    page.get_by_role("tab", name="Positions").click()
    src, positions = _plot(page, src)
    page.get_by_role("tab", name="Tension").click()
    src, tension = _plot(page, src)
    assert tension != positions != after
    page.get_by_role("button", name="Play").click()  # the page follows, day by day:
    expect(page.locator(".brink-status")).to_contain_text(  # seen well before the end
        re.compile(r"day (8|9|[12]\d) of 121"))
    if SHOTS:  # for docs/dashboard.md: later in the crisis, the ladder in view
        expect(page.locator(".brink-status")).to_contain_text(re.compile(r"day (4[5-9]|5\d)"),
                                                              timeout=120_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    if SHOTS:
        page.get_by_role("tab", name="Escalation").click()
        page.wait_for_timeout(3000)
        _shot(page, "dashboard-explore")
        page.get_by_role("tab", name="Positions").click()
        page.wait_for_timeout(4000)
        page.locator(".v-window-item--active img").screenshot(
            path=str(Path(SHOTS) / "dashboard-positions.png"))
    runs = page.locator(".v-input__slider", has_text="Runs: 200").locator(".v-slider__thumb")
    runs.click()
    page.keyboard.press("Home")  # the fewest runs (50): enough to show, quick in CI
    expect(page.get_by_text("Runs: 50")).to_be_visible()
    page.get_by_role("button", name="Run ensemble").click()
    # the page stays usable while the ensemble runs in the background
    day = int(re.search(r"day (\d+) of", _status(page)).group(1))
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".brink-status")).to_contain_text(f"day {day + 1} of 121")
    done = page.locator(".brink-ensemble-done")
    expect(done).to_contain_text("50 runs", timeout=120_000)
    assert re.search(r"war \d+%", done.inner_text())
    expect(page.locator(".v-card", has_text="Ensemble").locator("img")).to_have_count(2)
    page.wait_for_timeout(500)
    if SHOTS:
        page.locator(".v-card", has_text="Ensemble: many runs").screenshot(
            path=str(Path(SHOTS) / "dashboard-ensemble.png"))
    assert blocked == []


def test_an_upload_with_mistakes_shows_one_line_problems(server, browser, tmp_path):
    base, _ = server
    blocked: list[str] = []
    page = _offline_page(browser, blocked)
    page.goto(base + "/")
    expect(page.locator(".brink-status")).to_contain_text("day 0")
    bad = tmp_path / "class-crisis.yaml"
    bad.write_text((ROOT / "scenarios" / "two-states.yaml").read_text()
                   .replace("resolve: 0.5", "resolv: 0.5"))
    page.locator("input[type=file]").first.set_input_files(str(bad))
    problem = page.locator(".brink-problem").first
    expect(problem).to_contain_text("class-crisis.yaml:12: actors.AAA.resolv: unknown key")
    assert "Traceback" not in page.inner_text("body")
    good = tmp_path / "class-crisis-fixed.yaml"
    good.write_text((ROOT / "scenarios" / "two-states.yaml").read_text())
    page.locator("input[type=file]").first.set_input_files(str(good))
    expect(page.locator(".brink-status")).to_contain_text("Two states, one issue: day 0 of 46")
    expect(page.locator(".brink-problem")).to_have_count(0)
    assert blocked == []


def test_two_teams_and_the_instructor_play_a_day(server, browser):
    base, token = server
    blocked: list[str] = []
    kyiv, washington, teacher = (_offline_page(browser, blocked) for _ in range(3))
    picks = {}
    for page, actor, team in ((kyiv, "UKR", "Team Kyiv"), (washington, "USA", "Team DC")):
        page.goto(f"{base}/?team={actor}")
        page.get_by_label("Team name").fill(team)
        page.get_by_role("button", name=f"Claim {actor}").click()
        expect(page).to_have_url(re.compile(rf"team={actor}&key="))
        expect(page.get_by_role("button", name="Submit move")).to_be_visible()
        picks[actor] = _pick(page, "Move for the next day")
        expect(page.locator(".brink-detail")).to_contain_text("Goldstein")  # the server has it
        page.get_by_role("button", name="Submit move").click()
        expect(page.locator(".brink-pending")).to_contain_text(picks[actor])
    _shot(washington, "dashboard-team")
    washington.get_by_text("Positions to put on the table").click()
    washington.get_by_role("button", name="Put these on the table").click()
    expect(washington.locator(".brink-offer")).to_contain_text("Offer: nato_enlargement")
    teacher.goto(f"{base}/?instructor={token}")
    seats = teacher.locator(".brink-seat")
    expect(seats.filter(has_text="UKR (Team Kyiv)")).to_be_visible()
    expect(seats.filter(has_text="USA (Team DC)")).to_be_visible()
    expect(seats.filter(has_text="RUS: the model plays it")).to_be_visible()
    teacher.get_by_role("button", name="Advance 1 day").click()
    for page in (kyiv, washington, teacher):
        expect(page.locator(".brink-status")).to_contain_text("day 1 of 121")
    expect(kyiv.locator(".brink-pending")).to_contain_text("nothing yet")
    teacher.get_by_role("button", name="Leaked intelligence report").click()
    expect(kyiv.locator(".brink-feed")).to_contain_text("injected report on RUS")
    teacher.get_by_role("button", name="Border incident").click()
    expect(washington.locator(".brink-feed")).to_contain_text("incident between the forces")
    teacher.get_by_text("The teams' moves so far").click()
    expect(teacher.locator(".brink-move").filter(has_text="1 Dec UKR: ")).to_contain_text(
        "(the model would have: ")
    _shot(teacher, "dashboard-instructor")
    lobby = _offline_page(browser, blocked)
    lobby.goto(f"{base}/?game")
    expect(lobby.get_by_text("played by Team Kyiv")).to_be_visible()
    _shot(lobby, "dashboard-lobby")
    wrong = _offline_page(browser, blocked)
    wrong.goto(f"{base}/?instructor=guess")
    expect(wrong.get_by_text("Wrong or missing instructor token")).to_be_visible()
    other = _offline_page(browser, blocked)  # a third browser cannot move for Kyiv
    other.goto(f"{base}/?team=UKR")
    expect(other.get_by_text("UKR is played by Team Kyiv")).to_be_visible()
    expect(other.get_by_role("button", name="Submit move")).to_have_count(0)
    assert blocked == []
