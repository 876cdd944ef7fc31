"""The browser's JavaScript and CSS for the Solara server, fetched once from the npm registry.

Solara serves its front end (Vue/Vuetify app, require.js, Font Awesome) through a local proxy
of the jsDelivr CDN, caching each file under ``<venv>/share/solara/cdn``. A machine that can
reach the npm registry but not jsDelivr (CI, a firewalled laptop) gets a blank page. The
``solara-assets`` package would bundle the files, but it is not published for every solara
release, so this fills the same cache from the npm registry instead: a jsDelivr ``/npm/`` URL
serves exactly the files of the package's npm tarball.

The packages and versions are read from the installed solara's page template, so this follows
solara upgrades. ``python -m sim.viz.assets`` fetches what is missing; ``lean-sim-viz`` does
the same before it starts (a no-op once the files are there).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

DEFAULT_REGISTRY = "https://registry.npmjs.org"
# `{{cdn}}/pkg@1.2.3/` in the page template, `${this.getCdn()}/pkg@1.2.3/` in a component
_CDN_REF = re.compile(r"\}\}?/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")
_PATH_REF = re.compile(r"^/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")


def cache_dir() -> Path:
    """Where the installed solara server looks for cached CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def needed_packages() -> list[tuple[str, str]]:
    """(npm package, version) pairs the installed solara's page loads from its CDN proxy.

    Read from the page template and from the Markdown component (mermaid, KaTeX), the
    components of solara this app uses that load files of their own.
    """
    import solara.server
    from solara.server import settings

    sources = [
        Path(solara.server.__file__).parent / "templates" / "solara.html.j2",
        Path(solara.__file__).parent / "components" / "markdown.py",  # solara.Markdown
    ]
    found = {ref for src in sources for ref in _CDN_REF.findall(src.read_text(encoding="utf-8"))}
    fontawesome = _PATH_REF.match(settings.assets.fontawesome_path)
    if settings.assets.fontawesome_enabled and fontawesome:
        found.add(fontawesome.groups())
    return sorted(found)


def tarball_url(package: str, version: str, registry: str = DEFAULT_REGISTRY) -> str:
    """The npm registry's tarball URL of a package version (scoped or not)."""
    basename = package.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{package}/-/{basename}-{version}.tgz"


def missing_packages(target: Path | None = None) -> list[tuple[str, str]]:
    """Needed packages that are not yet in the cache (a package.json marks a complete one)."""
    target = target or cache_dir()
    return [
        (pkg, ver)
        for pkg, ver in needed_packages()
        if not (target / f"{pkg}@{ver}" / "package.json").exists()
    ]


def _unpack(archive: Path, destination: Path) -> None:
    """Unpack an npm tarball (files under one top folder, usually ``package/``) atomically."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        tops = [p for p in Path(tmp).iterdir()]
        if len(tops) != 1 or not tops[0].is_dir():
            raise ValueError(f"{archive.name}: expected one top folder, found {len(tops)}")
        if destination.exists():
            shutil.rmtree(destination)
        tops[0].rename(destination)


def fetch(
    target: Path | None = None,
    registry: str | None = None,
    timeout: float = 60.0,
    log=print,
) -> list[str]:
    """Download and unpack every missing package; returns the ``package@version`` fetched.

    Raises OSError (with the URL) when the registry cannot be reached.
    """
    target = target or cache_dir()
    registry = registry or os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    fetched = []
    for package, version in missing_packages(target):
        url = tarball_url(package, version, registry)
        log(f"fetching {package}@{version} from {url}")
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "package.tgz"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    archive.write_bytes(response.read())
            except OSError as err:
                raise OSError(f"could not download {url}: {err}") from err
            _unpack(archive, target / f"{package}@{version}")
        fetched.append(f"{package}@{version}")
    return fetched


def main() -> None:
    try:
        fetched = fetch()
    except OSError as err:
        sys.exit(f"sim.viz.assets: {err}")
    where = cache_dir()
    print(f"{len(fetched)} fetched; Solara's front end is complete in {where}")


if __name__ == "__main__":
    main()
