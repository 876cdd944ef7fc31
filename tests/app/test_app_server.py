"""``lean-sim-viz``'s command line, and the fetching of Solara's front-end files."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from sim.viz import assets
from sim.viz.cli import build_parser, solara_arguments


def test_server_listens_on_loopback_port_8765_by_default():
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.open) == ("127.0.0.1", 8765, False)
    cmd = solara_arguments(args)
    assert cmd[:2] == ["run", "sim.app"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8765"
    assert "--production" in cmd and "--no-open" in cmd


def test_host_and_port_can_be_changed():
    args = build_parser().parse_args(["--host", "0.0.0.0", "--port", "9000", "--open"])
    cmd = solara_arguments(args)
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "9000"
    assert "--open" in cmd


@pytest.mark.parametrize("port", ["abc", "70000", "-1"])
def test_a_bad_port_stops_with_a_message(port, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--port", port])
    assert stop.value.code == 2
    assert f"port={port!r}" in capsys.readouterr().err


def test_front_end_packages_are_read_from_the_installed_solara():
    found = dict(assets.needed_packages())
    assert "requirejs" in found and "font-awesome" in found
    assert any(name.startswith("@widgetti/solara-vuetify") for name in found)
    assert all(version[0].isdigit() for version in found.values())


def test_tarball_urls_follow_the_npm_registry_layout():
    assert (
        assets.tarball_url("requirejs", "2.3.6")
        == "https://registry.npmjs.org/requirejs/-/requirejs-2.3.6.tgz"
    )
    assert (
        assets.tarball_url("@widgetti/solara-vuetify3-app", "5.2.0", "https://r.example/")
        == "https://r.example/@widgetti/solara-vuetify3-app/-/solara-vuetify3-app-5.2.0.tgz"
    )


def _npm_tarball(path: Path, files: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_fetch_fills_the_cache_once_from_a_registry(tmp_path, monkeypatch):
    registry = tmp_path / "registry"
    _npm_tarball(
        registry / "@scope/app/-/app-1.0.0.tgz",
        {"package.json": b"{}", "dist/app.js": b"console.log(1)"},
    )
    _npm_tarball(registry / "lib/-/lib-2.0.0.tgz", {"package.json": b"{}", "lib.css": b"a{}"})
    monkeypatch.setattr(
        assets, "needed_packages", lambda: [("@scope/app", "1.0.0"), ("lib", "2.0.0")]
    )
    cache = tmp_path / "cdn"
    fetched = assets.fetch(cache, registry=registry.as_uri(), log=lambda _: None)
    assert fetched == ["@scope/app@1.0.0", "lib@2.0.0"]
    assert (cache / "@scope/app@1.0.0/dist/app.js").read_bytes() == b"console.log(1)"
    assert (cache / "lib@2.0.0/lib.css").exists()
    assert assets.missing_packages(cache) == []
    assert assets.fetch(cache, registry=registry.as_uri(), log=lambda _: None) == []


def test_fetch_names_the_url_it_could_not_reach(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "needed_packages", lambda: [("nothere", "1.0.0")])
    with pytest.raises(OSError, match=r"could not download .*nothere-1\.0\.0\.tgz"):
        assets.fetch(tmp_path / "cdn", registry=(tmp_path / "empty").as_uri(), log=print)
