"""End to end: ``lean-sim-viz`` on a free loopback port, driven in a real headless Chromium
(fixtures in ``conftest.py``).

Set LEAN_SIM_SCREENSHOTS=<folder> to also keep the page's screenshot there (the README's
picture is made this way: LEAN_SIM_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from browser_support import BROWSER

pytestmark = BROWSER


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

    # power distance: from its default down to 0 (typed into its box, Enter commits it)
    box = tab.get_by_role("textbox", name="Power distance, 0-1")
    box.fill("0")
    box.press("Enter")
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
