"""What the browser end-to-end tests share: Chromium, its flags, the marks, the server's box.

Uses Debian's ``chromium`` (``.ci/run`` installs it) through Playwright; never a downloaded
browser. Browser tests (marked :data:`BROWSER`) skip only where /usr/bin/chromium does not
exist.
"""

from __future__ import annotations

import socket
import sys
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

#: Marks of every browser test.
BROWSER = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]

#: The one box of the server's box file: embedded ahead of centralized at resistance <= 0.6.
BOX = {
    "kind": "pair", "measure": "sustained_adoption", "outcome": "sustained_adoption",
    "outcome_label": "sustained adoption (share of teams)", "margin": 0.05,
    "strategy": "embedded", "versus": "centralized", "limits": {"resistance": [None, 0.6]},
    "density": 0.9, "coverage": 0.6, "number": 1,
}  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("lean-sim-viz")
    if script.exists():
        return [str(script), "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "sim.viz.cli", "--host", "127.0.0.1", "--port", str(port)]
