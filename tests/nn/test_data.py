"""nn.data: shapes, determinism, labels of the embedded datasets."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import (
    END,
    LOCATIONS,
    START,
    WINDOW_SENTENCES,
    make_moons,
    make_spirals,
    make_windows,
    window_dataset,
)


# ---- moons and spirals --------------------------------------------------------------------------------------------
def test_moons_shapes_labels_determinism():
    X, y = make_moons()
    assert X.shape == (100, 2) and X.dtype == np.float64
    assert y.shape == (100,) and y.dtype == np.int64 and set(y.tolist()) == {0, 1}
    assert np.bincount(y).tolist() == [50, 50]
    X2, y2 = make_moons()
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make_moons(seed=1)[0], X)
    assert np.bincount(make_moons(7)[1]).tolist() == [3, 4]


def test_moons_geometry_without_noise():
    X, y = make_moons(200, noise=0.0, shuffle=False)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)  # unit half circle, y ≥ 0
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_spirals_is_the_cs231n_construction():
    X, y = make_spirals(50, 4, seed=3)
    assert X.shape == (200, 2) and y.shape == (200,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * 4
    assert np.all(y[:50] == 0) and np.all(y[-50:] == 3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[:50], np.linspace(0, 1, 50), atol=1e-12)
    X0, _ = make_spirals(50, 4, seed=3, noise=0.0)
    theta = np.linspace(4.0, 8.0, 50)  # arm 1
    np.testing.assert_allclose(X0[50:100], np.column_stack([np.linspace(0, 1, 50) * np.sin(theta),
                                                            np.linspace(0, 1, 50) * np.cos(theta)]), atol=1e-12)
    np.testing.assert_array_equal(make_spirals(50, 4, seed=3)[0], X)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_moons(0), "n_samples must be a positive int"),
        (lambda: make_moons(noise=-0.1), "noise must be"),
        (lambda: make_spirals(n_classes=0), "n_classes must be a positive int"),
        (lambda: make_spirals(n_points_per_class=2.5), "n_points_per_class"),
        (lambda: window_dataset(test_fraction=1.0), "test_fraction"),
        (lambda: make_windows([1, 2], size=4), "size must be odd"),
    ],
)
def test_invalid_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- window data --------------------------------------------------------------------------------------------------
DATA = window_dataset(seed=0)


def test_make_windows_pads_with_sentence_markers():
    assert make_windows([7, 8, 9]).tolist() == [[0, 0, 7, 8, 9], [0, 7, 8, 9, 1], [7, 8, 9, 1, 1]]
    assert make_windows([5], size=3, start_id=2, end_id=3).tolist() == [[2, 5, 3]]
    assert make_windows([]).shape == (0, 5)


def test_vocab_and_word_vectors():
    assert DATA.vocab[:2] == (START, END)
    assert len(set(DATA.vocab)) == len(DATA.vocab)
    assert all(DATA.word_to_index[w] == i for i, w in enumerate(DATA.vocab))
    assert DATA.word_vectors.shape == (len(DATA.vocab), 4) and DATA.dim == 4
    assert len(WINDOW_SENTENCES) >= 30
    assert "Paris" in DATA.vocab and "museums" in DATA.vocab and "Museums" not in DATA.vocab
    assert DATA.is_location.sum() == len(LOCATIONS & set(DATA.vocab))
    assert not DATA.is_location[DATA.non_location_ids].any()
    assert DATA.start_id not in DATA.non_location_ids and DATA.end_id not in DATA.non_location_ids
    # the vectors never depend on the seed, and locations cluster apart from the rest
    np.testing.assert_array_equal(window_dataset(seed=5).word_vectors, DATA.word_vectors)
    loc, other = DATA.word_vectors[DATA.is_location], DATA.word_vectors[DATA.non_location_ids]
    assert np.linalg.norm(loc.mean(0) - other.mean(0)) > 1.0


def test_the_notes_example_window():
    museums = DATA.encode("Museums in Paris are amazing")
    windows = make_windows(museums, 5, DATA.start_id, DATA.end_id)
    assert DATA.decode(windows[2]) == "museums in Paris are amazing"
    split = DATA.train if "Museums in Paris are amazing" in DATA.train.sentences else DATA.test
    rows = [DATA.decode(w) for w in split.windows]
    i = rows.index("museums in Paris are amazing")
    assert split.labels[i] == 1
    assert split.labels[rows.index("<s> <s> museums in Paris")] == 0
    x = DATA.vectors(windows[2])
    assert x.shape == (20,)  # x ∈ R^{5d}, d = 4: the notes' W ∈ R^{8×20} takes it
    np.testing.assert_array_equal(x[8:12], DATA.word_vectors[DATA.word_to_index["Paris"]])


@pytest.mark.parametrize("split_name", ["train", "test"])
def test_split_arrays(split_name):
    split = getattr(DATA, split_name)
    n = sum(len(s.split()) for s in split.sentences)
    assert split.windows.shape == (n, 5) and split.windows.dtype == np.int64
    assert split.labels.shape == split.sentence_ids.shape == (n,)
    centre = split.windows[:, 2]
    np.testing.assert_array_equal(split.labels, DATA.is_location[centre].astype(int))
    assert not np.isin(centre, [DATA.start_id, DATA.end_id]).any()  # every window is centred on a real word
    np.testing.assert_array_equal(split.true_windows, split.windows[split.labels == 1])
    m = len(split.true_windows)
    assert m > 0 and split.corrupted_windows.shape == (m, 5)
    # corrupted = true window with only the centre replaced, by a non-location word
    np.testing.assert_array_equal(np.delete(split.corrupted_windows, 2, axis=1), np.delete(split.true_windows, 2, 1))
    assert np.isin(split.corrupted_windows[:, 2], DATA.non_location_ids).all()
    assert DATA.vectors(split.true_windows).shape == (m, 20)


def test_split_by_sentence():
    train, test = set(DATA.train.sentences), set(DATA.test.sentences)
    assert not train & test and train | test == set(WINDOW_SENTENCES)
    assert len(test) == 10
    assert len(set(window_dataset(test_fraction=0.1).test.sentences)) == 4


def test_determinism_and_seed():
    again = window_dataset(seed=0)
    for name in ("windows", "labels", "true_windows", "corrupted_windows"):
        np.testing.assert_array_equal(getattr(again.train, name), getattr(DATA.train, name))
        np.testing.assert_array_equal(getattr(again.test, name), getattr(DATA.test, name))
    other = window_dataset(seed=1)
    assert other.test.sentences != DATA.test.sentences


def test_corrupt_fresh_negatives():
    true = DATA.train.true_windows
    a, b = DATA.corrupt(true, seed=1), DATA.corrupt(true, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, DATA.corrupt(true, seed=2))
    assert np.isin(a[:, 2], DATA.non_location_ids).all()
    np.testing.assert_array_equal(a[:, [0, 1, 3, 4]], true[:, [0, 1, 3, 4]])
    assert true is DATA.train.true_windows and DATA.is_location[true[:, 2]].all()  # input untouched
    with pytest.raises(ValueError, match="not both"):
        DATA.corrupt(true, rng=np.random.default_rng(0), seed=0)
    with pytest.raises(ValueError, match="5 word ids"):
        DATA.corrupt(true[:, :4])


def test_encode_decode():
    ids = DATA.encode(["we", "flew", "to", "Tokyo"])
    assert DATA.decode(ids) == "we flew to Tokyo"
    with pytest.raises(KeyError, match="atlantis"):  # unknown words are lower-cased like every non-name
        DATA.encode("We flew to Atlantis")


# ---- TensorDataset / DataLoader -----------------------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import autodiff as ad  # noqa: E402
from nn.data import DataLoader, TensorDataset  # noqa: E402


def test_dataloader_batches_as_pytorch():
    ds = TensorDataset(ad.arange(5.0), ad.arange(5))
    assert len(ds) == 5 and [t.item() for t in ds[3]] == [3.0, 3]
    batches = list(DataLoader(ds, batch_size=2))
    assert len(batches) == 3 and isinstance(batches[0], list)
    assert batches[0][0].data.tolist() == [0.0, 1.0] and batches[0][1].dtype == np.int64
    assert batches[-1][1].data.tolist() == [4]
    assert len(list(DataLoader(ds, batch_size=2, drop_last=True))) == 2
    pairs = next(iter(DataLoader([(1, 2.0), (3, 4.0)], batch_size=2)))  # torch: [tensor([1, 3]), tensor([2., 4.])]
    assert pairs[0].dtype == np.int64 and pairs[1].data.tolist() == [2.0, 4.0]
    one = lambda: [b[1].data.tolist() for b in DataLoader(ds, 2, shuffle=True, generator=ad.Generator().manual_seed(7))]  # noqa: E731
    assert one() == one()
    with pytest.raises(ValueError, match="same number"):
        TensorDataset(ad.zeros(3), ad.zeros(4))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), batch=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans(),
       seed=st.integers(0, 2**32))  # fmt: skip
def test_every_index_once_per_epoch(n, batch, shuffle, drop_last, seed):
    loader = DataLoader(TensorDataset(ad.arange(n)), batch, shuffle, ad.Generator().manual_seed(seed), drop_last)
    seen = [i for (b,) in loader for i in b.data.tolist()]
    assert len(list(loader)) == len(loader)
    if drop_last:
        assert len(seen) == (n // batch) * batch and len(set(seen)) == len(seen)
    else:
        assert sorted(seen) == list(range(n))
