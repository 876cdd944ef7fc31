"""Browser end-to-end fixtures: ``lean-sim-viz`` on a free loopback port, and a headless Chromium.

The server runs in an empty folder holding only a box file of a scenario discovery with one
box (``browser_support.BOX``), so what the page says about boxes does not depend on the
checkout's results. Every wait is bounded, and the server is stopped in teardown whatever
happens.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
from browser_support import (
    BOX,
    CHROMIUM,
    CHROMIUM_ARGS,
    SERVER_START_S,
    WAIT_MS,
    free_port,
    server_command,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The app served on 127.0.0.1:<free port>; yields its URL, stops it afterwards."""
    from sim.viz import assets

    try:  # the browser needs Solara's front end: from the npm registry if not cached
        assets.fetch(log=lambda _: None)
    except OSError as err:
        pytest.fail(f"Solara's front-end files are missing and could not be fetched: {err}")
    port = free_port()
    folder = tmp_path_factory.mktemp("server")
    boxes = folder / "results" / "discovery" / "boxes.json"
    boxes.parent.mkdir(parents=True)
    boxes.write_text(json.dumps({"worlds": 50, "boxes": [BOX], "dimensions": {}}))
    log_path = folder / "server.log"
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            server_command(port),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
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
