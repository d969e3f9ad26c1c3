"""Small datasets embedded in the code (nothing is downloaded), all deterministic given ``seed``.

* :func:`make_moons` — two interleaving half circles (2-D, 2 classes), scikit-learn's construction.
* :func:`make_spirals` — CS231n's spiral: K arms of points (2-D, K classes), not linearly separable.
* :func:`window_dataset` — the notes' §3–4 named-entity task: 5-word windows over ~40 short sentences such as
  "Museums in Paris are amazing", labelled by whether the centre word is a location, with 4-d word vectors and
  corrupted windows (centre word replaced by a random non-location word) for the max-margin objective.

Window data at a glance::

    data = window_dataset(seed=0)
    data.vocab[:3]                     # ('<s>', '</s>', 'Alice') — '<s>'/'</s>' pad the sentence ends
    data.word_vectors.shape            # (V, 4): the lookup table L, one row per word
    data.train.true_windows            # (m, 5) word ids, centre word a location: "museums in Paris are amazing"
    data.train.corrupted_windows       # (m, 5) the same windows, centre replaced: "museums in quiet are amazing"
    x = data.vectors(data.train.true_windows)     # (m, 20): x = [x_{c−2}, x_{c−1}, x_c, x_{c+1}, x_{c+2}] ∈ R^{5d}
    data.decode(data.train.windows[0])             # '<s> <s> museums in Paris'
    fresh = data.corrupt(data.train.true_windows, seed=1)   # new negatives, e.g. one set per epoch

The split is by sentence (no sentence has windows on both sides), so held-out windows come from unseen sentences;
some locations occur only in held-out sentences. The word vectors are not random noise: words of one kind
(locations, people, function words, nouns, verbs, adjectives) share a direction, plus a fixed per-word
perturbation, as trained embeddings would — so a classifier can generalise to an unseen city from its vector and
its context ("in ___", "to ___").

Batching, as ``torch.utils.data``: :class:`TensorDataset` (rows of tensors as examples) and :class:`DataLoader`
(shuffled minibatches of stacked tensors, seeded by an ``autodiff.Generator``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autodiff

from .init import _rng

__all__ = [
    "make_moons",
    "make_spirals",
    "WindowSplit",
    "WindowData",
    "window_dataset",
    "make_windows",
    "WINDOW_SENTENCES",
    "LOCATIONS",
    "PERSONS",
    "START",
    "END",
    "TensorDataset",
    "DataLoader",
    "default_collate",
]


def _positive_int(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return int(n)


def _nonnegative(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating)) or not 0 <= x < np.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _word_ids(ids: Any, what: str, vocab_size: int | None = None) -> np.ndarray:
    """Word ids as an int64 array: integers (not floats, strings or bools), in [0, vocab_size) when it is given."""
    try:
        array = np.asarray(ids)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.size == 0 and array.dtype.kind == "f":  # an empty list
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integer word ids, got {type(ids).__name__} of dtype {array.dtype}")
    if vocab_size is not None:
        outside = array[(array < 0) | (array >= vocab_size)]
        if outside.size:
            raise IndexError(f"{what}: word id {outside.flat[0]} is out of range for a vocabulary of {vocab_size}")
    return array.astype(np.int64)


# ---- 2-D toy problems ---------------------------------------------------------------------------------------------
def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = 0, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X`` (n_samples, 2) float64 and labels ``y`` (n_samples,) int64 in {0, 1}.

    Class 0 is the upper arc (cos t, sin t), class 1 the lower arc (1 − cos t, ½ − sin t), t ∈ [0, π], with
    ⌊n/2⌋ and ⌈n/2⌉ points; Gaussian noise of standard deviation ``noise`` is added. Same construction as
    scikit-learn's ``make_moons`` (not the same random numbers).
    """
    n_samples = _positive_int(n_samples, "n_samples")
    noise = _nonnegative(noise, "noise")
    rng = _rng(None, seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [np.column_stack([np.cos(t_out), np.sin(t_out)]), np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_spirals(
    n_points_per_class: int = 100, n_classes: int = 3, seed: int | None = 0, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """CS231n's spiral: ``X`` (N·K, 2) float64 and ``y`` (N·K,) int64, N = points per class, K classes.

    Arm j has radius r = linspace(0, 1, N) and angle θ = linspace(4j, 4(j + 1), N) + noise·N(0, 1), and points
    (r sin θ, r cos θ); rows are ordered by class. A linear classifier gets about 1/K of it right; a small MLP
    separates it.
    """
    n = _positive_int(n_points_per_class, "n_points_per_class")
    k = _positive_int(n_classes, "n_classes")
    noise = _nonnegative(noise, "noise")
    rng = _rng(None, seed)
    X = np.zeros((n * k, 2))
    y = np.zeros(n * k, dtype=np.int64)
    for j in range(k):
        rows = slice(n * j, n * (j + 1))
        r = np.linspace(0.0, 1.0, n)
        theta = np.linspace(j * 4.0, (j + 1) * 4.0, n) + rng.normal(size=n) * noise
        X[rows] = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
        y[rows] = j
    return X, y


# ---- the §3 window data -------------------------------------------------------------------------------------------
START, END = "<s>", "</s>"

LOCATIONS = frozenset(
    """Paris London Tokyo Berlin Rome Madrid Cairo Lima Sydney Toronto Moscow Oslo Vienna Boston Chicago Nairobi
    Seoul Dublin Lisbon Beijing Japan Canada India Brazil Italy Egypt Peru Kenya Spain Germany Norway France""".split()
)
PERSONS = frozenset("Alice Bob Maria Kenji Ahmed Olga Pierre".split())

_FUNCTION = """in to from the of and is are was near at for a with we they she he my our their very last up
    this every""".split()
_NOUNS = """museums food people trains winter summer streets parks coffee friends family river music week year
    conference office team bridges markets night weather city""".split()
_VERBS = """visited lives flew moved loves works studied met returned travelled arrived stayed grew love""".split()
_ADJECTIVES = """amazing beautiful cold crowded expensive quiet famous old busy lovely rainy sunny huge cheap warm
    fast friendly""".split()

WINDOW_SENTENCES: tuple[str, ...] = (
    "Museums in Paris are amazing",
    "We flew from London to Tokyo",
    "Alice lives in Berlin",
    "The food in Rome is amazing",
    "Bob moved to Madrid last year",
    "Winter in Moscow is very cold",
    "Maria visited Cairo and Lima",
    "Trains in Japan are fast",
    "The streets of Sydney are crowded",
    "Kenji works in Toronto",
    "They travelled from Oslo to Vienna",
    "Coffee in Boston is expensive",
    "Ahmed studied in Chicago",
    "Our team met in Nairobi",
    "The parks in Seoul are beautiful",
    "She returned to Dublin",
    "Lisbon is very sunny",
    "Olga grew up in Canada",
    "Paris is rainy in winter",
    "The markets in India are busy",
    "Pierre loves the music of Brazil",
    "We stayed in Italy for a week",
    "The river in London is famous",
    "My family lives near Madrid",
    "People in Egypt are friendly",
    "He arrived in Peru at night",
    "The conference was in Kenya",
    "Trains from Berlin to Paris are cheap",
    "Alice and Bob met in Spain",
    "Summer in Germany is warm",
    "Their office is in Tokyo",
    "The weather in Norway is cold",
    "Maria loves coffee",
    "Bob is very quiet",
    "The old bridges are lovely",
    "Kenji and Olga are friends",
    "Friends visited Rome and Lisbon last summer",
    "The city of Beijing is huge",
    "Ahmed flew to Seoul",
    "We love the food in France",
)

# Category directions in R⁴: words of one kind cluster around their centroid (cf. trained embeddings).
_CENTROIDS = {
    "location": (0.9, 0.8, -0.3, 0.1),
    "person": (0.6, -0.7, 0.5, 0.2),
    "function": (-0.8, 0.1, 0.2, -0.6),
    "noun": (0.1, -0.2, -0.8, 0.5),
    "verb": (-0.3, -0.6, 0.1, 0.9),
    "adjective": (-0.2, 0.7, 0.8, 0.3),
    "padding": (0.0, 0.0, 0.0, -1.0),
}
_SPREAD = 0.3  # per-word perturbation (standard deviation per coordinate)


def _category(word: str) -> str:
    if word in (START, END):
        return "padding"
    if word in LOCATIONS:
        return "location"
    if word in PERSONS:
        return "person"
    for kind, words in (("function", _FUNCTION), ("noun", _NOUNS), ("verb", _VERBS), ("adjective", _ADJECTIVES)):
        if word in words:
            return kind
    raise ValueError(f"word {word!r} is not in the window vocabulary")


def _word_vector(word: str) -> np.ndarray:
    """A fixed 4-d vector: the word's category centroid plus a perturbation seeded by the word itself (CRC-32),
    so a word's vector never depends on the vocabulary order or on ``seed``."""
    noise = np.random.default_rng(zlib.crc32(word.encode("utf-8"))).normal(scale=_SPREAD, size=4)
    return np.asarray(_CENTROIDS[_category(word)]) + noise


def _tokens(sentence: str) -> list[str]:
    """Whitespace tokens; names keep their capital letter, every other word is lower-cased ("Museums" → "museums")."""
    return [w if w in LOCATIONS or w in PERSONS else w.lower() for w in sentence.split()]


def make_windows(token_ids: Sequence[int], size: int = 5, start_id: int = 0, end_id: int = 1) -> np.ndarray:
    """One window per token: row i is the ``size`` ids centred on token i, padded with ``start_id`` before the
    sentence and ``end_id`` after it. Shape (len(token_ids), size), int64. ``size`` must be odd.

    >>> make_windows([7, 8, 9]).tolist()
    [[0, 0, 7, 8, 9], [0, 7, 8, 9, 1], [7, 8, 9, 1, 1]]
    """
    size = _positive_int(size, "size")
    if size % 2 == 0:
        raise ValueError(f"a window has a centre word, so size must be odd, got {size}")
    half = size // 2
    ids = _word_ids(token_ids, "make_windows(token_ids)")
    for value, name in ((start_id, "start_id"), (end_id, "end_id")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"make_windows({name}=...) must be an int word id, got {type(value).__name__}")
    if ids.ndim != 1:
        raise ValueError(f"token_ids must be a flat sequence, got shape {ids.shape}")
    padded = np.concatenate([np.full(half, start_id), ids, np.full(half, end_id)]).astype(np.int64)
    return np.stack([padded[i : i + size] for i in range(len(ids))]) if len(ids) else np.zeros((0, size), np.int64)


@dataclass(frozen=True)
class WindowSplit:
    """The windows of one side of the split (arrays of word ids; see :class:`WindowData` to decode them).

    * ``sentences`` — the sentences of this side, as written;
    * ``windows`` (n, 5) — one window per token of those sentences; ``labels`` (n,) — 1 if the centre word is a
      location, else 0; ``sentence_ids`` (n,) — which of ``sentences`` each window comes from;
    * ``true_windows`` (m, 5) — the windows with label 1 (the notes' "true" windows, score s);
    * ``corrupted_windows`` (m, 5) — row i is ``true_windows[i]`` with its centre word replaced by a random
      non-location word (the notes' corrupt window, score s_c), for J = max(Δ + s_c − s, 0).
    """

    sentences: tuple[str, ...]
    windows: np.ndarray
    labels: np.ndarray
    sentence_ids: np.ndarray
    true_windows: np.ndarray
    corrupted_windows: np.ndarray


@dataclass(frozen=True)
class WindowData:
    """The notes' §3 NER-window dataset: vocabulary, word vectors, and a train/held-out split by sentence.

    * ``vocab`` — id → word: ``vocab[0] == "<s>"``, ``vocab[1] == "</s>"`` (padding), then the words sorted;
      ``word_to_index`` is the inverse;
    * ``word_vectors`` (V, d) float64, d = 4 — the lookup table (the notes' L; x_i = L[id_i]);
    * ``is_location`` (V,) bool; ``non_location_ids`` — the ids a corrupted centre word is drawn from (every real
      word that is not a location: people, function words, nouns, verbs, adjectives — never padding);
    * ``train``, ``test`` — :class:`WindowSplit`; ``window_size`` = 5, ``dim`` = 4.
    """

    vocab: tuple[str, ...]
    word_to_index: dict[str, int]
    word_vectors: np.ndarray
    is_location: np.ndarray
    non_location_ids: np.ndarray
    train: WindowSplit
    test: WindowSplit
    window_size: int = 5

    @property
    def dim(self) -> int:
        return int(self.word_vectors.shape[1])

    @property
    def start_id(self) -> int:
        return self.word_to_index[START]

    @property
    def end_id(self) -> int:
        return self.word_to_index[END]

    def encode(self, words: str | Sequence[str]) -> np.ndarray:
        """Word ids for a sentence (a string, tokenized like the dataset) or a list of words."""
        if not isinstance(words, str) and (isinstance(words, bytes) or not isinstance(words, Iterable)):
            raise TypeError(f"encode needs a sentence (str) or a list of words, got {type(words).__name__}")
        tokens = _tokens(words) if isinstance(words, str) else list(words)
        unknown = [w for w in tokens if w not in self.word_to_index]
        if unknown:
            raise KeyError(f"not in the vocabulary: {unknown}")
        return np.array([self.word_to_index[w] for w in tokens], dtype=np.int64)

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """The words of a window (or any id sequence), joined by spaces."""
        return " ".join(self.vocab[i] for i in self._ids(ids, "decode(ids)").ravel())

    def vectors(self, windows: np.ndarray) -> np.ndarray:
        """Concatenated word vectors: (n, 5) ids → (n, 5·d) array, row = [x_{c−2}; x_{c−1}; x_c; x_{c+1}; x_{c+2}]
        (a single window (5,) → (5·d,)). This is the notes' input x ∈ R^{20} for d = 4."""
        windows = self._ids(windows, "vectors(windows)")
        if windows.ndim == 0 or windows.shape[-1] != self.window_size:
            raise ValueError(f"windows must have {self.window_size} word ids in the last axis, got {windows.shape}")
        return self.word_vectors[windows].reshape(*windows.shape[:-1], self.window_size * self.dim)

    def corrupt(
        self, windows: np.ndarray, *, rng: np.random.Generator | None = None, seed: int | None = None
    ) -> np.ndarray:
        """A copy of ``windows`` with each centre word replaced by a uniformly drawn non-location word."""
        rng = _rng(rng, seed)
        windows = self._ids(windows, "corrupt(windows)")
        if windows.shape[-1:] != (self.window_size,):
            raise ValueError(f"windows must have {self.window_size} word ids in the last axis, got {windows.shape}")
        return _corrupt(windows, self.non_location_ids, rng)

    def _ids(self, ids: Any, what: str) -> np.ndarray:
        """``ids`` as an int64 array of word ids in [0, len(vocab)), or a TypeError/IndexError saying why not."""
        return _word_ids(ids, what, len(self.vocab))


def _corrupt(windows: np.ndarray, non_location_ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.array(windows, dtype=np.int64, copy=True)
    out[..., out.shape[-1] // 2] = rng.choice(non_location_ids, size=out.shape[:-1])
    return out


def _split(
    data_vocab: dict[str, int],
    sentences: list[str],
    is_location: np.ndarray,
    corrupt: Callable[[np.ndarray], np.ndarray],
    size: int,
) -> WindowSplit:
    windows, sentence_ids = [], []
    for k, sentence in enumerate(sentences):
        ids = [data_vocab[w] for w in _tokens(sentence)]
        w = make_windows(ids, size, data_vocab[START], data_vocab[END])
        windows.append(w)
        sentence_ids.append(np.full(len(w), k, dtype=np.int64))
    all_windows = np.concatenate(windows)
    labels = is_location[all_windows[:, size // 2]].astype(np.int64)
    true = all_windows[labels == 1]
    return WindowSplit(
        sentences=tuple(sentences),
        windows=all_windows,
        labels=labels,
        sentence_ids=np.concatenate(sentence_ids),
        true_windows=true,
        corrupted_windows=corrupt(true),
    )


def window_dataset(seed: int = 0, test_fraction: float = 0.25) -> WindowData:
    """Build the §3 window data: 40 sentences, split by sentence into train and held-out (``test``).

    ``seed`` chooses which sentences are held out (a fraction ``test_fraction``, at least one each side) and the
    corrupted centre words; the vocabulary and the word vectors never change. Same seed, same arrays.
    """
    if not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    words = sorted({w for s in WINDOW_SENTENCES for w in _tokens(s)})
    vocab = (START, END, *words)
    word_to_index = {w: i for i, w in enumerate(vocab)}
    word_vectors = np.stack([_word_vector(w) for w in vocab])
    is_location = np.array([w in LOCATIONS for w in vocab])
    non_location_ids = np.array(
        [i for i, w in enumerate(vocab) if w not in LOCATIONS and w not in (START, END)], dtype=np.int64
    )
    rng = _rng(None, seed)
    n = len(WINDOW_SENTENCES)
    n_test = min(max(1, round(test_fraction * n)), n - 1)
    order = rng.permutation(n)
    test_idx, train_idx = sorted(order[:n_test]), sorted(order[n_test:])

    def corrupt(windows: np.ndarray) -> np.ndarray:
        return _corrupt(windows, non_location_ids, rng)

    train = _split(word_to_index, [WINDOW_SENTENCES[i] for i in train_idx], is_location, corrupt, 5)
    test = _split(word_to_index, [WINDOW_SENTENCES[i] for i in test_idx], is_location, corrupt, 5)
    return WindowData(vocab, word_to_index, word_vectors, is_location, non_location_ids, train, test)


# ---- batching, as torch.utils.data ----------------------------------------------------------------------------------
class TensorDataset:
    """Examples as rows of tensors of equal length: ``TensorDataset(X, y)[i] == (X[i], y[i])`` (PyTorch's).

    Numpy arrays are accepted and become tensors (``autodiff.tensor``: int arrays stay int64)."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise TypeError("TensorDataset needs at least one tensor, e.g. TensorDataset(X, y)")
        converted = []
        for i, t in enumerate(tensors):
            if isinstance(t, np.ndarray):
                t = autodiff.tensor(t)
            if not isinstance(t, autodiff.Tensor):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor (or numpy array), got "
                                f"{type(t).__name__}")  # fmt: skip
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is 0-d; each tensor needs one row per example")
            converted.append(t)
        sizes = [len(t) for t in converted]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: the tensors have {sizes} rows; they must all have the same number")
        self.tensors: tuple[autodiff.Tensor, ...] = tuple(converted)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: Any) -> tuple[autodiff.Tensor, ...]:
        return tuple(t[index] for t in self.tensors)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of examples into one batch, as PyTorch's ``default_collate``: Tensors are stacked, numpy arrays
    and numbers become tensors (ints → int64, floats → float64), and tuples, lists and dicts are collated field by
    field (a tuple example gives a list of fields, as PyTorch)."""
    first = batch[0]
    if isinstance(first, autodiff.Tensor):
        return autodiff.stack(list(batch))
    if isinstance(first, np.ndarray):
        return autodiff.tensor(np.stack(batch))
    if isinstance(first, (bool, np.bool_, int, float, np.integer, np.floating)):
        return autodiff.tensor(np.asarray(batch))
    if isinstance(first, dict):
        return {key: default_collate([example[key] for example in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if len({len(example) for example in batch}) != 1:
            raise ValueError("default_collate: every example must have the same number of fields")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch examples of type {type(first).__name__}; expected Tensors, "
                    "numpy arrays, numbers, or tuples/lists/dicts of them (or pass collate_fn=)")  # fmt: skip


class DataLoader:
    """Minibatches of a dataset, as PyTorch's: ``for xb, yb in DataLoader(TensorDataset(X, y), batch_size=32,
    shuffle=True): ...``.

    Each epoch (each ``iter``) visits every example once — in order, or in a fresh random order with
    ``shuffle=True`` (drawn from ``generator``, an :class:`autodiff.Generator`, or the default generator) — in
    batches of ``batch_size``; the last batch is smaller unless ``drop_last=True`` drops it. A batch is
    ``collate_fn(list of examples)``, by default :func:`default_collate` (stacked tensors). ``dataset`` is anything
    with ``len`` and integer indexing (a list of examples works)."""

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        generator: Any = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader needs a dataset with len() and indexing, got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = _positive_int(batch_size, "DataLoader(batch_size)")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader({name}=...) must be True or False, got {flag!r}")
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        autodiff.random.resolve_generator(generator, "DataLoader")
        self.generator = generator
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader(collate_fn=...) must be a function of a list of examples, got "
                            f"{type(collate_fn).__name__}")  # fmt: skip
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return autodiff.random.resolve_generator(self.generator, "DataLoader").permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            indices = order[start : start + self.batch_size]
            if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
                yield [t[indices] for t in self.dataset.tensors]  # one gather per tensor, same as stacking rows
            else:
                batch = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(batch)
