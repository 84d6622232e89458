"""Data: shapes, dtypes, seeded reproducibility, statistics, and the minibatch iterator."""

import math

import numpy as np
import pytest
import torch

from linreg_src.articles import ARTICLE_001, ARTICLE_002
from linreg_src.data import data_iter, line_data, minibatches, synthetic_data
from linreg_src.lstsq import least_squares

TRUE_W = torch.tensor(ARTICLE_001.inputs["true_w"], dtype=torch.float64)
TRUE_B = ARTICLE_001.inputs["true_b"]
N = ARTICLE_001.inputs["num_examples"]
SIGMA = ARTICLE_001.inputs["noise_std"]


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---- synthetic_data ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_synthetic_data_shapes_and_dtypes(dtype):
    X, y = synthetic_data(TRUE_W.to(dtype), TRUE_B, N, generator=_gen())
    assert X.shape == (N, 2) and y.shape == (N, 1)
    assert X.dtype == y.dtype == dtype


def test_synthetic_data_same_seed_same_data_other_seed_other_data():
    X1, y1 = synthetic_data(TRUE_W, TRUE_B, 50, generator=_gen(7))
    X2, y2 = synthetic_data(TRUE_W, TRUE_B, 50, generator=_gen(7))
    X3, y3 = synthetic_data(TRUE_W, TRUE_B, 50, generator=_gen(8))
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3) and not torch.equal(y1, y3)


def test_synthetic_data_does_not_touch_the_global_generator():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    synthetic_data(TRUE_W, TRUE_B, 20, generator=_gen(0))
    assert torch.equal(torch.rand(3), expected)


def test_without_noise_labels_lie_exactly_on_the_plane():
    X, y = synthetic_data(TRUE_W, TRUE_B, 30, noise_std=0.0, generator=_gen())
    torch.testing.assert_close(y, X @ TRUE_W.reshape(-1, 1) + TRUE_B, rtol=0.0, atol=1e-14)


def test_features_and_noise_have_the_stated_distribution():
    X, y = synthetic_data(TRUE_W, TRUE_B, N, generator=_gen(1))
    noise = y - (X @ TRUE_W.reshape(-1, 1) + TRUE_B)
    # Standard errors for N = 1000 draws: mean σ/√N, standard deviation σ/√(2N).
    # Five standard errors: a correct generator fails this far less than once in a million.
    k = 5
    assert abs(float(X.mean())) < k / math.sqrt(X.numel())
    assert abs(float(X.std()) - 1.0) < k / math.sqrt(2 * X.numel())
    assert abs(float(noise.mean())) < k * SIGMA / math.sqrt(N)
    assert abs(float(noise.std()) - SIGMA) < k * SIGMA / math.sqrt(2 * N)


def test_least_squares_recovers_the_true_parameters():
    """With X ~ N(0, 1) the standard error of each fitted weight (and of b) is about σ/√N."""
    X, y = synthetic_data(TRUE_W, TRUE_B, N, generator=_gen(2))
    w_hat, b_hat = least_squares(X, y)
    tol = 5 * SIGMA / math.sqrt(N)  # five standard errors, ≈ 1.6e-3
    assert torch.all((w_hat.flatten() - TRUE_W).abs() < tol)
    assert abs(float(b_hat) - TRUE_B) < tol
    # and the fit is not trivially exact: the noise is there
    assert float((w_hat.flatten() - TRUE_W).abs().max()) > 0


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"w": torch.ones(2, 1)}, ValueError, r"w must be 1-D, got 2-D"),
        ({"w": torch.tensor([1, 2])}, TypeError, r"w must hold floating-point numbers"),
        ({"w": torch.tensor([1.0, math.nan])}, ValueError, r"w contains 1 NaN"),
        ({"w": np.ones(2)}, TypeError, r"there is no linreg_src\.data_np for NumPy arrays"),
        ({"b": math.inf}, ValueError, r"b must be a finite number, got inf"),
        ({"b": torch.ones(2)}, TypeError, r"b must be a single real number"),
        ({"num_examples": 0}, ValueError, r"num_examples must be a positive whole number, got 0"),
        ({"num_examples": 10.0}, TypeError, r"num_examples must be a whole number, got float"),
        ({"noise_std": -0.1}, ValueError, r"noise_std must be >= 0, got -0\.1"),
        ({"noise_std": math.nan}, ValueError, r"noise_std must be a finite number, got nan"),
        ({"generator": None}, TypeError, r"generator must be a torch\.Generator .*got NoneType"),
        ({"generator": 0}, TypeError, r"generator must be a torch\.Generator .*got int 0"),
    ],
)
def test_synthetic_data_refuses(kwargs, error, pattern):
    args = {"w": TRUE_W, "b": TRUE_B, "num_examples": 10, "generator": _gen(), **kwargs}
    with pytest.raises(error, match=pattern):
        synthetic_data(**args)


def test_synthetic_data_requires_a_generator():
    with pytest.raises(TypeError, match="generator"):
        synthetic_data(TRUE_W, TRUE_B, 10)  # type: ignore[call-arg]


# ---- data_iter ---------------------------------------------------------------------------------


def _indexed(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Features whose first column is the example's index, so batches reveal the order."""
    idx = torch.arange(n, dtype=torch.float64).reshape(-1, 1)
    return torch.cat([idx, -idx], dim=1), 10 * idx


@pytest.mark.parametrize(("n", "batch_size"), [(1000, 10), (1000, 64), (25, 10), (7, 7), (5, 8)])
def test_data_iter_covers_every_example_once_with_a_short_last_batch(n, batch_size):
    features, labels = _indexed(n)
    batches = list(data_iter(batch_size, features, labels, generator=_gen()))
    sizes = [len(y) for _, y in batches]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest else [])
    seen = torch.cat([X[:, 0] for X, _ in batches])
    assert sorted(seen.long().tolist()) == list(range(n))
    for X, y in batches:  # rows stay paired with their labels
        assert X.shape[1] == 2 and y.shape[1] == 1
        torch.testing.assert_close(y[:, 0], 10 * X[:, 0], rtol=0.0, atol=0.0)


def test_data_iter_shuffles_and_is_reproducible():
    features, labels = _indexed(100)
    order = [
        torch.cat([X[:, 0] for X, _ in data_iter(10, features, labels, generator=_gen(s))])
        for s in (0, 0, 1)
    ]
    assert torch.equal(order[0], order[1])
    assert not torch.equal(order[0], order[2])
    assert not torch.equal(order[0], torch.arange(100, dtype=torch.float64))


def test_data_iter_draws_a_new_order_each_epoch():
    features, labels = _indexed(50)
    g = _gen(0)
    first = torch.cat([X[:, 0] for X, _ in data_iter(10, features, labels, generator=g)])
    second = torch.cat([X[:, 0] for X, _ in data_iter(10, features, labels, generator=g)])
    assert not torch.equal(first, second)


def test_data_iter_on_the_articles_setting():
    X, y = synthetic_data(TRUE_W, TRUE_B, N, generator=_gen())
    batch_size = ARTICLE_001.inputs["batch_size"]
    sizes = [len(yb) for _, yb in data_iter(batch_size, X, y, generator=_gen())]
    assert sizes == [batch_size] * (N // batch_size)


@pytest.mark.parametrize(
    ("batch_size", "error", "pattern"),
    [
        (0, ValueError, r"batch_size must be a positive whole number, got 0"),
        (-3, ValueError, r"batch_size must be a positive whole number, got -3"),
        (2.5, TypeError, r"batch_size must be a whole number, got float 2\.5"),
        (10.0, TypeError, r"batch_size must be a whole number, got float 10\.0"),
        (True, TypeError, r"batch_size must be a whole number, got bool True"),
        ("10", TypeError, r"batch_size must be a whole number, got str"),
    ],
)
def test_data_iter_refuses_bad_batch_sizes(batch_size, error, pattern):
    features, labels = _indexed(10)
    with pytest.raises(error, match=pattern):
        data_iter(batch_size, features, labels, generator=_gen())


def test_data_iter_checks_eagerly_not_at_the_first_batch():
    features, labels = _indexed(10)
    with pytest.raises(ValueError):
        data_iter(0, features, labels, generator=_gen())  # raises without iterating


def test_data_iter_refuses_flat_labels_with_the_fix():
    features, labels = _indexed(10)
    with pytest.raises(
        ValueError, match=r"labels has shape \(10,\) .*pass labels\.reshape\(-1, 1\)"
    ):
        data_iter(5, features, labels.flatten(), generator=_gen())


def test_data_iter_refuses_mismatched_number_of_examples():
    features, labels = _indexed(10)
    with pytest.raises(
        ValueError, match=r"must both have shape \(N, 1\), got \(10, 1\) and \(9, 1\)"
    ):
        data_iter(5, features, labels[:9], generator=_gen())


def test_data_iter_refuses_bad_features():
    features, labels = _indexed(10)
    with pytest.raises(ValueError, match=r"features must be 2-D, got 1-D"):
        data_iter(5, features[:, 0], labels, generator=_gen())
    with pytest.raises(ValueError, match=r"features is empty"):
        data_iter(5, features[:0], labels[:0], generator=_gen())
    features[3, 1] = math.nan
    with pytest.raises(ValueError, match=r"features contains 1 NaN"):
        data_iter(5, features, labels, generator=_gen())


def test_data_iter_refuses_numpy_and_missing_generator():
    features, labels = _indexed(10)
    with pytest.raises(TypeError, match=r"there is no linreg_src\.data_np .*torch\.from_numpy"):
        data_iter(5, features.numpy(), labels.numpy(), generator=_gen())
    with pytest.raises(TypeError, match=r"arguments mix PyTorch and NumPy"):
        data_iter(5, features, labels.numpy(), generator=_gen())
    with pytest.raises(TypeError, match=r"generator must be a torch\.Generator"):
        data_iter(5, features, labels, generator=None)


# ---- line_data (article 002) -------------------------------------------------------------------


def test_line_data_defaults_follow_article_002():
    x, y = line_data(generator=_gen())
    assert x.shape == y.shape == (ARTICLE_002.inputs["num_examples"], 1)
    assert x.dtype == y.dtype == torch.float32
    torch.testing.assert_close(x[:, 0], torch.linspace(0, 1, 100))
    w, b = least_squares(x.double(), y.double())
    # slope and intercept of a 100-point fit on [0, 1] with σ = 0.1: standard errors ≈ 0.035
    # and ≈ 0.020; five of them
    assert abs(float(w) - 2.0) < 5 * 0.035 and abs(float(b) - 1.0) < 5 * 0.020


def test_line_data_without_noise_is_the_line():
    x, y = line_data(11, true_w=-1.5, true_b=0.25, noise_std=0.0, generator=_gen())
    torch.testing.assert_close(y, -1.5 * x + 0.25)


def test_line_data_is_reproducible():
    a = line_data(generator=_gen(3))[1]
    assert torch.equal(a, line_data(generator=_gen(3))[1])
    assert not torch.equal(a, line_data(generator=_gen(4))[1])


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"num_examples": 0}, ValueError, r"num_examples must be a positive whole number"),
        ({"true_w": math.nan}, ValueError, r"true_w must be a finite number, got nan"),
        ({"true_b": "1"}, TypeError, r"true_b must be a real number, got str"),
        ({"noise_std": -1.0}, ValueError, r"noise_std must be >= 0"),
        ({"generator": "seed"}, TypeError, r"generator must be a torch\.Generator"),
    ],
)
def test_line_data_refuses(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        line_data(**{"generator": _gen(), **kwargs})


# ---- minibatches (shared by data_iter and the cost page's NumPy loop) -------------------------


def test_minibatches_slice_a_given_order_in_either_library():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1)
    batches = list(minibatches(2, X, y, np.array([4, 0, 3, 1, 2])))
    assert [yb.ravel().tolist() for _, yb in batches] == [[4.0, 0.0], [3.0, 1.0], [2.0]]
    torch_batches = list(minibatches(3, torch.from_numpy(X), torch.from_numpy(y), torch.arange(5)))
    assert [len(yb) for _, yb in torch_batches] == [3, 2]


def test_data_iter_is_minibatches_of_a_random_permutation():
    features, labels = _indexed(23)
    order = torch.randperm(23, generator=_gen(5))
    by_hand = list(minibatches(4, features, labels, order))
    for (X1, y1), (X2, y2) in zip(
        data_iter(4, features, labels, generator=_gen(5)), by_hand, strict=True
    ):
        assert torch.equal(X1, X2) and torch.equal(y1, y2)


@pytest.mark.parametrize(
    ("order", "error", "match"),
    [
        (torch.arange(9), ValueError, r"order must hold 10 indices in \[0, 10\)"),
        (torch.arange(10.0), TypeError, r"order must be a 1-D array of integer indices"),
        (torch.arange(10) + 1, ValueError, r"order must hold 10 indices in \[0, 10\)"),
        (np.arange(10), TypeError, r"arguments mix PyTorch and NumPy"),
    ],
)
def test_minibatches_refuses_a_bad_order(order, error, match):
    features, labels = _indexed(10)
    with pytest.raises(error, match=match):
        minibatches(3, features, labels, order)
