"""The dashboard's scripts and style sheets, kept on disk so that it works offline.

Solara's pages load their JavaScript and CSS from ``/_solara/cdn/...``, which
the server fills on first use from cdn.jsdelivr.net into a cache folder
(``SOLARA_ASSETS_PROXY_CACHE_DIR``). Without the internet (a classroom
network, CI) the page never boots. The ``solara-assets`` package that would
ship them does not exist on PyPI for current Solara versions, so
``install.sh`` calls ``python -m sim.dashboard.assets`` once, which downloads
the same npm packages from the npm registry (checked against the registry's
SHA-512) and unpacks each to ``<cache>/<name>@<version>/``, the layout the
proxy reads. ``brink dashboard`` then points Solara at that folder and never
fetches anything at run time.

The versions are read from the installed Solara's page template and widgets,
so an upgrade of Solara fetches what the new version asks for.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
#: the npm packages a Vue 2 Solara page loads (ipyvue < 2): the app bundle and its
#: fonts, the module loader, the icon font, and the grid layout some widgets use
PACKAGES = ("@widgetti/solara-vuetify-app", "requirejs", "font-awesome",
            "@widgetti/vue-grid-layout")
#: what Solara 1.64 asks for, used only if its files cannot be read
FALLBACK = {"@widgetti/solara-vuetify-app": "10.1.1", "requirejs": "2.3.6",
            "font-awesome": "4.5.0", "@widgetti/vue-grid-layout": "2.3.13-alpha.2"}
_REF = re.compile(r"(?:\{\{ *cdn *\}\}|getCdn\(\)\}|[\"'])/?((?:@[\w.-]+/)?[\w.-]+)@"
                  r"(\d+\.\d+\.\d+(?:-[\w.]+)?)/")


def default_dir() -> Path:
    """Where install.sh puts the assets: Solara's own default cache in the environment.

    ``<prefix>/share/solara/cdn`` is where Solara looks without being told, so
    the same files serve ``brink dashboard`` and Solara pages in JupyterLab
    started from the same environment (``sim.dashboard.viz``, notebook 01).
    """
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def wanted_versions() -> dict[str, str]:
    """Package -> exact version, as the installed Solara's template and widgets name them."""
    found: dict[str, str] = {}
    try:
        import solara

        root = Path(solara.__file__).parent
        files = [root / "server" / "templates" / "solara.html.j2",
                 root / "server" / "settings.py", *root.glob("widgets/vue/*.vue")]
        for f in files:
            text = f.read_text(encoding="utf-8", errors="replace") if f.exists() else ""
            for name, version in _REF.findall(text):
                if name in PACKAGES:
                    found.setdefault(name, version)
    except ImportError:
        pass
    return {name: found.get(name, FALLBACK[name]) for name in PACKAGES}


def missing(cache: Path) -> list[str]:
    """The ``name@version`` folders the cache still lacks."""
    return [f"{n}@{v}" for n, v in wanted_versions().items() if not (cache / f"{n}@{v}").is_dir()]


def fetch(cache: Path, timeout: float = 60.0) -> list[str]:
    """Download and unpack every missing package into ``cache``; return what was added."""
    added = []
    for name, version in wanted_versions().items():
        target = cache / f"{name}@{version}"
        if target.is_dir():
            continue
        meta = json.loads(_get(f"{REGISTRY}/{name}/{version}", timeout))
        dist = meta["dist"]
        data = _get(dist["tarball"], timeout)
        _check(data, dist, f"{name}@{version}")
        _unpack(data, target)
        added.append(f"{name}@{version}")
    return added


def _get(url: str, timeout: float) -> bytes:
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-https download: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return bytes(r.read())


def _check(data: bytes, dist: dict[str, str], what: str) -> None:
    """The tarball must match the registry's integrity hash (SHA-512, else SHA-1)."""
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        ok = base64.b64decode(integrity[7:]) == hashlib.sha512(data).digest()
    else:
        ok = hashlib.sha1(data).hexdigest() == dist.get("shasum")
    if not ok:
        raise ValueError(f"{what}: the download does not match the registry's checksum")


def _unpack(data: bytes, target: Path) -> None:
    """Extract the tarball's ``package/`` folder into ``target`` (atomically, via a rename)."""
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) < 2 or ".." in parts or parts[0] == "/":
                continue
            dest = tmp.joinpath(*parts[1:])  # drop npm's leading "package/"
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            if src is not None:
                dest.write_bytes(src.read())
    os.replace(tmp, target)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.dashboard.assets [FOLDER]``: fetch what is missing (install time)."""
    args = sys.argv[1:] if argv is None else argv
    cache = Path(args[0]) if args else default_dir()
    try:
        added = fetch(cache)
    except (OSError, ValueError, KeyError) as err:
        print(f"brink: could not fetch the dashboard's offline assets into {cache}: {err}\n"
              "brink: the dashboard will still work where the internet is reachable; "
              "rerun `python -m sim.dashboard.assets` to retry", file=sys.stderr)
        return 1
    what = ", ".join(added) if added else "already complete"
    print(f"dashboard assets in {cache}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
