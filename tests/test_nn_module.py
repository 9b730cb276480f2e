"""lumex.nn.Module: the parameter tree, updates, freezing, modes, saving and
loading, error messages naming the module path, and value_and_grad."""

import numpy as np
import pytest

import lumex.core as mx
import lumex.nn as nn
from lumex.utils import tree_flatten
from helpers import IS_MLX


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(4, 8), nn.Linear(8, 3)]
        self.extra = {"scale": mx.ones((3,)), "blocks": [nn.Identity()]}
        self._private = mx.zeros((2,))
        self.name = "mlp"

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x) * self.extra["scale"]


def keys(tree):
    return sorted(k for k, _ in tree_flatten(tree))


def test_module_is_a_dict_of_parameters_and_children():
    m = MLP()
    assert isinstance(m, dict)
    assert keys(m.parameters()) == ["extra.scale", "layers.0.bias", "layers.0.weight",
                                    "layers.1.bias", "layers.1.weight"]
    assert m.name == "mlp" and "name" not in m
    assert "_private" in m and "_private" not in m.parameters()
    children = m.children()
    assert isinstance(children["layers"][0], nn.Linear)
    assert isinstance(children["extra"]["blocks"][0], nn.Identity)
    assert [k for k, _ in m.named_modules()] == [
        "", "extra.blocks.0", "layers.1", "layers.0"]
    assert len(m.modules()) == 4
    assert sorted(k for k, _ in tree_flatten(m.leaf_modules(), is_leaf=nn.Module.is_module)) == [
        "extra.blocks.0", "layers.0", "layers.1"]
    assert m.state is m


def test_setattr_moves_between_items_and_attributes():
    m = nn.Module()
    m.a = mx.zeros((2,))
    assert "a" in m
    m.a = 3
    assert "a" not in m and m.a == 3
    m.b = [nn.Linear(2, 2)]
    del m.b
    assert "b" not in m
    with pytest.raises(AttributeError):
        m.missing


def test_update_and_strict_errors():
    m = MLP()
    new = mx.full((3,), 2.0)
    m.update({"extra": {"scale": new}})
    assert m.extra["scale"] is new
    with pytest.raises(ValueError, match='does not have parameter named "nope"'):
        m.update({"nope": new})
    with pytest.raises(ValueError, match="Received invalid type"):
        m.update({"extra": {"scale": 3}})
    with pytest.raises(ValueError, match="out of bounds"):
        m.update({"layers": [{}, {}, {}]})
    m.update({"nope": new}, strict=False)  # ignored


def test_update_modules_apply_and_set_dtype():
    m = MLP()
    m.update_modules({"layers": [nn.Identity(), {}]})
    assert isinstance(m.layers[0], nn.Identity)
    with pytest.raises(ValueError, match="sub-module"):
        m.update_modules({"nope": nn.Identity()})
    m.apply(lambda p: p * 0)
    assert all(float(mx.abs(v).sum()) == 0 for _, v in tree_flatten(m.parameters()))
    m.set_dtype(mx.float16)
    assert {v.dtype for _, v in tree_flatten(m.parameters())} == {mx.float16}
    e = nn.Embedding(4, 2) if hasattr(nn, "Embedding") else None
    q = nn.Module()
    q.idx = mx.arange(3)
    q.set_dtype(mx.float16)
    assert q.idx.dtype == mx.int32  # integer parameters are left alone


def test_freeze_unfreeze():
    m = MLP()
    m.freeze()
    assert keys(m.trainable_parameters()) == []
    m.unfreeze(keys="bias")
    assert keys(m.trainable_parameters()) == ["layers.0.bias", "layers.1.bias"]
    m.unfreeze()
    m.freeze(keys=["weight"], recurse=True)
    assert "layers.0.weight" not in keys(m.trainable_parameters())
    m.unfreeze()
    m.freeze(recurse=False)
    assert keys(m.trainable_parameters()) == ["layers.0.bias", "layers.0.weight",
                                              "layers.1.bias", "layers.1.weight"]
    with pytest.raises(KeyError):
        m.freeze(keys="nothing", strict=True)
    with pytest.raises(KeyError):
        m.unfreeze(keys="nothing", strict=True)


def test_train_eval():
    m = MLP()
    assert m.training and m.layers[0].training
    m.eval()
    assert not m.training and not m.layers[1].training
    m.train()
    assert m.layers[1].training


def test_repr():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1, bias=False))
    assert repr(m) == ("Sequential(\n"
                       "  (layers.0): Linear(input_dims=3, output_dims=4, bias=True)\n"
                       "  (layers.1): ReLU()\n"
                       "  (layers.2): Linear(input_dims=4, output_dims=1, bias=False)\n"
                       ")")


def test_save_and_load_weights(tmp_path):
    mx.random.seed(3)
    m = MLP()
    for ext in ("npz", "safetensors"):
        path = str(tmp_path / f"w.{ext}")
        m.save_weights(path)
        other = MLP()
        other.load_weights(path)
        for (k1, a), (k2, b) in zip(tree_flatten(m.parameters()),
                                    tree_flatten(other.parameters())):
            assert k1 == k2 and np.array_equal(np.array(a), np.array(b))
    with pytest.raises(ValueError, match="Unsupported file extension"):
        m.save_weights(str(tmp_path / "w.bin"))


def test_load_weights_names_each_bad_key():
    m = MLP()
    good = tree_flatten(m.parameters())
    with pytest.raises(ValueError, match=r"Received 2 parameters not in model: \nlayers.9.a,\nzz."):
        m.load_weights(good + [("zz", mx.zeros(1)), ("layers.9.a", mx.zeros(1))])
    with pytest.raises(ValueError, match=r"Missing 1 parameters: \nlayers.0.bias."):
        m.load_weights([kv for kv in good if kv[0] != "layers.0.bias"])
    bad = [(k, mx.zeros((1,)) if k == "layers.1.weight" else v) for k, v in good]
    with pytest.raises(ValueError, match=r"Expected shape \(3, 8\) but received shape "
                                         r"\(1,\) for parameter layers.1.weight"):
        m.load_weights(bad)
    before = np.array(m.layers[0].weight)
    with pytest.raises(ValueError):
        m.load_weights([("layers.0.weight", mx.zeros((8, 4)))])
    assert np.array_equal(np.array(m.layers[0].weight), before)  # nothing half-loaded
    m.load_weights([("layers.0.weight", mx.zeros((8, 4)))], strict=False)
    assert float(mx.abs(m.layers[0].weight).sum()) == 0


def test_load_weights_from_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="needs the safetensors package")
    lin = nn.Linear(3, 2)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.0, -1.0], dtype=np.float32)
    st.save_file({"weight": w, "bias": b}, str(tmp_path / "p.safetensors"))
    lin.load_weights(str(tmp_path / "p.safetensors"))
    np.testing.assert_array_equal(np.array(lin.weight), w)
    np.testing.assert_array_equal(np.array(lin(mx.ones((1, 3)))), (w.sum(1) + b)[None])


@pytest.mark.lumex_only
def test_shape_error_names_module_path():
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    with pytest.raises(ValueError, match=r"^\[layers.0 \(Linear\)\] input has 100 features, "
                                         r"weight expects 784$"):
        model(mx.zeros((2, 100)))

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = {"mlp": model}

        def __call__(self, x):
            return self.body["mlp"](x)

    with pytest.raises(ValueError, match=r"^\[body.mlp.layers.0 \(Linear\)\]"):
        Outer()(mx.zeros((2, 7)))
    with pytest.raises(ValueError, match=r"^\[Linear\] input has 3 features"):
        nn.Linear(4, 2)(mx.zeros((3,)))


def test_value_and_grad_only_trainable():
    mx.random.seed(0)
    m = MLP()
    m.layers[0].freeze()
    x = mx.random.normal((5, 4))

    def loss(x):
        return (m(x) ** 2).sum()

    val, grads = nn.value_and_grad(m, loss)(x)
    assert keys(grads) == ["extra.scale", "layers.1.bias", "layers.1.weight"]
    np.testing.assert_allclose(val.item(), loss(x).item(), rtol=1e-6)
    # bias gradient of the last layer: 2 * sum over batch of (output * scale)
    out = np.array(m(x))
    np.testing.assert_allclose(np.array(grads["layers"][1]["bias"]), 2 * out.sum(0),
                               rtol=1e-5, atol=1e-6)


def test_checkpoint_matches_plain_gradient():
    from lumex.nn.utils import checkpoint

    mx.random.seed(1)
    m = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    x = mx.random.normal((4, 3))
    plain = nn.value_and_grad(m, lambda x: m(x).sum())(x)
    ck = checkpoint(m)
    chk = nn.value_and_grad(m, lambda x: ck(x).sum())(x)
    np.testing.assert_allclose(plain[0].item(), chk[0].item(), rtol=1e-6)
    for (k, a), (_, b) in zip(tree_flatten(plain[1]), tree_flatten(chk[1])):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, err_msg=k)


def test_average_gradients_single_process_is_identity():
    g = {"a": mx.ones((2,)), "b": [mx.zeros((3,))]}
    assert nn.average_gradients(g) is g
