r"""Checking gradients: central finite differences in float64, and comparing several results.

A gradient formula is only as trustworthy as an independent way of computing the same numbers.
This module supplies the most independent one -- *central finite differences*, which need
nothing but the loss itself -- and a comparison that puts any number of gradient results for the
same parameters side by side and fails loudly, naming the pair, when two of them disagree.

Why float64 and the step :math:`h \approx \varepsilon^{1/3}`
--------------------------------------------------------------
The central difference :math:`\bigl(f(\theta + h) - f(\theta - h)\bigr)/2h` differs from
:math:`f'(\theta)` by two errors pulling in opposite directions:

- **truncation** :math:`\frac{h^2}{6}\lvert f'''\rvert` (Taylor's theorem: the even terms cancel,
  the cubic term remains) -- it shrinks as :math:`h` shrinks;
- **rounding** :math:`\approx \varepsilon\,\lvert f\rvert / h`: each evaluation of :math:`f` is off
  by about :math:`\varepsilon\lvert f\rvert` (:math:`\varepsilon` is machine epsilon), and the
  subtraction of two nearly equal numbers keeps that absolute error while dividing by a small
  :math:`2h` -- it grows as :math:`h` shrinks.

Their sum is smallest near :math:`h^\ast \sim \varepsilon^{1/3}` (times the scale of
:math:`\theta`), where the error is of order :math:`\varepsilon^{2/3}`. In float64
(:math:`\varepsilon \approx 2.2\cdot10^{-16}`) that leaves about ten correct digits; in float32
(:math:`\varepsilon \approx 1.2\cdot10^{-7}`) only about four or five -- not enough to tell a
correct formula from one that is slightly off. Hence :func:`central_difference` refuses float32
unless asked explicitly (the book's chapter on the four ways shows the float32 failure live).
A loss that is *quadratic* along every coordinate -- linear regression's is -- has
:math:`f''' = 0`, so only the rounding error remains there.

Examples
--------
>>> import torch
>>> w = torch.tensor([1.0, -2.0], dtype=torch.float64)
>>> (g,) = central_difference(lambda w: (w**2).sum(), (w,))
>>> bool(torch.allclose(g, 2 * w))
True
>>> cmp = compare_gradients({"exact": (2 * w,), "finite differences": (g,)}, param_names=("w",))
>>> cmp.max_rel < 1e-9
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from linreg_src._validate import (
    check_float_array,
    check_positive,
    check_real_scalar,
    describe,
)

__all__ = [
    "FD_EPS",
    "FDSweep",
    "GradientComparison",
    "GradientMismatchError",
    "HandLinregLoss",
    "PairDisagreement",
    "ParamDisagreement",
    "StepTooSmallError",
    "assert_gradients_agree",
    "central_difference",
    "compare_gradients",
    "default_step",
    "fd_error_sweep",
    "gradcheck_hand_formula",
]

#: Default relative step of :func:`central_difference`: the cube root of float64's machine
#: epsilon, where truncation (:math:`\propto h^2`) and rounding (:math:`\propto \varepsilon/h`)
#: errors balance. About ``6.06e-06``.
FD_EPS: float = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


def default_step(dtype: torch.dtype) -> float:
    r"""Return :math:`\varepsilon^{1/3}` for ``dtype``: the balanced central-difference step.

    Parameters
    ----------
    dtype : torch.dtype
        A floating-point dtype.

    Returns
    -------
    float
        The cube root of the dtype's machine epsilon.

    Raises
    ------
    TypeError
        If ``dtype`` is not a floating-point torch dtype.

    Examples
    --------
    >>> default_step(torch.float64) == FD_EPS
    True
    >>> f"{default_step(torch.float32):.2e}"
    '4.92e-03'
    """
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {describe(dtype)}")
    return float(torch.finfo(dtype).eps) ** (1.0 / 3.0)


_FLOAT32_REFUSAL = (
    "central differences need float64: {name} has dtype {dtype}. In float32 (machine epsilon "
    "about 1.2e-7) the rounding error eps*|f|/h and the truncation error h^2*|f'''|/6 balance "
    "at h ~ 5e-3 with an error of order 1e-5 relative -- too coarse to tell a right gradient "
    "formula from a slightly wrong one. Convert with {name}.double() (and build f in float64), "
    "or pass allow_float32=True to see the loss of accuracy on purpose"
)


def _check_params(params: Any, *, allow_float32: bool) -> tuple[torch.Tensor, ...]:
    if isinstance(params, torch.Tensor) or not isinstance(params, Sequence):
        raise TypeError(
            "params must be a sequence (tuple or list) of tensors, e.g. (w, b), "
            f"got {describe(params)}"
        )
    if len(params) == 0:
        raise ValueError("params is empty: pass at least one tensor to differentiate by")
    checked = []
    for k, p in enumerate(params):
        name = f"params[{k}]"
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {describe(p)}")
        check_float_array(name, p, ndim=p.ndim)
        if p.dtype == torch.float32 and not allow_float32:
            raise TypeError(_FLOAT32_REFUSAL.format(name=name, dtype=p.dtype))
        if p.dtype not in (torch.float64, torch.float32):
            raise TypeError(f"{name} must be float64 (or float32 on request), got {p.dtype}")
        checked.append(p)
    if len({p.dtype for p in checked}) > 1:
        listing = ", ".join(str(p.dtype) for p in checked)
        raise TypeError(f"params must share one dtype, got {listing}")
    return tuple(checked)


def _scalar_value(value: Any) -> float:
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        raise ValueError(
            "f must return a single number (a loss), got a tensor of shape "
            f"{tuple(value.shape)}; reduce it with .sum() or .mean()"
        )
    try:
        return check_real_scalar("f(*params)", value)
    except ValueError as exc:
        raise ValueError(f"{exc}; the loss is not finite at a shifted point") from None


class StepTooSmallError(ValueError):
    """The finite-difference step vanishes when added to a parameter in the working precision."""


def _actual_step(
    plus: torch.Tensor, minus: torch.Tensor, *, at: tuple[int, int, float, float]
) -> float:
    """Return the step actually taken, ``plus - minus`` after rounding; refuse a vanished one."""
    step = float(plus) - float(minus)
    if step == 0.0:
        index, k, value, rel = at
        raise StepTooSmallError(
            f"eps={rel:g} is too small for params[{index}] entry {k} (value {value:g}) in "
            f"{plus.dtype}: the shifted values round back to the same number"
        )
    return step


def central_difference(
    f: Callable[..., Any],
    params: Sequence[torch.Tensor],
    *,
    eps: float | None = None,
    allow_float32: bool = False,
) -> tuple[torch.Tensor, ...]:
    r"""Gradient of a scalar ``f(*params)`` by central differences, one coordinate at a time.

    For every entry :math:`\theta_k` of every tensor in ``params``, with all other entries fixed,

    .. math::

        \frac{\partial f}{\partial \theta_k} \approx
        \frac{f(\theta_k + h_k) - f(\theta_k - h_k)}{(\theta_k + h_k) - (\theta_k - h_k)},
        \qquad h_k = \text{eps}\cdot\max(1, \lvert\theta_k\rvert).

    The denominator is the step actually taken after rounding :math:`\theta_k \pm h_k` to the
    working precision, not the nominal :math:`2h_k`. The default ``eps`` is
    :math:`\varepsilon^{1/3}` (:data:`FD_EPS` for float64): it balances the truncation error
    :math:`\frac{h^2}{6}\lvert f'''\rvert` against the rounding error
    :math:`\varepsilon\lvert f\rvert/h`, leaving an error of order :math:`\varepsilon^{2/3}`
    relative to the scale of :math:`f` (see the module docstring). ``f`` is called
    :math:`2\times` (number of entries) times, under :func:`torch.no_grad`, on copies of
    ``params``; the tensors passed in are never modified.

    Parameters
    ----------
    f : callable
        ``f(*params)`` returns the loss: a Python number or a one-element tensor.
    params : collections.abc.Sequence of torch.Tensor
        The tensors to differentiate by, all float64 (any shape; a 0-d bias is fine).
    eps : float, optional
        Relative step; default :math:`\varepsilon^{1/3}` of the params' dtype.
    allow_float32 : bool
        Accept float32 params (to demonstrate the loss of accuracy). Off by default.

    Returns
    -------
    tuple of torch.Tensor
        One gradient per tensor in ``params``, each with its shape and dtype.

    Raises
    ------
    TypeError
        If ``f`` is not callable, ``params`` is not a sequence of float tensors of one dtype, or
        a param is float32 and ``allow_float32`` is not set.
    ValueError
        If ``params`` is empty, holds NaN/inf, ``eps`` is not positive, or ``f`` returns more
        than one number or a non-finite value.
    StepTooSmallError
        (a ValueError) If a shifted entry rounds back to its own value: the step is below the
        working precision's resolution at that entry.

    Examples
    --------
    The product :math:`f(a, b) = a^2 b` has :math:`\partial f/\partial a = 2ab` and
    :math:`\partial f/\partial b = a^2`:

    >>> a = torch.tensor(3.0, dtype=torch.float64)
    >>> b = torch.tensor([2.0], dtype=torch.float64)
    >>> ga, gb = central_difference(lambda a, b: (a**2 * b).sum(), (a, b))
    >>> round(ga.item(), 6), round(gb.item(), 6), tuple(ga.shape), tuple(gb.shape)
    (12.0, 9.0, (), (1,))
    >>> central_difference(lambda a: a.sum(), (torch.ones(2),))
    Traceback (most recent call last):
    ...
    TypeError: central differences need float64: params[0] has dtype torch.float32. In float32 (machine epsilon about 1.2e-7) the rounding error eps*|f|/h and the truncation error h^2*|f'''|/6 balance at h ~ 5e-3 with an error of order 1e-5 relative -- too coarse to tell a right gradient formula from a slightly wrong one. Convert with params[0].double() (and build f in float64), or pass allow_float32=True to see the loss of accuracy on purpose
    """  # noqa: E501
    if not callable(f):
        raise TypeError(f"f must be callable (a function of the params), got {describe(f)}")
    checked = _check_params(params, allow_float32=allow_float32)
    dtype = checked[0].dtype
    rel = default_step(dtype) if eps is None else float(check_positive("eps", eps))
    grads = []
    with torch.no_grad():
        # contiguous copies, so that reshape(-1) below is a view even for w = weight.T
        base = [p.detach().clone(memory_format=torch.contiguous_format) for p in checked]
        for index, p in enumerate(base):
            grad = torch.zeros_like(p)
            flat_grad = grad.reshape(-1)
            flat = p.reshape(-1)  # a view: writing flat[k] shifts base[index]
            for k in range(flat.numel()):
                original = flat[k].clone()
                h = rel * max(1.0, abs(float(original)))
                flat[k] = original + h
                plus, f_plus = flat[k].clone(), _scalar_value(f(*base))
                flat[k] = original - h
                minus, f_minus = flat[k].clone(), _scalar_value(f(*base))
                flat[k] = original
                step = _actual_step(plus, minus, at=(index, k, float(original), rel))
                flat_grad[k] = (f_plus - f_minus) / step
            grads.append(grad)
    return tuple(grads)


@dataclass(frozen=True)
class FDSweep:
    r"""The error of central differences over a range of steps, in one precision.

    Attributes
    ----------
    dtype : str
        The working precision, ``"float32"`` or ``"float64"``.
    machine_eps : float
        Its machine epsilon :math:`\varepsilon`.
    steps : tuple of float
        The relative steps ``eps`` tried.
    errors : tuple of float
        For each step, the largest absolute error against the exact gradient divided by the
        largest exact entry; NaN where the step vanished in this precision.
    loss_value : float
        :math:`\lvert f\rvert` at the parameters.
    grad_scale : float
        Largest magnitude of the exact gradient.
    """

    dtype: str
    machine_eps: float
    steps: tuple[float, ...]
    errors: tuple[float, ...]
    loss_value: float
    grad_scale: float

    def rounding_estimate(self, step: float) -> float:
        r"""Predicted rounding error :math:`\varepsilon\lvert f\rvert / (h\,\max\lvert g\rvert)`.

        Parameters
        ----------
        step : float
            The step :math:`h`.

        Returns
        -------
        float
            The relative error rounding alone is expected to cause at this step.
        """
        h = float(check_positive("step", step))
        return self.machine_eps * abs(self.loss_value) / (h * self.grad_scale)

    @property
    def best(self) -> tuple[float, float]:
        """``(step, error)`` with the smallest error of the sweep."""
        pairs = [(h, e) for h, e in zip(self.steps, self.errors, strict=True) if e == e]
        return min(pairs, key=lambda he: he[1])


def fd_error_sweep(
    f: Callable[..., Any],
    params: Sequence[torch.Tensor],
    exact: Sequence[Any],
    steps: Sequence[float],
) -> FDSweep:
    """Run :func:`central_difference` for every step and measure its error against ``exact``.

    The precision is that of ``params`` (float32 is accepted here on purpose: showing how it
    fails is the point); ``f`` must compute in the same precision.

    Parameters
    ----------
    f : callable
        ``f(*params)`` returns the loss.
    params : collections.abc.Sequence of torch.Tensor
        Where to differentiate, all float32 or all float64.
    exact : collections.abc.Sequence
        The exact gradient, one array per parameter (e.g. autograd in float64).
    steps : collections.abc.Sequence of float
        The relative steps to try.

    Returns
    -------
    FDSweep
        One relative error per step.

    Raises
    ------
    TypeError, ValueError
        As :func:`central_difference` and :func:`compare_gradients`, or if ``steps`` is empty.

    Examples
    --------
    >>> x = torch.tensor([0.5], dtype=torch.float64)
    >>> sweep = fd_error_sweep(lambda x: torch.exp(x).sum(), (x,), (torch.exp(x),), [1e-2, 1e-3])
    >>> [f"{e:.1e}" for e in sweep.errors]  # truncation h**2/6 dominates at these steps
    ['1.7e-05', '1.7e-07']
    """
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or not steps:
        raise ValueError(f"steps must be a non-empty sequence of numbers, got {describe(steps)}")
    checked = _check_params(params, allow_float32=True)
    dtype = checked[0].dtype
    names = [f"param {k}" for k in range(len(checked))]
    if isinstance(exact, torch.Tensor) or not isinstance(exact, Sequence):
        raise TypeError(f"exact must be a tuple of gradients, one per param, got {describe(exact)}")
    exact_scale = max(
        (
            float(np.max(np.abs(_as_float64("exact", n, g)), initial=0.0))
            for n, g in zip(names, exact, strict=False)
        ),
        default=0.0,
    )
    if exact_scale == 0.0:
        raise ValueError("exact is zero everywhere: a relative error needs a non-zero gradient")
    errors = []
    for h in steps:
        try:
            fd = central_difference(f, checked, eps=h, allow_float32=True)
        except StepTooSmallError:
            errors.append(math.nan)
            continue
        cmp = compare_gradients({"exact": tuple(exact), "fd": fd}, param_names=names)
        errors.append(cmp.max_abs / exact_scale)
    with torch.no_grad():
        loss_value = _scalar_value(f(*checked))
    return FDSweep(
        dtype=str(dtype).removeprefix("torch."),
        machine_eps=float(torch.finfo(dtype).eps),
        steps=tuple(float(h) for h in steps),
        errors=tuple(errors),
        loss_value=loss_value,
        grad_scale=exact_scale,
    )


# -- comparing several results ------------------------------------------------------------------


class GradientMismatchError(AssertionError):
    """Two ways of computing the same gradient disagree beyond the stated tolerance."""


@dataclass(frozen=True)
class ParamDisagreement:
    r"""How far two methods' gradients for one parameter lie apart.

    Attributes
    ----------
    param : str
        The parameter's name.
    max_abs : float
        :math:`\max_k \lvert a_k - b_k\rvert` over the parameter's entries.
    scale : float
        :math:`\max_k \max(\lvert a_k\rvert, \lvert b_k\rvert)`, the size of the gradient.
    """

    param: str
    max_abs: float
    scale: float

    @property
    def max_rel(self) -> float:
        """``max_abs / scale`` (0 when both gradients are exactly zero)."""
        if self.max_abs == 0.0:
            return 0.0
        return self.max_abs / self.scale if self.scale > 0 else math.inf


@dataclass(frozen=True)
class PairDisagreement:
    """The disagreement between two methods, over all parameters.

    Attributes
    ----------
    first, second : str
        The two methods' names.
    params : tuple of ParamDisagreement
        One record per parameter.
    """

    first: str
    second: str
    params: tuple[ParamDisagreement, ...]

    @property
    def max_abs(self) -> float:
        """Largest absolute difference over all parameters."""
        return max(p.max_abs for p in self.params)

    @property
    def max_rel(self) -> float:
        """Largest relative difference over all parameters."""
        return max(p.max_rel for p in self.params)

    @property
    def label(self) -> str:
        """``"first vs second"``."""
        return f"{self.first} vs {self.second}"


@dataclass(frozen=True)
class GradientComparison:
    """Every pairwise disagreement among several results for the same parameters.

    Attributes
    ----------
    methods : tuple of str
        The methods' names, in the order given.
    param_names : tuple of str
        The parameters' names.
    pairs : tuple of PairDisagreement
        One record per unordered pair of methods.
    """

    methods: tuple[str, ...]
    param_names: tuple[str, ...]
    pairs: tuple[PairDisagreement, ...]

    @property
    def max_abs(self) -> float:
        """Largest absolute disagreement of any pair."""
        return max(p.max_abs for p in self.pairs)

    @property
    def max_rel(self) -> float:
        """Largest relative disagreement of any pair."""
        return max(p.max_rel for p in self.pairs)

    @property
    def worst(self) -> PairDisagreement:
        """The pair with the largest relative disagreement."""
        return max(self.pairs, key=lambda p: p.max_rel)

    def table(self, *, digits: int = 1) -> str:
        """Render the pairs as a small text table, worst pair last marked by the maximum.

        Parameters
        ----------
        digits : int
            Digits after the point in the scientific notation of the numbers.

        Returns
        -------
        str
            One line per pair (``max |a-b|`` and ``max rel``), then the maximum.

        Raises
        ------
        TypeError
            If ``digits`` is not a whole number.
        ValueError
            If ``digits`` is not positive.
        """
        digits = int(check_positive("digits", digits, integer=True))
        width = max(len("max"), *(len(p.label) for p in self.pairs))
        col = digits + 8
        fmt = f">{col}.{digits}e"
        lines = [f"{'pair':<{width}}  {'max |a-b|':>{col}}  {'max rel':>{col}}"]
        rows = [(p.label, p.max_abs, p.max_rel) for p in self.pairs]
        rows.append(("max", self.max_abs, self.max_rel))
        for label, a, r in rows:
            lines.append(f"{label:<{width}}  {a:{fmt}}  {r:{fmt}}")
        return "\n".join(lines)

    def check(self, *, atol: float, rtol: float) -> None:
        r"""Raise unless every pair agrees on every parameter within the tolerance.

        A pair passes on a parameter when
        :math:`\max_k\lvert a_k - b_k\rvert \le \text{atol} + \text{rtol}\cdot\text{scale}`,
        with scale the largest magnitude either method reports for that parameter.

        Parameters
        ----------
        atol : float
            Absolute tolerance, >= 0.
        rtol : float
            Relative tolerance, >= 0.

        Raises
        ------
        GradientMismatchError
            Naming the first failing pair and parameter, with the numbers.
        ValueError
            If a tolerance is negative or not finite.
        """
        atol, rtol = _check_tolerance("atol", atol), _check_tolerance("rtol", rtol)
        for pair in self.pairs:
            for p in pair.params:
                allowed = atol + rtol * p.scale
                if not p.max_abs <= allowed:
                    raise GradientMismatchError(
                        f"{pair.label} disagree on the gradient of {p.param}: "
                        f"max |a-b| = {p.max_abs:.3e} (relative {p.max_rel:.3e}) exceeds "
                        f"atol + rtol*scale = {atol:g} + {rtol:g}*{p.scale:.3e} = {allowed:.3e}; "
                        "one of the two formulas (or its precision) is wrong"
                    )


def _check_tolerance(name: str, value: Any) -> float:
    number = check_real_scalar(name, value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


def _as_float64(method: str, param: str, value: Any) -> np.ndarray:
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
    if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
        raise TypeError(f"{where} must hold real numbers, got dtype {value.dtype}")
    array = value.astype(np.float64)
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"{where} contains NaN or infinite values")
    return array


def compare_gradients(
    results: Mapping[str, Sequence[Any]], *, param_names: Sequence[str] | None = None
) -> GradientComparison:
    r"""Compare several methods' gradients for the same parameters, pair by pair.

    Parameters
    ----------
    results : collections.abc.Mapping
        ``{"autograd": (grad_w, grad_b), "hand": (...), ...}``: at least two methods, each giving
        one gradient per parameter (torch tensors, NumPy arrays or numbers), in the same order
        and with **exactly** the same shapes -- a column (d, 1) against a row (1, d) or a flat
        (d,) is a real difference and is refused.
    param_names : collections.abc.Sequence of str, optional
        Names of the parameters; default ``"param 0"``, ``"param 1"``, ...

    Returns
    -------
    GradientComparison
        The disagreement of every unordered pair (computed in float64).

    Raises
    ------
    TypeError
        If ``results`` is not a mapping of names to sequences of arrays or numbers.
    ValueError
        With fewer than two methods, differing numbers of parameters or shapes, NaN/inf, or a
        ``param_names`` of the wrong length.

    Examples
    --------
    >>> good = (torch.tensor([[2.0], [4.0]]), torch.tensor([1.0]))
    >>> off = (torch.tensor([[2.0], [4.1]]), torch.tensor([1.0]))
    >>> cmp = compare_gradients({"autograd": good, "hand": off}, param_names=("w", "b"))
    >>> print(cmp.table())
    pair              max |a-b|    max rel
    autograd vs hand    1.0e-01    2.4e-02
    max                 1.0e-01    2.4e-02
    """
    if not isinstance(results, Mapping):
        raise TypeError(
            'results must be a mapping such as {"autograd": (grad_w, grad_b), "hand": (...)}, '
            f"got {describe(results)}"
        )
    if len(results) < 2:
        raise ValueError(f"results needs at least two methods to compare, got {len(results)}")
    arrays: dict[str, list[np.ndarray]] = {}
    n_params = None
    for method, grads in results.items():
        if not isinstance(method, str):
            raise TypeError(f"method names must be str, got {describe(method)}")
        if isinstance(grads, (torch.Tensor, np.ndarray, str)) or not isinstance(grads, Sequence):
            raise TypeError(
                f"results[{method!r}] must be a tuple of gradients, one per parameter, "
                f"got {describe(grads)}; wrap a single gradient as (g,)"
            )
        if n_params is None:
            n_params = len(grads)
            if n_params == 0:
                raise ValueError(f"results[{method!r}] holds no gradient")
            if param_names is None:
                param_names = [f"param {k}" for k in range(n_params)]
            param_names = [str(n) for n in param_names]
            if len(param_names) != n_params:
                raise ValueError(
                    f"param_names has {len(param_names)} names but results[{method!r}] holds "
                    f"{n_params} gradients"
                )
        elif len(grads) != n_params:
            raise ValueError(
                f"results[{method!r}] holds {len(grads)} gradients, the first method {n_params}"
            )
        arrays[method] = [
            _as_float64(method, name, g) for name, g in zip(param_names, grads, strict=True)
        ]
    assert param_names is not None
    methods = tuple(arrays)
    first = methods[0]
    for method in methods[1:]:
        for name, a, b in zip(param_names, arrays[first], arrays[method], strict=True):
            if a.shape != b.shape:
                raise ValueError(
                    f"the gradient of {name} has shape {a.shape} from {first!r} but {b.shape} "
                    f"from {method!r}; a gradient has the shape of its parameter"
                )
    pairs = []
    for m1, m2 in itertools.combinations(methods, 2):
        records = []
        for name, a, b in zip(param_names, arrays[m1], arrays[m2], strict=True):
            if a.size == 0:
                records.append(ParamDisagreement(name, 0.0, 0.0))
                continue
            records.append(
                ParamDisagreement(
                    param=name,
                    max_abs=float(np.max(np.abs(a - b))),
                    scale=float(max(np.max(np.abs(a)), np.max(np.abs(b)))),
                )
            )
        pairs.append(PairDisagreement(m1, m2, tuple(records)))
    return GradientComparison(methods=methods, param_names=tuple(param_names), pairs=tuple(pairs))


def assert_gradients_agree(
    results: Mapping[str, Sequence[Any]],
    *,
    atol: float,
    rtol: float,
    param_names: Sequence[str] | None = None,
) -> GradientComparison:
    """Compare like :func:`compare_gradients` and raise if any pair exceeds the tolerance.

    A page cell that calls this fails the book's build the moment a formula breaks.

    Parameters
    ----------
    results : collections.abc.Mapping
        As in :func:`compare_gradients`.
    atol, rtol : float
        Tolerances, as in :meth:`GradientComparison.check`.
    param_names : collections.abc.Sequence of str, optional
        Names of the parameters.

    Returns
    -------
    GradientComparison
        The comparison, when every pair agrees.

    Raises
    ------
    GradientMismatchError
        Naming the pair and parameter that disagree.
    TypeError, ValueError
        On malformed results or tolerances.

    Examples
    --------
    A hand formula that forgot the ½ of the loss is off by a factor of 2:

    >>> g = torch.tensor([[3.0]])
    >>> assert_gradients_agree({"autograd": (g,), "hand": (2 * g,)}, atol=0, rtol=1e-8,
    ...                        param_names=("w",))
    Traceback (most recent call last):
    ...
    linreg_src.check.GradientMismatchError: autograd vs hand disagree on the gradient of w: max |a-b| = 3.000e+00 (relative 5.000e-01) exceeds atol + rtol*scale = 0 + 1e-08*6.000e+00 = 6.000e-08; one of the two formulas (or its precision) is wrong
    """  # noqa: E501
    comparison = compare_gradients(results, param_names=param_names)
    comparison.check(atol=atol, rtol=rtol)
    return comparison


# -- torch.autograd.gradcheck on the hand formula ---------------------------------------------

Reduction = Literal["sum", "mean", "mse"]


class HandLinregLoss(torch.autograd.Function):
    r"""The linear-regression loss with a backward pass that is the **hand formula**.

    ``forward`` computes the loss of :math:`\hat y = Xw + b`; ``backward`` ignores autograd's own
    derivative and returns ``grad_output`` times :func:`linreg_src.grad.squared_loss_grads`
    (``"sum"``/``"mean"``) or :func:`linreg_src.grad.mse_loss_grads` (``"mse"``). Handing this
    Function to :func:`torch.autograd.gradcheck` therefore checks the hand formula against
    PyTorch's own finite differences. Gradients flow to ``w`` and ``b`` only.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        X: torch.Tensor,
        y: torch.Tensor,
        w: torch.Tensor,
        b: torch.Tensor,
        reduction: Reduction,
    ) -> torch.Tensor:
        """Return the reduced loss; remember the inputs for backward."""
        ctx.save_for_backward(X, y, w, b)
        ctx.reduction = reduction
        r = X @ w + b - y
        if reduction == "sum":
            return (r**2 / 2).sum()
        if reduction == "mean":
            return (r**2 / 2).mean()
        return (r**2).mean()

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        """Return ``grad_output`` times the hand-derived gradients of ``w`` and ``b``."""
        from linreg_src.grad import mse_loss_grads, squared_loss_grads

        X, y, w, b = ctx.saved_tensors
        if ctx.reduction == "mse":
            grad_w, grad_b = mse_loss_grads(X, y, w, b)
        else:
            grad_w, grad_b = squared_loss_grads(X, y, w, b, reduction=ctx.reduction)
        return None, None, grad_output * grad_w, grad_output * grad_b, None


def gradcheck_hand_formula(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    reduction: Reduction = "sum",
) -> bool:
    """Run :func:`torch.autograd.gradcheck` on :class:`HandLinregLoss` in float64.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Features, float64.
    y : torch.Tensor, shape (N, 1)
        Labels, float64.
    w : torch.Tensor, shape (d, 1)
        Weights, float64.
    b : torch.Tensor, shape (1,) or ()
        Bias, float64.
    reduction : {"sum", "mean", "mse"}
        ``"sum"``/``"mean"`` of ½-squared losses, or ``"mse"`` (``nn.MSELoss``).

    Returns
    -------
    bool
        ``True`` when the hand formula matches finite differences (gradcheck raises otherwise).

    Raises
    ------
    TypeError
        If the arguments are not float64 tensors.
    ValueError
        On inconsistent shapes or an unknown reduction.
    RuntimeError
        (PyTorch's ``GradcheckError``) If the hand formula disagrees with finite differences.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(4, 2, dtype=torch.float64, generator=g)
    >>> y = torch.randn(4, 1, dtype=torch.float64, generator=g)
    >>> w, b = torch.zeros(2, 1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    >>> gradcheck_hand_formula(X, y, w, b, reduction="mse")
    True
    """
    from linreg_src._validate import check_column_pair, check_linreg_args, require_backend

    require_backend("torch", "grad", X=X, y=y, w=w, b=b)
    check_linreg_args(X, w, b)
    with torch.no_grad():
        check_column_pair(X @ w + b, y, names=("X @ w + b", "y"))
    if X.dtype != torch.float64:
        raise TypeError(
            f"gradcheck needs float64 tensors (its finite differences are too coarse in "
            f"{X.dtype}); convert with .double()"
        )
    if reduction not in ("sum", "mean", "mse"):
        raise ValueError(f'reduction must be "sum", "mean" or "mse", got {reduction!r}')
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    return bool(
        torch.autograd.gradcheck(
            lambda w_, b_: HandLinregLoss.apply(X, y, w_, b_, reduction), (w, b)
        )
    )
