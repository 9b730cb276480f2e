"""The notebook layer in a real browser: JupyterLab + headless Chromium (Playwright).

A JupyterLab server starts on a free port (token auth, temporary Jupyter dirs); Chromium
(Debian's ``/usr/bin/chromium``, or ``LUMEX_CHROMIUM``) opens a small notebook written by
this test, runs all cells from the Run menu, and checks in the DOM that the graph
visualizer (static SVG and the anywidget front end), the evaluation ledger and the
explorers rendered and respond to the mouse and keyboard, with no JavaScript errors in
the console. One real tutorial (a copy) is then run the same way.

Skipped, with the reason, when Chromium, playwright or jupyterlab is missing. Screenshots
go to ``$LUMEX_TEST_OUTPUT/browser`` (default ``tests/_output/browser``).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from lab_harness import (CHROMIUM, CHROMIUM_ARGS, LabServer, copy_tutorials, missing_requirements,
                         notebook_json)

REPO = Path(__file__).resolve().parents[1]
OUTPUT = Path(os.environ.get("LUMEX_TEST_OUTPUT", REPO / "tests" / "_output")) / "browser"

SERVER_START = 90  # s; a loaded two-core machine
RUN_ALL = 150  # s for every cell of a notebook, from the Run menu to an idle kernel
UI = 30_000  # ms for one DOM expectation (widgets render after the kernel is idle)
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show

BACKEND = os.environ.get("LUMEX_TEST_BACKEND", "lumex").strip().lower() or "lumex"

pytestmark = [pytest.mark.slow]

try:
    from playwright.sync_api import expect as _expect

    _expect.set_options(timeout=UI)
except ImportError:
    pass

_why = missing_requirements()
if _why:
    pytestmark.append(pytest.mark.skip(reason=f"browser test skipped: {_why}"))
if BACKEND == "mlx":
    pytestmark.append(pytest.mark.skip(reason="the notebook layer is lumex's own"))

FIXTURE_CELLS = [
    "%load_ext lumex.notebook_ext\n"
    "import lumex.core as mx\n"
    "from lumex.notebook_ext import show_graph, gradient_explorer, vmap_explorer",
    # 1: the interactive graph
    "x = mx.array([1.0, 2.0, 3.0])\n"
    "w = mx.ones((3,))\n"
    "h = mx.exp(x * w)\n"
    "loss = mx.sum(h + 1.0)\n"
    "gv = show_graph(loss, x=x, w=w, loss=loss, title='browser graph')\n"
    "js = gv.to_json()\n"
    "print(f\"kernel graph: {len(js['nodes'])} nodes, {len(js['edges'])} edges\")\n"
    "gv",
    # 2: the static fallback (what nbconvert / Sphinx / GitHub show)
    "from IPython.display import HTML\n"
    "HTML(gv.to_html())",
    # 3: the ledger
    "%%evaltrace\n"
    "a = mx.arange(6).reshape(2, 3) * 2\n"
    "mx.eval(a)\n"
    "total = (a + 1).sum().item()",
    # 4, 5: the explorers
    "gradient_explorer(lambda t: mx.sin(t) * t, 1.0)",
    "vmap_explorer(lambda row, b: row * b + 1, (0, None), 1,\n"
    "              mx.arange(12, dtype=mx.float32).reshape(3, 4), mx.array(2.0))",
    # 6: a graph with a creation-site group, collapsed and expanded through the kernel
    "def layer(t):\n"
    "    return mx.tanh(t * 2.0) + 1.0\n"
    "with mx.graph.record_sites():\n"
    "    out = layer(layer(mx.array([0.5, -0.5])))\n"
    "gv2 = show_graph(out, out=out)\n"
    "print(f'kernel graph: {len(gv2.to_json()[\"nodes\"])} nodes, groups {gv2.to_json()[\"groups\"]}')\n"
    "gv2",
]


# ---- fixtures ----------------------------------------------------------------
@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("lumex.core")
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*.png"):  # screenshots of an earlier run would mislead
        old.unlink()
    server = LabServer(root, base / "home", OUTPUT / "jupyterlab.log")
    try:
        server.wait_ready(SERVER_START)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                               timeout=90_000)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A Playwright page that records JavaScript errors (console and uncaught)."""

    def __init__(self, browser, lab):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(UI)
        self.lab = lab
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def shot(self, name: str, locator=None) -> Path:
        path = OUTPUT / f"{name}.png"
        (locator or self.page).screenshot(path=str(path))
        return path

    def open_and_run(self, notebook: str, n_cells: int) -> None:
        pg = self.page
        pg.goto(self.lab.url_for(notebook), timeout=90_000)
        cells = pg.locator(f"{NOTEBOOK} .jp-Notebook .jp-CodeCell")
        cells.nth(n_cells - 1).wait_for(timeout=90_000)
        # Run All before the page is connected to the kernel runs nothing (the prompts stay
        # empty), so wait for the connection, and ask again if nothing starts.
        self._wait(lambda: self.lab.kernels_idle(connected=True), 90, "the kernel to start")
        prompts = pg.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt")
        started = lambda: any(t.strip() != "[ ]:" for t in prompts.all_inner_texts())  # noqa: E731
        for _ in range(3):
            pg.locator("#jp-menu-panel .lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
            pg.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            if self._wait(started, 20, None):
                break
        deadline = time.monotonic() + RUN_ALL
        while True:
            texts = prompts.all_inner_texts()
            if len(texts) == n_cells and all(re.fullmatch(r"\[\d+\]:", t.strip()) for t in texts) \
                    and self.lab.kernels_idle():
                return
            if time.monotonic() > deadline:
                self.shot(f"{Path(notebook).stem}-timeout")
                pytest.fail(f"{notebook}: cells did not all run within {RUN_ALL} s: prompts {texts}")
            time.sleep(0.5)

    def _wait(self, predicate, seconds: float, what: str | None) -> bool:
        """Poll ``predicate``; on time-out fail the test (``what`` names the wait) or return False."""
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                if what is None:
                    return False
                self.shot("wait-timeout")
                pytest.fail(f"timed out after {seconds} s waiting for {what}")
            time.sleep(0.5)
        return True

    def cell(self, i: int):
        return self.page.locator(f"{NOTEBOOK} .jp-Notebook .jp-CodeCell").nth(i)

    def assert_no_failed_outputs(self, name: str) -> None:
        bad = self.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                has_text="Traceback")
        broken = self.page.get_by_text("Error displaying widget")
        if bad.count() or broken.count():
            self.shot(f"{name}-failed")
            texts = bad.all_inner_texts() + broken.all_inner_texts()
            pytest.fail(f"{name}: outputs show errors:\n" + "\n---\n".join(t[-1500:] for t in texts))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, lab, request):
    p = Page(browser, lab)
    try:
        yield p
    finally:
        try:  # the last state, for a failure's post-mortem
            p.shot(f"{request.node.name}-last")
        except Exception:  # noqa: BLE001 - a dead page must not hide the test's own error
            pass
        p.close()
        lab.shutdown_kernels()


# ---- tests -------------------------------------------------------------------
def _opacity(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => getComputedStyle(e).opacity)")


def test_notebook_layer_renders_and_responds(lab, page):
    from playwright.sync_api import expect

    (lab.root / "browser_fixture.ipynb").write_text(notebook_json(FIXTURE_CELLS), encoding="utf-8")
    page.open_and_run("browser_fixture.ipynb", len(FIXTURE_CELLS))
    page.assert_no_failed_outputs("fixture")

    # -- graph widget (anywidget + static/graph.js) --
    graph = page.cell(1)
    search = graph.locator("input[placeholder^='search op']")
    expect(search).to_be_visible()
    told = re.search(r"kernel graph: (\d+) nodes, (\d+) edges", graph.inner_text())
    assert told, graph.inner_text()
    n_nodes, n_edges = map(int, told.groups())
    nodes = graph.locator(".jp-OutputArea-output svg > g")
    expect(nodes).to_have_count(n_nodes)
    info = graph.locator("span", has_text=re.compile(r"nodes, \d+ edges|match"))
    expect(info).to_have_text(f"{n_nodes} nodes, {n_edges} edges")
    page.shot("graph-widget", graph)

    def node(title):  # the node titled `title` (a named array reads "name = Op")
        pattern = re.compile(rf"^{title}( = \w+)?$", re.IGNORECASE)
        return nodes.filter(has=page.page.locator("text", has_text=pattern))

    x_node, w_node, loss_node, exp_node = node("x"), node("w"), node("loss"), node("exp")
    for n in (x_node, w_node, loss_node, exp_node):
        expect(n).to_have_count(1)

    search.fill("exp")
    expect(info).to_have_text(re.compile(r"^\d+ match\(es\)$"))
    hits = int(info.inner_text().split()[0])
    bright = [o for o in _opacity(nodes) if float(o) > 0.5]
    assert hits >= 1 and len(bright) == hits and _opacity(exp_node) == ["1"], (hits, bright)
    search.fill("")
    expect(info).to_have_text(f"{n_nodes} nodes, {n_edges} edges")

    # Clicking x highlights what it feeds (down to the loss); w does not depend on x.
    x_node.click()
    expect(x_node.locator("rect")).to_have_attribute("stroke-width", "4")
    expect(w_node).to_have_css("opacity", "0.15")
    expect(loss_node).to_have_css("opacity", "1")
    page.shot("graph-selected", graph)
    # Panning (a drag on the background) moves the view and keeps the selection.
    svg = graph.locator(".jp-OutputArea-output svg").first
    box = svg.bounding_box()
    before = svg.get_attribute("viewBox")
    page.page.mouse.move(box["x"] + 10, box["y"] + box["height"] - 10)
    page.page.mouse.down()
    page.page.mouse.move(box["x"] + 90, box["y"] + box["height"] - 40, steps=5)
    page.page.mouse.up()
    assert svg.get_attribute("viewBox") != before
    expect(w_node).to_have_css("opacity", "0.15")
    x_node.click()  # unselect
    expect(w_node).to_have_css("opacity", "1")

    # -- the static SVG fallback --
    static = page.cell(2).locator(".jp-RenderedHTMLCommon svg g.lmx-node")
    expect(static).to_have_count(n_nodes)

    # -- the ledger: table, timeline, event picker, the picked event's graph --
    ledger = page.cell(3)
    expect(ledger.locator("th", has_text="trigger").first).to_be_visible()
    rows = ledger.locator("tr", has=page.page.locator("td"))
    expect(rows.first).to_be_visible()
    kinds = [t.strip() for t in ledger.locator("tr td:nth-child(2)").all_inner_texts()]
    assert "eval" in kinds and "item" in kinds, kinds
    expect(ledger.locator(".widget-html svg rect")).to_have_count(len(kinds))  # the timeline
    picker = ledger.locator(".widget-dropdown select")
    expect(picker).to_be_visible()
    expect(ledger.locator("input[placeholder^='search op']")).to_be_visible()
    expect(ledger.locator("tr.lmx-hi td").first).to_have_text("0")
    picker.select_option(index=1)
    expect(ledger.locator("tr.lmx-hi td").first).to_have_text("1")
    page.shot("ledger", ledger)

    # -- gradient explorer: sliders, the readout, the figure --
    grad = page.cell(4)
    expect(grad.locator(".widget-slider").first).to_be_visible()
    label = grad.locator(".widget-html code")
    expect(label).to_contain_text("f′ =")
    img = grad.locator(".widget-image")
    expect(img).to_be_visible()
    assert img.evaluate("e => e.naturalWidth") > 100
    before = label.inner_text()
    grad.locator(".noUi-handle").first.focus()
    page.page.keyboard.press("ArrowRight")
    expect(label).not_to_have_text(before)
    page.shot("gradient-explorer", grad)

    # -- vmap explorer: the call slider --
    vm = page.cell(5)
    expect(vm.get_by_text("call 0", exact=False).first).to_be_visible()
    vm.locator(".noUi-handle").first.focus()
    page.page.keyboard.press("ArrowRight")
    expect(vm.locator(".widget-html", has_text="call 1")).to_be_visible()
    page.shot("vmap-explorer", vm)

    # -- collapsing a group: the browser asks, the kernel lays out again, the browser redraws --
    grouped = page.cell(6)
    told = re.search(r"kernel graph: (\d+) nodes, groups \['layer'\]", grouped.inner_text())
    assert told, grouped.inner_text()
    full = int(told.group(1))
    gnodes = grouped.locator(".jp-OutputArea-output svg > g")
    expect(gnodes).to_have_count(full)
    grouped.locator("summary", has_text="collapse groups").click()
    grouped.locator("label", has_text="layer").locator("input[type=checkbox]").check()
    group_node = gnodes.filter(has=page.page.locator("text", has_text=re.compile(r"^layer \(\d+ ops\)$")))
    expect(group_node).to_have_count(1)
    assert gnodes.count() < full
    page.shot("graph-collapsed", grouped)
    group_node.click()  # a collapsed group expands on click
    expect(gnodes).to_have_count(full)
    expect(grouped.locator("label", has_text="layer").locator("input[type=checkbox]")).not_to_be_checked()

    page.shot("fixture-notebook")
    assert not page.errors, "JavaScript errors:\n" + "\n".join(page.errors)


def _tutorial():
    for path in sorted((REPO / "tutorials").glob("*.ipynb")):
        if "show_graph" in path.read_text(encoding="utf-8"):
            return path
    return None


def test_tutorial_widgets_render(lab, page):
    from playwright.sync_api import expect

    src = _tutorial()
    if src is None:
        pytest.skip("no tutorial uses show_graph")
    if not (lab.root / "tutorials").exists():
        copy_tutorials(REPO / "tutorials", lab.root / "tutorials")
    nb = json.loads(src.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    page.open_and_run(f"tutorials/{src.name}", len(code))
    page.assert_no_failed_outputs(src.stem)

    text = "\n".join(code)
    pg = page.page
    if "show_graph(" in text:
        expect(pg.locator("input[placeholder^='search op']").first).to_be_visible()
        assert pg.locator(".jp-OutputArea-output svg > g").count() > 0
    if "evaltrace" in text or "EvalLedger" in text:
        expect(pg.locator(".jp-OutputArea-output th", has_text="trigger").first).to_be_attached()
    if "_explorer(" in text:
        expect(pg.locator(".jp-OutputArea-output .widget-slider").first).to_be_attached()
        expect(pg.locator(".jp-OutputArea-output .widget-image").first).to_be_attached()
    page.shot(src.stem)
    assert not page.errors, "JavaScript errors:\n" + "\n".join(page.errors)
