r"""Recovering the random draws the articles did not print, from the numbers they did print.

- Article 001 printed a batch and the gradients at an unprinted initial ``w``:
  :func:`recover_initial_w` solves for it, :func:`rounding_sensitivity_001` says how precisely.
- Article 004 printed losses :math:`l = \tfrac12\delta^2` to 4 decimals: :func:`delta_from_losses`
  recovers :math:`\delta`, :func:`delta_bounds` bounds it, :func:`min_norm_w_004` gives the
  shortest ``w`` behind it, :func:`run_article_004` runs the article's code at any ``w`` (in
  float32, as the article did, or float64) and :func:`misses_004` says which printed numbers it
  fails to show.

>>> [round(v, 4) for v in recover_initial_w_001().flatten().tolist()]
[0.0173, -0.0099]
"""

from __future__ import annotations

from typing import Any, Literal

import torch

from linreg_src._validate import (
    check_column_pair,
    check_float_array,
    check_generator,
    check_positive,
    check_real_scalar,
    describe,
    require_backend,
)
from linreg_src.articles import ARTICLE_001, ARTICLE_004, _shown, as_tensor

__all__ = [
    "delta_bounds",
    "delta_bounds_004",
    "delta_from_losses",
    "min_norm_w_004",
    "misses_004",
    "recover_delta_004",
    "recover_initial_w",
    "recover_initial_w_001",
    "rounding_sensitivity_001",
    "rounds_to",
    "run_article_004",
]

Case = Literal["1d", "2d"]


def rounds_to(value: float, published: float, decimals: int) -> bool:
    """Whether ``value`` printed with ``decimals`` decimals shows ``published`` (``-0`` is ``0``).

    >>> rounds_to(-124.46705650, -124.4671, 4), rounds_to(-124.4670, -124.4671, 4)
    (True, False)
    """
    value, published = (
        check_real_scalar("value", value),
        check_real_scalar("published", published),
    )
    decimals = _check_decimals(decimals)
    return _shown(value, decimals) == _shown(published, decimals)


# -- article 001: the initial w behind the printed gradients ------------------------------------


def recover_initial_w(
    X: torch.Tensor, y: torch.Tensor, grad_w: torch.Tensor
) -> torch.Tensor:
    r"""Weights at which the summed loss (``b = 0``) has gradient ``grad_w``.

    :math:`\mathbf g = \mathbf X^\top(\mathbf X\mathbf w - \mathbf y) \iff
    \mathbf X^\top\mathbf X\,\mathbf w = \mathbf g + \mathbf X^\top\mathbf y`;
    X (N, d), y (N, 1), grad_w (d, 1) give w (d, 1); a leading batch
    dimension K solves K problems at once.

    >>> X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]).double()
    >>> w, y = torch.tensor([[0.5], [-1.0]]).double(), torch.ones(3, 1).double()
    >>> recover_initial_w(X, y, X.T @ (X @ w - y))
    tensor([[ 0.5000],
            [-1.0000]], dtype=torch.float64)
    """
    _check_solvable(X, y, grad_w)
    Xt = X.transpose(-2, -1)
    return _finite_w(
        torch.linalg.solve(Xt @ X, grad_w + Xt @ y)
    )  # (d, d) w = (d, 1)


def recover_initial_w_001() -> torch.Tensor:
    """Article 001's unprinted initial ``w``, shape (2, 1), from its printed batch and gradients.

    ``b.grad`` is not used, so it stays an independent check.

    >>> recover_initial_w_001().shape
    torch.Size([2, 1])
    """
    X = as_tensor(ARTICLE_001.inputs["X"])
    y = as_tensor(ARTICLE_001.inputs["y"])
    g = as_tensor(ARTICLE_001.published["grad_w"])
    return recover_initial_w(X, y, g)


def rounding_sensitivity_001(
    num_draws: int = 2000,
    *,
    generator: torch.Generator,
    perturb: tuple[str, ...] = ("X", "y", "grad_w"),
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Recovered ``w`` (num_draws, 2, 1) and predicted ``b.grad`` (num_draws,) under rounding.

    Each draw moves every printed number named in ``perturb`` (of ``"X"``, ``"y"``, ``"grad_w"``)
    by a uniform error within :math:`\pm 5\cdot10^{-5}`, the rounding to 4 decimals, then
    recovers ``w`` and predicts ``b.grad`` :math:`= \sum_i(\mathbf x^{(i)}\mathbf w - y^{(i)})`.

    >>> w, grad_b = rounding_sensitivity_001(500, generator=torch.Generator().manual_seed(0))
    >>> w.shape, grad_b.shape, bool(w.std(dim=0).max() < 1e-4)
    (torch.Size([500, 2, 1]), torch.Size([500]), True)
    """
    num_draws = int(check_positive("num_draws", num_draws, integer=True))
    check_generator(generator)
    names = ("X", "y", "grad_w")
    if isinstance(perturb, str) or not set(perturb) <= set(names):
        raise ValueError(
            f"perturb must be a tuple of names from {names}, got {perturb!r}"
        )
    half = 0.5 * 10.0**-ARTICLE_001.decimals

    def jitter(name: str, t: torch.Tensor) -> torch.Tensor:
        noise = torch.rand(
            (num_draws, *t.shape), generator=generator, dtype=t.dtype
        )
        return t + (2 * noise - 1) * half * (name in perturb)

    X = jitter("X", as_tensor(ARTICLE_001.inputs["X"]))
    y = jitter("y", as_tensor(ARTICLE_001.inputs["y"]))
    g = jitter("grad_w", as_tensor(ARTICLE_001.published["grad_w"]))
    w = recover_initial_w(X, y, g)
    grad_b = (X @ w - y).sum(dim=(1, 2))
    return w, grad_b


# -- article 004: the error terms behind the printed losses -------------------------------------


def delta_from_losses(
    losses: torch.Tensor, y_hat_minus_y_sign: torch.Tensor
) -> torch.Tensor:
    r"""Error terms from losses ``l = delta ** 2 / 2`` and the signs of delta.

    :math:`\delta = \pm\sqrt{2l}`; losses (N, 1) and y_hat_minus_y_sign (N, 1)
    of ±1 give delta (N, 1).

    >>> delta_from_losses(torch.tensor([[2.0]]).double(), torch.tensor([[-1.0]]))
    tensor([[-2.]], dtype=torch.float64)
    """
    _check_losses_and_signs(losses, y_hat_minus_y_sign)
    return y_hat_minus_y_sign.to(losses.dtype) * torch.sqrt(2 * losses)


def _printed_004(case: Any) -> dict[str, torch.Tensor]:
    """Article 004's numbers for ``case`` as float64 tensors: X, y, y_hat, losses."""
    if case not in ("1d", "2d"):
        raise ValueError(f'case must be "1d" or "2d", got {case!r}')
    p = ARTICLE_004.published
    return {
        "X": as_tensor(ARTICLE_004.inputs[f"X_{case}"]),
        "y": as_tensor(p[f"y_{case}"]),
        "y_hat": as_tensor(p[f"y_hat_{case}"]),
        "losses": as_tensor(p[f"loss_{case}"]),
    }


def recover_delta_004(case: Case) -> torch.Tensor:
    """Article 004's error terms (N, 1), float64, from its printed losses and predictions' signs.

    >>> recover_delta_004("1d")
    tensor([[-8.1865]], dtype=torch.float64)
    """
    p = _printed_004(case)
    return delta_from_losses(p["losses"], torch.sign(p["y_hat"] - p["y"]))


def min_norm_w_004(case: Case) -> torch.Tensor:
    r"""Shortest of the many ``w`` (3, 1) behind article 004's numbers.

    :math:`\mathbf w^+ = \mathbf X^+(\mathbf y + \boldsymbol\delta)`, with
    :math:`\mathbf X^+` the pseudo-inverse and :math:`\boldsymbol\delta` from
    :func:`recover_delta_004`.

    >>> X = as_tensor(ARTICLE_004.inputs["X_1d"])
    >>> round(float(X @ min_norm_w_004("1d")), 6)  # y + delta
    -2.186489
    """
    p = _printed_004(case)
    return torch.linalg.pinv(p["X"]) @ (p["y"] + recover_delta_004(case))


def run_article_004(case: Case, w: torch.Tensor) -> dict[str, torch.Tensor]:
    r"""Run article 004's code at ``w`` (3, 1), in w's dtype: y_hat, loss, grad_w.

    :math:`\hat{\mathbf y} = \mathbf X\mathbf w`,
    :math:`l^{(i)} = \tfrac12(\hat y^{(i)} - y^{(i)})^2`,
    then ``loss.sum().backward()``; y_hat and loss (N, 1), grad_w (3, 1).

    >>> out = run_article_004("1d", min_norm_w_004("1d"))
    >>> [f"{v:.4f}" for v in out["grad_w"].flatten().tolist()]
    ['-8.1865', '-16.3730', '-24.5595']
    """
    X, y = _script_data_004(case, w)
    w = w.detach().clone().requires_grad_(True)
    y_hat = X @ w  # (N, 3) @ (3, 1) = (N, 1)
    loss = (y_hat - y) ** 2 / 2
    loss.sum().backward()
    return {"y_hat": y_hat.detach(), "loss": loss.detach(), "grad_w": w.grad}


def misses_004(case: Case, outputs: dict[str, torch.Tensor]) -> list[str]:
    """Which of article 004's printed numbers ``outputs`` (of :func:`run_article_004`) misses.

    Each is named as the record names it, with its index: ``"grad_w_2d[1]"``; ``[]`` if
    ``outputs``, printed to 4 decimals, shows every number the article printed.

    >>> misses_004("2d", run_article_004("2d", min_norm_w_004("2d")))
    []
    """
    _printed_004(case)
    _check_outputs_004(outputs)
    missed = []
    for name in ("y_hat", "loss", "grad_w"):
        printed = ARTICLE_004.published[f"{name}_{case}"]
        live = outputs[name].detach().flatten().tolist()
        if len(live) != len(printed):
            raise ValueError(
                f'outputs["{name}"] must hold {len(printed)} numbers for case {case!r}, '
                f"got {len(live)}"
            )
        missed += [
            f"{name}_{case}[{k}]"
            for k, (a, b) in enumerate(zip(live, printed, strict=True))
            if not rounds_to(a, b, ARTICLE_004.decimals)
        ]
    return missed


def delta_bounds(
    losses: torch.Tensor, y_hat: torch.Tensor, y: torch.Tensor, *, decimals: int
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Bounds (lower, upper), each (N, 1), on the :math:`\delta` that printed numbers allow.

    With :math:`h = \frac12 10^{-\text{decimals}}`: :math:`\sqrt{2(l-h)} \le |\delta| \le
    \sqrt{2(l+h)}` (sign of :math:`\hat y - y`) intersected with
    :math:`|\delta - (\hat y - y)| \le h`.

    >>> one = dict(dtype=torch.float64)
    >>> lo, hi = delta_bounds(torch.tensor([[2.0]], **one), torch.tensor([[-1.0]], **one),
    ...                       torch.tensor([[1.0]], **one), decimals=1)
    >>> round(float(lo), 4), round(float(hi), 4)
    (-2.0248, -1.9748)
    """
    _check_printed(losses, y_hat, y, decimals)
    half = 0.5 * 10.0**-decimals
    gap = y_hat - y
    sign = torch.sign(gap)
    big = torch.sqrt(2 * (losses + half))
    small = torch.sqrt(torch.clamp(2 * (losses - half), min=0.0))
    from_loss = (
        torch.minimum(sign * small, sign * big),
        torch.maximum(sign * small, sign * big),
    )
    lower = torch.maximum(from_loss[0], gap - half)
    upper = torch.minimum(from_loss[1], gap + half)
    if bool((lower > upper).any()):
        raise ValueError(
            "the printed losses and predictions contradict each other: no delta rounds to both"
        )
    return lower, upper


def delta_bounds_004(case: Case) -> tuple[torch.Tensor, torch.Tensor]:
    """Bound article 004's error terms by :func:`delta_bounds` at its numbers and 4 decimals.

    >>> lo, hi = delta_bounds_004("1d")
    >>> float(hi - lo) < 2e-5
    True
    """
    p = _printed_004(case)
    return delta_bounds(
        p["losses"], p["y_hat"], p["y"], decimals=ARTICLE_004.decimals
    )


# -- the checks at the edges ----------------------------------------------------------------------


def _check_solvable(X: Any, y: Any, grad_w: Any) -> None:
    """Refuse what :func:`recover_initial_w` cannot solve: bad data, shapes, rank or scale."""
    require_backend("torch", "recover", X=X, y=y, grad_w=grad_w)
    check_float_array("X", X, ndim=(2, 3))
    check_float_array("y", y, ndim=X.ndim)
    check_float_array("grad_w", grad_w, ndim=X.ndim)
    *batch, n, d = X.shape
    if tuple(y.shape) != (*batch, n, 1) or tuple(grad_w.shape) != (*batch, d, 1):
        raise ValueError(
            f"with X of shape {tuple(X.shape)}, y must have shape {(*batch, n, 1)} and grad_w "
            f"{(*batch, d, 1)}, got {tuple(y.shape)} and {tuple(grad_w.shape)}"
        )
    tiny, huge = torch.finfo(X.dtype).tiny ** 0.25, torch.finfo(X.dtype).max ** 0.25
    biggest = float(X.abs().max())
    if biggest > huge or 0 < biggest < tiny:
        raise ValueError(
            f"X's largest entry must lie between {tiny:.3g} and {huge:.3g} in magnitude, so "
            f"that X^T X is representable in {X.dtype}, got {biggest:.3g}"
        )
    # the rank of X^T X, not of X: the solve needs X^T X invertible in the working precision
    if bool((torch.linalg.matrix_rank(X.transpose(-2, -1) @ X) < d).any()):
        raise ValueError(
            f"X of shape {tuple(X.shape)} has rank < {d}, so X^T X is singular and the gradient "
            "does not determine w: moving w along the null space of X changes neither X @ w nor "
            "the gradient (fewer examples than weights, or dependent columns)"
        )


def _finite_w(w: torch.Tensor) -> torch.Tensor:
    """Return ``w`` if finite; else blame the scale of recover_initial_w's arguments."""
    if not bool(torch.isfinite(w).all()):
        raise ValueError(
            f"X, y and grad_w are too large or too small for {w.dtype}: solving "
            "X^T X w = grad_w + X^T y overflows; scale them towards 1"
        )
    return w


def _check_losses_and_signs(losses: Any, sign: Any) -> None:
    """Refuse what :func:`delta_from_losses` cannot invert: bad losses, signs or shapes."""
    require_backend("torch", "recover", losses=losses, y_hat_minus_y_sign=sign)
    check_float_array("losses", losses, ndim=2)
    if losses.shape != sign.shape:
        raise ValueError(
            f"y_hat_minus_y_sign must have the shape of losses {tuple(losses.shape)}, "
            f"got shape {tuple(sign.shape)}"
        )
    if not bool((sign.abs() == 1).all()):
        raise ValueError(
            "y_hat_minus_y_sign must hold only +1 or -1 (the sign of y_hat - y), "
            f"got {sign.flatten().tolist()}"
        )
    if bool((losses < 0).any()):
        raise ValueError("losses must be >= 0: a squared loss cannot be negative")
    top = torch.finfo(losses.dtype).max / 2
    if bool((losses > top).any()):
        raise ValueError(
            f"losses must be at most {top:.3g} (half the largest {losses.dtype}), got "
            f"{float(losses.max()):.3g}: 2 * losses would overflow"
        )


def _check_printed(losses: Any, y_hat: Any, y: Any, decimals: Any) -> None:
    """Refuse printed numbers :func:`delta_bounds` cannot bound: shapes, signs, scale, decimals."""
    require_backend("torch", "recover", losses=losses, y_hat=y_hat, y=y)
    _check_decimals(decimals)
    check_column_pair(y_hat, y)
    check_column_pair(losses, y, names=("losses", "y"))
    if bool((losses < 0).any()):
        raise ValueError(f"losses must be >= 0, got {losses.flatten().tolist()}")
    top = torch.finfo(y.dtype).max / 4
    for name, t in (("losses", losses), ("y_hat", y_hat), ("y", y)):
        if bool((t.abs() > top).any()):
            raise ValueError(
                f"{name} must lie within ±{top:.3g} (a quarter of the largest {y.dtype}), got "
                f"{t.flatten().tolist()}: the bounds would overflow"
            )
    if bool((y_hat == y).any()):
        raise ValueError(
            f"y_hat equals y for some example ({y_hat.flatten().tolist()} vs "
            f"{y.flatten().tolist()}): the sign of delta is unknown"
        )


def _script_data_004(case: Any, w: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Article 004's X and y in ``w``'s dtype, once ``w`` is a finite float (3, 1) tensor."""
    p = _printed_004(case)
    require_backend("torch", "recover", w=w)
    check_float_array("w", w, ndim=2)
    if tuple(w.shape) != (3, 1):
        raise ValueError(
            f"w must have shape (3, 1), a column of article 004's three weights, "
            f"got {tuple(w.shape)}"
        )
    if bool((w.abs() > 1e15).any()):
        raise ValueError(
            f"w must lie within ±1e15 (so that the loss stays finite in float32), got "
            f"{w.flatten().tolist()}"
        )
    return p["X"].to(w.dtype), p["y"].to(w.dtype)


def _check_outputs_004(outputs: Any) -> None:
    """Refuse ``outputs`` that is not a dict of y_hat, loss and grad_w tensors."""
    names = ("y_hat", "loss", "grad_w")
    if not isinstance(outputs, dict) or not all(
        isinstance(outputs.get(n), torch.Tensor) for n in names
    ):
        raise TypeError(
            f"outputs must be the dict run_article_004 returns, with tensors {names}, "
            f"got {describe(outputs)}"
        )
    for n in names:
        check_float_array(f'outputs["{n}"]', outputs[n], ndim=2)


def _check_decimals(decimals: Any) -> int:
    """Return ``decimals`` if it is a whole number >= 0."""
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(
            f"decimals must be a whole number, got {describe(decimals)}"
        )
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    if decimals > 20:
        raise ValueError(
            f"decimals must be at most 20 (a float holds 17 digits), got {decimals}"
        )
    return decimals
