r"""The gradient of linear regression derived by SymPy, exactly, for a small batch.

Every entry of a batch of N examples with d features is a symbol (:math:`x^{(i)}_j`, :math:`w_j`,
:math:`b`, :math:`y^{(i)}`); SymPy differentiates the loss with no rounding and no chain rule
applied by hand, and the functions below show that its answer *is* the book's formulas:
:math:`\mathbf X^\top\boldsymbol\delta`, :math:`\sum_i\delta^{(i)}`, and the factors
:math:`1/N` (mean) and :math:`2` (``nn.MSELoss``'s :math:`(\hat y - y)^2`).

A loss is named by ``loss`` -- ``"squared"``, d2l's :math:`\frac12(\hat y - y)^2`, or ``"mse"``,
``nn.MSELoss``'s :math:`(\hat y - y)^2` -- and its ``reduction`` over the batch, ``"sum"`` or
``"mean"``. ``nn.MSELoss()`` is ``loss="mse", reduction="mean"``.

>>> gradient_equals_matrix_form(3, 2)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
import torch

from linreg_src._validate import (
    check_column_pair,
    check_linreg_args,
    check_positive,
    require_backend,
)
from linreg_src.check import Loss, Reduction, check_loss

__all__ = [
    "LinregSymbols",
    "SymbolicStep",
    "derivation_steps",
    "gradient_equals_matrix_form",
    "gradient_function",
    "gradient_in_delta",
    "linreg_symbols",
    "matrix_form",
    "symbolic_gradient",
    "symbolic_loss",
]

#: Largest batch the symbolic functions accept: expressions grow with N·d and SymPy slows down.
MAX_N, MAX_D = 30, 8


@dataclass(frozen=True)
class LinregSymbols:
    r"""Symbols of one batch, named in LaTeX: X (N, d), w (d, 1), b, y (N, 1), delta (N, 1).

    ``delta`` holds the symbols :math:`\delta^{(i)}` that stand for the error terms.
    """

    X: sp.Matrix
    w: sp.Matrix
    b: sp.Symbol
    y: sp.Matrix
    delta: sp.Matrix

    @property
    def n(self) -> int:
        """Number of examples N."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Number of features d."""
        return int(self.X.shape[1])

    def prediction(self) -> sp.Matrix:
        r"""Return :math:`\hat{\mathbf y} = \mathbf X\mathbf w + b\mathbf 1`, shape (N, 1)."""
        return self.X * self.w + self.b * sp.ones(self.n, 1)

    def residual(self) -> sp.Matrix:
        r"""Return :math:`\hat{\mathbf y} - \mathbf y` in terms of X, w, b, y, shape (N, 1)."""
        return self.prediction() - self.y

    def delta_values(self) -> dict[sp.Symbol, sp.Expr]:
        r"""Return the definitions :math:`\delta^{(i)} = \mathbf x^{(i)}\mathbf w + b - y^{(i)}`."""
        return {self.delta[i]: self.residual()[i] for i in range(self.n)}


def linreg_symbols(n: int, d: int) -> LinregSymbols:
    r"""Create the symbols of a batch: ``n`` examples (at most 30), ``d`` features (at most 8).

    >>> s = linreg_symbols(2, 3)
    >>> s.X.shape, s.w.shape, s.X[1, 2], s.delta[0]
    ((2, 3), (3, 1), x^{(2)}_{3}, \delta^{(1)})
    """
    n, d = _check_size(n, d)
    X = sp.Matrix(
        n, d, lambda i, j: sp.Symbol(f"x^{{({i + 1})}}_{{{j + 1}}}", real=True)
    )
    w = sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"w_{{{j + 1}}}", real=True))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y^{{({i + 1})}}", real=True))
    delta = sp.Matrix(
        n, 1, lambda i, _: sp.Symbol(rf"\delta^{{({i + 1})}}", real=True)
    )
    return LinregSymbols(X=X, w=w, b=sp.Symbol("b", real=True), y=y, delta=delta)


def symbolic_loss(
    sym: LinregSymbols, *, loss: Loss = "squared", reduction: Reduction = "sum"
) -> sp.Expr:
    r"""Batch loss as a SymPy expression: :math:`\sum_i \tfrac12 r_i^2` by default.

    :math:`r_i = \mathbf x^{(i)}\mathbf w + b - y^{(i)}`; ``loss="mse"`` drops the
    :math:`\tfrac12`, ``reduction="mean"`` divides by N.

    >>> symbolic_loss(linreg_symbols(1, 1))
    (b + w_{1}*x^{(1)}_{1} - y^{(1)})**2/2
    """
    _check_symbols(sym)
    check_loss(loss, reduction)
    r = sym.residual()
    if loss == "mse":
        total = sp.Add(*(r[i] ** 2 for i in range(sym.n)))
    else:
        total = sp.Add(*(r[i] ** 2 / 2 for i in range(sym.n)))
    return total if reduction == "sum" else total / sym.n


def symbolic_gradient(
    sym: LinregSymbols, *, loss: Loss = "squared", reduction: Reduction = "sum"
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Differentiate :func:`symbolic_loss` by every :math:`w_j` (a (d, 1) matrix) and by :math:`b`.

    >>> symbolic_gradient(linreg_symbols(2, 1))[1]
    2*b + w_{1}*x^{(1)}_{1} + w_{1}*x^{(2)}_{1} - y^{(1)} - y^{(2)}
    """
    total = symbolic_loss(sym, loss=loss, reduction=reduction)
    grad_w = sp.Matrix(sym.d, 1, lambda j, _: sp.diff(total, sym.w[j]))
    return grad_w, sp.diff(total, sym.b)


def gradient_in_delta(
    sym: LinregSymbols, *, loss: Loss = "squared", reduction: Reduction = "sum"
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Write the gradient with the error terms :math:`\delta^{(i)}`, by SymPy's chain rule.

    The loss is written in unknown functions :math:`\delta^{(i)}(\mathbf w, b)`; SymPy's ``diff``
    leaves :math:`\sum_i \delta^{(i)}\,\partial\delta^{(i)}/\partial w_j`, and each inner
    derivative is replaced by SymPy's derivative of the residual (:math:`x^{(i)}_j`, or 1).

    >>> gradient_in_delta(linreg_symbols(2, 1))
    (Matrix([[\delta^{(1)}*x^{(1)}_{1} + \delta^{(2)}*x^{(2)}_{1}]]), \delta^{(1)} + \delta^{(2)})
    """
    _check_symbols(sym)
    check_loss(loss, reduction)
    params = [*sym.w, sym.b]
    funcs = [
        sp.Function(sym.delta[i].name, real=True)(*params) for i in range(sym.n)
    ]
    if loss == "mse":
        total = sp.Add(*(f**2 for f in funcs))
    else:
        total = sp.Add(*(f**2 / 2 for f in funcs))
    total = total if reduction == "sum" else total / sym.n
    residual = sym.residual()
    back = dict(zip(funcs, sym.delta, strict=True))

    def by(p: sp.Symbol) -> sp.Expr:
        inner = {
            sp.Derivative(f, p): sp.diff(residual[i], p)
            for i, f in enumerate(funcs)
        }
        return sp.expand(sp.diff(total, p).xreplace(inner).xreplace(back))

    return sp.Matrix(sym.d, 1, lambda j, _: by(sym.w[j])), by(sym.b)


def matrix_form(
    sym: LinregSymbols,
    *,
    loss: Loss = "squared",
    reduction: Reduction = "sum",
    in_delta: bool = False,
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Build the book's gradients :math:`c\mathbf X^\top\boldsymbol\delta` and :math:`c\sum\delta`.

    :math:`c` is 1 for the summed ½-squared loss, times :math:`1/N` for a mean, times 2 for
    ``loss="mse"``; ``in_delta`` writes :math:`\delta^{(i)}` instead of the residuals.

    >>> matrix_form(linreg_symbols(2, 1), loss="mse", reduction="mean", in_delta=True)[1]
    \delta^{(1)} + \delta^{(2)}
    """
    _check_symbols(sym)
    check_loss(loss, reduction)
    delta = sym.delta if in_delta else sym.residual()
    c = sp.Rational(2 if loss == "mse" else 1, sym.n if reduction == "mean" else 1)
    return c * (sym.X.T * delta), c * sp.Add(*delta)


def _is_zero(expr: Any) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return all(sp.simplify(e) == 0 for e in expr)
    return bool(sp.simplify(expr) == 0)


def gradient_equals_matrix_form(
    n: int, d: int, *, loss: Loss = "squared", reduction: Reduction = "sum"
) -> bool:
    r"""Whether SymPy's gradient minus :func:`matrix_form` simplifies to zero, for ``w`` and ``b``.

    >>> gradient_equals_matrix_form(4, 2, reduction="mean")
    True
    """
    sym = linreg_symbols(n, d)
    grad_w, grad_b = symbolic_gradient(sym, loss=loss, reduction=reduction)
    form_w, form_b = matrix_form(sym, loss=loss, reduction=reduction)
    return _is_zero(grad_w - form_w) and _is_zero(grad_b - form_b)


# -- the key steps of the derivation --------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicStep:
    r"""One step of the derivation: SymPy's result ``derived`` next to the book's ``expected``.

    ``lhs`` is the LaTeX of the quantity; ``definitions`` (the :math:`\delta^{(i)}` in terms of
    the batch) are substituted before comparing; ``shown`` is ``derived`` written with
    :math:`\delta^{(i)}`, for display.
    """

    name: str
    lhs: str
    derived: Any
    expected: Any
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    shown: Any = None

    def _equal(self, a: Any, b: Any) -> bool:
        if isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase):
            return False
        if isinstance(a, sp.MatrixBase) and a.shape != b.shape:
            return False
        return _is_zero((a - b).subs(dict(self.definitions)))

    @property
    def holds(self) -> bool:
        """Whether ``derived - expected`` (and ``derived - shown``) simplify to zero."""
        agree = self._equal(self.derived, self.expected)
        return agree and (
            self.shown is None or self._equal(self.derived, self.shown)
        )

    def latex(self, *, expected: Any = None) -> str:
        r"""Render ``lhs = shown (or derived) = expected``, the last only when written differently.

        ``expected`` may replace the book's formula by a display form: a SymPy object or LaTeX.
        """
        right = self.expected if expected is None else expected
        right_tex = right if isinstance(right, str) else sp.latex(right)
        parts = [
            self.lhs,
            sp.latex(self.derived if self.shown is None else self.shown),
        ]
        if right_tex != parts[-1]:
            parts.append(right_tex)
        return " = ".join(parts)


#: The losses of the derivation's last steps: the name of the step -> (loss, reduction).
LOSSES: dict[str, tuple[Loss, Reduction]] = {
    "sum": ("squared", "sum"),
    "mean": ("squared", "mean"),
    "mse": ("mse", "mean"),
}


def derivation_steps(sym: LinregSymbols) -> dict[str, SymbolicStep]:
    r"""Compute the key steps of the error-term derivation for ``sym``, each with its check.

    ``upstream`` :math:`\partial l^{(i)}/\partial\hat y^{(i)} = \delta^{(i)}`; ``local_w`` the
    Jacobian :math:`\partial\hat{\mathbf y}/\partial\mathbf w = \mathbf X`; ``local_b``
    :math:`\mathbf 1`; ``components`` :math:`\sum_i\delta^{(i)}x^{(i)}_j`; ``matrix``
    :math:`\mathbf X^\top\boldsymbol\delta`; ``bias`` :math:`\sum_i\delta^{(i)}`; ``mean`` and
    ``mse`` :math:`\frac1N` and :math:`\frac2N\mathbf X^\top\boldsymbol\delta`.

    >>> steps = derivation_steps(linreg_symbols(2, 2))
    >>> all(step.holds for step in steps.values())
    True
    >>> print(steps["bias"].latex())
    \frac{\partial L}{\partial b} = \delta^{(1)} + \delta^{(2)}
    """
    _check_symbols(sym)
    y_hat_i = sp.Symbol(r"\hat{y}^{(i)}", real=True)
    y_i = sp.Symbol("y^{(i)}", real=True)
    delta_i = sp.Symbol(r"\delta^{(i)}", real=True)
    y_hat = sym.prediction()
    defs = sym.delta_values()
    steps = [
        SymbolicStep(
            "upstream",
            r"\frac{\partial l^{(i)}}{\partial \hat{y}^{(i)}}",
            sp.diff((y_hat_i - y_i) ** 2 / 2, y_hat_i),
            delta_i,
            {delta_i: y_hat_i - y_i},
        ),
        SymbolicStep(
            "local_w",
            r"\frac{\partial \hat{\mathbf{y}}}{\partial \mathbf{w}}",
            y_hat.jacobian(sym.w),
            sym.X,
        ),
        SymbolicStep(
            "local_b",
            r"\frac{\partial \hat{\mathbf{y}}}{\partial b}",
            y_hat.jacobian(sp.Matrix([sym.b])),
            sp.ones(sym.n, 1),
        ),
    ]
    grads = {
        k: symbolic_gradient(sym, loss=lo, reduction=r)
        for k, (lo, r) in LOSSES.items()
    }
    shown = {
        k: gradient_in_delta(sym, loss=lo, reduction=r)
        for k, (lo, r) in LOSSES.items()
    }
    components = sp.Matrix(
        sym.d,
        1,
        lambda j, _: sp.Add(*(sym.delta[i] * sym.X[i, j] for i in range(sym.n))),
    )
    lhs_w = r"\frac{\partial L}{\partial \mathbf{w}}"
    form = matrix_form(sym, in_delta=True)
    steps += [
        SymbolicStep(
            "components", lhs_w, grads["sum"][0], components, defs, shown["sum"][0]
        ),
        SymbolicStep(
            "matrix", lhs_w, grads["sum"][0], form[0], defs, shown["sum"][0]
        ),
        SymbolicStep(
            "bias",
            r"\frac{\partial L}{\partial b}",
            grads["sum"][1],
            form[1],
            defs,
            shown["sum"][1],
        ),
    ]
    for key, lhs in (
        ("mean", r"\frac{\partial L_{\mathrm{mean}}}{\partial \mathbf{w}}"),
        ("mse", r"\frac{\partial L_{\mathrm{MSE}}}{\partial \mathbf{w}}"),
    ):
        lo, r = LOSSES[key]
        expected = matrix_form(sym, loss=lo, reduction=r, in_delta=True)[0]
        steps.append(
            SymbolicStep(key, lhs, grads[key][0], expected, defs, shown[key][0])
        )
    return {step.name: step for step in steps}


# -- the numeric bridge ---------------------------------------------------------------------------

GradFn = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    tuple[torch.Tensor, torch.Tensor],
]


def gradient_function(
    n: int, d: int, *, loss: Loss = "squared", reduction: Reduction = "sum"
) -> GradFn:
    """Turn SymPy's exact gradient into ``grad(X, y, w, b) -> (grad_w, grad_b)`` for an n × d batch.

    ``sympy.lambdify`` evaluates the derivative in Python floats; the results have the inputs'
    dtype and the shapes of ``w`` (d, 1) and ``b``.

    >>> grad = gradient_function(1, 3)
    >>> X, y = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[6.0]])
    >>> grad(X, y, torch.zeros(3, 1), torch.zeros(1))[0].flatten().tolist()
    [-6.0, -12.0, -18.0]
    """
    sym = linreg_symbols(n, d)
    grad_w, grad_b = symbolic_gradient(sym, loss=loss, reduction=reduction)
    args = [*sym.X, *sym.y, *sym.w, sym.b]
    numeric = sp.lambdify(args, [*grad_w, grad_b], modules="math")

    def grad(
        X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        _check_batch(sym, X, y, w, b)
        with torch.no_grad():
            values = numeric(
                *X.reshape(-1).tolist(),
                *y.reshape(-1).tolist(),
                *w.reshape(-1).tolist(),
                float(b.reshape(-1)[0]),
            )
        out_w = torch.tensor(
            [float(v) for v in values[: sym.d]], dtype=X.dtype
        ).reshape(sym.d, 1)
        out_b = torch.tensor(float(values[sym.d]), dtype=X.dtype).reshape(b.shape)
        if not (
            bool(torch.isfinite(out_w).all()) and bool(torch.isfinite(out_b).all())
        ):
            raise ValueError(
                f"the gradient overflows {X.dtype}: X, y, w and b are too large; scale them down"
            )
        return out_w, out_b

    return grad


# -- checks at the edges --------------------------------------------------------------------------


def _check_size(n: Any, d: Any) -> tuple[int, int]:
    n = int(check_positive("n", n, integer=True))
    d = int(check_positive("d", d, integer=True))
    if n > MAX_N or d > MAX_D:
        raise ValueError(
            f"symbolic batches are kept small (n <= {MAX_N}, d <= {MAX_D}) so SymPy stays fast, "
            f"got n={n}, d={d}; the formulas it confirms do not depend on the size"
        )
    return n, d


def _check_symbols(sym: Any) -> None:
    if not isinstance(sym, LinregSymbols):
        raise TypeError(
            f"sym must be the LinregSymbols returned by linreg_symbols(n, d), got "
            f"{type(sym).__name__}"
        )


def _check_batch(sym: LinregSymbols, X: Any, y: Any, w: Any, b: Any) -> None:
    require_backend("torch", "grad", X=X, y=y, w=w, b=b)
    got = check_linreg_args(X, w, b)
    if got != (sym.n, sym.d):
        raise ValueError(
            f"this symbolic gradient was built for a batch of N={sym.n}, d={sym.d}, "
            f"got X of shape {got}; build another with gradient_function({got[0]}, {got[1]})"
        )
    with torch.no_grad():
        check_column_pair(X @ w + b, y, names=("X @ w + b", "y"))
