"""End to end: ``lean-sim-viz`` on a free loopback port, driven in a real headless Chromium.

Uses Debian's ``chromium`` (``.ci/run`` installs it) through Playwright; never a downloaded
browser. Skips only where /usr/bin/chromium does not exist. Every wait is bounded, and the
server is stopped in teardown whatever happens.

Set LEAN_SIM_SCREENSHOTS=<folder> to also keep the page's screenshot there (the README's
picture is made this way: LEAN_SIM_SCREENSHOTS=docs/screenshots).
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

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 60
WAIT_MS = 30_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("lean-sim-viz")
    if script.exists():
        return [str(script), "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "sim.viz.cli", "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The app served on 127.0.0.1:<free port>; yields its URL, stops it afterwards."""
    from sim.viz import assets

    try:  # the browser needs Solara's front end: from the npm registry if not cached
        assets.fetch(log=lambda _: None)
    except OSError as err:
        pytest.fail(f"Solara's front-end files are missing and could not be fetched: {err}")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            _server_command(port),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, so teardown stops all of it
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not up after {SERVER_START_S} s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            tab = context.new_page()
            tab.set_default_timeout(WAIT_MS)
            tab.goto(server, timeout=WAIT_MS)
            tab.locator(".lean-org-chart").wait_for(state="visible")
            yield tab
        finally:
            browser.close()


def _shot(tab, css: str) -> bytes:
    return tab.locator(css).screenshot(animations="disabled")


def _changes(tab, css: str, before: bytes, timeout_s: float = 15.0) -> bool:
    """Whether the element's pixels differ from ``before`` within the time allowed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _shot(tab, css) != before:
            return True
        tab.wait_for_timeout(200)
    return False


def _week(tab) -> int:
    """The week the status row shows ("12 of 520" -> 12)."""
    text = tab.locator(".lean-status").inner_text()
    return int(re.match(r"\s*(\d+) of", text).group(1))


def _status(tab, text: str) -> None:
    tab.locator(".lean-status").get_by_text(text, exact=True).wait_for(state="visible")


def test_step_change_power_distance_and_reset_in_a_real_browser(page, tmp_path):
    tab = page
    charts = (".lean-org-chart", ".lean-plot-adoption", ".lean-plot-pmo")
    _status(tab, "0 of 520")
    start = {css: _shot(tab, css) for css in charts}

    step = tab.get_by_role("button", name="Step")
    for week in (1, 2, 3):
        step.click()
        _status(tab, f"{week} of 520")
    for css in charts:
        assert _changes(tab, css, start[css]), f"{css} did not change after three steps"
    stepped = {css: _shot(tab, css) for css in charts}

    # power distance: from its default down to 0 (Home key on the slider's thumb)
    slider = tab.locator(".v-slider").filter(has_text="Power distance")
    slider.get_by_role("slider").press("Home")
    tab.get_by_role("button", name="Reset").click()
    _status(tab, "0 of 520")
    tab.locator(".lean-run").get_by_text("0.00", exact=True).wait_for(state="visible")
    # a new organization at week 0: chart differs from the first week 0 (other power
    # distance) and from the stepped one; the plots are back to week 0
    assert _changes(tab, ".lean-org-chart", start[".lean-org-chart"])
    for css in charts:
        assert _changes(tab, css, stepped[css]), f"{css} did not change after Reset"

    # a longer run for the picture: Render Interval at its maximum makes Step a big jump
    tab.locator(".v-slider").filter(has_text="Render Interval").get_by_role("slider").press("End")
    for _ in range(6):  # ~100 weeks a click, once the new interval has reached the server
        before = _week(tab)
        step.click()
        tab.wait_for_function(
            "w => !document.querySelector('.lean-status').innerText.startsWith(w + ' of')",
            arg=str(before),
        )
        if _week(tab) >= 150:
            break
    assert _week(tab) >= 150
    assert _changes(tab, ".lean-plot-adoption", stepped[".lean-plot-adoption"])
    picture = tmp_path / "viz-app.png"
    tab.screenshot(path=str(picture), full_page=False)
    assert picture.stat().st_size > 10_000
    keep = os.environ.get("LEAN_SIM_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, Path(keep) / picture.name)

    # a bad seed: a message in the page, and the server keeps serving
    seed = tab.get_by_label("Seed (a whole number)")
    seed.fill("abc")
    seed.press("Enter")
    tab.get_by_role("button", name="Reset").click()
    tab.get_by_text("The model was not built", exact=False).wait_for(state="visible")
    tab.get_by_text("seed='abc': not a whole number", exact=False).wait_for(state="visible")
    seed.fill("7")
    seed.press("Enter")
    tab.get_by_role("button", name="Reset").click()
    tab.locator(".lean-org-chart").wait_for(state="visible")
