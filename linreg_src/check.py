r"""Checking a gradient formula: several results compared pair by pair, and ``gradcheck``.

:func:`compare_gradients` puts any number of results for the same parameters side by side;
:func:`assert_gradients_agree` fails, naming the pair and the parameter, when two disagree;
:func:`gradcheck_hand_formula` hands the hand formula to :func:`torch.autograd.gradcheck`.

A loss is named by ``loss`` -- ``"squared"``, d2l's :math:`\frac12(\hat y - y)^2`, or ``"mse"``,
``nn.MSELoss``'s :math:`(\hat y - y)^2` -- and its ``reduction``, ``"sum"`` or ``"mean"``.

>>> g = (torch.tensor([[2.0], [4.0]]), torch.tensor([1.0]))
>>> compare_gradients({"autograd": g, "hand": g}).max_rel
0.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import torch

from linreg_src._validate import (
    check_column_pair,
    check_linreg_args,
    check_real_scalar,
    describe,
    require_backend,
)
from linreg_src.grad import squared_loss_grads

__all__ = [
    "GradientComparison",
    "GradientMismatchError",
    "HandLinregLoss",
    "assert_gradients_agree",
    "check_loss",
    "compare_gradients",
    "gradcheck_hand_formula",
]

Loss = Literal["squared", "mse"]
Reduction = Literal["sum", "mean"]


def check_loss(loss: Any, reduction: Any) -> None:
    """Refuse a loss not ``"squared"`` or ``"mse"``, or a reduction not ``"sum"`` or ``"mean"``.

    >>> check_loss("squared", "mse")
    Traceback (most recent call last):
    ...
    ValueError: reduction must be "sum" or "mean", got 'mse'
    """
    if loss not in ("squared", "mse"):
        raise ValueError(
            'loss must be "squared" (½(y_hat - y)², d2l) or "mse" ((y_hat - y)², nn.MSELoss), '
            f"got {loss!r}"
        )
    if reduction not in ("sum", "mean"):
        raise ValueError(f'reduction must be "sum" or "mean", got {reduction!r}')


class GradientMismatchError(AssertionError):
    """Two ways of computing the same gradient disagree beyond the stated tolerance."""


def _rel(gap: float, scale: float) -> float:
    return 0.0 if gap == 0.0 else gap / scale


@dataclass(frozen=True)
class GradientComparison:
    """How far several methods' gradients lie apart, for every pair of methods and parameter.

    ``gaps[(a, b, param)] = (max |a - b|, scale)``, the scale being the largest magnitude either
    method reports for that parameter; a relative gap is their ratio.
    """

    methods: tuple[str, ...]
    param_names: tuple[str, ...]
    gaps: Mapping[tuple[str, str, str], tuple[float, float]]

    @property
    def label(self) -> str:
        """The methods' names joined by ``" vs "``."""
        return " vs ".join(self.methods)

    @property
    def max_abs(self) -> float:
        """Largest absolute gap."""
        return max(gap for gap, _ in self.gaps.values())

    @property
    def max_rel(self) -> float:
        """Largest relative gap (0 where both gradients are exactly zero)."""
        return max(_rel(gap, scale) for gap, scale in self.gaps.values())

    @property
    def pairs(self) -> tuple[GradientComparison, ...]:
        """One comparison per unordered pair of methods, in the order the methods came."""
        return tuple(
            GradientComparison(
                (a, b),
                self.param_names,
                MappingProxyType(
                    {k: v for k, v in self.gaps.items() if k[:2] == (a, b)}
                ),
            )
            for a, b in itertools.combinations(self.methods, 2)
        )

    @property
    def worst(self) -> GradientComparison:
        """The pair with the largest relative gap."""
        return max(self.pairs, key=lambda p: p.max_rel)

    def table(self) -> str:
        """One line per pair with its largest absolute and relative gap, then the maximum.

        >>> g = (torch.tensor([3.0]),)
        >>> print(compare_gradients({"a": g, "b": (2 * g[0],)}).table())
        pair    max |a-b|    max rel
        a vs b    3.0e+00    5.0e-01
        max       3.0e+00    5.0e-01
        """
        width = max(len("max"), *(len(p.label) for p in self.pairs))
        lines = [f"{'pair':<{width}}  {'max |a-b|':>9}  {'max rel':>9}"]
        rows = [(p.label, p.max_abs, p.max_rel) for p in self.pairs]
        rows.append(("max", self.max_abs, self.max_rel))
        for label, a, r in rows:
            lines.append(f"{label:<{width}}  {a:>9.1e}  {r:>9.1e}")
        return "\n".join(lines)

    def check(self, *, atol: float, rtol: float) -> None:
        r"""Raise unless each gap is at most ``atol + rtol * scale`` (tolerances >= 0).

        >>> g = (torch.tensor([3.0]),)
        >>> compare_gradients({"a": g, "b": g}).check(atol=0, rtol=0)
        """
        atol, rtol = _check_tolerance("atol", atol), _check_tolerance("rtol", rtol)
        for (a, b, param), (gap, scale) in self.gaps.items():
            allowed = atol + rtol * scale
            if not gap <= allowed:
                raise GradientMismatchError(
                    f"{a} vs {b} disagree on the gradient of {param}: "
                    f"max |a-b| = {gap:.3e} (relative {_rel(gap, scale):.3e}) exceeds "
                    f"atol + rtol*scale = {atol:g} + {rtol:g}*{scale:.3e} = {allowed:.3e}; "
                    "one of the two formulas (or its precision) is wrong"
                )


def compare_gradients(
    results: Mapping[str, Sequence[Any]],
    *,
    param_names: Sequence[str] | None = None,
) -> GradientComparison:
    """Compare several methods' gradients for the same parameters, pair by pair, in float64.

    ``results`` maps each method to its gradients, one per parameter, in the same order and with
    exactly the same shapes: ``{"autograd": (grad_w, grad_b), "hand": (...)}``.

    >>> good = (torch.tensor([[2.0], [4.0]]), torch.tensor([1.0]))
    >>> off = (torch.tensor([[2.0], [4.1]]), torch.tensor([1.0]))
    >>> cmp = compare_gradients({"autograd": good, "hand": off}, param_names=("w", "b"))
    >>> cmp.label, f"{cmp.max_abs:.1e}", f"{cmp.max_rel:.1e}"
    ('autograd vs hand', '1.0e-01', '2.4e-02')
    """
    arrays, names = _float64_results(results, param_names)
    gaps = {}
    for a, b in itertools.combinations(arrays, 2):
        for name, ga, gb in zip(names, arrays[a], arrays[b], strict=True):
            with np.errstate(
                over="ignore"
            ):  # an overflow is refused below, naming both
                gap = float(np.max(np.abs(ga - gb), initial=0.0))
            scale = float(
                max(
                    np.max(np.abs(ga), initial=0.0), np.max(np.abs(gb), initial=0.0)
                )
            )
            if not math.isfinite(gap):
                raise ValueError(
                    f"results[{a!r}] and results[{b!r}] differ on {name} by more than the "
                    "largest float64: their difference overflows"
                )
            gaps[(a, b, name)] = (gap, scale)
    return GradientComparison(tuple(arrays), names, MappingProxyType(gaps))


def assert_gradients_agree(
    results: Mapping[str, Sequence[Any]],
    *,
    atol: float,
    rtol: float,
    param_names: Sequence[str] | None = None,
) -> GradientComparison:
    """Compare like :func:`compare_gradients`, and raise if a pair exceeds the tolerance.

    >>> g = torch.tensor([[3.0]])  # a hand formula that forgot the ½: off by a factor of 2
    >>> assert_gradients_agree({"autograd": (g,), "hand": (2 * g,)}, atol=0, rtol=1e-8,
    ...                        param_names=("w",))
    Traceback (most recent call last):
    ...
    linreg_src.check.GradientMismatchError: autograd vs hand disagree on the gradient of w: max |a-b| = 3.000e+00 (relative 5.000e-01) exceeds atol + rtol*scale = 0 + 1e-08*6.000e+00 = 6.000e-08; one of the two formulas (or its precision) is wrong
    """  # noqa: E501
    comparison = compare_gradients(results, param_names=param_names)
    comparison.check(atol=atol, rtol=rtol)
    return comparison


# -- torch.autograd.gradcheck on the hand formula -------------------------------------------------


class HandLinregLoss(torch.autograd.Function):
    r"""Loss of :math:`\hat y = Xw + b` whose backward is the hand formula, not autograd's."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        X: torch.Tensor,
        y: torch.Tensor,
        w: torch.Tensor,
        b: torch.Tensor,
        loss: Loss,
        reduction: Reduction,
    ) -> torch.Tensor:
        """Return the reduced loss; remember the inputs for backward."""
        ctx.save_for_backward(X, y, w, b)
        ctx.loss, ctx.reduction = loss, reduction
        r = X @ w + b - y
        per_example = r**2 if loss == "mse" else r**2 / 2
        return per_example.sum() if reduction == "sum" else per_example.mean()

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        r"""Return ``grad_output`` times the hand gradients of ``w`` and ``b``.

        :math:`c\,\mathbf X^\top\boldsymbol\delta` and :math:`c\sum_i\delta^{(i)}`, with
        :math:`c = 1` (``"sum"``) or :math:`1/N` (``"mean"``), doubled for ``"mse"``.
        """
        X, y, w, b = ctx.saved_tensors
        grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction=ctx.reduction)
        if ctx.loss == "mse":  # (y_hat - y)² is twice ½(y_hat - y)²
            grad_w, grad_b = 2 * grad_w, 2 * grad_b
        return None, None, grad_output * grad_w, grad_output * grad_b, None, None


def gradcheck_hand_formula(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    loss: Loss = "squared",
    reduction: Reduction = "sum",
) -> bool:
    """Run :func:`torch.autograd.gradcheck` on :class:`HandLinregLoss`, in float64.

    ``True`` when the hand formula matches finite differences; gradcheck raises otherwise.

    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = torch.randn(4, 2, generator=g).double(), torch.randn(4, 1, generator=g).double()
    >>> w, b = torch.zeros(2, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    >>> gradcheck_hand_formula(X, y, w, b, loss="mse", reduction="mean")
    True
    """
    _check_gradcheck_args(X, y, w, b, loss, reduction)
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    return bool(
        torch.autograd.gradcheck(
            lambda w_, b_: HandLinregLoss.apply(X, y, w_, b_, loss, reduction),
            (w, b),
        )
    )


# -- checks at the edges --------------------------------------------------------------------------


def _check_tolerance(name: str, value: Any) -> float:
    number = check_real_scalar(name, value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


def _as_float64(method: str, param: str, value: Any) -> np.ndarray:
    """``value`` (tensor, array or number) as a float64 array; refuse anything else or NaN/inf."""
    where = f"results[{method!r}] for {param}"
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    elif isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where} must be numbers, got {describe(value)}")
    elif isinstance(value, (int, float, np.number)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{where} must be a torch.Tensor, numpy.ndarray or number, got {describe(value)}"
        )
    if not (
        np.issubdtype(value.dtype, np.floating)
        or np.issubdtype(value.dtype, np.integer)
    ):
        raise TypeError(f"{where} must hold real numbers, got dtype {value.dtype}")
    array = value.astype(np.float64)
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"{where} contains NaN or infinite values")
    return array


def _float64_results(
    results: Any, param_names: Any
) -> tuple[dict[str, list[np.ndarray]], tuple[str, ...]]:
    """Check ``results``; return each method's gradients as float64 arrays, and the names."""
    if not isinstance(results, Mapping):
        raise TypeError(
            'results must be a mapping such as {"autograd": (grad_w, grad_b), "hand": (...)}, '
            f"got {describe(results)}"
        )
    if len(results) < 2:
        raise ValueError(
            f"results needs at least two methods to compare, got {len(results)}"
        )
    arrays: dict[str, list[np.ndarray]] = {}
    names: list[str] | None = None
    for method, grads in results.items():
        if not isinstance(method, str):
            raise TypeError(f"method names must be str, got {describe(method)}")
        if isinstance(grads, (torch.Tensor, np.ndarray, str)) or not isinstance(
            grads, Sequence
        ):
            raise TypeError(
                f"results[{method!r}] must be a tuple of gradients, one per parameter, "
                f"got {describe(grads)}; wrap a single gradient as (g,)"
            )
        if names is None:
            if len(grads) == 0:
                raise ValueError(f"results[{method!r}] holds no gradient")
            if param_names is None:
                param_names = [f"param {k}" for k in range(len(grads))]
            names = [str(n) for n in param_names]
            if len(names) != len(grads):
                raise ValueError(
                    f"param_names has {len(names)} names but results[{method!r}] holds "
                    f"{len(grads)} gradients"
                )
        elif len(grads) != len(names):
            raise ValueError(
                f"results[{method!r}] holds {len(grads)} gradients, the first method {len(names)}"
            )
        arrays[method] = [
            _as_float64(method, n, g) for n, g in zip(names, grads, strict=True)
        ]
    assert names is not None
    first, *others = arrays
    for method in others:
        for name, a, b in zip(names, arrays[first], arrays[method], strict=True):
            if a.shape != b.shape:
                raise ValueError(
                    f"the gradient of {name} has shape {a.shape} from {first!r} but {b.shape} "
                    f"from {method!r}; a gradient has the shape of its parameter"
                )
    return arrays, tuple(names)


def _check_gradcheck_args(
    X: Any, y: Any, w: Any, b: Any, loss: Any, reduction: Any
) -> None:
    require_backend("torch", "grad", X=X, y=y, w=w, b=b)
    check_linreg_args(X, w, b)
    with torch.no_grad():
        check_column_pair(X @ w + b, y, names=("X @ w + b", "y"))
        if not bool(torch.isfinite(((X @ w + b - y) ** 2).sum())):
            raise ValueError(
                f"X, y, w and b are too large: the loss overflows {X.dtype}"
            )
    if X.dtype != torch.float64:
        raise TypeError(
            f"gradcheck needs float64 tensors (its finite differences are too coarse in "
            f"{X.dtype}); convert with .double()"
        )
    check_loss(loss, reduction)
