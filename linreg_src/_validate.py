"""Argument checks: every message names the argument, what was expected and what arrived.

The checks that :func:`linreg_src._guard.checked` applies by the book's argument names, also
called directly where a name means something else.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch

Backend = Literal["torch", "numpy"]
_MODULE_FOR = {"torch": "linreg_src.{stem}", "numpy": "linreg_src.{stem}_np"}
#: Whole numbers must fit torch's int64 (sizes, counts, seeds).
MAX_INT = 2**63 - 1


def describe(value: Any) -> str:
    """Describe ``value`` for an error message: its type, and dtype and shape for arrays.

    >>> describe(np.zeros((2, 1)))
    'numpy.ndarray of dtype float64 and shape (2, 1)'
    """
    if isinstance(
        value, type
    ):  # a class such as numpy.float32 has .shape and .dtype too
        return f"the class {value.__module__}.{value.__qualname__}"
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        kind = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
        return f"{kind} of dtype {dtype} and shape {tuple(shape)}"
    if isinstance(value, (numbers.Number, bool)):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:20] + '...'}"
    return type(value).__name__


def check_real_scalar(name: str, value: Any) -> float:
    """Return ``value`` as a finite float (a number or a one-element array), or raise.

    >>> check_real_scalar("w", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: w must be a finite number, got nan
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    if hasattr(value, "shape") and hasattr(value, "item"):
        if tuple(value.shape) not in ((), (1,)):
            raise TypeError(
                f"{name} must be a single real number, got {describe(value)}"
            )
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    try:
        result = float(value)
    except OverflowError:
        digits = len(str(abs(int(value))))
        raise ValueError(
            f"{name} must be a finite number, got an integer of {digits} digits "
            "(more than a float holds)"
        ) from None
    if not math.isfinite(result):
        raise ValueError(f"{name} must be a finite number, got {result}")
    return result


def check_positive(name: str, value: Any, *, integer: bool = False) -> float | int:
    """Return ``value`` if it is a finite positive number (a whole number when ``integer``).

    >>> check_positive("batch_size", 0, integer=True)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be a positive whole number, got 0
    """
    if integer:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be a whole number, got {describe(value)}")
        if value <= 0:
            raise ValueError(f"{name} must be a positive whole number, got {value}")
        if value > MAX_INT:
            raise ValueError(
                f"{name} must be a whole number in [1, 2**63 - 1], got {value:.3g}"
            )
        return int(value)
    number = check_real_scalar(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {number}")
    return number


def check_count(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` if it is a whole number in [``minimum``, 2**63 - 1].

    >>> check_count("num_epochs", -1, minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: num_epochs must be >= 0, got -1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if value > MAX_INT:
        raise ValueError(
            f"{name} must be a whole number in [{minimum}, 2**63 - 1], got {value:.3g}"
        )
    return int(value)


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` if it is a finite number >= 0 (a standard deviation, say).

    >>> check_nonnegative("noise_std", -0.1)
    Traceback (most recent call last):
    ...
    ValueError: noise_std must be >= 0, got -0.1
    """
    number = check_real_scalar(name, value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


def check_seed(name: str, value: Any) -> int:
    """Return ``value`` if it is a seed: a whole number in [0, 2**63 - 1).

    >>> check_seed("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be in [0, 2**63 - 1), got -1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {describe(value)}")
    if not 0 <= value < MAX_INT:  # seed + 1 (the shuffle's seed) must fit too
        raise ValueError(f"{name} must be in [0, 2**63 - 1), got {value}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    >>> check_choice("reduction", "avg", ("sum", "mean"))
    Traceback (most recent call last):
    ...
    ValueError: reduction must be "sum" or "mean", got 'avg'
    """
    if not isinstance(value, str) or value not in choices:
        listing = ", ".join(f'"{c}"' for c in choices[:-1]) + f' or "{choices[-1]}"'
        raise ValueError(f"{name} must be {listing}, got {value!r}")
    return value


def check_pair(
    name: str, value: Any, low: float, high: float, what: str
) -> tuple[float, float]:
    """Return ``value`` if it is a tuple of two finite numbers in [``low``, ``high``)."""
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(f"{name} must be a pair {what}, got {describe(value)}")
    pair = tuple(check_real_scalar(f"{name}[{k}]", v) for k, v in enumerate(value))
    if not all(low <= v < high for v in pair):
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}), got {value}")
    return pair  # type: ignore[return-value]


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return value


def check_dtype(name: str, value: Any) -> torch.dtype:
    """Return ``value`` if it is a floating-point ``torch.dtype``."""
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise TypeError(
            f"{name} must be a floating-point torch.dtype (e.g. torch.float32), "
            f"got {describe(value)}"
        )
    return value


def check_seeds(name: str, value: Any) -> list[int]:
    """Return ``value`` as a list of seeds if it is a non-empty sequence of them."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a sequence of integers, got {describe(value)}"
        )
    if len(value) == 0:
        raise ValueError(f"{name} is empty; pass at least one seed")
    return [check_seed(f"{name}[{k}]", seed) for k, seed in enumerate(value)]


def check_generator(generator: Any) -> torch.Generator:
    """Return ``generator`` if it is a :class:`torch.Generator`.

    >>> check_generator(0)
    Traceback (most recent call last):
    ...
    TypeError: generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), got int 0
    """  # noqa: E501
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            "generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
            f"got {describe(generator)}"
        )
    return generator


def backend_of(**arrays: Any) -> Backend:
    """Return ``"torch"`` or ``"numpy"``, the one array library every argument belongs to.

    >>> backend_of(X=torch.ones(2, 1), w=np.ones((1, 1)))
    Traceback (most recent call last):
    ...
    TypeError: arguments mix PyTorch and NumPy (X is a torch.Tensor, w is a numpy.ndarray); convert one side with torch.from_numpy(a) or t.numpy() first
    """  # noqa: E501
    kinds: dict[str, Backend] = {}
    for name, value in arrays.items():
        if isinstance(value, torch.Tensor):
            kinds[name] = "torch"
        elif isinstance(value, np.ndarray):
            kinds[name] = "numpy"
        else:
            raise TypeError(
                f"{name} must be a torch.Tensor or a numpy.ndarray, got {describe(value)}"
            )
    if len(set(kinds.values())) > 1:
        listing = ", ".join(
            f"{n} is a {'torch.Tensor' if k == 'torch' else 'numpy.ndarray'}"
            for n, k in kinds.items()
        )
        raise TypeError(
            f"arguments mix PyTorch and NumPy ({listing}); "
            "convert one side with torch.from_numpy(a) or t.numpy() first"
        )
    return next(iter(kinds.values()))


def require_backend(expected: Backend, stem: str, **arrays: Any) -> None:
    """Raise unless every argument belongs to ``expected``, naming the twin module if there is one.

    >>> require_backend("torch", "grad", X=np.ones((2, 1)))
    Traceback (most recent call last):
    ...
    TypeError: linreg_src.grad works on torch tensors, but X is a numpy array; use linreg_src.grad_np for NumPy arrays, or convert with torch.from_numpy
    """  # noqa: E501
    found = backend_of(**arrays)
    if found != expected:
        first = next(iter(arrays))
        here = _MODULE_FOR[found].format(stem=stem)
        twin = _MODULE_FOR[expected].format(stem=stem)
        kind = "torch tensors" if expected == "torch" else "NumPy arrays"
        article = "a numpy array" if found == "numpy" else "a torch tensor"
        other = "NumPy arrays" if found == "numpy" else "torch tensors"
        fix = "torch.from_numpy" if found == "numpy" else "t.detach().numpy()"
        if (
            importlib.util.find_spec(here) is None
        ):  # no twin module for this concept
            raise TypeError(
                f"{twin} works on {kind}, but {first} is {article}; "
                f"there is no {here} for {other}: convert with {fix}"
            )
        raise TypeError(
            f"{twin} works on {kind}, but {first} is {article}; "
            f"use {here} for {other}, or convert with {fix}"
        )


def _count_nonfinite(a: Any) -> int:
    # A finite sum proves every element finite without a boolean array the size of the data;
    # only a non-finite sum (which may also be an overflow of finite values) is counted.
    if isinstance(a, torch.Tensor):
        a = a.detach()
        if not (a.dtype.is_floating_point or a.dtype.is_complex) or bool(
            torch.isfinite(a.sum())
        ):
            return 0
        return int((~torch.isfinite(a)).sum().item())
    if not np.issubdtype(a.dtype, np.inexact):
        return 0
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # an overflowing sum is not an error
        if np.isfinite(a.sum()):
            return 0
    return int((~np.isfinite(a)).sum())


def check_float_array(name: str, a: Any, *, ndim: int | tuple[int, ...]) -> None:
    """Check that ``a`` is a non-empty, finite, floating-point array of the given rank.

    >>> check_float_array("X", torch.tensor([[1, 2]]), ndim=2)
    Traceback (most recent call last):
    ...
    TypeError: X must hold floating-point numbers (float32 or float64), got dtype torch.int64; convert it with X.float() / X.astype(float)
    """  # noqa: E501
    floating = (
        a.dtype.is_floating_point
        if isinstance(a, torch.Tensor)
        else np.issubdtype(a.dtype, np.floating)
    )
    if not floating:
        raise TypeError(
            f"{name} must hold floating-point numbers (float32 or float64), got dtype {a.dtype}; "
            f"convert it with {name}.float() / {name}.astype(float)"
        )
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if a.ndim not in allowed:
        want = " or ".join(f"{k}-D" for k in allowed)
        raise ValueError(
            f"{name} must be {want}, got {a.ndim}-D with shape {tuple(a.shape)}"
        )
    if 0 in tuple(a.shape) and a.ndim > 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(a.shape)}); a batch needs at least one example"
        )
    bad = _count_nonfinite(a)
    if bad:
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s) (shape {tuple(a.shape)}); "
            "clean the data or lower the learning rate if training diverged"
        )


def _linreg_shapes(X: Any, w: Any, b: Any, x_name: str = "X") -> tuple[int, int]:
    n, d = (int(s) for s in X.shape)
    if tuple(w.shape) != (d, 1):
        hint = (
            "; make it a column with w.reshape(-1, 1)"
            if tuple(w.shape) == (d,)
            else ""
        )
        raise ValueError(
            f"w must have shape (d, 1) = ({d}, 1) to match {x_name} of shape {(n, d)}, "
            f"got {tuple(w.shape)}{hint}"
        )
    if tuple(b.shape) not in ((), (1,)):
        raise ValueError(
            f"b must be a single number of shape (1,) or (), got {tuple(b.shape)}"
        )
    if len({X.dtype, w.dtype, b.dtype}) > 1:
        raise TypeError(
            f"{x_name}, w and b must share one dtype, got {x_name} {X.dtype}, w {w.dtype}, "
            f"b {b.dtype}; convert them to one of them (e.g. all float32)"
        )
    return n, d


def check_linreg_args(X: Any, w: Any, b: Any) -> tuple[int, int]:
    r"""Check the arguments of :math:`\hat y = Xw + b`: X (N, d), w (d, 1), b (1,); return (N, d).

    >>> check_linreg_args(torch.ones(10, 2), torch.ones(2), torch.zeros(1))
    Traceback (most recent call last):
    ...
    ValueError: w must have shape (d, 1) = (2, 1) to match X of shape (10, 2), got (2,); make it a column with w.reshape(-1, 1)
    """  # noqa: E501
    backend_of(X=X, w=w, b=b)
    check_float_array("X", X, ndim=2)
    check_float_array("w", w, ndim=(1, 2))
    check_float_array("b", b, ndim=(0, 1))
    return _linreg_shapes(X, w, b)


def _pair_shapes(ha: tuple[int, ...], hb: tuple[int, ...], a: str, b: str) -> int:
    if ha == hb and len(ha) == 2 and ha[1] == 1:
        return int(ha[0])
    for (p, hp), (q, hq) in (((a, ha), (b, hb)), ((b, hb), (a, ha))):
        if len(hp) == 2 and hp[1] == 1 and hq == (hp[0],):
            raise ValueError(
                f"{q} has shape {hq} but {p} has shape {hp}: {a} - {b} would broadcast to "
                f"({hp[0]}, {hp[0]}) and silently give a wrong loss and gradient; "
                f"pass {q}.reshape(-1, 1)"
            )
    raise ValueError(f"{a} and {b} must both have shape (N, 1), got {ha} and {hb}")


def _same_dtype(a: str, ta: Any, b: str, tb: Any) -> None:
    if ta.dtype != tb.dtype:
        raise TypeError(
            f"{a} and {b} must share one dtype, got {ta.dtype} and {tb.dtype}"
        )


def check_column_pair(
    y_hat: Any, y: Any, *, names: tuple[str, str] = ("y_hat", "y")
) -> int:
    """Check predictions and labels are matching (N, 1) columns; return N.

    Labels (N,) against predictions (N, 1) would broadcast to (N, N): N² wrong differences.

    >>> check_column_pair(torch.zeros(3, 1), torch.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: y has shape (3,) but y_hat has shape (3, 1): y_hat - y would broadcast to (3, 3) and silently give a wrong loss and gradient; pass y.reshape(-1, 1)
    """  # noqa: E501
    a, b = names
    backend_of(**{a: y_hat, b: y})
    check_float_array(a, y_hat, ndim=(1, 2))
    check_float_array(b, y, ndim=(1, 2))
    n = _pair_shapes(tuple(y_hat.shape), tuple(y.shape), a, b)
    _same_dtype(a, y_hat, b, y)
    return n


def check_delta_matches(X: Any, delta: Any) -> tuple[int, int]:
    """Check ``X`` (N, d) and the error column ``delta`` (N, 1) belong together; return (N, d).

    >>> check_delta_matches(np.ones((3, 2)), np.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: delta must have shape (N, 1) = (3, 1) to match X of shape (3, 2), got (3,)
    """
    backend_of(X=X, delta=delta)
    check_float_array("X", X, ndim=2)
    check_float_array("delta", delta, ndim=(1, 2))
    return _delta_shape(X, delta)


def _delta_shape(X: Any, delta: Any) -> tuple[int, int]:
    n, d = (int(s) for s in X.shape)
    if tuple(delta.shape) != (n, 1):
        raise ValueError(
            f"delta must have shape (N, 1) = ({n}, 1) to match X of shape {(n, d)}, "
            f"got {tuple(delta.shape)}"
        )
    if delta.dtype != X.dtype:
        raise TypeError(
            f"X and delta must share one dtype, got {X.dtype} and {delta.dtype}"
        )
    return n, d
