r"""The closed form: least squares, and where full-batch gradient descent on the MSE leads.

Both gradients vanish at the optimum, :math:`\mathbf X^\top\boldsymbol\delta = 0` and
:math:`\sum_i\delta_i = 0`: the normal equations of the design matrix :math:`A = [\mathbf X,
\mathbf 1]`, solved with a stable least-squares routine rather than by inverting
:math:`A^\top A`. The MSE's Hessian :math:`\frac2N A^\top A` is constant, so gradient descent on
it is an affine map with a closed form too.
"""

from __future__ import annotations

import torch

from linreg_src._guard import checked

__all__ = ["design_matrix", "gd_closed_form", "least_squares", "mse_hessian"]


def _enough_rows(name: str, X: torch.Tensor) -> None:
    n, d = X.shape
    if n < d + 1:
        raise ValueError(
            f"{name} has N = {n} rows, but least squares with a bias needs at least d + 1 = "
            f"{d + 1} examples"
        )


@checked
def design_matrix(X: torch.Tensor) -> torch.Tensor:
    r"""Build the design matrix :math:`A = [\mathbf X, \mathbf 1]` in float64: (N, d + 1).

    >>> design_matrix(torch.tensor([[2.0], [3.0]]))
    tensor([[2., 1.],
            [3., 1.]], dtype=torch.float64)
    """
    return torch.cat(
        [X.detach().double(), torch.ones(len(X), 1, dtype=torch.float64)], dim=1
    )


@checked
def least_squares(
    X: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Return the ``(w, b)`` that minimise :math:`\|\mathbf X\mathbf w + b - \mathbf y\|^2`.

    Solved in float64 on :math:`[\mathbf X, \mathbf 1]` (N >= d + 1), returned in ``X``'s dtype.

    >>> X = torch.tensor([[0.0], [1.0], [2.0]])
    >>> w, b = least_squares(X, 2 * X + 1)
    >>> round(float(w), 6), round(float(b), 6)
    (2.0, 1.0)
    """
    _enough_rows("X", X)
    d = X.shape[1]
    solution = torch.linalg.lstsq(
        design_matrix(X), y.double(), driver="gelsd"
    ).solution
    return solution[:d].to(X.dtype), solution[d:].reshape(1).to(X.dtype)


@checked
def mse_hessian(X: torch.Tensor) -> torch.Tensor:
    r"""Hessian of the MSE in :math:`(\mathbf w, b)`, :math:`H = \frac2N A^\top A`: (d + 1, d + 1).

    >>> mse_hessian(torch.tensor([[0.0], [1.0]]))
    tensor([[1., 1.],
            [1., 2.]], dtype=torch.float64)
    """
    A = design_matrix(X)
    return 2.0 / len(X) * A.T @ A


@checked(num_epochs="count0")
def gd_closed_form(
    x: torch.Tensor,
    y: torch.Tensor,
    initial: tuple[float, float],
    *,
    lr: float,
    num_epochs: int,
) -> tuple[float, float]:
    r"""Where gradient descent on the MSE leads, :math:`\theta_t = \theta^* + (I - \eta H)^t(\theta_0 - \theta^*)`.

    ``initial`` is :math:`\theta_0 = (w_0, b_0)`, :math:`\theta^*` the least-squares solution, in
    float64; ``num_epochs`` = 0 returns ``initial``.

    >>> x = torch.tensor([[0.0], [1.0], [2.0]])
    >>> [round(v, 4) for v in gd_closed_form(x, 2 * x + 1, (0.0, 0.0), lr=0.1, num_epochs=500)]
    [2.0, 1.0]
    """  # noqa: E501
    _enough_rows("x", x)
    w_star, b_star = least_squares(x.double(), y.double())
    theta_star = torch.cat([w_star.reshape(1), b_star]).reshape(2, 1)
    theta0 = torch.tensor(initial, dtype=torch.float64).reshape(2, 1)
    step = torch.eye(2, dtype=torch.float64) - lr * mse_hessian(x)
    theta = theta_star + torch.linalg.matrix_power(step, num_epochs) @ (
        theta0 - theta_star
    )
    return float(theta[0, 0]), float(theta[1, 0])
