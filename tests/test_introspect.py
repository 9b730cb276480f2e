"""lumex.core.graph: reading the pending graph without evaluating it."""

import sys

import pytest

import lumex.core as mx

pytestmark = pytest.mark.lumex_only
G = mx.graph


def line():
    """The caller's line number."""
    return sys._getframe(1).f_lineno


def test_status_without_evaluating():
    x = mx.array([1.0, 2.0])
    y = mx.exp(x) + 1
    assert G.status(x) == "available"
    assert G.status(y) == "unscheduled"
    G.nodes(y)
    G.pending_count(y)
    G.to_dot(y)
    mx.export_to_dot(__import__("io").StringIO(), y)
    assert G.status(y) == "unscheduled"  # introspection never evaluates
    mx.eval(y)
    assert G.status(y) == "available"


def test_nodes_describe_the_pending_graph():
    x = mx.array([[1.0, 2.0, 3.0]])
    y = mx.sum(mx.exp(x) * 2, axis=1)
    nodes = G.nodes(y)
    by_id = {n.id: n for n in nodes}
    out = nodes[-1]
    assert out.is_output and out.shape == (1,)
    assert out.dtype == mx.float32 and out.status == "unscheduled"
    (total,) = [n for n in nodes if n.op == "Sum"]
    assert total.params  # Sum records its axes
    assert out.nbytes == 4
    # Topological order: every input comes before its user.
    pos = {n.id: i for i, n in enumerate(nodes)}
    for n in nodes:
        assert all(pos[i] < pos[n.id] for i in n.inputs)
    sources = [n for n in nodes if n.is_input]
    assert all(n.op is None and n.status == "available" for n in sources)
    # x is held by the test, the 2 only by the graph.
    (xnode,) = [n for n in sources if n.shape == (1, 3)]
    assert not xnode.is_constant
    assert [n.is_constant for n in sources if n.shape == ()] == [True]
    assert {by_id[i].op for n in nodes for i in n.inputs} >= {"Exp", "Multiply"}


def test_evaluated_arrays_end_the_walk():
    x = mx.array([1.0, 2.0])
    y = mx.exp(x)
    mx.eval(y)
    z = y + y
    nodes = G.nodes(z)
    assert [n.op for n in nodes] == [None, "Add"]
    assert nodes[0].status == "available" and nodes[1].inputs == (nodes[0].id,) * 2
    assert G.pending_count(z) == 1 and G.pending_count(y) == 0


def test_siblings():
    x = mx.array([1.0, 2.0, 3.0, 4.0])
    a, b = mx.split(x, 2)
    nodes = G.nodes(a)
    outs = [n for n in nodes if n.op is not None]
    if len(outs) == 2:  # a multi-output primitive: both outputs are listed
        assert outs[0].siblings == (outs[1].id,)
        assert outs[0].primitive_id == outs[1].primitive_id


def test_million_node_chain_does_not_overflow():
    x = mx.array(0.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1
    assert G.pending_count(y) == 1_000_000
    assert G.status(y) == "unscheduled"
    text = G.to_dot(y)
    assert text.count("Add") == 1_000_000
    del text
    nodes = G.nodes(y)
    assert len(nodes) == 2_000_001 and nodes[-1].is_output
    del nodes
    mx.eval(y)
    assert y.item() == 1_000_000


def test_creation_sites_off_by_default():
    assert not G.record_sites_enabled()
    y = mx.array(1.0) + 1
    assert G.site(y) is None


def test_creation_sites():
    x = mx.array([1.0])
    with G.record_sites():
        y = mx.exp(x); ln = line()  # noqa: E702
        z = y * 2; lz = line()  # noqa: E702
    w = z + 1
    assert G.site(y) == (__file__, ln, "test_creation_sites")
    assert G.site(z)[1] == lz
    assert G.site(w) is None and G.site(x) is None
    nodes = G.nodes(z)
    assert [n.site[1] for n in nodes if n.op] == [ln, lz]


def test_creation_site_skips_lumex_frames(tmp_path, monkeypatch):
    # A helper module inside the lumex package does not count as the user's frame.
    import lumex

    pkg = lumex.__path__[0]
    path = f"{pkg}/_test_helper_sites.py"
    try:
        with open(path, "w") as f:
            f.write("def double(a):\n    return a * 2\n")
        from lumex import _test_helper_sites as helper

        with G.record_sites():
            y = helper.double(mx.array(1.0)); ln = line()  # noqa: E702
        assert G.site(y)[1] == ln
    finally:
        import os

        os.remove(path)
        sys.modules.pop("lumex._test_helper_sites", None)


def test_annotated_dot():
    pydot = pytest.importorskip("pydot")
    x = mx.array([1.0, 2.0])
    with G.record_sites():
        y = mx.exp(x); ln = line()  # noqa: E702
    z = y.astype(mx.float16)
    text = G.to_dot(z, x=x)
    assert f"test_introspect.py:{ln}" in text
    assert "(2,) float16\\nunscheduled" in text
    assert "AsType(dtype=float16)" in text
    graphs = pydot.graph_from_dot_data(text)
    assert len(graphs) == 1


def test_export_annotated_to_file(tmp_path):
    x = mx.array([1.0, 2.0])
    y = -x
    p = tmp_path / "g.dot"
    G.export_to_dot(p, y)
    assert p.read_text().startswith("digraph {")


def test_scopes_nest_and_tag_nodes():
    x = mx.array([1.0, 2.0])
    assert G.current_scope() == ""
    with G.record_sites():
        a = x * 2
        with G.scope("encoder"):
            assert G.current_scope() == "encoder"
            b = mx.exp(a)
            with G.scope("layers"), G.scope("0"):
                assert G.current_scope() == "encoder.layers.0"
                c = b + 1
            d = c * 3
        e = d - 1
    assert G.current_scope() == ""
    def scope_of(arr):
        return next(n.scope for n in G.nodes(arr) if n.is_output)

    assert [scope_of(v) for v in (a, b, c, d, e)] == [
        "", "encoder", "encoder.layers.0", "encoder", ""]
    # The site is still the line, whatever the scope.
    assert all(n.site[0] == __file__ for n in G.nodes(e) if n.op)


def test_scope_without_recording_tags_nothing():
    x = mx.array([1.0])
    with G.scope("m"):
        assert G.current_scope() == "m"
        y = x + 1
    assert all(n.scope == "" for n in G.nodes(y))
    assert G.site(y) is None


def test_scope_unwinds_on_exceptions():
    with pytest.raises(RuntimeError):
        with G.scope("outer"):
            with G.scope("inner"):
                raise RuntimeError("boom")
    assert G.current_scope() == ""
    with pytest.raises(ValueError, match="must not be empty"):
        G.scope("")
    with pytest.raises(TypeError):
        G.scope(3)


def test_scopes_are_per_thread():
    import threading

    seen = {}
    with G.scope("main"):
        t = threading.Thread(target=lambda: seen.setdefault("other", G.current_scope()))
        t.start()
        t.join()
        assert G.current_scope() == "main"
    assert seen["other"] == ""


def test_dot_groups_scopes_into_clusters():
    pydot = pytest.importorskip("pydot")
    x = mx.array([1.0, 2.0])
    with G.record_sites():
        with G.scope("net"):
            with G.scope("fc1"):
                y = mx.exp(x)
            with G.scope("fc2"):
                z = y * 2
    text = G.to_dot(z)
    assert 'subgraph "cluster_net"' in text and 'subgraph "cluster_net.fc1"' in text
    assert "[net.fc2]" in text
    (graph,) = pydot.graph_from_dot_data(text)
    def clusters(g):
        return [s for s in g.get_subgraphs() if s.get_name().strip('"').startswith("cluster")]

    (net,) = clusters(graph)
    assert sorted(s.get_name().strip('"') for s in clusters(net)) == ["cluster_net.fc1",
                                                                      "cluster_net.fc2"]
    # MLX's own format stays unannotated.
    import io

    f = io.StringIO()
    mx.export_to_dot(f, z)
    assert "cluster" not in f.getvalue()


def test_public_op_tags_the_nodes_of_one_call():
    with G.record_sites():
        a = mx.ones((2, 3))
        b = mx.squeeze(mx.expand_dims(a, 0), 0)
        c = (a * b).sum(axis=-1)
    nodes = [n for n in G.nodes(c) if n.op]
    tags = [(n.public_op, n.call != 0) for n in nodes]
    assert ("ones", True) in tags and ("squeeze", True) in tags and ("sum", True) in tags
    assert (None, False) in tags  # the multiply: an operator, named by its primitive
    ones_calls = {n.call for n in nodes if n.public_op == "ones"}
    assert len(ones_calls) == 1
    assert {n.call for n in nodes if n.public_op == "sum"}.isdisjoint(ones_calls)
    # Without recording nothing is tagged.
    d = mx.ones((2,))
    assert all(n.public_op is None and n.call == 0 for n in G.nodes(d))


def _held_intermediates():
    x = mx.ones((8,))
    h = mx.exp(x)  # stays referenced by the caller
    y = mx.sin(h) * 2 + mx.cos(x)
    return x, h, y


def test_is_held_tells_variables_from_graph_only_nodes():
    x, h, y = _held_intermediates()
    nodes = {n.op: n for n in G.nodes(y)}
    assert nodes["Exp"].is_held  # the variable h
    assert not nodes["Sin"].is_held and not nodes["Cos"].is_held
    assert nodes["Add"].is_output and nodes["Add"].is_held  # y, held by this frame
    del h
    assert not {n.op: n for n in G.nodes(y)}["Exp"].is_held
    # A source only the graph keeps (the 2 in * 2) is a constant, and not held.
    consts = [n for n in G.nodes(y) if n.is_constant]
    assert consts and not any(n.is_held for n in consts)


def test_pending_size_counts_nodes_and_result_bytes():
    x = mx.ones((4, 4), dtype=mx.float32)
    mx.eval(x)
    y = mx.sum(mx.exp(x) * 2, axis=0)
    n, nbytes = G.pending_size(y)
    assert n == G.pending_count(y) >= 3
    pending = [g for g in G.nodes(y) if g.op]
    assert nbytes == sum(g.nbytes for g in pending)
    assert nbytes >= 64 + 64 + 16  # exp, multiply (4x4 float32), sum (4 float32)
    mx.eval(y)
    assert G.pending_size(y) == (0, 0)
    with pytest.raises(TypeError):
        G.pending_size(1.0)


def test_observer_without_nodes_still_gets_counts():
    x = mx.ones((3,))
    mx.eval(x)
    light, full = [], []
    h1 = G.add_observer(light.append, nodes=False)
    mx.eval(mx.exp(x) + 1)
    assert len(light) == 1 and light[0].nodes == [] and light[0].num_nodes == 2
    assert light[0].nbytes == 24 and light[0].kind == "eval"
    h2 = G.add_observer(full.append)  # someone wants the graph: both get it
    mx.eval(mx.exp(x) + 2)
    G.remove_observer(h1)
    G.remove_observer(h2)
    assert len(full[0].nodes) > 0 and light[1].num_nodes == 2
