"""The training monitor in a real browser (JupyterLab + headless Chromium), with the
fixtures of ``test_browser.py``: a 200-step loop with the ``total += loss`` leak runs
under ``monitor``; the widget must update while the loop runs (throttled: a few times a
second, not once per step), end on step 199 with the leak warning and its line, draw
its four charts, and keep a picture in the output. Screenshots, light and dark, go to
``tests/_output/browser/monitor/`` (its own folder: ``test_browser.py`` clears the PNGs of
``tests/_output/browser/`` when its server starts).
"""

from __future__ import annotations

import re
import time

import pytest

from test_browser import (OUTPUT, SERVER_START, _set_theme, browser, page,  # noqa: F401
                          pytestmark)
from lab_harness import notebook_json, running_lab

SHOTS = OUTPUT / "monitor"

CELLS = [
    "import time\n"
    "import lumex.core as mx, lumex.nn as nn, lumex.optimizers as optim\n"
    "from lumex.notebook_ext import monitor\n"
    "mx.random.seed(0)\n"
    "X = mx.random.normal((128, 8)); Y = mx.random.randint(0, 3, (128,))\n"
    "model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 3))\n"
    "mx.eval(model.parameters(), X, Y)\n"
    "opt = optim.Adam(1e-2)\n"
    "step = nn.value_and_grad(model, lambda m, x, y: nn.losses.cross_entropy(m(x), y, reduction='mean'))",
    # 1: 200 steps, about 3 s, leaking `total`
    "total = mx.array(0.0)\n"
    "with monitor(model, opt, title='browser monitor') as m:\n"
    "    for i in range(200):\n"
    "        loss, grads = step(model, X, Y)\n"
    "        opt.update(model, grads)\n"
    "        mx.eval(model.parameters(), opt.state, loss)\n"
    "        total += loss\n"
    "        m.log(loss=loss)\n"
    "        time.sleep(0.015)\n"
    "print('steps', len(m.steps), 'warnings', [w.kind for w in m.warnings])",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab of our own, clearing only our screenshots."""
    with running_lab(tmp_path_factory.mktemp("lab"), SHOTS / "jupyterlab.log", SHOTS,
                     SERVER_START) as server:
        yield server


def test_monitor_runs_a_200_step_loop(lab, page):
    from playwright.sync_api import expect

    (lab.root / "monitor.ipynb").write_text(notebook_json(CELLS), encoding="utf-8")
    pg = page.page
    pg.goto(lab.url_for("monitor.ipynb"), timeout=90_000)
    page.cell(len(CELLS) - 1).wait_for(timeout=90_000)
    page._wait(lambda: lab.kernels_idle(connected=True), 90, "the kernel to start")
    # Run the set-up, then the loop, watching the widget while the loop runs.
    page.cell(0).locator(".jp-InputArea-editor").click()
    pg.keyboard.press("Shift+Enter")
    prompt = page.cell(0).locator(".jp-InputPrompt")
    page._wait(lambda: re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()) is not None,
               90, "the set-up cell")
    loop = page.cell(1)
    loop.locator(".jp-InputArea-editor").click()
    pg.keyboard.press("Shift+Enter")
    widget = loop.locator(".lmxm").first
    expect(widget).to_be_attached(timeout=60_000)
    seen, t0 = [], time.monotonic()
    while time.monotonic() - t0 < 60:
        value = widget.get_attribute("data-steps")
        if value is not None and (not seen or seen[-1] != int(value)):
            seen.append(int(value))
        if seen and seen[-1] >= 199:
            break
        time.sleep(0.05)
    assert seen and seen[-1] >= 199, seen
    during = [v for v in seen if 0 < v < 199]
    assert during, f"the widget did not update while the loop ran: {seen}"
    # Throttled: 200 steps of ~15 ms (3 s or more) give at most ~10 updates a second.
    assert len(seen) <= 60, seen
    loop_prompt = loop.locator(".jp-InputPrompt")
    page._wait(lambda: re.fullmatch(r"\[\d+\]:", loop_prompt.inner_text().strip()) is not None,
               60, "the loop cell")
    expect(loop).to_contain_text("steps 200 warnings ['growth']")

    live = loop.locator(".lmxm").last
    expect(live.locator("svg.lmxm-chart")).to_have_count(4)
    assert live.locator("svg.lmxm-chart polyline").count() >= 4
    warn = live.locator(".lmxm-warn[data-kind=growth]")
    expect(warn).to_contain_text("`total`")
    expect(warn).to_contain_text("total += loss")
    assert re.search(r"cell \[\d+\], line 7", warn.inner_text()), warn.inner_text()
    expect(live.locator(".lmxm-tile", has_text="pending")).to_be_visible()
    expect(live.locator("table.lmxm-evals td", has_text="eval").first).to_be_visible()
    loop.screenshot(path=str(SHOTS / "monitor-light.png"))
    _set_theme(page, "JupyterLab Dark")
    loop.screenshot(path=str(SHOTS / "monitor-dark.png"))
    _set_theme(page, "JupyterLab Light")
    page.assert_no_failed_outputs("monitor")
    assert not page.errors, "JavaScript errors:\n" + "\n".join(page.errors)
