"""An executed notebook exported by nbconvert (HTML, the lab template) shows every graph
view and evaluation ledger as its saved picture: no kernel and no widget JavaScript are
needed to read it."""

import base64
import re

import pytest

pytestmark = pytest.mark.lumex_only

import lumex.core  # noqa: F401,E402  (fails, never skips: these are test dependencies)
import nbclient  # noqa: E402
import nbconvert  # noqa: E402
import nbformat  # noqa: E402

CELLS = [
    "%load_ext lumex.notebook_ext\n"
    "import lumex.core as mx\n"
    "from lumex.notebook_ext import show_graph, show_grad_graph",
    "with mx.graph.record_sites():\n"
    "    x = mx.array([1.0, 2.0, 3.0])\n"
    "    y = mx.sum(mx.exp(x * mx.ones((3,))))\n"
    "show_graph(y, x=x, title='exported graph')",
    "show_grad_graph(lambda w: mx.tanh(w * 2.0 + 1.0), mx.array(0.5))",
    "%%evaltrace\n"
    "a = mx.arange(6).reshape(2, 3) * 2\n"
    "total = (a + 1).sum().item()",
]


@pytest.fixture(scope="module")
def exported():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    body, _ = nbconvert.HTMLExporter(template_name="lab").from_notebook_node(nb)
    return nb, body


def _pictures(html: str) -> list:
    return [base64.b64decode(s).decode()
            for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]


def test_every_view_exports_as_a_picture(exported):
    nb, body = exported
    # Each view saved a static output (the picture) then its widget output.
    statics = [o for c in nb.cells for o in c.get("outputs", [])
               if "lmx-static" in o.get("data", {}).get("text/html", "")]
    assert len(statics) == 3
    assert body.count('class="lmx-static"') == 3
    pictures = _pictures(body)
    assert all(p.startswith("<svg") for p in pictures)
    titles = " ".join(pictures)
    assert "exp" in titles and "tanh" in titles  # the two graphs
    assert any("eval" in p or "item" in p for p in pictures)  # the ledger's timeline
    assert "trigger" in body  # the ledger's table


def test_widget_outputs_leave_nothing_behind(exported, recwarn):
    body = re.sub(r"<style.*?</style>", "", exported[1], flags=re.S)  # the page, not its CSS
    assert "Loading widget" not in body and "Error displaying widget" not in body
    # The stylesheet hides a picture only beside a widget JupyterLab has drawn (a Lumino
    # panel); nbconvert's widget blocks are not, so the pictures stay.
    assert not re.search(r'class="[^"]*lm-(Panel|Widget)', body)
    assert not [w for w in recwarn if "not able to be represented" in str(w.message)]


def test_exported_pictures_are_visible_in_a_browser(exported, tmp_path):
    """Opened in Chromium (no network, no kernel): every picture shows."""
    from lab_harness import CHROMIUM, CHROMIUM_ARGS, missing_requirements

    why = missing_requirements()
    if why:
        pytest.skip(f"browser check skipped: {why}")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "exported.html"
    page_file.write_text(exported[1], encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("http*://**", lambda route: route.abort())  # offline, as a reader may be
            page.goto(page_file.as_uri())
            shown = page.evaluate("""() => [...document.querySelectorAll('.lmx-static')].map(
                e => [e.offsetParent !== null, [...e.querySelectorAll('img')].filter(
                    i => i.offsetParent !== null && i.naturalWidth > 50).length])""")
        finally:
            browser.close()
    assert len(shown) == 3 and all(visible and imgs >= 1 for visible, imgs in shown), shown
