"""The model ŷ = Xw + b: values, shapes, broadcasting of b, the NumPy twin, refused inputs."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src import model, model_np
from linreg_src.articles import ARTICLE_001, as_tensor


def _problem(seed: int, n: int, d: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64) * 10
    w = torch.randn(d, 1, generator=g, dtype=torch.float64) * 10
    b = torch.randn(1, generator=g, dtype=torch.float64) * 10
    return X, w, b


def test_small_example_by_hand():
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
    w = torch.tensor([[2.0], [-1.0]])
    b = torch.tensor([0.25])
    y_hat = model.linreg(X, w, b)
    # row i: x_i1 * 2 - x_i2 + 0.25
    assert y_hat.shape == (3, 1)
    assert y_hat.flatten().tolist() == [0.25, 2.25, -2.25]


def test_article_001_batch_with_true_parameters():
    X = as_tensor(ARTICLE_001.inputs["X"])
    w = as_tensor(ARTICLE_001.inputs["true_w"])
    b = torch.tensor([ARTICLE_001.inputs["true_b"]], dtype=torch.float64)
    y = as_tensor(ARTICLE_001.inputs["y"])
    y_hat = model.linreg(X, w, b)
    assert X.shape == (10, 2) and w.shape == (2, 1) and y_hat.shape == (10, 1)
    # the printed labels are Xw + b plus N(0, 0.01²) noise, on inputs rounded to 4 decimals:
    # |x| < 3 and |w| <= 3.4 put the rounding effect below 2 * 5e-5 * 3.4 ≈ 3.4e-4,
    # and 5 noise standard deviations are 0.05.
    assert torch.all((y_hat - y).abs() < 0.05)


@pytest.mark.parametrize("b_shape", [(), (1,)])
def test_bias_broadcasts_to_every_row(b_shape):
    X = torch.arange(12.0).reshape(6, 2)
    w = torch.zeros(2, 1)
    b = torch.full(b_shape, 7.0)
    y_hat = model.linreg(X, w, b)
    assert y_hat.shape == (6, 1)
    assert torch.equal(y_hat, torch.full((6, 1), 7.0))


def test_row_form_equals_matrix_form():
    X, w, b = _problem(0, 5, 3)
    y_hat = model.linreg(X, w, b)
    for i in range(5):
        row = sum(X[i, j] * w[j, 0] for j in range(3)) + b[0]
        assert float(y_hat[i, 0]) == pytest.approx(float(row), rel=1e-14, abs=1e-12)


def test_prediction_is_in_the_autograd_graph():
    X, w, b = _problem(1, 4, 2)
    w.requires_grad_(True)
    b.requires_grad_(True)
    y_hat = model.linreg(X, w, b)
    assert y_hat.requires_grad
    y_hat.sum().backward()
    # d(Σ ŷ)/dw = column sums of X, d(Σ ŷ)/db = N
    torch.testing.assert_close(w.grad, X.sum(dim=0).reshape(2, 1))
    assert float(b.grad) == 4.0


def test_dtype_is_kept():
    X, w, b = _problem(2, 3, 2)
    assert model.linreg(X, w, b).dtype == torch.float64
    assert model.linreg(X.float(), w.float(), b.float()).dtype == torch.float32
    assert model_np.linreg(X.numpy(), w.numpy(), b.numpy()).dtype == np.float64


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 64), d=st.integers(1, 8))
def test_numpy_twin_equals_torch(seed, n, d):
    X, w, b = _problem(seed, n, d)
    expected = model.linreg(X, w, b).numpy()
    got = model_np.linreg(X.numpy(), w.numpy(), b.numpy())
    assert got.shape == (n, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)


# ---- refused inputs ----------------------------------------------------------------------------

BACKENDS = [
    pytest.param(model.linreg, torch.tensor, id="torch"),
    pytest.param(model_np.linreg, np.array, id="numpy"),
]


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_w_as_flat_vector_gets_the_reshape_hint(linreg, arr):
    X = arr([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"w must have shape \(d, 1\) = \(2, 1\) .*got \(2,\); "):
        linreg(X, arr([1.0, 2.0]), arr([0.0]))
    with pytest.raises(ValueError, match=r"make it a column with w\.reshape\(-1, 1\)"):
        linreg(X, arr([1.0, 2.0]), arr([0.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_w_of_wrong_length_is_refused_without_the_hint(linreg, arr):
    X = arr([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"to match X of shape \(2, 2\), got \(3, 1\)$"):
        linreg(X, arr([[1.0], [2.0], [3.0]]), arr([0.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_bias_must_be_a_single_number(linreg, arr):
    X = arr([[1.0, 2.0]])
    with pytest.raises(
        ValueError, match=r"b must be a single number of shape \(1,\) or \(\), got \(2,\)"
    ):
        linreg(X, arr([[1.0], [2.0]]), arr([0.0, 1.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_one_dimensional_X_is_refused(linreg, arr):
    with pytest.raises(ValueError, match=r"X must be 2-D, got 1-D with shape \(2,\)"):
        linreg(arr([1.0, 2.0]), arr([[1.0], [2.0]]), arr([0.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_empty_batch_is_refused(linreg, arr):
    X = arr(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0, 2\)\); a batch needs at least"):
        linreg(X, arr([[1.0], [2.0]]), arr([0.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_features_are_refused(linreg, arr, bad):
    X = arr([[1.0, bad], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite value\(s\)"):
        linreg(X, arr([[1.0], [2.0]]), arr([0.0]))


@pytest.mark.parametrize(("linreg", "arr"), BACKENDS)
def test_integer_inputs_are_refused(linreg, arr):
    with pytest.raises(TypeError, match=r"X must hold floating-point numbers .*got dtype .*int"):
        linreg(arr([[1, 2]]), arr([[1.0], [2.0]]), arr([0.0]))


def test_mixed_dtypes_are_refused():
    with pytest.raises(TypeError, match=r"X, w and b must share one dtype, got X torch.float32"):
        model.linreg(torch.ones(2, 2), torch.ones(2, 1, dtype=torch.float64), torch.zeros(1))


def test_numpy_and_torch_mixed_in_one_call():
    with pytest.raises(TypeError, match=r"arguments mix PyTorch and NumPy \(X is a torch.Tensor, "):
        model.linreg(torch.ones(2, 2), np.ones((2, 1)), torch.zeros(1))


def test_numpy_arrays_in_the_torch_module_name_the_twin():
    with pytest.raises(TypeError, match=r"use linreg_src\.model_np for NumPy arrays"):
        model.linreg(np.ones((2, 2)), np.ones((2, 1)), np.zeros(1))


def test_tensors_in_the_numpy_module_name_the_twin():
    with pytest.raises(TypeError, match=r"use linreg_src\.model for torch tensors"):
        model_np.linreg(torch.ones(2, 2), torch.ones(2, 1), torch.zeros(1))


def test_python_float_bias_is_refused():
    with pytest.raises(TypeError, match=r"b must be a torch.Tensor or a numpy.ndarray, got float"):
        model.linreg(torch.ones(2, 2), torch.ones(2, 1), 0.0)
