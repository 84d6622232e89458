r"""The bytes a full-batch hand gradient moves, and the memory bandwidth that bounds it.

The hand gradient is five array operations; each streams its inputs from memory and its output
back (the model of a batch much larger than the caches). ``X`` is read twice -- by
:math:`\mathbf X\mathbf w` going forward and :math:`\mathbf X^\top\boldsymbol\delta` going back.
A step therefore takes at least :math:`\max(t_0, B/\beta)`: the roofline of the cost page.

>>> traffic = gradient_traffic(1000, 2, torch.float32)
>>> traffic.x_bytes, traffic.vector_bytes, traffic.total_bytes
(16000, 32000, 48024)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from linreg_src._guard import checked

__all__ = ["GRADIENT_OPS", "GradientTraffic", "bandwidth_calls", "gradient_traffic"]

#: Each array operation of the hand gradient, as ``(name, elements read, elements written)`` with
#: the counts as functions of ``(N, d)``: :math:`\boldsymbol\delta = \mathbf X\mathbf w + b -
#: \mathbf y`, :math:`\mathbf X^\top\boldsymbol\delta` and :math:`\sum_i\delta_i`.
GRADIENT_OPS: tuple[
    tuple[str, Callable[[int, int], int], Callable[[int, int], int]], ...
] = (
    ("X @ w", lambda n, d: n * d + d, lambda n, d: n),
    ("+ b", lambda n, d: n + 1, lambda n, d: n),
    ("- y", lambda n, d: 2 * n, lambda n, d: n),
    ("X.T @ delta", lambda n, d: n * d + n, lambda n, d: d),
    ("delta.sum()", lambda n, d: n, lambda n, d: 1),
)


@dataclass(frozen=True)
class GradientTraffic:
    """Bytes the hand gradient of an (N, d) batch reads and writes: ``per_op`` lists each op's."""

    n: int
    d: int
    itemsize: int
    per_op: tuple[tuple[str, int, int], ...]

    @property
    def x_bytes(self) -> int:
        """Bytes of ``X`` read, twice (by ``X @ w`` and by ``X.T @ delta``)."""
        return 2 * self.n * self.d * self.itemsize

    @property
    def total_bytes(self) -> int:
        """All bytes read and written by the five operations."""
        return sum(r + w for _, r, w in self.per_op)

    @property
    def vector_bytes(self) -> int:
        """Bytes of the length-N columns (``y``, ``X @ w``, ``y_hat``, ``delta``) moved."""
        return 8 * self.n * self.itemsize

    @property
    def flops(self) -> int:
        """Floating-point operations (2Nd per product, N each for ``+ b``, ``- y`` and the sum)."""
        return 4 * self.n * self.d + 3 * self.n

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, flops per byte moved."""
        return self.flops / self.total_bytes


@checked
def gradient_traffic(
    n: int, d: int, dtype: torch.dtype = torch.float32
) -> GradientTraffic:
    r"""Count the bytes of the hand gradient, :math:`s(2Nd + 8N + 2d + 2)` for ``s``-byte numbers.

    >>> t = gradient_traffic(10**6, 32, torch.float32)
    >>> t.x_bytes, t.vector_bytes, t.total_bytes, round(t.intensity, 3)
    (256000000, 32000000, 288000264, 0.455)
    """
    size = torch.empty((), dtype=dtype).element_size()
    per_op = tuple(
        (name, r(n, d) * size, w(n, d) * size) for name, r, w in GRADIENT_OPS
    )
    return GradientTraffic(n, d, size, per_op)


@checked
def bandwidth_calls(
    nbytes: int,
) -> tuple[dict[str, Callable[[], object]], dict[str, int]]:
    r"""Return calls that copy and that sum ``nbytes`` of float32, and the bytes each moves.

    Time them with :func:`linreg_src.timing.compare` next to the gradient, so that both share
    the machine's conditions; bytes moved / seconds is the bandwidth :math:`\beta`.

    >>> calls, moved = bandwidth_calls(4096)
    >>> moved
    {'copy': 8192, 'read': 4096}
    """
    count = nbytes // 4
    if count == 0:
        raise ValueError(
            f"nbytes must hold at least one float32 (4 bytes), got {nbytes}"
        )
    src = torch.ones(count)
    dst = torch.zeros(count)  # zeros writes every page: no page faults while timing
    size = count * 4
    calls = {"copy": lambda: dst.copy_(src), "read": lambda: src.sum()}
    return calls, {"copy": 2 * size, "read": size}
