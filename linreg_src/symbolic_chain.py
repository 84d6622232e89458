r"""The burger factory of article 003 differentiated by SymPy, two ways.

SymPy differentiates the composite :math:`\mathrm{Loss} = (v\,w\,x - t)^2` directly, and
differentiates each link (:math:`(h - t)^2`, :math:`h = vu`, :math:`u = wx`) on its own; the chain
rule says the product of the links' derivatives is the same.

>>> factory_symbolic().chain_rule_holds
True
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from linreg_src.chain import check_factory_inputs

__all__ = ["FactorySymbolic", "factory_symbolic", "factory_symbolic_gradients"]


@dataclass(frozen=True)
class FactorySymbolic:
    r"""The factory's symbols ``w, v, x, t``, its ``loss``, and both routes' derivatives.

    ``grad_v``, ``grad_w``: ``diff`` of the composite, factored; ``chain_v``, ``chain_w``: the
    products of the links' derivatives, :math:`\partial L/\partial h\cdot\partial h/\partial v`
    and :math:`\partial L/\partial h\cdot\partial h/\partial u\cdot\partial u/\partial w`.
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
        same_v = sp.simplify(self.grad_v - self.chain_v) == 0
        return bool(same_v and sp.simplify(self.grad_w - self.chain_w) == 0)


def factory_symbolic() -> FactorySymbolic:
    r"""Differentiate the factory's loss :math:`(v\,w\,x - t)^2` by :math:`v` and :math:`w`.

    >>> f = factory_symbolic()
    >>> f.grad_v, f.grad_w
    (2*w*x*(-t + v*w*x), 2*v*x*(-t + v*w*x))
    """
    w, v, x, t = sp.symbols("w v x t", real=True)
    u_s, h_s = sp.symbols("u h", real=True)
    u = w * x
    h = v * u
    loss = (h - t) ** 2
    dloss_dh = sp.diff((h_s - t) ** 2, h_s)
    dh_dv, dh_du = sp.diff(v * u_s, v), sp.diff(v * u_s, u_s)
    du_dw = sp.diff(w * x, w)
    at = {h_s: h, u_s: u}
    return FactorySymbolic(
        w=w,
        v=v,
        x=x,
        t=t,
        loss=loss,
        grad_v=sp.factor(sp.diff(loss, v)),
        grad_w=sp.factor(sp.diff(loss, w)),
        chain_v=(dloss_dh * dh_dv).subs(at),
        chain_w=(dloss_dh * dh_du * du_dw).subs(at),
    )


def factory_symbolic_gradients(
    w: float, v: float, x: float, target: float
) -> tuple[float, float]:
    """Substitute numbers into the factory's symbolic gradients; return ``(grad_v, grad_w)``.

    >>> factory_symbolic_gradients(w=3, v=2, x=2, target=10)
    (24.0, 16.0)
    """
    w, v, x, target = check_factory_inputs(w, v, x, target)
    f = factory_symbolic()
    at = {f.w: w, f.v: v, f.x: x, f.t: target}
    return float(f.grad_v.subs(at)), float(f.grad_w.subs(at))
