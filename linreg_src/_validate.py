"""Argument checks shared by every public function.

Every message names the argument, says what was expected and shows what arrived, so a reader who
passes a wrong shape or a NaN learns how to fix the call instead of getting a silently wrong number.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def describe(value: Any) -> str:
    """Return a short description of ``value`` for error messages.

    Parameters
    ----------
    value : object
        Anything a caller passed.

    Returns
    -------
    str
        Type, and dtype and shape for arrays and tensors.

    Examples
    --------
    >>> describe(3)
    'int 3'
    >>> import numpy as np
    >>> describe(np.zeros((2, 1)))
    'numpy.ndarray of dtype float64 and shape (2, 1)'
    """
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        kind = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
        return f"{kind} of dtype {dtype} and shape {tuple(shape)}"
    if isinstance(value, (numbers.Number, bool)):
        return f"{type(value).__name__} {value!r}"
    return type(value).__name__


def check_real_scalar(name: str, value: Any) -> float:
    """Return ``value`` as a finite Python float, or raise.

    Parameters
    ----------
    name : str
        The argument's name, used in the error message.
    value : object
        A real number (``int``, ``float``, a NumPy scalar or a one-element tensor/array).

    Returns
    -------
    float
        The value as a plain float.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (``bool`` and complex numbers are refused).
    ValueError
        If ``value`` is NaN or infinite.

    Examples
    --------
    >>> check_real_scalar("w", 3)
    3.0
    >>> check_real_scalar("w", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: w must be a finite number, got nan
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    if hasattr(value, "shape") and hasattr(value, "item"):
        if tuple(value.shape) not in ((), (1,)):
            raise TypeError(f"{name} must be a single real number, got {describe(value)}")
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be a finite number, got {result}")
    return result
