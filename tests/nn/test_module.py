"""nn.Module conventions: parameters, names, zero_grad, train/eval, repr, state_dict / load_state_dict."""

import numpy as np
import pytest

from autodiff import Tensor, Value
from nn.layers import ELU, Dropout, Embedding, Linear, Sequential, Sigmoid, Tanh
from nn.module import IncompatibleKeys, Module, Parameter, StateDictError, is_parameter
from nn.scalar import MLP


def small_model() -> Sequential:
    return Sequential(Linear(3, 4, seed=0), Tanh(), Dropout(0.5, seed=1), Linear(4, 2, seed=2))


def snapshot(model: Module) -> dict:
    """Names, identities and a deep copy of the values: what "unchanged" means."""
    return {name: (id(p), np.array(p.data, copy=True)) for name, p in model.named_parameters()}


def assert_same(model: Module, before: dict) -> None:
    after = snapshot(model)
    assert after.keys() == before.keys()
    for name, (ident, data) in before.items():
        assert after[name][0] == ident, name
        np.testing.assert_array_equal(after[name][1], data, err_msg=name)


# ---- Parameter --------------------------------------------------------------------------------------------------
def test_parameter_is_a_trainable_leaf_tensor():
    p = Parameter([[1.0, 2.0]], label="W")
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf and p.label == "W"
    assert is_parameter(p)
    assert repr(p) == "Parameter([[1., 2.]], label='W')"
    assert repr(Parameter(np.eye(2))) == "Parameter([[1., 0.],\n           [0., 1.]])"  # rows aligned
    out = (p * 3).sum()
    assert type(out) is Tensor  # results are plain tensors
    out.backward()
    np.testing.assert_array_equal(p.grad, [[3.0, 3.0]])


def test_parameter_copies_its_data():
    data = np.ones(3)
    p = Parameter(data)
    data[0] = 5.0
    assert p.data[0] == 1.0


# ---- discovery ---------------------------------------------------------------------------------------------------
class Tied(Module):
    def __init__(self):
        self.encoder = Linear(2, 2, seed=0)
        self.decoder = Linear(2, 2, seed=1)
        self.decoder.W = self.encoder.W  # tied weights appear once, under their first name
        self.scale = Value(2.0)
        self.blocks = [Tanh(), Linear(2, 1, bias=False, seed=2)]
        self.cache = Tensor([1.0])  # not trainable: not a parameter

    def forward(self, x):
        return x


def test_named_parameters_order_names_and_dedup():
    names = [name for name, _ in Tied().named_parameters()]
    assert names == ["scale", "encoder.W", "encoder.b", "decoder.b", "blocks.1.W"]
    assert [name for name, _ in Tied().named_children()] == ["encoder", "decoder", "blocks.0", "blocks.1"]
    assert len(list(Tied().modules())) == 5
    assert Tied().num_parameters() == 1 + 4 + 2 + 2 + 2


def test_sequential_names_like_pytorch():
    assert [n for n, _ in small_model().named_parameters()] == ["0.W", "0.b", "3.W", "3.b"]


def test_zero_grad_resets_tensor_and_value_parameters():
    model = small_model().eval()
    model(np.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    mlp = MLP(2, [2, 1], seed=0)
    mlp([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_train_eval_propagate_to_every_descendant():
    model = Sequential(Linear(2, 2, seed=0), Sequential(Dropout(0.5, seed=0), Tanh()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model[1].eval()
    assert model.training and not model[1].training and not model[1][0].training
    with pytest.raises(TypeError):
        model.train("no")


def test_apply_visits_children_first():
    seen = []
    small_model().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Tanh", "Dropout", "Linear", "Sequential"]


def test_misspelt_attribute_is_an_error():
    with pytest.raises(AttributeError):
        small_model().weigths  # noqa: B018


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1)


# ---- repr -------------------------------------------------------------------------------------------------------
def test_repr_tree_shows_shapes():
    model = Sequential(Linear(3, 4, seed=0), ELU(alpha=0.5), Sequential(Embedding(10, 2, seed=0), Sigmoid()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)  [W (4, 3), b (4,)]\n"
        "  (1): ELU(alpha=0.5)\n"
        "  (2): Sequential(\n"
        "    (0): Embedding(10, 2)  [weight (10, 2)]\n"
        "    (1): Sigmoid()\n"
        "  )\n"
        ")"
    )


def test_repr_of_value_model_shows_list_shapes():
    text = repr(MLP(2, [3, 1], seed=0))
    assert "(layers.0): Layer(nin=2, nout=3, activation='sigmoid'" in text
    assert "(neurons.0): Neuron(nin=2, activation='sigmoid')  [w (2,), b ()]" in text


# ---- state_dict -------------------------------------------------------------------------------------------------
def test_state_dict_is_a_copy():
    model = small_model()
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "3.W", "3.b"]
    assert state["0.W"].shape == (4, 3) and state["0.W"].dtype == np.float64
    state["0.W"][...] = 7.0
    assert not np.any(model[0].W.data == 7.0)


def test_load_state_dict_round_trip_in_place():
    source, target = small_model(), Sequential(Linear(3, 4, seed=5), Tanh(), Dropout(), Linear(4, 2, seed=6))
    arrays = {name: p.data for name, p in target.named_parameters()}
    result = target.load_state_dict(source.state_dict())
    assert result == IncompatibleKeys([], [])
    for name, p in target.named_parameters():
        assert p.data is arrays[name]  # same arrays, updated in place (optimizers keep working)
        np.testing.assert_array_equal(p.data, source.state_dict()[name])
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(source.eval()(x).data, target.eval()(x).data)


def test_value_model_state_is_zero_d_arrays():
    mlp, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    state = mlp.state_dict()
    assert all(a.shape == () for a in state.values())
    assert len(state) == 13
    other.load_state_dict(state)
    assert isinstance(other.layers[0].neurons[0].b.data, float)
    assert other([0.5, -1.0]).data == mlp([0.5, -1.0]).data


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda s: s.pop("3.b"), r"missing key\(s\) '3.b'"),
        (lambda s: s.update(extra=np.zeros(2)), r"unexpected key\(s\) 'extra'"),
        (lambda s: s.update({"0.W": np.zeros((3, 4))}), r"'0.W': shape mismatch: the model has \(4, 3\)"),
        (lambda s: s.update({"0.b": np.zeros(())}), r"'0.b': shape mismatch"),
        (lambda s: s.update({"3.W": np.full((2, 4), "x")}), r"'3.W': expected a real-number array"),
        (lambda s: s.update({"3.W": np.zeros((2, 4), dtype=complex)}), r"'3.W': expected a real-number array"),
        (lambda s: s.update({"3.W": np.zeros((2, 4), dtype=bool)}), r"'3.W': expected a real-number array"),
        (lambda s: s.update({"3.W": [[1, 2], [3]]}), r"'3.W': cannot read"),
    ],
)
def test_load_state_dict_failure_leaves_model_unchanged(change, match):
    model = small_model()
    state = {k: v + 1.0 for k, v in model.state_dict().items()}
    change(state)
    before = snapshot(model)
    with pytest.raises(StateDictError, match=match):
        model.load_state_dict(state)
    assert_same(model, before)


def test_shape_error_is_found_even_after_good_keys():
    """Validation covers every key before any assignment: the bad key is the last one."""
    model = small_model()
    state = {k: v + 1.0 for k, v in model.state_dict().items()}
    state["3.b"] = np.zeros(5)
    before = snapshot(model)
    with pytest.raises(StateDictError, match="'3.b'"):
        model.load_state_dict(state)
    assert_same(model, before)


def test_non_strict_reports_skipped_keys_but_still_checks_shapes():
    model = small_model()
    state = {k: v + 1.0 for k, v in model.state_dict().items()}
    expected_w = state["0.W"]
    del state["3.b"]
    state["head.W"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["3.b"] and result.unexpected_keys == ["head.W"]
    np.testing.assert_array_equal(model[0].W.data, expected_w)
    state["0.b"] = np.zeros(7)
    with pytest.raises(StateDictError, match="'0.b'"):
        model.load_state_dict(state, strict=False)


def test_load_state_dict_accepts_ints_tensors_and_keeps_dtype():
    model = Sequential(Linear(2, 2, seed=0))
    model[0].W.data = model[0].W.data.astype(np.float32)
    model.load_state_dict({"0.W": np.array([[1, 2], [3, 4]]), "0.b": Tensor([0.5, 0.25])})
    assert model[0].W.dtype == np.float32
    np.testing.assert_array_equal(model[0].W.data, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(model[0].b.data, [0.5, 0.25])
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([("0.W", np.zeros((2, 2)))])
