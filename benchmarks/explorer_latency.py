#!/usr/bin/env python3
"""Gradient explorer: key press on a slider -> redrawn frame, in JupyterLab in headless
Chromium (the harness of tests/test_browser.py), on the browser's clock.

    PYTHONPATH=$PWD/build/dev-pkg python benchmarks/explorer_latency.py
    # the explorer before issue 19 (ipywidgets slider, matplotlib PNG from the kernel):
    # put a package built from commit 1618b30 on PYTHONPATH and add --widget ipywidgets

Prints the median, min and max over 8 presses (1-D) and 16 (2-D, both sliders).
"""

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

CELLS = ["import lumex.core as mx\nfrom lumex.notebook_ext import gradient_explorer",
         "gradient_explorer(lambda t: mx.sin(t) * t, 1.0)",
         "gradient_explorer(lambda u, v: u**2 + 3 * v**2 + u * v, (1.0, -1.0))"]
# (slider handles, readout) per front end
SELECTORS = {"lumex": (".lmxe input[type=range]", ".lmxe-readout"),
             "ipywidgets": (".noUi-handle", ".widget-html code")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widget", choices=sorted(SELECTORS), default="lumex")
    ap.add_argument("--presses", type=int, default=8)
    args = ap.parse_args()
    from lab_harness import CHROMIUM, CHROMIUM_ARGS, notebook_json, running_lab
    from playwright.sync_api import expect, sync_playwright
    import test_browser
    from test_browser_explorers import key_to_redraw_ms

    expect.set_options(timeout=60_000)
    handles_sel, readout_sel = SELECTORS[args.widget]
    base = Path(tempfile.mkdtemp())
    out = {}
    with running_lab(base, base / "lab.log") as lab:
        (lab.root / "latency.ipynb").write_text(notebook_json(CELLS), encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = test_browser.Page(browser, lab)
            page.open_and_run("latency.ipynb", len(CELLS))
            for index, name, sliders in ((1, "1d", 1), (2, "2d", 2)):
                cell = page.cell(index)
                handles, readout = cell.locator(handles_sel), cell.locator(readout_sel)
                expect(readout).to_be_visible()
                times = [key_to_redraw_ms(page, handles.nth(h), readout, timeout_ms=30_000)
                         for h in range(sliders) for _ in range(args.presses)]
                out[name] = {"median_ms": round(statistics.median(times), 1),
                             "min_ms": round(min(times), 1), "max_ms": round(max(times), 1),
                             "n": len(times)}
            page.close()
            browser.close()
    print(json.dumps({"widget": args.widget, **out}))


if __name__ == "__main__":
    main()
