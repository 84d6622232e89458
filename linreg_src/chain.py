r"""The chain rule as a burger factory (article 003).

Two machines in a row turn beef into burgers::

    x (kg of beef) --[machine A: u = w·x]--> u (patties) --[machine B: y = v·u]--> y (burgers)

and an order of ``target`` burgers turns the output into a squared error
:math:`\text{Loss} = (y - y_\text{target})^2`. Backpropagation asks how sensitive ``Loss`` is to
each knob, ``w`` and ``v``, and answers by multiplying local derivatives from the end backwards,
reusing the upstream gradient :math:`\partial\text{Loss}/\partial y` for both knobs.

Examples
--------
>>> fwd = factory_forward(w=3.0, v=2.0, x=2.0, target=10.0)
>>> fwd.u, fwd.y, fwd.loss
(6.0, 12.0, 4.0)
>>> grads = factory_backward(fwd)
>>> grads.grad_v, grads.grad_w
(24.0, 16.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from linreg_src._validate import check_real_scalar

__all__ = [
    "FactoryForward",
    "FactoryGradients",
    "factory_autograd",
    "factory_backward",
    "factory_forward",
]


@dataclass(frozen=True)
class FactoryForward:
    """Every value the forward pass of the factory produces.

    Attributes
    ----------
    w, v, x, target : float
        The inputs: knob of machine A, knob of machine B, kilograms of beef, burgers ordered.
    u : float
        Patties made by machine A, ``u = w * x``.
    y : float
        Burgers made by machine B, ``y = v * u``.
    loss : float
        Squared error of the order, ``(y - target) ** 2``.
    """

    w: float
    v: float
    x: float
    target: float
    u: float
    y: float
    loss: float


@dataclass(frozen=True)
class FactoryGradients:
    r"""The local derivatives of each link and the two gradients they multiply into.

    Attributes
    ----------
    dloss_dy : float
        Upstream gradient :math:`\partial\text{Loss}/\partial y = 2(y - y_\text{target})`,
        computed once and reused for both knobs.
    dy_dv : float
        :math:`\partial y/\partial v = u`.
    dy_du : float
        :math:`\partial y/\partial u = v`.
    dloss_du : float
        Gradient arriving at the patties,
        :math:`\partial\text{Loss}/\partial u = \text{dloss\_dy}\cdot v`; it is the
        upstream gradient of machine A.
    du_dw : float
        :math:`\partial u/\partial w = x`.
    grad_v : float
        :math:`\partial\text{Loss}/\partial v = \text{dloss\_dy}\cdot u`.
    grad_w : float
        :math:`\partial\text{Loss}/\partial w = \text{dloss\_dy}\cdot v\cdot x`.
    """

    dloss_dy: float
    dy_dv: float
    dy_du: float
    dloss_du: float
    du_dw: float
    grad_v: float
    grad_w: float


def factory_forward(w: float, v: float, x: float, target: float) -> FactoryForward:
    r"""Run the factory forward: :math:`u = wx`, :math:`y = vu`, :math:`\text{Loss} = (y - t)^2`.

    Parameters
    ----------
    w : float
        Knob of machine A (patties per kilogram of beef).
    v : float
        Knob of machine B (burgers per patty).
    x : float
        Kilograms of beef fed in.
    target : float
        Burgers the customer ordered, :math:`t`.

    Returns
    -------
    FactoryForward
        Inputs, intermediate ``u``, output ``y`` and ``loss``.

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If an argument is NaN or infinite.

    Examples
    --------
    >>> factory_forward(w=3.0, v=2.0, x=2.0, target=10.0).loss
    4.0
    """
    w = check_real_scalar("w", w)
    v = check_real_scalar("v", v)
    x = check_real_scalar("x", x)
    target = check_real_scalar("target", target)
    u = w * x
    y = v * u
    loss = (y - target) ** 2
    return FactoryForward(w=w, v=v, x=x, target=target, u=u, y=y, loss=loss)


def factory_backward(fwd: FactoryForward) -> FactoryGradients:
    r"""Backpropagate by hand through the factory, link by link.

    The chain rule multiplies the local derivative of each link, starting from the loss:

    .. math::

        \frac{\partial\text{Loss}}{\partial v}
            = \underbrace{2(y - t)}_{\partial\text{Loss}/\partial y}\cdot
              \underbrace{u}_{\partial y/\partial v},
        \qquad
        \frac{\partial\text{Loss}}{\partial w}
            = \underbrace{2(y - t)}_{\partial\text{Loss}/\partial y}\cdot
              \underbrace{v}_{\partial y/\partial u}\cdot
              \underbrace{x}_{\partial u/\partial w}.

    The upstream factor :math:`\partial\text{Loss}/\partial y` is computed once and reused: that
    reuse is what makes backpropagation cheaper than differentiating each path separately.

    Parameters
    ----------
    fwd : FactoryForward
        The result of :func:`factory_forward`; backward needs its stored ``u``, ``y``, ``v``, ``x``.

    Returns
    -------
    FactoryGradients
        Each local derivative and the two gradients.

    Raises
    ------
    TypeError
        If ``fwd`` is not a :class:`FactoryForward`.

    Examples
    --------
    >>> g = factory_backward(factory_forward(w=3.0, v=2.0, x=2.0, target=10.0))
    >>> g.dloss_dy, g.dy_dv, g.dy_du, g.du_dw
    (4.0, 6.0, 2.0, 2.0)
    >>> g.grad_v, g.grad_w
    (24.0, 16.0)
    """
    if not isinstance(fwd, FactoryForward):
        raise TypeError(
            "fwd must be the FactoryForward returned by factory_forward(w, v, x, target), "
            f"got {type(fwd).__name__}"
        )
    dloss_dy = 2.0 * (fwd.y - fwd.target)
    dy_dv = fwd.u
    dy_du = fwd.v
    du_dw = fwd.x
    return FactoryGradients(
        dloss_dy=dloss_dy,
        dy_dv=dy_dv,
        dy_du=dy_du,
        dloss_du=dloss_dy * dy_du,
        du_dw=du_dw,
        grad_v=dloss_dy * dy_dv,
        grad_w=(dloss_dy * dy_du) * du_dw,
    )


def factory_autograd(
    w: float, v: float, x: float, target: float
) -> tuple[FactoryForward, float, float]:
    """Let PyTorch build the graph and call ``loss.backward()``.

    Parameters
    ----------
    w, v, x, target : float
        As in :func:`factory_forward`. ``w`` and ``v`` become leaf tensors with
        ``requires_grad=True``; ``x`` and ``target`` are constants.

    Returns
    -------
    fwd : FactoryForward
        The forward values as PyTorch computed them (float64).
    grad_v, grad_w : float
        ``v.grad`` and ``w.grad`` after ``loss.backward()``.

    Examples
    --------
    >>> _, grad_v, grad_w = factory_autograd(w=3.0, v=2.0, x=2.0, target=10.0)
    >>> grad_v, grad_w
    (24.0, 16.0)
    """
    import torch

    names = ("w", "v", "x", "target")
    checked = {n: check_real_scalar(n, a) for n, a in zip(names, (w, v, x, target), strict=True)}
    w_t = torch.tensor(checked["w"], dtype=torch.float64, requires_grad=True)
    v_t = torch.tensor(checked["v"], dtype=torch.float64, requires_grad=True)
    x_t = torch.tensor(checked["x"], dtype=torch.float64)
    target_t = torch.tensor(checked["target"], dtype=torch.float64)
    u = w_t * x_t
    y = v_t * u
    loss = (y - target_t) ** 2
    loss.backward()
    assert w_t.grad is not None and v_t.grad is not None
    fwd = FactoryForward(
        w=checked["w"],
        v=checked["v"],
        x=checked["x"],
        target=checked["target"],
        u=float(u.item()),
        y=float(y.item()),
        loss=float(loss.item()),
    )
    return fwd, float(v_t.grad.item()), float(w_t.grad.item())
