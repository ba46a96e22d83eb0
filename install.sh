#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install Brink into it (editable).
#   bash install.sh          the simulator
#   bash install.sh --test   the simulator and the test tools (and chromium, as root or with sudo)
# Python: $PYTHON if set, else python3.12/3.13/3.14/python3 if one is >= 3.12,
# else the newest pyenv-installed 3.12+.
set -euo pipefail
cd "$(dirname "$0")"

ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  local cand v
  for cand in "${PYTHON:-}" python3.12 python3.13 python3.14 python3; do
    if [ -n "$cand" ] && ok "$cand"; then echo "$cand"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9](\.[0-9]+)?$' | sort -rV); do
      cand="$(pyenv root)/versions/$v/bin/python3"
      if ok "$cand"; then echo "$cand"; return 0; fi
    done
  fi
  echo "install.sh: Brink needs Python 3.12 or newer; none found (set PYTHON=/path/to/python3.12)" >&2
  return 1
}

if ! ok .venv/bin/python; then
  rm -rf .venv
  "$(find_python)" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -e ".[test]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
# compile the model's numba code once, into sim/model/__pycache__ (later starts load it)
if ! ls sim/model/__pycache__/engine.day-*.nbi >/dev/null 2>&1; then
  echo "install.sh: compiling the model (once, about a minute)"
fi
.venv/bin/python -c "import sim.model.warm"
# the dashboard's scripts and style sheets, so that it works offline (sim/dashboard/assets.py)
.venv/bin/python -m sim.dashboard.assets .venv/share/solara/cdn \
  || echo "install.sh: continuing without them: brink dashboard will need the internet" >&2
if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null 2>&1; then
  # the browser tests (tests/test_browser.py) drive Debian's chromium
  if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo"
  else sudo="no"; fi
  if [ "$sudo" != "no" ] && command -v apt-get >/dev/null 2>&1; then
    echo "install.sh: installing chromium (apt-get) for the browser tests"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "install.sh: the browser tests need chromium: run 'sudo apt-get install chromium'" \
         "(without it they are skipped, or fail when CI is set)" >&2
  fi
fi
echo "install.sh: Brink installed in .venv ($(.venv/bin/python --version))"
