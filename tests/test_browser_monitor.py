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


SAVED_CELLS = [
    CELLS[0],
    "total = mx.array(0.0)\n"
    "with monitor(model, opt, title='saved monitor') as m:\n"
    "    for i in range(40):\n"
    "        loss, grads = step(model, X, Y)\n"
    "        opt.update(model, grads)\n"
    "        mx.eval(model.parameters(), opt.state)\n"
    "        total += loss\n"
    "        print_me = loss.item()  # no m.log: the monitor picks the loss up itself",
]


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
def test_saved_monitor_shows_its_final_state_without_a_kernel(lab, page, trusted):
    """Run by nbclient and reopened with no kernel (no widget state saved, as Lab's
    default): the monitor's output is its final picture (40 steps, the warning, the
    loss chart), trusted or not, and no "Loading widget..." is left on show."""
    from playwright.sync_api import expect

    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.reads(notebook_json(SAVED_CELLS), as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"name": "lumex-no-such-kernel", "display_name": "none",
                                 "language": "none"}
    nb.metadata["language_info"] = {"name": "none"}
    outputs = nb.cells[1].outputs
    static = [o for o in outputs if "lmx-static" in o.get("data", {}).get("text/html", "")]
    assert len(static) == 1, [o.get("data", {}).keys() for o in outputs]
    html = static[0]["data"]["text/html"]
    assert "40 steps" in html and "loss" in html and "total" in html, html[:400]
    assert outputs.index(static[0]) < max(
        i for i, o in enumerate(outputs) if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))
    which = "trusted" if trusted else "untrusted"
    if trusted:
        from nbformat.sign import NotebookNotary

        NotebookNotary(data_dir=str(lab.data_dir)).sign(nb)
    name = f"saved-monitor-{which}.ipynb"
    nbformat.write(nb, str(lab.root / name))
    pg = page.page
    pg.goto(lab.url_for(name), timeout=90_000)
    try:
        pg.locator(".jp-Dialog button", has_text="No Kernel").click(timeout=20_000)
    except Exception:  # noqa: BLE001 - some versions open straight without a kernel
        pass
    shown = pg.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .lmx-static")
    expect(shown).to_have_count(1)
    expect(shown.first).to_be_visible()
    expect(shown.first).to_contain_text("40 steps")
    expect(shown.first.locator(".lmx-warn", has_text="`total`")).to_be_visible()
    img = shown.first.locator("img.lmx-monitor")
    expect(img).to_be_visible()
    assert img.evaluate("i => i.naturalWidth") > 300
    for text in ("Loading widget", "Error displaying widget"):
        stuck = pg.get_by_text(text)
        assert not any(stuck.nth(i).is_visible() for i in range(stuck.count())), text
    shown.first.screenshot(path=str(SHOTS / f"saved-monitor-no-kernel-{which}.png"))
    if trusted:
        _set_theme(page, "JupyterLab Dark")
        shown.first.screenshot(path=str(SHOTS / "saved-monitor-no-kernel-dark.png"))
        _set_theme(page, "JupyterLab Light")
