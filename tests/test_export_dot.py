"""mx.export_to_dot: MLX's DOT text, naming and file handling.

The expected texts were produced by MLX 0.32.4 for the same graphs; only the
primitive node ids (addresses in MLX) are normalized. The module runs against
MLX too (LUMEX_TEST_BACKEND=mlx).
"""

import io
import re

import pytest

import lumex.core as mx


def dot(*arrays, **named):
    f = io.StringIO()
    mx.export_to_dot(f, *arrays, **named)
    return f.getvalue()


def normalized(text):
    # Primitive ids are addresses: number them in order of appearance.
    ids = {}
    return re.sub(r"\b\d{6,}\b", lambda m: ids.setdefault(m.group(0), f"P{len(ids)}"), text)


def test_single_source():
    x = mx.array([1.0, 2.0])
    assert dot(x) == 'digraph {\n{ rank=source; "A"; }\n}'


def test_named_outputs_and_shared_input():
    x = mx.array([1.0, 2.0])
    z = mx.exp(x)
    w = mx.sin(x)
    assert normalized(dot(w, out=z)) == (
        "digraph {\n"
        '{ rank=source; "B"; }\n'
        '{ P0 [label ="Sin", shape=rectangle]; }\n'
        '"B" -> P0\n'
        '{ rank=sink; "C"; }\n'
        'P0 -> "C"\n'
        '{ P1 [label ="Exp", shape=rectangle]; }\n'
        '"B" -> P1\n'
        '{ rank=sink; "out"; }\n'
        'P1 -> "out"\n'
        "}"
    )


def test_named_only():
    x = mx.array([1.0, 2.0])
    z = mx.exp(x)
    w = mx.sin(x)
    assert normalized(dot(out=z, q=w)) == (
        "digraph {\n"
        '{ rank=source; "C"; }\n'
        '{ P0 [label ="Exp", shape=rectangle]; }\n'
        '"C" -> P0\n'
        '{ rank=sink; "out"; }\n'
        'P0 -> "out"\n'
        '{ P1 [label ="Sin", shape=rectangle]; }\n'
        '"C" -> P1\n'
        '{ rank=sink; "q"; }\n'
        'P1 -> "q"\n'
        "}"
    )


def test_output_reached_earlier_is_not_a_sink():
    # MLX marks an output as a sink only if the walk had not drawn it already.
    x = mx.array([1.0, 2.0])
    z = mx.exp(x)
    w = mx.sin(z)
    assert normalized(dot(w, out=z)) == (
        "digraph {\n"
        '{ rank=source; "B"; }\n'
        '{ P0 [label ="Exp", shape=rectangle]; }\n'
        '"B" -> P0\n'
        '{ "out"; }\n'
        'P0 -> "out"\n'
        '{ P1 [label ="Sin", shape=rectangle]; }\n'
        '"out" -> P1\n'
        '{ rank=sink; "C"; }\n'
        'P1 -> "C"\n'
        "}"
    )


def test_evaluated_arrays_are_sources_and_nothing_is_evaluated():
    x = mx.array([1.0, 2.0])
    y = mx.exp(x)
    z = y * y
    before = dot(z)
    mx.eval(y)
    after = normalized(dot(z))
    assert after == (
        "digraph {\n"
        '{ rank=source; "A"; }\n'
        '{ P0 [label ="Multiply", shape=rectangle]; }\n'
        '"A" -> P0\n'
        '"A" -> P0\n'
        '{ rank=sink; "B"; }\n'
        'P0 -> "B"\n'
        "}"
    )
    assert "Exp" in before


def test_many_names_roll_over_to_two_letters():
    x = mx.array(1.0)
    ys = [x + i for i in range(30)]
    text = dot(*ys)
    for name in ("Z", "AA", "AB"):
        assert f'"{name}"' in text


def test_file_path_and_pydot(tmp_path):
    pydot = pytest.importorskip("pydot")
    x = mx.array([1.0, 2.0])
    y = mx.sum(mx.exp(x) * x)
    path = tmp_path / "g.dot"
    mx.export_to_dot(str(path), y, x=x)
    (graph,) = pydot.graph_from_dot_data(path.read_text())
    edges = {(e.get_source(), e.get_destination()) for e in graph.get_edges()}
    assert any(src == '"x"' for src, _ in edges)
    labels = {n.get_label() for g in [graph] + graph.get_subgraphs() for n in g.get_nodes()}
    assert {'"Exp"', '"Multiply"'} <= labels
