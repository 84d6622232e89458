r"""The gradient of linear regression derived by a computer-algebra system (SymPy).

For a small batch -- N examples, d features -- every entry of the batch becomes a symbol:
:math:`x^{(i)}_j`, :math:`w_j`, :math:`b`, :math:`y^{(i)}`. SymPy then differentiates the loss

.. math::

    L = \sum_{i=1}^N \tfrac12\bigl(\mathbf x^{(i)}\mathbf w + b - y^{(i)}\bigr)^2

exactly, with no rounding and no chain rule applied by hand, and the functions below show that
its answer *is* the book's formulas: the component form
:math:`\partial L/\partial w_j = \sum_i \delta^{(i)} x^{(i)}_j`, the matrix form
:math:`\mathbf X^\top\boldsymbol\delta`, :math:`\partial L/\partial b = \sum_i\delta^{(i)}`, and
the factors :math:`1/N` (mean) and :math:`2/N` (``nn.MSELoss``). Each key step of the derivation
is a :class:`SymbolicStep` holding SymPy's result and the book's formula, so a page can render
both as LaTeX (:meth:`SymbolicStep.latex`) and a test can assert they agree
(:attr:`SymbolicStep.holds`). :func:`gradient_function` turns the exact gradient into a numeric
function, a fourth way to compute the numbers next to autograd, the hand formula and finite
differences. :func:`factory_symbolic` does the same for the chain-rule factory of article 003.

Examples
--------
>>> gradient_equals_matrix_form(3, 2)
True
>>> factory_symbolic_gradients(w=3.0, v=2.0, x=2.0, target=10.0)
(24.0, 16.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp
import torch

from linreg_src._validate import (
    check_column_pair,
    check_linreg_args,
    check_positive,
    check_real_scalar,
    require_backend,
)

__all__ = [
    "FactorySymbolic",
    "LinregSymbols",
    "SymbolicStep",
    "derivation_steps",
    "factory_symbolic",
    "factory_symbolic_gradients",
    "gradient_equals_matrix_form",
    "gradient_function",
    "gradient_in_delta",
    "linreg_symbols",
    "matrix_form",
    "symbolic_gradient",
    "symbolic_loss",
]

Reduction = Literal["sum", "mean", "mse"]

#: Largest batch the symbolic functions accept: expressions grow with N·d and SymPy slows down.
MAX_N, MAX_D = 30, 8


def _check_size(n: Any, d: Any) -> tuple[int, int]:
    n = int(check_positive("n", n, integer=True))
    d = int(check_positive("d", d, integer=True))
    if n > MAX_N or d > MAX_D:
        raise ValueError(
            f"symbolic batches are kept small (n <= {MAX_N}, d <= {MAX_D}) so SymPy stays fast, "
            f"got n={n}, d={d}; the formulas it confirms do not depend on the size"
        )
    return n, d


def _check_reduction(reduction: Any) -> Reduction:
    if reduction not in ("sum", "mean", "mse"):
        raise ValueError(
            'reduction must be "sum" (½-squared, summed), "mean" (½-squared, averaged) or '
            f'"mse" (nn.MSELoss), got {reduction!r}'
        )
    return reduction


@dataclass(frozen=True)
class LinregSymbols:
    r"""Symbols for one batch of linear regression; their names are LaTeX.

    Attributes
    ----------
    X : sympy.Matrix, shape (N, d)
        Entries :math:`x^{(i)}_j` (example *i*, feature *j*, both from 1).
    w : sympy.Matrix, shape (d, 1)
        Entries :math:`w_j`.
    b : sympy.Symbol
        The bias :math:`b`.
    y : sympy.Matrix, shape (N, 1)
        Labels :math:`y^{(i)}`.
    delta : sympy.Matrix, shape (N, 1)
        Symbols :math:`\delta^{(i)}` standing for the error terms, used to write results the
        way the book does.
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
        r"""Return the definitions :math:`\delta^{(i)} = \mathbf x^{(i)}\mathbf w + b - y^{(i)}`.

        Returns
        -------
        dict
            One entry per example.
        """
        return {self.delta[i]: self.residual()[i] for i in range(self.n)}


def linreg_symbols(n: int, d: int) -> LinregSymbols:
    r"""Create the symbols of a batch of ``n`` examples with ``d`` features.

    Parameters
    ----------
    n : int
        Number of examples N (at most 30).
    d : int
        Number of features d (at most 8).

    Returns
    -------
    LinregSymbols
        Symbol matrices X (n, d), w (d, 1), y (n, 1), delta (n, 1) and the symbol b.

    Raises
    ------
    TypeError
        If ``n`` or ``d`` is not a whole number.
    ValueError
        If they are not positive or too large for quick symbolic work.

    Examples
    --------
    >>> s = linreg_symbols(2, 3)
    >>> s.X.shape, s.w.shape, s.y.shape
    ((2, 3), (3, 1), (2, 1))
    >>> s.X[1, 2], s.delta[0]
    (x^{(2)}_{3}, \delta^{(1)})
    """
    n, d = _check_size(n, d)
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x^{{({i + 1})}}_{{{j + 1}}}", real=True))
    w = sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"w_{{{j + 1}}}", real=True))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y^{{({i + 1})}}", real=True))
    delta = sp.Matrix(n, 1, lambda i, _: sp.Symbol(rf"\delta^{{({i + 1})}}", real=True))
    return LinregSymbols(X=X, w=w, b=sp.Symbol("b", real=True), y=y, delta=delta)


def _check_symbols(sym: Any) -> LinregSymbols:
    if not isinstance(sym, LinregSymbols):
        raise TypeError(
            f"sym must be the LinregSymbols returned by linreg_symbols(n, d), got "
            f"{type(sym).__name__}"
        )
    return sym


def symbolic_loss(sym: LinregSymbols, *, reduction: Reduction = "sum") -> sp.Expr:
    r"""Return the batch loss as a SymPy expression.

    .. math::

        L_\text{sum} = \sum_i \tfrac12 r_i^2,\qquad
        L_\text{mean} = \frac1N\sum_i \tfrac12 r_i^2,\qquad
        L_\text{mse} = \frac1N\sum_i r_i^2,\qquad
        r_i = \mathbf x^{(i)}\mathbf w + b - y^{(i)} .

    Parameters
    ----------
    sym : LinregSymbols
        The batch's symbols.
    reduction : {"sum", "mean", "mse"}
        Summed or averaged ½-squared loss, or ``nn.MSELoss``'s mean squared error.

    Returns
    -------
    sympy.Expr
        The loss.

    Raises
    ------
    TypeError
        If ``sym`` is not a :class:`LinregSymbols`.
    ValueError
        On an unknown reduction.

    Examples
    --------
    >>> symbolic_loss(linreg_symbols(1, 1))
    (b + w_{1}*x^{(1)}_{1} - y^{(1)})**2/2
    """
    sym = _check_symbols(sym)
    reduction = _check_reduction(reduction)
    r = sym.residual()
    if reduction == "mse":
        return sp.Add(*(r[i] ** 2 for i in range(sym.n))) / sym.n
    summed = sp.Add(*(r[i] ** 2 / 2 for i in range(sym.n)))
    return summed if reduction == "sum" else summed / sym.n


def symbolic_gradient(
    sym: LinregSymbols, *, reduction: Reduction = "sum"
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Differentiate :func:`symbolic_loss` by every :math:`w_j` and by :math:`b` with SymPy.

    Parameters
    ----------
    sym : LinregSymbols
        The batch's symbols.
    reduction : {"sum", "mean", "mse"}
        Which loss.

    Returns
    -------
    grad_w : sympy.Matrix, shape (d, 1)
        :math:`\partial L/\partial w_j` in terms of X, w, b, y.
    grad_b : sympy.Expr
        :math:`\partial L/\partial b`.

    Raises
    ------
    TypeError, ValueError
        As :func:`symbolic_loss`.

    Examples
    --------
    >>> grad_w, grad_b = symbolic_gradient(linreg_symbols(2, 1))
    >>> grad_b
    2*b + w_{1}*x^{(1)}_{1} + w_{1}*x^{(2)}_{1} - y^{(1)} - y^{(2)}
    """
    loss = symbolic_loss(sym, reduction=reduction)
    grad_w = sp.Matrix(sym.d, 1, lambda j, _: sp.diff(loss, sym.w[j]))
    return grad_w, sp.diff(loss, sym.b)


def gradient_in_delta(
    sym: LinregSymbols, *, reduction: Reduction = "sum"
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Write the gradient with the error terms :math:`\delta^{(i)}`, by SymPy's chain rule.

    SymPy cannot recognise :math:`\delta^{(i)}` inside an expanded derivative (the bias gradient
    :math:`\sum_i r_i` collapses into one long sum). So the loss is written as a function of
    unknown functions :math:`\delta^{(i)}(\mathbf w, b)`, e.g.
    :math:`L = \sum_i \frac12 \delta^{(i)}(\mathbf w, b)^2`; SymPy's ``diff`` applies the chain
    rule and leaves :math:`\sum_i \delta^{(i)}\,\partial\delta^{(i)}/\partial w_j`; each inner
    derivative is then replaced by SymPy's derivative of the residual
    :math:`\mathbf x^{(i)}\mathbf w + b - y^{(i)}` (that is :math:`x^{(i)}_j`, or 1 for
    :math:`b`).

    Parameters
    ----------
    sym : LinregSymbols
        The batch's symbols.
    reduction : {"sum", "mean", "mse"}
        Which loss.

    Returns
    -------
    grad_w : sympy.Matrix, shape (d, 1)
        :math:`\partial L/\partial w_j` in terms of :math:`\delta^{(i)}` and :math:`x^{(i)}_j`.
    grad_b : sympy.Expr
        :math:`\partial L/\partial b` in terms of :math:`\delta^{(i)}`.

    Raises
    ------
    TypeError, ValueError
        As :func:`symbolic_loss`.

    Examples
    --------
    >>> gradient_in_delta(linreg_symbols(2, 1))
    (Matrix([[\delta^{(1)}*x^{(1)}_{1} + \delta^{(2)}*x^{(2)}_{1}]]), \delta^{(1)} + \delta^{(2)})
    """
    sym = _check_symbols(sym)
    reduction = _check_reduction(reduction)
    params = [*sym.w, sym.b]
    funcs = [sp.Function(sym.delta[i].name, real=True)(*params) for i in range(sym.n)]
    if reduction == "mse":
        loss = sp.Add(*(f**2 for f in funcs)) / sym.n
    else:
        loss = sp.Add(*(f**2 / 2 for f in funcs))
        loss = loss if reduction == "sum" else loss / sym.n
    residual = sym.residual()
    back = dict(zip(funcs, sym.delta, strict=True))

    def by(p: sp.Symbol) -> sp.Expr:
        inner = {sp.Derivative(f, p): sp.diff(residual[i], p) for i, f in enumerate(funcs)}
        return sp.expand(sp.diff(loss, p).xreplace(inner).xreplace(back))

    return sp.Matrix(sym.d, 1, lambda j, _: by(sym.w[j])), by(sym.b)


def _factor(sym: LinregSymbols, reduction: Reduction) -> sp.Rational:
    return {"sum": sp.Integer(1), "mean": sp.Rational(1, sym.n), "mse": sp.Rational(2, sym.n)}[
        reduction
    ]


def matrix_form(
    sym: LinregSymbols, *, reduction: Reduction = "sum", in_delta: bool = False
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Build the book's formulas: c times X^T delta for the weights, c times sum(delta) for b.

    :math:`c` is 1 for the summed ½-squared loss, :math:`1/N` for its mean and :math:`2/N` for
    ``nn.MSELoss``.

    Parameters
    ----------
    sym : LinregSymbols
        The batch's symbols.
    reduction : {"sum", "mean", "mse"}
        Which loss.
    in_delta : bool
        Write the result with the symbols :math:`\delta^{(i)}` instead of the residuals.

    Returns
    -------
    grad_w : sympy.Matrix, shape (d, 1)
        :math:`c\,\mathbf X^\top\boldsymbol\delta`.
    grad_b : sympy.Expr
        :math:`c\sum_i\delta^{(i)}`.

    Raises
    ------
    TypeError, ValueError
        As :func:`symbolic_loss`.

    Examples
    --------
    >>> s = linreg_symbols(2, 1)
    >>> matrix_form(s, reduction="mse", in_delta=True)[1]
    \delta^{(1)} + \delta^{(2)}
    """
    sym = _check_symbols(sym)
    reduction = _check_reduction(reduction)
    delta = sym.delta if in_delta else sym.residual()
    c = _factor(sym, reduction)
    return c * (sym.X.T * delta), c * sp.Add(*delta)


def _is_zero(expr: Any) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return all(sp.simplify(e) == 0 for e in expr)
    return bool(sp.simplify(expr) == 0)


def gradient_equals_matrix_form(n: int, d: int, *, reduction: Reduction = "sum") -> bool:
    r"""Whether SymPy's gradient minus :math:`c\mathbf X^\top\boldsymbol\delta` simplifies to zero.

    Both the weight gradient and the bias gradient (:math:`c\sum_i\delta^{(i)}`) are checked.

    Parameters
    ----------
    n, d : int
        Batch size and number of features (small).
    reduction : {"sum", "mean", "mse"}
        Which loss.

    Returns
    -------
    bool
        ``True`` when ``simplify(grad - matrix_form) == 0`` for both.

    Raises
    ------
    TypeError, ValueError
        As :func:`linreg_symbols` and :func:`symbolic_loss`.

    Examples
    --------
    >>> gradient_equals_matrix_form(4, 2, reduction="mean")
    True
    """
    sym = linreg_symbols(n, d)
    grad_w, grad_b = symbolic_gradient(sym, reduction=reduction)
    form_w, form_b = matrix_form(sym, reduction=reduction)
    return _is_zero(grad_w - form_w) and _is_zero(grad_b - form_b)


# -- the key steps of the derivation --------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicStep:
    r"""One step of the derivation: what SymPy computed next to the formula the book states.

    Attributes
    ----------
    name : str
        Short identifier (``"upstream"``, ``"local_w"``, ...).
    lhs : str
        LaTeX of the quantity computed, e.g. ``\frac{\partial L}{\partial b}``.
    derived : sympy.Expr or sympy.Matrix
        SymPy's result: ``diff`` of the loss (in the batch's symbols), or a Jacobian.
    expected : sympy.Expr or sympy.Matrix
        The book's formula, built from the symbols (with :math:`\delta^{(i)}` where the book
        uses them).
    definitions : collections.abc.Mapping
        Definitions of the book's shorthand symbols (:math:`\delta^{(i)}` in terms of the
        batch), substituted before comparing.
    shown : sympy.Expr or sympy.Matrix, optional
        ``derived`` rewritten with :math:`\delta^{(i)}` (:func:`gradient_in_delta`), for display.
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
        return agree and (self.shown is None or self._equal(self.derived, self.shown))

    def latex(self, *, expected: Any = None) -> str:
        r"""Render ``lhs = shown (or derived)`` and, when written differently, ``= expected``.

        Parameters
        ----------
        expected : sympy.Expr or str, optional
            A display form of the book's formula to show instead of ``expected``: a SymPy object
            (e.g. an unevaluated product ``sympy.MatMul(X.T, delta, evaluate=False)``) or a
            LaTeX string such as ``r"\mathbf{X}^\top\boldsymbol{\delta}"``.

        Returns
        -------
        str
            LaTeX, without math delimiters.
        """
        right = self.expected if expected is None else expected
        right_tex = right if isinstance(right, str) else sp.latex(right)
        parts = [self.lhs, sp.latex(self.derived if self.shown is None else self.shown)]
        if right_tex != parts[-1]:
            parts.append(right_tex)
        return " = ".join(parts)


def derivation_steps(sym: LinregSymbols) -> dict[str, SymbolicStep]:
    r"""Compute the key steps of the error-term derivation with SymPy, each with its check.

    For the summed ½-squared loss :math:`L` of the batch ``sym``:

    ``upstream``
        :math:`\partial l^{(i)}/\partial\hat y^{(i)} = \hat y^{(i)} - y^{(i)} = \delta^{(i)}`
        for :math:`l^{(i)} = \tfrac12(\hat y^{(i)} - y^{(i)})^2`;
    ``local_w``
        the Jacobian :math:`\partial\hat{\mathbf y}/\partial\mathbf w` (N, d) equals
        :math:`\mathbf X`, i.e. :math:`\partial\hat y^{(i)}/\partial w_j = x^{(i)}_j`;
    ``local_b``
        :math:`\partial\hat{\mathbf y}/\partial b = \mathbf 1` (N, 1);
    ``components``
        :math:`\partial L/\partial w_j` equals the sum over examples
        :math:`\sum_i \delta^{(i)} x^{(i)}_j`, built by explicit loops;
    ``matrix``
        the whole weight gradient equals :math:`\mathbf X^\top\boldsymbol\delta` (d, 1);
    ``bias``
        :math:`\partial L/\partial b = \sum_i \delta^{(i)}`;
    ``mean`` and ``mse``
        the averaged loss gives :math:`\frac1N\mathbf X^\top\boldsymbol\delta`, ``nn.MSELoss``
        gives :math:`\frac2N\mathbf X^\top\boldsymbol\delta`.

    In every gradient step ``derived`` is SymPy's ``diff`` of the loss written in the batch's
    symbols, ``shown`` the same gradient written with :math:`\delta^{(i)}`, and ``expected`` the
    book's formula.

    Parameters
    ----------
    sym : LinregSymbols
        The batch's symbols (small N, d: each step is shown in full).

    Returns
    -------
    dict of str to SymbolicStep
        The steps in the order above.

    Raises
    ------
    TypeError
        If ``sym`` is not a :class:`LinregSymbols`.

    Examples
    --------
    >>> steps = derivation_steps(linreg_symbols(2, 2))
    >>> all(step.holds for step in steps.values())
    True
    >>> print(steps["upstream"].latex())
    \frac{\partial l^{(i)}}{\partial \hat{y}^{(i)}} = \hat{y}^{(i)} - y^{(i)} = \delta^{(i)}
    >>> print(steps["bias"].latex())
    \frac{\partial L}{\partial b} = \delta^{(1)} + \delta^{(2)}
    """
    sym = _check_symbols(sym)
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
    grads = {r: symbolic_gradient(sym, reduction=r) for r in ("sum", "mean", "mse")}
    shown = {r: gradient_in_delta(sym, reduction=r) for r in ("sum", "mean", "mse")}
    components = sp.Matrix(
        sym.d, 1, lambda j, _: sp.Add(*(sym.delta[i] * sym.X[i, j] for i in range(sym.n)))
    )
    lhs_w = r"\frac{\partial L}{\partial \mathbf{w}}"
    steps += [
        SymbolicStep("components", lhs_w, grads["sum"][0], components, defs, shown["sum"][0]),
        SymbolicStep(
            "matrix",
            lhs_w,
            grads["sum"][0],
            matrix_form(sym, in_delta=True)[0],
            defs,
            shown["sum"][0],
        ),
        SymbolicStep(
            "bias",
            r"\frac{\partial L}{\partial b}",
            grads["sum"][1],
            matrix_form(sym, in_delta=True)[1],
            defs,
            shown["sum"][1],
        ),
    ]
    for reduction, lhs in (
        ("mean", r"\frac{\partial L_{\mathrm{mean}}}{\partial \mathbf{w}}"),
        ("mse", r"\frac{\partial L_{\mathrm{MSE}}}{\partial \mathbf{w}}"),
    ):
        steps.append(
            SymbolicStep(
                reduction,
                lhs,
                grads[reduction][0],
                matrix_form(sym, reduction=reduction, in_delta=True)[0],
                defs,
                shown[reduction][0],
            )
        )
    return {step.name: step for step in steps}


# -- the numeric bridge ---------------------------------------------------------------------------


def gradient_function(
    n: int, d: int, *, reduction: Reduction = "sum"
) -> Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
]:
    """Turn SymPy's exact gradient into a numeric function of tensors (``sympy.lambdify``).

    The returned ``grad(X, y, w, b)`` substitutes the numbers into the derivative SymPy computed
    symbolically and evaluates it in Python floats (float64); the results come back as tensors
    of the inputs' dtype and of the shapes of ``w`` (d, 1) and ``b``.

    Parameters
    ----------
    n, d : int
        Batch size and number of features the function will accept (small).
    reduction : {"sum", "mean", "mse"}
        Which loss.

    Returns
    -------
    callable
        ``grad(X, y, w, b) -> (grad_w, grad_b)`` for ``X`` (n, d), ``y`` (n, 1), ``w`` (d, 1),
        ``b`` (1,) or (); it raises like :func:`linreg_src.grad.squared_loss_grads` on bad
        input, and a ValueError if the batch is not n × d.

    Raises
    ------
    TypeError, ValueError
        As :func:`linreg_symbols` and :func:`symbolic_loss`.

    Examples
    --------
    >>> grad = gradient_function(1, 3)
    >>> X = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    >>> y = torch.tensor([[6.0]], dtype=torch.float64)
    >>> grad(X, y, torch.zeros(3, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64))
    (tensor([[ -6.],
            [-12.],
            [-18.]], dtype=torch.float64), tensor([-6.], dtype=torch.float64))
    """
    sym = linreg_symbols(n, d)
    reduction = _check_reduction(reduction)
    grad_w, grad_b = symbolic_gradient(sym, reduction=reduction)
    args = [*sym.X, *sym.y, *sym.w, sym.b]
    numeric = sp.lambdify(args, [*grad_w, grad_b], modules="math")

    def grad(
        X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        require_backend("torch", "grad", X=X, y=y, w=w, b=b)
        got = check_linreg_args(X, w, b)
        if got != (sym.n, sym.d):
            raise ValueError(
                f"this symbolic gradient was built for a batch of N={sym.n}, d={sym.d}, "
                f"got X of shape {got}; build another with gradient_function({got[0]}, {got[1]})"
            )
        with torch.no_grad():
            check_column_pair(X @ w + b, y, names=("X @ w + b", "y"))
            values = numeric(
                *X.reshape(-1).tolist(),
                *y.reshape(-1).tolist(),
                *w.reshape(-1).tolist(),
                float(b.reshape(-1)[0]),
            )
        out_w = torch.tensor([float(v) for v in values[: sym.d]], dtype=X.dtype).reshape(sym.d, 1)
        out_b = torch.tensor(float(values[sym.d]), dtype=X.dtype).reshape(b.shape)
        return out_w, out_b

    return grad


# -- the chain-rule factory ------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorySymbolic:
    r"""The burger factory of article 003, symbolically.

    Attributes
    ----------
    w, v, x, t : sympy.Symbol
        Knob of machine A, knob of machine B, beef, burgers ordered.
    loss : sympy.Expr
        :math:`(v\,w\,x - t)^2`, the composite written out.
    grad_v, grad_w : sympy.Expr
        ``diff(loss, v)`` and ``diff(loss, w)``, factored.
    chain_v, chain_w : sympy.Expr
        The products of local derivatives the chain rule prescribes, with the intermediate
        values substituted: :math:`\partial L/\partial y\cdot\partial y/\partial v` and
        :math:`\partial L/\partial y\cdot\partial y/\partial u\cdot\partial u/\partial w`.
    """

    w: sp.Symbol
    v: sp.Symbol
    x: sp.Symbol
    t: sp.Symbol
    loss: sp.Expr
    grad_v: sp.Expr
    grad_w: sp.Expr
    chain_v: sp.Expr
    chain_w: sp.Expr

    @property
    def chain_rule_holds(self) -> bool:
        """Whether differentiating the composite equals the product of the local derivatives."""
        return _is_zero(self.grad_v - self.chain_v) and _is_zero(self.grad_w - self.chain_w)


def factory_symbolic() -> FactorySymbolic:
    r"""Differentiate the factory's loss :math:`(v\,w\,x - t)^2` by :math:`v` and :math:`w`.

    Two routes: SymPy differentiates the composite directly, and SymPy differentiates each link
    (:math:`\mathrm{Loss}(y) = (y-t)^2`, :math:`y(u) = v u`, :math:`u(w) = w x`) separately, the
    local derivatives then multiplied as the chain rule says.

    Returns
    -------
    FactorySymbolic
        The symbols, the loss, and both routes' derivatives.

    Examples
    --------
    >>> f = factory_symbolic()
    >>> f.grad_v, f.grad_w
    (2*w*x*(-t + v*w*x), 2*v*x*(-t + v*w*x))
    >>> f.chain_rule_holds
    True
    """
    w, v, x, t = sp.symbols("w v x t", real=True)
    u_s, y_s = sp.symbols("u y", real=True)
    u = w * x
    y = v * u
    loss = (y - t) ** 2
    dloss_dy = sp.diff((y_s - t) ** 2, y_s)
    dy_dv, dy_du = sp.diff(v * u_s, v), sp.diff(v * u_s, u_s)
    du_dw = sp.diff(w * x, w)
    at = {y_s: y, u_s: u}
    return FactorySymbolic(
        w=w,
        v=v,
        x=x,
        t=t,
        loss=loss,
        grad_v=sp.factor(sp.diff(loss, v)),
        grad_w=sp.factor(sp.diff(loss, w)),
        chain_v=(dloss_dy * dy_dv).subs(at),
        chain_w=(dloss_dy * dy_du * du_dw).subs(at),
    )


def factory_symbolic_gradients(w: float, v: float, x: float, target: float) -> tuple[float, float]:
    r"""Substitute numbers into the factory's symbolic gradients; return ``(grad_v, grad_w)``.

    Parameters
    ----------
    w, v, x, target : float
        As in :func:`linreg_src.chain.factory_forward`.

    Returns
    -------
    tuple of float
        :math:`\partial\mathrm{Loss}/\partial v` and :math:`\partial\mathrm{Loss}/\partial w`.

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If an argument is NaN or infinite.

    Examples
    --------
    >>> factory_symbolic_gradients(w=3, v=2, x=2, target=10)
    (24.0, 16.0)
    """
    values = {
        "w": check_real_scalar("w", w),
        "v": check_real_scalar("v", v),
        "x": check_real_scalar("x", x),
        "t": check_real_scalar("target", target),
    }
    f = factory_symbolic()
    at = {f.w: values["w"], f.v: values["v"], f.x: values["x"], f.t: values["t"]}
    return float(f.grad_v.subs(at)), float(f.grad_w.subs(at))
