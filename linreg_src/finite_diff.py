r"""Central finite differences: a gradient from nothing but the loss, in float64.

The central difference :math:`\bigl(f(\theta + h) - f(\theta - h)\bigr)/2h` errs by truncation,
:math:`\frac{h^2}{6}\lvert f'''\rvert`, and by rounding, :math:`\varepsilon\lvert f\rvert/h`; their
sum is smallest near :math:`h \approx \varepsilon^{1/3}`, where about ten digits survive in float64
but only four or five in float32 -- too few to tell a right formula from a slightly wrong one.
Hence :func:`central_difference` refuses float32 unless asked; :func:`fd_error_sweep` measures
the error over a range of steps.

>>> w = torch.tensor([1.0, -2.0], dtype=torch.float64)
>>> (g,) = central_difference(lambda w: (w**2).sum(), (w,))
>>> bool(torch.allclose(g, 2 * w))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from linreg_src._validate import (
    check_float_array,
    check_positive,
    check_real_scalar,
    describe,
)
from linreg_src.check import _as_float64, compare_gradients

__all__ = [
    "FD_EPS",
    "FDSweep",
    "StepTooSmallError",
    "central_difference",
    "default_step",
    "fd_error_sweep",
]

#: The default relative step in float64, :math:`\varepsilon^{1/3} \approx 6.06\cdot10^{-6}`.
FD_EPS: float = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


class StepTooSmallError(ValueError):
    """The finite-difference step vanishes when added to a parameter in the working precision."""


def default_step(dtype: torch.dtype) -> float:
    r"""Return :math:`\varepsilon^{1/3}` of a floating-point ``dtype``: the balanced step.

    >>> default_step(torch.float64) == FD_EPS, f"{default_step(torch.float32):.2e}"
    (True, '4.92e-03')
    """
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"dtype must be a floating-point torch.dtype, got {dtype!r}"
        )
    return float(torch.finfo(dtype).eps) ** (1.0 / 3.0)


def central_difference(
    f: Callable[..., Any],
    params: Sequence[torch.Tensor],
    *,
    eps: float | None = None,
    allow_float32: bool = False,
) -> tuple[torch.Tensor, ...]:
    r"""Gradient of a scalar ``f(*params)`` by central differences, one entry at a time.

    :math:`\dfrac{\partial f}{\partial\theta_k} \approx
    \dfrac{f(\theta_k + h_k) - f(\theta_k - h_k)}{(\theta_k + h_k) - (\theta_k - h_k)}`,
    :math:`h_k = \text{eps}\cdot\max(1, \lvert\theta_k\rvert)`: the denominator is the step taken
    after rounding. ``eps`` defaults to :math:`\varepsilon^{1/3}`; the params are not modified.

    >>> a, b = torch.tensor(3.0, dtype=torch.float64), torch.tensor([2.0], dtype=torch.float64)
    >>> ga, gb = central_difference(lambda a, b: (a**2 * b).sum(), (a, b))  # 2ab and a²
    >>> round(ga.item(), 6), round(gb.item(), 6)
    (12.0, 9.0)
    """
    base, rel = _setup(
        f, params, eps, allow_float32
    )  # contiguous copies, relative step
    grads = []
    with torch.no_grad():
        for index, p in enumerate(base):
            grad = torch.zeros_like(p)
            flat, flat_grad = (
                p.reshape(-1),
                grad.reshape(-1),
            )  # views: writing flat[k] shifts p
            for k in range(flat.numel()):
                original = flat[k].clone()
                h = rel * max(1.0, abs(float(original)))
                flat[k] = original + h
                plus, f_plus = flat[k].clone(), _loss_at(f, base)
                flat[k] = original - h
                minus, f_minus = flat[k].clone(), _loss_at(f, base)
                flat[k] = original
                step = _actual_step(
                    plus, minus, at=(index, k, float(original), rel)
                )
                flat_grad[k] = (f_plus - f_minus) / step
            grads.append(grad)
    return _finite(tuple(grads))


@dataclass(frozen=True)
class FDSweep:
    r"""The relative error of central differences for each of ``steps``, in one precision.

    ``errors[i]`` is the largest absolute error against the exact gradient divided by its largest
    entry ``grad_scale`` (NaN where the step vanished); ``loss_value`` is :math:`\lvert f\rvert`.
    """

    dtype: str
    machine_eps: float
    steps: tuple[float, ...]
    errors: tuple[float, ...]
    loss_value: float
    grad_scale: float

    def rounding_estimate(self, step: float) -> float:
        r"""Predict the relative rounding error at ``step``, :math:`\varepsilon|f|/(h\max|g|)`.

        >>> FDSweep("float64", 2.0**-52, (1e-3,), (1e-7,), 1.0, 1.0).rounding_estimate(2.0**-20)
        2.3283064365386963e-10
        """
        h = float(check_positive("step", step))
        numerator, denominator = (
            self.machine_eps * abs(self.loss_value),
            h * self.grad_scale,
        )
        if not denominator or not math.isfinite(numerator / denominator):
            raise ValueError(
                f"step={h:g} is too small: the estimate overflows float64"
            )
        return numerator / denominator

    @property
    def best(self) -> tuple[float, float]:
        """``(step, error)`` with the smallest error of the sweep."""
        pairs = [
            (h, e) for h, e in zip(self.steps, self.errors, strict=True) if e == e
        ]
        if not pairs:
            raise ValueError(
                f"no step of steps={self.steps} measured an error: each one vanished in "
                f"{self.dtype}; sweep larger steps"
            )
        return min(pairs, key=lambda he: he[1])


def fd_error_sweep(
    f: Callable[..., Any],
    params: Sequence[torch.Tensor],
    exact: Sequence[Any],
    steps: Sequence[float],
) -> FDSweep:
    """Run :func:`central_difference` at every step of ``steps``; measure its error against ``exact``.

    float32 ``params`` are accepted on purpose (``f`` must compute in their precision).

    >>> x = torch.tensor([0.5], dtype=torch.float64)
    >>> sweep = fd_error_sweep(lambda x: torch.exp(x).sum(), (x,), (torch.exp(x),), [1e-2, 1e-3])
    >>> [f"{e:.1e}" for e in sweep.errors]  # truncation h**2/6 dominates at these steps
    ['1.7e-05', '1.7e-07']
    """  # noqa: E501
    steps = _check_steps(steps)
    checked = _check_params(params, allow_float32=True)
    dtype = checked[0].dtype
    names = [f"param {k}" for k in range(len(checked))]
    if isinstance(exact, torch.Tensor) or not isinstance(exact, Sequence):
        raise TypeError(
            f"exact must be a tuple of gradients, one per param, got {describe(exact)}"
        )
    exact_scale = max(
        (
            float(np.max(np.abs(_as_float64("exact", n, g)), initial=0.0))
            for n, g in zip(names, exact, strict=False)
        ),
        default=0.0,
    )
    if exact_scale == 0.0:
        raise ValueError(
            "exact is zero everywhere: a relative error needs a non-zero gradient"
        )
    errors = []
    for h in steps:
        try:
            fd = central_difference(f, checked, eps=h, allow_float32=True)
        except StepTooSmallError:
            errors.append(math.nan)
            continue
        cmp = compare_gradients(
            {"exact": tuple(exact), "fd": fd}, param_names=names
        )
        errors.append(cmp.max_abs / exact_scale)
    if all(e != e for e in errors):
        raise ValueError(
            f"steps: every step of {steps} vanished in {dtype}; pass larger steps"
        )
    with torch.no_grad():
        loss_value = _loss_at(f, checked)
    return FDSweep(
        dtype=str(dtype).removeprefix("torch."),
        machine_eps=float(torch.finfo(dtype).eps),
        steps=steps,
        errors=tuple(errors),
        loss_value=loss_value,
        grad_scale=exact_scale,
    )


# -- checks at the edges --------------------------------------------------------------------------

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
        raise ValueError(
            "params is empty: pass at least one tensor to differentiate by"
        )
    for k, p in enumerate(params):
        name = f"params[{k}]"
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {describe(p)}")
        check_float_array(name, p, ndim=p.ndim)
        if p.dtype == torch.float32 and not allow_float32:
            raise TypeError(_FLOAT32_REFUSAL.format(name=name, dtype=p.dtype))
        if p.dtype not in (torch.float64, torch.float32):
            raise TypeError(
                f"{name} must be float64 (or float32 on request), got {p.dtype}"
            )
    if len({p.dtype for p in params}) > 1:
        listing = ", ".join(str(p.dtype) for p in params)
        raise TypeError(f"params must share one dtype, got {listing}")
    return tuple(params)


def _setup(
    f: Any, params: Any, eps: Any, allow_float32: bool
) -> tuple[list[torch.Tensor], float]:
    """Check the arguments; return contiguous copies of ``params`` and the relative step."""
    if not callable(f):
        raise TypeError(
            f"f must be callable (a function of the params), got {describe(f)}"
        )
    checked = _check_params(params, allow_float32=allow_float32)
    rel = (
        default_step(checked[0].dtype)
        if eps is None
        else float(check_positive("eps", eps))
    )
    # contiguous copies, so that reshape(-1) is a view even for w = weight.T
    return [
        p.detach().clone(memory_format=torch.contiguous_format) for p in checked
    ], rel


def _check_steps(steps: Any) -> tuple[float, ...]:
    if (
        isinstance(steps, (str, bytes))
        or not isinstance(steps, Sequence)
        or not steps
    ):
        raise ValueError(
            f"steps must be a non-empty sequence of numbers, got {describe(steps)}"
        )
    return tuple(
        float(check_positive(f"steps[{i}]", h)) for i, h in enumerate(steps)
    )


def _loss_at(f: Callable[..., Any], params: Sequence[torch.Tensor]) -> float:
    """Return ``f(*params)`` as a float; refuse more than one number or a non-finite one."""
    value = f(*params)
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        raise ValueError(
            "f must return a single number (a loss), got a tensor of shape "
            f"{tuple(value.shape)}; reduce it with .sum() or .mean()"
        )
    try:
        return check_real_scalar("f(*params)", value)
    except ValueError as exc:
        raise ValueError(
            f"{exc}; the loss is not finite at a shifted point"
        ) from None


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


def _finite(grads: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Return ``grads`` if finite; else name the parameter whose difference quotient overflowed."""
    for index, grad in enumerate(grads):
        if not bool(torch.isfinite(grad).all()):
            raise ValueError(
                f"the difference quotient of f overflows {grad.dtype} at params[{index}]: f "
                "changes by more than the largest float over the step; scale f or eps"
            )
    return grads
