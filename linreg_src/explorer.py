r"""The gradient explorer's numbers: every value it shows, computed ahead on a grid of (w, b).

The error-term chapter has sliders for :math:`w` and :math:`b` (``{gradient-explorer}``,
``conf/_ext/linreg_explorer.py``). The browser computes nothing: for every slider position it
looks up what :func:`gradient_grid` computed here with the book's own functions -- the
prediction :math:`\hat y^{(i)}`, the error term :math:`\delta^{(i)}`, the summed loss :math:`L`,
the gradients :math:`\mathbf X^\top\boldsymbol\delta` and :math:`\sum_i \delta^{(i)}` -- and
draws the loss curve over :math:`w` with the tangent whose slope is that gradient.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import torch

from linreg_src._validate import check_real_scalar
from linreg_src.grad import error_term, squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg

__all__ = ["gradient_grid", "grid_json", "grid_values"]


def grid_values(start: float, stop: float, count: int) -> list[float]:
    """``count`` evenly spaced slider positions from ``start`` to ``stop``, both included.

    >>> grid_values(1.0, 2.0, 5)
    [1.0, 1.25, 1.5, 1.75, 2.0]
    """
    start = check_real_scalar("start", start)
    stop = check_real_scalar("stop", stop)
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise ValueError(f"count must be a whole number >= 2, got {count!r}")
    if not start < stop:
        raise ValueError(
            f"start must be less than stop, got start={start}, stop={stop}"
        )
    step = (stop - start) / (count - 1)
    return [round(start + k * step, 12) for k in range(count)]


def _check_values(name: str, values: Any) -> list[float]:
    if (
        isinstance(values, (str, bytes))
        or not isinstance(values, Sequence)
        or not values
    ):
        raise TypeError(
            f"{name} must be a non-empty sequence of numbers, got {values!r}"
        )
    checked = [check_real_scalar(f"{name}[{k}]", v) for k, v in enumerate(values)]
    if any(a >= b for a, b in itertools.pairwise(checked)):
        raise ValueError(f"{name} must be increasing, got {checked}")
    return checked


def gradient_grid(
    X: torch.Tensor,
    y: torch.Tensor,
    w_values: Sequence[float],
    b_values: Sequence[float],
) -> dict[str, Any]:
    r"""Everything the explorer shows for each ``(w, b)``: one feature, ``N`` samples.

    Parameters
    ----------
    X : torch.Tensor, shape (N, 1)
        The samples' one feature (float64).
    y : torch.Tensor, shape (N, 1)
        Their labels.
    w_values, b_values : sequence of float
        The slider positions, increasing.

    Returns
    -------
    dict
        ``x``, ``y`` (lists of N), ``w``, ``b`` (the positions), and, indexed
        ``[i_w][i_b]``: ``y_hat`` and ``delta`` (lists of N), ``loss`` (:math:`L`, summed),
        ``grad_w`` (:math:`\mathbf X^\top\boldsymbol\delta`) and
        ``grad_b`` (:math:`\sum_i\delta^{(i)}`), from :func:`~linreg_src.grad.squared_loss_grads`.

    Examples
    --------
    >>> X = torch.tensor([[100.0]], dtype=torch.float64)
    >>> y = torch.tensor([[200.0]], dtype=torch.float64)
    >>> g = gradient_grid(X, y, [1.8, 2.0], [0.0])
    >>> g["y_hat"][0][0], g["delta"][0][0], g["loss"][0][0], g["grad_w"][0][0]
    ([180.0], [-20.0], 200.0, -2000.0)
    """
    if (
        not isinstance(X, torch.Tensor)
        or X.ndim != 2
        or X.shape[1] != 1
        or len(X) == 0
    ):
        raise ValueError(
            f"X must be a tensor of shape (N, 1) with N >= 1, got {X!r}"
        )
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != tuple(X.shape):
        raise ValueError(f"y must be a tensor of shape {tuple(X.shape)}, got {y!r}")
    ws = _check_values("w_values", w_values)
    bs = _check_values("b_values", b_values)
    X, y = X.to(torch.float64), y.to(torch.float64)
    grid: dict[str, Any] = {
        "x": X.flatten().tolist(),
        "y": y.flatten().tolist(),
        "w": ws,
        "b": bs,
    }
    for key in ("y_hat", "delta", "loss", "grad_w", "grad_b"):
        grid[key] = [[None] * len(bs) for _ in ws]
    for i, w_value in enumerate(ws):
        for j, b_value in enumerate(bs):
            w = torch.tensor([[w_value]], dtype=torch.float64)
            b = torch.tensor([b_value], dtype=torch.float64)
            y_hat = linreg(X, w, b)
            grad_w, grad_b = squared_loss_grads(X, y, w, b)
            grid["y_hat"][i][j] = y_hat.flatten().tolist()
            grid["delta"][i][j] = error_term(y_hat, y).flatten().tolist()
            grid["loss"][i][j] = float(squared_loss(y_hat, y).sum())
            grid["grad_w"][i][j] = float(grad_w)
            grid["grad_b"][i][j] = float(grad_b)
    return grid


def grid_json(grid: dict[str, Any]) -> str:
    """Return the grid as compact JSON with sorted keys, as the page embeds it."""
    return json.dumps(grid, sort_keys=True, separators=(",", ":"))
