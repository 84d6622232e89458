"""Closed-form least squares: exact lines, numpy.linalg.lstsq, zero gradients, refusals."""

import numpy as np
import pytest
import torch

from linreg_src.article_002 import article_002_run, article_002_setup
from linreg_src.grad import squared_loss_grads
from linreg_src.lstsq import gd_closed_form, least_squares, mse_hessian


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize(
    ("w", "b"),
    [((2.0,), 1.0), ((-3.4,), 0.0), ((2.0, -3.4), 4.2), ((0.5, 0.0, -1.0, 7.0), -2.5)],
)
@pytest.mark.parametrize("extra_rows", [1, 5, 100])
def test_recovers_exact_lines_and_planes(w, b, extra_rows):
    d = len(w)
    X = torch.randn(d + extra_rows, d, generator=_gen(d + extra_rows), dtype=torch.float64)
    w_true = torch.tensor(w, dtype=torch.float64).reshape(-1, 1)
    w_hat, b_hat = least_squares(X, X @ w_true + b)
    assert w_hat.shape == (d, 1) and b_hat.shape == (1,)
    torch.testing.assert_close(w_hat, w_true, rtol=0.0, atol=1e-10)
    assert float(b_hat) == pytest.approx(b, abs=1e-10)


def test_the_smallest_case_two_points_one_line():
    X = torch.tensor([[1.0], [3.0]], dtype=torch.float64)
    w_hat, b_hat = least_squares(X, torch.tensor([[5.0], [9.0]], dtype=torch.float64))
    assert float(w_hat) == pytest.approx(2.0, abs=1e-12)
    assert float(b_hat) == pytest.approx(3.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_numpy_lstsq(seed):
    g = _gen(seed)
    X = torch.randn(40, 3, generator=g, dtype=torch.float64)
    y = torch.randn(40, 1, generator=g, dtype=torch.float64)
    w_hat, b_hat = least_squares(X, y)
    A = np.hstack([X.numpy(), np.ones((40, 1))])
    solution, *_ = np.linalg.lstsq(A, y.numpy(), rcond=None)
    np.testing.assert_allclose(w_hat.numpy(), solution[:3], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b_hat.numpy(), solution[3], rtol=1e-10, atol=1e-12)


def test_the_optimum_has_zero_gradients():
    """Normal equations: Xᵀδ = 0 and Σδ = 0 at the least-squares solution."""
    g = _gen(9)
    X = torch.randn(200, 2, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([[2.0], [-3.4]], dtype=torch.float64) + 4.2
    y = y + 0.5 * torch.randn(200, 1, generator=g, dtype=torch.float64)
    w_hat, b_hat = least_squares(X, y)
    grad_w, grad_b = squared_loss_grads(X, y, w_hat, b_hat)
    # compared with the size of the terms summed (|x||δ| ~ 0.4, 200 of them)
    assert float(grad_w.abs().max()) < 1e-10 and float(grad_b.abs()) < 1e-10


def test_float32_in_float32_out():
    X = torch.tensor([[0.0], [1.0], [2.0]])
    w_hat, b_hat = least_squares(X, 2 * X + 1)
    assert w_hat.dtype == b_hat.dtype == torch.float32
    assert float(w_hat) == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (2, 2), (3, 5)])
def test_refuses_fewer_than_d_plus_one_examples(n, d):
    with pytest.raises(
        ValueError,
        match=rf"X has N = {n} rows, but least squares with a bias needs at least d \+ 1 = {d + 1}",
    ):
        least_squares(torch.ones(n, d), torch.ones(n, 1))


def test_refuses_flat_labels_with_the_fix():
    with pytest.raises(ValueError, match=r"y has shape \(3,\) .*pass y\.reshape\(-1, 1\)"):
        least_squares(torch.ones(3, 1), torch.ones(3))


def test_refuses_mismatched_rows_nan_and_integers():
    with pytest.raises(ValueError, match=r"got \(3, 1\) and \(4, 1\)"):
        least_squares(torch.ones(3, 1), torch.ones(4, 1))
    with pytest.raises(ValueError, match=r"X contains 1 NaN"):
        least_squares(torch.tensor([[0.0], [float("nan")], [1.0]]), torch.ones(3, 1))
    with pytest.raises(TypeError, match=r"X must hold floating-point numbers"):
        least_squares(torch.ones(3, 1, dtype=torch.int64), torch.ones(3, 1))
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        least_squares(torch.ones(3), torch.ones(3, 1))


def test_refuses_numpy_without_naming_a_missing_module():
    with pytest.raises(
        TypeError, match=r"there is no linreg_src\.lstsq_np for NumPy arrays: convert with torch"
    ):
        least_squares(np.ones((3, 1)), np.ones((3, 1)))


# ---- the MSE's Hessian and the closed form of gradient descent -------------------------------


def test_hessian_is_two_over_n_times_the_moment_matrix():
    x, _, _ = article_002_setup()
    xs = x.double().flatten()
    m_xx, m_x = float((xs * xs).mean()), float(xs.mean())
    expected = 2 * torch.tensor([[m_xx, m_x], [m_x, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(mse_hessian(x), expected, rtol=1e-12, atol=1e-12)
    eigenvalues = torch.linalg.eigvalsh(mse_hessian(x))
    assert 0.13 < float(eigenvalues[0]) < 0.14  # slow direction: 1/(lr*lambda) ~ 75 epochs
    assert 2.5 < float(eigenvalues[1]) < 2.6


@pytest.mark.parametrize("num_epochs", [0, 1, 50, 300])
def test_closed_form_predicts_the_float32_run(num_epochs):
    x, y, model = article_002_setup()
    predicted = gd_closed_form(
        x, y, (model.weight.item(), model.bias.item()), lr=0.1, num_epochs=num_epochs
    )
    run = article_002_run(num_epochs=num_epochs) if num_epochs else None
    actual = (run.weight, run.bias) if run else (model.weight.item(), model.bias.item())
    assert predicted == pytest.approx(actual, abs=2e-6)


def test_closed_form_is_affine_in_the_initial_point():
    x, y, _ = article_002_setup()

    def f(p):
        return np.array(gd_closed_form(x, y, p, lr=0.1, num_epochs=50))

    a, b = (0.3, -0.2), (-0.7, 0.9)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    np.testing.assert_allclose(f(mid), (f(a) + f(b)) / 2, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda x, y: gd_closed_form(x, y, (1.0,), lr=0.1, num_epochs=5),
            TypeError,
            r"initial must be a pair \(w0, b0\)",
        ),
        (
            lambda x, y: gd_closed_form(x, y, (0.0, 0.0), lr=0.1, num_epochs=-1),
            ValueError,
            r"num_epochs must be >= 0",
        ),
        (
            lambda x, y: gd_closed_form(x, y, (0.0, 0.0), lr=0.1, num_epochs=2.0),
            TypeError,
            r"num_epochs must be a whole number, got float 2.0",
        ),
        (
            lambda x, y: gd_closed_form(x, y, (0.0, float("nan")), lr=0.1, num_epochs=2),
            ValueError,
            r"initial\[1\] must be a finite number",
        ),
        (lambda x, y: mse_hessian(x.flatten()), ValueError, r"X must be 2-D"),
        (lambda x, y: mse_hessian(x.numpy()), TypeError, r"there is no linreg_src.lstsq_np"),
    ],
)
def test_closed_form_refuses_bad_input(call, error, match):
    x, y, _ = article_002_setup()
    with pytest.raises(error, match=match):
        call(x, y)


def test_closed_form_refuses_a_learning_rate_that_diverges():
    # issue 13: lr = 5 > 2 / lambda_max makes (I - lr H)^300 overflow; it returned (-inf, -inf)
    x, y, model = article_002_setup()
    with pytest.raises(
        ValueError, match=r"no longer finite .*lower the learning rate \(lr = 5\.0\)"
    ):
        gd_closed_form(x, y, (model.weight.item(), model.bias.item()), lr=5.0, num_epochs=300)


def test_design_matrix_appends_a_column_of_ones_in_float64():
    from linreg_src.lstsq import design_matrix

    A = design_matrix(torch.tensor([[2.0, 3.0], [4.0, 5.0]]))
    assert A.dtype == torch.float64 and A.tolist() == [[2.0, 3.0, 1.0], [4.0, 5.0, 1.0]]
