"""The evaluation ledger and %%evaltrace, driven through IPython's InteractiveShell."""

import re

import pytest

pytestmark = pytest.mark.lumex_only

from helpers import IS_MLX  # noqa: E402

if IS_MLX:  # lumex.notebook_ext does not exist beside mlx.core
    pytest.skip("the notebook layer is lumex's own", allow_module_level=True)

import lumex.core as mx  # noqa: E402
import IPython  # noqa: E402,F401
from lumex.notebook_ext import EvalLedger, magics  # noqa: E402

CELL = """\
x = mx.arange(4.0)
y = mx.exp(x) * 2 + 1
print(y)
s = y.sum().item()
if (y > 2).all():
    pass
mx.eval(x + 1)
"""


@pytest.fixture(scope="module")
def shell():
    from IPython.testing.globalipapp import get_ipython

    ip = get_ipython()  # one shell per process, shared by the test modules
    ip.run_cell("import lumex.core as mx")
    ip.run_line_magic("load_ext", "lumex.notebook_ext")
    return ip


def test_evaltrace_cell_events_and_lines(shell):
    shell.run_cell_magic("evaltrace", "--quiet --name led", CELL)
    led = shell.user_ns["led"]
    assert led is magics.last_ledger
    got = [(e.kind, e.line, e.source) for e in led.entries]
    assert got == [("repr", 3, "print(y)"), ("item", 4, "s = y.sum().item()"),
                   ("bool", 5, "if (y > 2).all():"), ("eval", 7, "mx.eval(x + 1)")]
    assert [e.num_nodes for e in led.entries] == [4, 2, 3, 1]
    assert all(e.nbytes > 0 and e.wall_time >= 0 for e in led.entries)
    assert all(e.where.startswith("cell") and e.where.endswith(f"line {e.line}")
               for e in led.entries)
    html = led.to_html()
    assert "print(y)" in html and "repr × 1" in html
    assert "<svg" not in html and "data:image/svg+xml;base64," in html  # survives sanitisers
    assert html.count("graph of event") == 4
    graph = led.entries[0].graph_view()
    assert {n.op for n in graph.full.nodes.values() if n.op} == {"Arange", "Exp", "Multiply", "Add"}
    marks = {n.mark for n in graph.full.nodes.values()}
    assert {"forced", "trigger"} <= marks
    second = led.entries[1].graph_view()  # y was computed by the print: already computed
    assert "computed" in {n.mark for n in second.full.nodes.values()}


def test_growth_warning_names_the_line(shell):
    cell = "h = mx.zeros((2,))\nfor i in range(30):\n    h = h + 1\nmx.eval(h)\n"
    shell.run_cell_magic("evaltrace", "--quiet --growth 10 --name led2", cell)
    led = shell.user_ns["led2"]
    assert len(led.warnings) == 1
    assert ":3" in led.warnings[0].message  # the line inside the loop
    assert "graph growth" in led.to_html()


def test_ledger_context_manager_and_widget():
    with EvalLedger() as led:
        a = mx.ones((3, 3)) * 2
        mx.eval(a)
        float(a.sum())
    assert [e.kind for e in led.entries] == ["eval", "float"] or len(led) == 2
    box = led.widget()
    box.pick.value = 1
    assert 'class="lmx-hi"><td>1</td>' in box.children[0].value


def test_timeline_has_an_axis_and_labels_that_do_not_overlap():
    with EvalLedger() as led:
        for i in range(8):
            mx.eval(mx.ones((4,)) * i)
    svg = led.timeline_svg()
    assert "ms" in svg or "µs" in svg or ">s<" in svg
    labels = re.findall(r'<text x="([\d.]+)" y="(\d+)" font-size="10">#', svg)
    rows: dict = {}
    for x, y in labels:
        rows.setdefault(y, []).append(float(x))
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= 6.2 * 7 for a, b in zip(xs, xs[1:]))
