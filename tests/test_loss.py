"""Losses: ½(ŷ − y)² per example, its sum and mean, nn.MSELoss; the (N,) trap; NumPy twin."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src import loss, loss_np
from linreg_src.articles import ARTICLE_000


def _pair(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y_hat = torch.randn(n, 1, generator=g, dtype=torch.float64) * 10
    y = torch.randn(n, 1, generator=g, dtype=torch.float64) * 10
    return y_hat, y


def test_house_price_example_of_article_000():
    y_hat = torch.tensor([[ARTICLE_000.inputs["y_hat"]]])
    y = torch.tensor([[ARTICLE_000.inputs["y"]]])
    l = loss.squared_loss(y_hat, y)  # noqa: E741
    assert l.shape == (1, 1)
    assert float(l) == ARTICLE_000.published["loss"] == 200.0
    l_np = loss_np.squared_loss(y_hat.numpy(), y.numpy())
    assert float(l_np[0, 0]) == 200.0


def test_squared_loss_is_half_the_squared_error_per_example():
    y_hat = torch.tensor([[1.0], [2.0], [-3.0]])
    y = torch.tensor([[0.0], [4.0], [-3.0]])
    assert loss.squared_loss(y_hat, y).flatten().tolist() == [0.5, 2.0, 0.0]


def test_squared_loss_is_symmetric_and_non_negative():
    y_hat, y = _pair(0, 20)
    torch.testing.assert_close(loss.squared_loss(y_hat, y), loss.squared_loss(y, y_hat))
    assert bool((loss.squared_loss(y_hat, y) >= 0).all())


def test_reduce_loss_sum_and_mean():
    l = torch.tensor([[1.0], [2.0], [6.0]])  # noqa: E741
    assert float(loss.reduce_loss(l)) == 9.0  # "sum" is the default
    assert float(loss.reduce_loss(l, "sum")) == 9.0
    assert float(loss.reduce_loss(l, "mean")) == 3.0
    assert loss.reduce_loss(l).shape == ()
    assert float(loss_np.reduce_loss(l.numpy())) == 9.0
    assert float(loss_np.reduce_loss(l.numpy(), "mean")) == 3.0


def test_mse_loss_matches_pytorch():
    y_hat, y = _pair(1, 30)
    ours = loss.mse_loss(y_hat, y)
    assert ours.shape == ()
    torch.testing.assert_close(ours, torch.nn.MSELoss()(y_hat, y), rtol=1e-14, atol=0.0)
    torch.testing.assert_close(ours, torch.nn.functional.mse_loss(y_hat, y), rtol=1e-14, atol=0.0)


def test_mse_is_twice_the_mean_of_the_half_squared_loss():
    y_hat, y = _pair(2, 17)
    half = loss.reduce_loss(loss.squared_loss(y_hat, y), "mean")
    torch.testing.assert_close(loss.mse_loss(y_hat, y), 2 * half, rtol=1e-14, atol=0.0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 64))
def test_numpy_twin_equals_torch(seed, n):
    y_hat, y = _pair(seed, n)
    l = loss.squared_loss(y_hat, y)  # noqa: E741
    np.testing.assert_allclose(
        loss_np.squared_loss(y_hat.numpy(), y.numpy()), l.numpy(), rtol=1e-15
    )
    for reduction in ("sum", "mean"):
        np.testing.assert_allclose(
            loss_np.reduce_loss(l.numpy(), reduction),
            float(loss.reduce_loss(l, reduction)),
            rtol=1e-13,
        )
    np.testing.assert_allclose(
        loss_np.mse_loss(y_hat.numpy(), y.numpy()), float(loss.mse_loss(y_hat, y)), rtol=1e-13
    )


def test_squared_loss_keeps_the_graph():
    y_hat = torch.tensor([[1.0], [3.0]], requires_grad=True)
    loss.squared_loss(y_hat, torch.zeros(2, 1)).sum().backward()
    # d/dŷ ½(ŷ − y)² = ŷ − y
    assert y_hat.grad.flatten().tolist() == [1.0, 3.0]


# ---- the (N,) vs (N, 1) trap -------------------------------------------------------------------

MODULES = [pytest.param(loss, torch, id="torch"), pytest.param(loss_np, np, id="numpy")]
FUNCS = ["squared_loss", "mse_loss"]


@pytest.mark.parametrize(("mod", "lib"), MODULES)
@pytest.mark.parametrize("func", FUNCS)
def test_flat_labels_against_column_predictions_are_refused(mod, lib, func):
    y_hat, y = lib.zeros((4, 1)), lib.zeros(4)
    with pytest.raises(
        ValueError,
        match=(
            r"y has shape \(4,\) but y_hat has shape \(4, 1\): y_hat - y would broadcast to "
            r"\(4, 4\) and silently give a wrong loss and gradient; pass y\.reshape\(-1, 1\)"
        ),
    ):
        getattr(mod, func)(y_hat, y)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_flat_predictions_against_column_labels_are_refused(mod, lib):
    with pytest.raises(ValueError, match=r"y_hat has shape \(3,\) .*pass y_hat\.reshape\(-1, 1\)"):
        mod.squared_loss(lib.zeros(3), lib.zeros((3, 1)))


def test_the_trap_is_real_without_the_check():
    """What the check prevents: (N,1) − (N,) silently broadcasts to (N, N)."""
    y_hat, y = torch.zeros(4, 1), torch.arange(4.0)
    assert (y_hat - y).shape == (4, 4)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_mismatched_number_of_examples(mod, lib):
    with pytest.raises(
        ValueError, match=r"y_hat and y must both have shape \(N, 1\), got \(3, 1\) and \(4, 1\)"
    ):
        mod.squared_loss(lib.zeros((3, 1)), lib.zeros((4, 1)))


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_two_flat_vectors_are_refused(mod, lib):
    with pytest.raises(ValueError, match=r"must both have shape \(N, 1\), got \(3,\) and \(3,\)"):
        mod.mse_loss(lib.zeros(3), lib.zeros(3))


# ---- other refused inputs ----------------------------------------------------------------------


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_unknown_reduction(mod, lib):
    with pytest.raises(ValueError, match=r'reduction must be "sum" or "mean", got \'avg\''):
        mod.reduce_loss(lib.ones((2, 1)), "avg")


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_empty_losses(mod, lib):
    with pytest.raises(ValueError, match=r"l is empty \(shape \(0, 1\)\)"):
        mod.reduce_loss(lib.ones((0, 1)), "mean")


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_nan_label(mod, lib):
    y = lib.zeros((3, 1))
    y[1, 0] = float("nan")
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite value\(s\)"):
        mod.squared_loss(lib.zeros((3, 1)), y)


@pytest.mark.parametrize(("mod", "lib"), MODULES)
def test_integer_labels(mod, lib):
    with pytest.raises(TypeError, match=r"y must hold floating-point numbers .*y\.float\(\)"):
        mod.squared_loss(lib.zeros((2, 1)), lib.ones((2, 1), dtype=lib.int64))


def test_mixed_float_dtypes():
    with pytest.raises(TypeError, match=r"y_hat and y must share one dtype, got torch.float32"):
        loss.squared_loss(torch.zeros(2, 1), torch.zeros(2, 1, dtype=torch.float64))


def test_numpy_and_torch_mixed():
    with pytest.raises(TypeError, match=r"y_hat is a torch.Tensor, y is a numpy.ndarray"):
        loss.squared_loss(torch.zeros(2, 1), np.zeros((2, 1)))


@pytest.mark.parametrize("func", [*FUNCS, "reduce_loss"])
def test_numpy_in_torch_module_names_the_twin(func):
    args = (np.zeros((2, 1)),) if func == "reduce_loss" else (np.zeros((2, 1)), np.zeros((2, 1)))
    with pytest.raises(TypeError, match=r"use linreg_src\.loss_np for NumPy arrays"):
        getattr(loss, func)(*args)


def test_tensor_in_numpy_module_names_the_twin():
    with pytest.raises(TypeError, match=r"use linreg_src\.loss for torch tensors"):
        loss_np.squared_loss(torch.zeros(2, 1), torch.zeros(2, 1))
