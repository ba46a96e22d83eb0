"""Start the dashboard's server: ``brink dashboard`` (see sim/cli.py).

It runs ``solara run sim.dashboard.app`` in a child process with what the
app needs in its environment: the scenario, a fresh instructor token, the
offline asset folder and no telemetry. Everything that can be refused is
refused before the server starts (exit status 2, one line).
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.dashboard import assets
from sim.dashboard.state import SCENARIO_DIR

LOCAL = ("127.0.0.1", "localhost", "::1")


def environment(scenario: Path, token: str) -> dict[str, str]:
    """The server's environment: scenario, token, local assets, no telemetry."""
    bundled = scenario.resolve().parent == SCENARIO_DIR and scenario.suffix == ".yaml"
    env = {**os.environ,
           "BRINK_DASHBOARD_SCENARIO": scenario.stem if bundled else str(scenario.resolve()),
           "BRINK_INSTRUCTOR_TOKEN": token,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "SOLARA_THEME_TITLE": "Brink",  # the browser tab, before the page sets its own
           "SOLARA_THEME_SHOW_BANNER": "False",
           # plain HTTP on a classroom network: Solara falls back to samesite=lax cookies,
           # and says so in 14 lines at every first page load
           "PYTHONWARNINGS": ",".join(filter(None, (
               os.environ.get("PYTHONWARNINGS"),
               "ignore:Cookies with samesite=none require https:UserWarning")))}
    cache = Path(os.environ.get("BRINK_ASSETS_DIR") or assets.default_dir())
    if not assets.missing(cache):
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    return env


def check_port(host: str, port: int) -> str:
    """'' if the server can listen there, else why not (in words)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            s.bind((host, port))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            return f"port {port} is already in use on {host}; choose another with --port"
        if isinstance(err, socket.gaierror) or err.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on {host}: not an address of this computer"
        return f"cannot listen on {host}:{port}: {err.strerror or err}"
    return ""


def _lan_address() -> str:
    """This computer's address on its network (no packet is sent), for the teams' links."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
    except OSError:
        return "<this computer's address>"


def serve(scenario: Path, host: str, port: int, refuse: type[Exception]) -> int:
    """Run the server until Ctrl-C; ``refuse`` is raised (one line, exit 2) before it starts."""
    problem = check_port(host, port)
    if problem:
        raise refuse(problem)
    token = secrets.token_urlsafe(9)
    env = environment(scenario, token)
    shown = host if host not in ("0.0.0.0", "::") else _lan_address()
    base = f"http://{'127.0.0.1' if host in LOCAL else shown}:{port}"
    if host not in LOCAL:
        print(f"brink: WARNING: the dashboard is open to the network on {host}:{port}: anyone "
              "who can reach this computer can open it. Use it on a classroom network only; "
              "the instructor page needs the token below.", file=sys.stderr)
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in env:
        print("brink: the offline scripts are not installed (run `bash install.sh`); the page "
              "will fetch them from cdn.jsdelivr.net, which needs the internet",
              file=sys.stderr)
    print(f"Brink dashboard ({scenario.stem}), Ctrl-C to stop:\n"
          f"  explore:     {base}/\n"
          f"  team game:   {base}/?game\n"
          f"  instructor:  {base}/?instructor={token}", flush=True)
    cmd = [sys.executable, "-m", "solara", "run", "sim.dashboard.app", "--host", host,
           "--port", str(port), "--production", "--no-open", "--no-check-version",
           "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env)

    def stop(signum: int, frame: object) -> None:  # a SIGTERM to brink stops the server too
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
