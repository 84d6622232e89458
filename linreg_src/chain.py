r"""The chain rule as a burger factory (article 003).

Machine A makes :math:`u = wx` patties from :math:`x` kg of beef, machine B makes :math:`h = vu`
burgers from them, and an order of :math:`t` burgers gives the loss
:math:`\mathrm{Loss} = (h - t)^2`. Backpropagation multiplies the local derivatives from the loss
backwards, computing the upstream gradient :math:`\partial\mathrm{Loss}/\partial h` once for both
knobs ``w`` and ``v``. (Article 003 calls the burgers ``y``; the book keeps ``y`` for the label.)

>>> grads = factory_backward(factory_forward(w=3.0, v=2.0, x=2.0, target=10.0))
>>> grads.grad_v, grads.grad_w
(24.0, 16.0)
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass, fields
from typing import Any

import torch

from linreg_src._validate import check_real_scalar, describe

__all__ = [
    "FACTORY_LIMIT",
    "FactoryForward",
    "FactoryGradients",
    "check_factory_inputs",
    "factory_autograd",
    "factory_backward",
    "factory_forward",
]

#: Inputs within ±1e50 keep every value and gradient of the factory below 1e251, finite in float64.
FACTORY_LIMIT = 1e50


@dataclass(frozen=True)
class FactoryForward:
    """Every value of the forward pass: the inputs, ``u = w * x``, ``h = v * u`` and ``loss``."""

    w: float
    v: float
    x: float
    target: float
    u: float
    h: float
    loss: float


@dataclass(frozen=True)
class FactoryGradients:
    r"""Each link's local derivative and the two gradients they multiply into.

    ``dloss_dh`` :math:`= 2(h - t)` is the upstream gradient, ``dh_dv`` :math:`= u`, ``dh_du``
    :math:`= v`, ``dloss_du`` :math:`= 2(h - t)\,v`, ``du_dw`` :math:`= x`; all must be finite.
    """

    dloss_dh: float
    dh_dv: float
    dh_du: float
    dloss_du: float
    du_dw: float
    grad_v: float
    grad_w: float

    def __post_init__(self) -> None:
        for f, value in zip(fields(self), astuple(self), strict=True):
            if not math.isfinite(value):
                raise ValueError(
                    f"{f.name} = {value} is not finite: fwd holds values not finite or too large "
                    "for float64; "
                    f"build fwd with factory_forward from inputs within ±{FACTORY_LIMIT:g}"
                )


def check_factory_inputs(
    w: Any, v: Any, x: Any, target: Any
) -> tuple[float, float, float, float]:
    """Return the four inputs as floats if each is a real number within ``±FACTORY_LIMIT``.

    >>> check_factory_inputs(3, 2, 2, 10)
    (3.0, 2.0, 2.0, 10.0)
    """
    values = []
    for name, value in (("w", w), ("v", v), ("x", x), ("target", target)):
        number = check_real_scalar(name, value)
        if abs(number) > FACTORY_LIMIT:
            raise ValueError(
                f"{name} must lie within ±{FACTORY_LIMIT:g}, where the factory's loss and "
                f"gradients stay finite in float64, got {number:g}"
            )
        values.append(number)
    return values[0], values[1], values[2], values[3]


def factory_forward(w: float, v: float, x: float, target: float) -> FactoryForward:
    r"""Run the factory: ``u = w * x``, ``h = v * u``, ``(h - target) ** 2``.

    >>> factory_forward(w=3.0, v=2.0, x=2.0, target=10.0)
    FactoryForward(w=3.0, v=2.0, x=2.0, target=10.0, u=6.0, h=12.0, loss=4.0)
    """
    w, v, x, target = check_factory_inputs(w, v, x, target)
    u = w * x
    h = v * u
    loss = (h - target) ** 2
    return FactoryForward(w, v, x, target, u, h, loss)


def factory_backward(fwd: FactoryForward) -> FactoryGradients:
    r"""Backpropagate by hand, link by link, from the forward values ``fwd``.

    :math:`\partial L/\partial v = 2(h - t)\cdot u` and
    :math:`\partial L/\partial w = 2(h - t)\cdot v\cdot x`: the upstream factor
    :math:`2(h - t)` is computed once and reused.

    >>> g = factory_backward(factory_forward(w=3.0, v=2.0, x=2.0, target=10.0))
    >>> g.dloss_dh, g.dloss_du, g.grad_v, g.grad_w
    (4.0, 8.0, 24.0, 16.0)
    """
    _require_forward(fwd)
    dloss_dh = 2.0 * (fwd.h - fwd.target)
    dh_dv = fwd.u
    dh_du = fwd.v
    du_dw = fwd.x
    return FactoryGradients(
        dloss_dh=dloss_dh,
        dh_dv=dh_dv,
        dh_du=dh_du,
        dloss_du=dloss_dh * dh_du,
        du_dw=du_dw,
        grad_v=dloss_dh * dh_dv,
        grad_w=(dloss_dh * dh_du) * du_dw,
    )


def factory_autograd(
    w: float, v: float, x: float, target: float
) -> tuple[FactoryForward, float, float]:
    """Let autograd differentiate the factory: return ``(fwd, v.grad, w.grad)``.

    >>> _, grad_v, grad_w = factory_autograd(w=3.0, v=2.0, x=2.0, target=10.0)
    >>> grad_v, grad_w
    (24.0, 16.0)
    """
    w, v, x, target = check_factory_inputs(w, v, x, target)
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    v_t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    u = w_t * x
    h = v_t * u
    loss = (h - target) ** 2
    loss.backward()
    fwd = FactoryForward(w, v, x, target, u.item(), h.item(), loss.item())
    return fwd, v_t.grad.item(), w_t.grad.item()  # type: ignore[union-attr]


def _require_forward(fwd: Any) -> None:
    if not isinstance(fwd, FactoryForward):
        raise TypeError(
            "fwd must be the FactoryForward returned by factory_forward(w, v, x, target), "
            f"got {describe(fwd)}"
        )
