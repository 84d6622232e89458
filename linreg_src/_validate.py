"""Argument checks shared by every public function.

Every message names the argument, says what was expected and shows what arrived, so a reader who
passes a wrong shape or a NaN learns how to fix the call instead of getting a silently wrong number.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
from typing import Any, Literal

import numpy as np
import torch


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


Backend = Literal["torch", "numpy"]
_MODULE_FOR = {"torch": "linreg_src.{stem}", "numpy": "linreg_src.{stem}_np"}


def backend_of(**arrays: Any) -> Backend:
    """Return ``"torch"`` or ``"numpy"``: the one array library all arguments belong to.

    Parameters
    ----------
    **arrays
        The arguments by name, each a :class:`torch.Tensor` or :class:`numpy.ndarray`.

    Returns
    -------
    {"torch", "numpy"}
        The library shared by all arguments.

    Raises
    ------
    TypeError
        If an argument is neither, or if NumPy arrays and torch tensors are mixed in one call.

    Examples
    --------
    >>> import numpy as np, torch
    >>> backend_of(X=np.ones((2, 1)), w=np.ones((1, 1)))
    'numpy'
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
    """Raise unless every argument belongs to ``expected``, pointing to the twin module if not.

    Parameters
    ----------
    expected : {"torch", "numpy"}
        The library the calling module implements.
    stem : str
        The calling module's concept (``"grad"``, ``"loss"``, ``"model"``), used to name the twin.
    **arrays
        The arguments by name.

    Raises
    ------
    TypeError
        If the arguments are mixed, or all belong to the other library.

    Examples
    --------
    >>> import numpy as np
    >>> require_backend("torch", "grad", X=np.ones((2, 1)))
    Traceback (most recent call last):
    ...
    TypeError: linreg_src.grad works on torch tensors, but X is a numpy array; use linreg_src.grad_np for NumPy arrays, or convert with torch.from_numpy

    A concept without a NumPy twin says so instead of naming a module that does not exist:

    >>> require_backend("torch", "lstsq", X=np.ones((2, 1)))
    Traceback (most recent call last):
    ...
    TypeError: linreg_src.lstsq works on torch tensors, but X is a numpy array; there is no linreg_src.lstsq_np for NumPy arrays: convert with torch.from_numpy
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
        if importlib.util.find_spec(here) is None:  # no twin module for this concept
            raise TypeError(
                f"{twin} works on {kind}, but {first} is {article}; "
                f"there is no {here} for {other}: convert with {fix}"
            )
        raise TypeError(
            f"{twin} works on {kind}, but {first} is {article}; "
            f"use {here} for {other}, or convert with {fix}"
        )


def _is_floating(a: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return a.dtype.is_floating_point
    return bool(np.issubdtype(a.dtype, np.floating))


def _count_nonfinite(a: Any) -> int:
    # NaN or ±inf anywhere makes the sum non-finite, so a finite sum proves every element finite
    # without allocating a boolean array the size of the data (that dominated a large step's
    # cost); only a non-finite sum, which may also be an overflow of finite values, is counted.
    if isinstance(a, torch.Tensor):
        a = a.detach()
        if bool(torch.isfinite(a.sum())):
            return 0
        return int((~torch.isfinite(a)).sum().item())
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum is not an error
        if np.isfinite(a.sum()):
            return 0
    return int((~np.isfinite(a)).sum())


def check_float_array(name: str, a: Any, *, ndim: int | tuple[int, ...]) -> None:
    """Check that ``a`` is a non-empty, finite, floating-point array of the given rank.

    Parameters
    ----------
    name : str
        The argument's name for the message.
    a : torch.Tensor or numpy.ndarray
        The array.
    ndim : int or tuple of int
        Allowed number(s) of dimensions.

    Raises
    ------
    TypeError
        If the dtype is not floating point (integers silently truncate gradient steps).
    ValueError
        If the rank is wrong, the array is empty, or it holds NaN or infinity.

    Examples
    --------
    >>> import torch
    >>> check_float_array("X", torch.tensor([[1, 2]]), ndim=2)
    Traceback (most recent call last):
    ...
    TypeError: X must hold floating-point numbers (float32 or float64), got dtype torch.int64; convert it with X.float() / X.astype(float)
    """  # noqa: E501
    if not _is_floating(a):
        raise TypeError(
            f"{name} must hold floating-point numbers (float32 or float64), got dtype {a.dtype}; "
            f"convert it with {name}.float() / {name}.astype(float)"
        )
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if a.ndim not in allowed:
        want = " or ".join(f"{k}-D" for k in allowed)
        raise ValueError(f"{name} must be {want}, got {a.ndim}-D with shape {tuple(a.shape)}")
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


def check_linreg_args(X: Any, w: Any, b: Any) -> tuple[int, int]:
    r"""Check the arguments of the linear model :math:`\hat y = Xw + b`; return ``(N, d)``.

    Parameters
    ----------
    X : array, shape (N, d)
        Features, one example per row.
    w : array, shape (d, 1)
        Weights, a column.
    b : array, shape (1,) or ()
        Bias.

    Returns
    -------
    tuple of int
        ``(N, d)``.

    Raises
    ------
    TypeError
        On mixed libraries, non-float or mismatched dtypes.
    ValueError
        On a wrong shape, with the shape that was expected.

    Examples
    --------
    >>> import torch
    >>> check_linreg_args(torch.ones(10, 2), torch.ones(2, 1), torch.zeros(1))
    (10, 2)
    >>> check_linreg_args(torch.ones(10, 2), torch.ones(2), torch.zeros(1))
    Traceback (most recent call last):
    ...
    ValueError: w must have shape (d, 1) = (2, 1) to match X of shape (10, 2), got (2,); make it a column with w.reshape(-1, 1)
    """  # noqa: E501
    backend_of(X=X, w=w, b=b)
    check_float_array("X", X, ndim=2)
    check_float_array("w", w, ndim=(1, 2))
    check_float_array("b", b, ndim=(0, 1))
    n, d = (int(s) for s in X.shape)
    if tuple(w.shape) != (d, 1):
        hint = "; make it a column with w.reshape(-1, 1)" if tuple(w.shape) == (d,) else ""
        raise ValueError(
            f"w must have shape (d, 1) = ({d}, 1) to match X of shape {(n, d)}, "
            f"got {tuple(w.shape)}{hint}"
        )
    if tuple(b.shape) not in ((), (1,)):
        raise ValueError(f"b must be a single number of shape (1,) or (), got {tuple(b.shape)}")
    dtypes = {str(X.dtype), str(w.dtype), str(b.dtype)}
    if len(dtypes) > 1:
        raise TypeError(
            f"X, w and b must share one dtype, got X {X.dtype}, w {w.dtype}, b {b.dtype}; "
            "convert them to one of them (e.g. all float32)"
        )
    return n, d


def check_column_pair(y_hat: Any, y: Any, *, names: tuple[str, str] = ("y_hat", "y")) -> int:
    """Check predictions and labels are matching columns of shape (N, 1); return ``N``.

    This refuses the classic d2l trap: labels of shape (N,) against predictions of shape (N, 1)
    broadcast to an (N, N) matrix, so ``y_hat - y`` silently holds N² wrong differences.

    Parameters
    ----------
    y_hat, y : array, shape (N, 1)
        Predictions and labels, same library and dtype.
    names : tuple of str
        How to call them in messages.

    Returns
    -------
    int
        ``N``.

    Raises
    ------
    TypeError
        On mixed libraries or dtypes, or non-float data.
    ValueError
        On any shape other than two equal (N, 1) columns.

    Examples
    --------
    >>> import torch
    >>> check_column_pair(torch.zeros(3, 1), torch.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: y has shape (3,) but y_hat has shape (3, 1): y_hat - y would broadcast to (3, 3) and silently give a wrong loss and gradient; pass y.reshape(-1, 1)
    """  # noqa: E501
    a, b = names
    backend_of(**{a: y_hat, b: y})
    check_float_array(a, y_hat, ndim=(1, 2))
    check_float_array(b, y, ndim=(1, 2))
    ha, hb = tuple(y_hat.shape), tuple(y.shape)
    if ha == hb and len(ha) == 2 and ha[1] == 1:
        if y_hat.dtype != y.dtype:
            raise TypeError(f"{a} and {b} must share one dtype, got {y_hat.dtype} and {y.dtype}")
        return int(ha[0])
    if len(ha) == 2 and ha[1] == 1 and hb == (ha[0],):
        raise ValueError(
            f"{b} has shape {hb} but {a} has shape {ha}: {a} - {b} would broadcast to "
            f"({ha[0]}, {ha[0]}) and silently give a wrong loss and gradient; "
            f"pass {b}.reshape(-1, 1)"
        )
    if len(hb) == 2 and hb[1] == 1 and ha == (hb[0],):
        raise ValueError(
            f"{a} has shape {ha} but {b} has shape {hb}: {a} - {b} would broadcast to "
            f"({hb[0]}, {hb[0]}) and silently give a wrong loss and gradient; "
            f"pass {a}.reshape(-1, 1)"
        )
    raise ValueError(f"{a} and {b} must both have shape (N, 1), got {ha} and {hb}")


def check_positive(name: str, value: Any, *, integer: bool = False) -> float | int:
    """Return ``value`` if it is a finite positive number (an ``int`` when ``integer``).

    Parameters
    ----------
    name : str
        The argument's name for the message.
    value : object
        The number to check.
    integer : bool
        Require a whole number (``batch_size``, ``num_epochs``).

    Returns
    -------
    float or int
        The value.

    Raises
    ------
    TypeError
        If it is not a (whole) number.
    ValueError
        If it is not finite and positive.

    Examples
    --------
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
        return int(value)
    number = check_real_scalar(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {number}")
    return number


def check_delta_matches(X: Any, delta: Any) -> tuple[int, int]:
    """Check ``X`` (N, d) and the error column ``delta`` (N, 1) belong together; return ``(N, d)``.

    Parameters
    ----------
    X : array, shape (N, d)
        Features.
    delta : array, shape (N, 1)
        Error terms, one per example.

    Returns
    -------
    tuple of int
        ``(N, d)``.

    Raises
    ------
    TypeError
        On mixed libraries or non-float data.
    ValueError
        On a wrong shape, NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> check_delta_matches(np.ones((3, 2)), np.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: delta must have shape (N, 1) = (3, 1) to match X of shape (3, 2), got (3,)
    """
    backend_of(X=X, delta=delta)
    check_float_array("X", X, ndim=2)
    check_float_array("delta", delta, ndim=(1, 2))
    n, d = (int(s) for s in X.shape)
    if tuple(delta.shape) != (n, 1):
        raise ValueError(
            f"delta must have shape (N, 1) = ({n}, 1) to match X of shape {(n, d)}, "
            f"got {tuple(delta.shape)}"
        )
    return n, d


def check_generator(generator: Any) -> torch.Generator:
    """Return ``generator`` if it is a :class:`torch.Generator`, or raise.

    Parameters
    ----------
    generator : object
        The source of randomness a caller passed.

    Returns
    -------
    torch.Generator
        The generator.

    Raises
    ------
    TypeError
        If it is anything else (a seed ``int``, ``None``, the ``torch`` module ...).

    Examples
    --------
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
