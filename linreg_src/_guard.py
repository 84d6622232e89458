"""The guard line of every teaching function: ``@checked``.

It checks the arguments by the book's names -- ``X`` (N, d), ``y``/``y_hat``/``delta`` (N, 1),
``w`` (d, 1), ``b`` (1,) or (), ``lr``, ``batch_size`` ... -- and refuses a result (or a
parameter updated in place) that is no longer finite. Inside a checked call every other checked
function is trusted, so a training loop validates its data once, at its entry, not at every step.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
import torch

from linreg_src._validate import (
    Backend,
    _count_nonfinite,
    _delta_shape,
    _linreg_shapes,
    _pair_shapes,
    _same_dtype,
    backend_of,
    check_bool,
    check_choice,
    check_count,
    check_dtype,
    check_float_array,
    check_generator,
    check_nonnegative,
    check_pair,
    check_positive,
    check_real_scalar,
    check_seed,
    check_seeds,
    describe,
    require_backend,
)

_TRUSTED = contextvars.ContextVar("linreg_src_trusted", default=False)
F = TypeVar("F", bound=Callable[..., Any])

#: Array arguments by name, with the ranks they may have (their shapes are checked together).
ARRAY_RANKS: dict[str, tuple[int, ...]] = {
    "X": (2,), "features": (2,), "w": (1, 2), "b": (0, 1), "l": (1, 2),
    "y": (1, 2), "labels": (1, 2), "y_hat": (1, 2), "delta": (1, 2), "x": (1, 2),
    "param": (0, 1, 2), "grad": (0, 1, 2), "exp_avg": (0, 1, 2), "exp_avg_sq": (0, 1, 2),
}  # fmt: skip


def _count(name: str, value: Any) -> int | None:
    if value is None and name in ("max_steps", "threads"):  # optional
        return None
    return int(check_positive(name, value, integer=True))


def _choice(*choices: str) -> Callable[[str, Any], str]:
    return lambda name, value: check_choice(name, value, choices)


#: Scalar arguments by name, each with its check.
SCALAR_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "lr": check_positive, "eps": check_positive,
    "noise_std": check_nonnegative, "init_std": check_nonnegative,
    "true_w": check_real_scalar, "true_b": check_real_scalar,
    **dict.fromkeys(
        ("batch_size", "num_epochs", "num_examples", "num_features", "in_features",
         "out_features", "step", "n", "d", "count", "nbytes", "max_steps", "threads"), _count),
    "generator": lambda name, value: check_generator(value),
    "seed": check_seed, "seeds": check_seeds,
    "reduction": _choice("sum", "mean"), "optimizer": _choice("sgd", "adam"),
    "divide_by": _choice("actual", "nominal", "none"),
    "zero_grad": check_bool, "requires_grad": check_bool, "checked": check_bool,
    "dtype": check_dtype,
    "betas": lambda name, value: check_pair(name, value, 0.0, 1.0, "(beta1, beta2)"),
    "initial": lambda name, value: check_pair(name, value, -math.inf, math.inf, "(w0, b0)"),
}  # fmt: skip


def _vector(name: str, value: Any, backend: Backend | None, stem: str) -> Any:
    if backend is not None:
        require_backend(backend, stem, **{name: value})
    backend_of(**{name: value})
    check_float_array(name, value, ndim=1)
    return value


def _check_list(name: str, value: Any) -> None:
    if isinstance(value, (torch.Tensor, np.ndarray)) or not isinstance(
        value, (list, tuple)
    ):
        raise TypeError(
            f"{name} must be a list of arrays like [w, b], got {describe(value)}; "
            f"wrap a single one: [{name[:-1]}]"
        )


def _check_param_grad(k: str, param: Any, g: str, grad: Any) -> None:
    backend_of(**{k: param, g: grad})
    check_float_array(g, grad, ndim=(0, 1, 2))
    if tuple(param.shape) != tuple(grad.shape):
        raise ValueError(
            f"{g} has shape {tuple(grad.shape)} but {k} has shape {tuple(param.shape)}; "
            "a gradient has its parameter's shape"
        )
    if param.dtype != grad.dtype:
        raise TypeError(
            f"{g} has dtype {grad.dtype} but {k} has dtype {param.dtype}; a gradient has its "
            "parameter's dtype (an in-place update would silently cast it, or fail for integer "
            "parameters)"
        )


def _check_optimizer_args(args: dict[str, Any]) -> None:
    if "param" in args:  # Adam's: one parameter, its gradient and moments
        for name in ("grad", "exp_avg", "exp_avg_sq"):
            if name in args:
                _check_param_grad("param", args["param"], name, args[name])
        if "exp_avg_sq" in args and bool((args["exp_avg_sq"] < 0).any()):
            raise ValueError(
                "exp_avg_sq must be >= 0 everywhere: it is a running mean of squares"
            )
    sums = args.get("grad_sums")  # running sums shaped like [w, b]
    if sums is not None and "w" in args and "b" in args:
        _check_list("grad_sums", sums)
        if len(sums) != 2:
            raise ValueError(
                f"grad_sums must be [sum for w, sum for b], got {len(sums)} arrays"
            )
        _check_param_grad("w", args["w"], "grad_sums[0]", sums[0])
        _check_param_grad("b", args["b"], "grad_sums[1]", sums[1])
    params, grads = args.get("params"), args.get("grads")
    if params is None:
        return
    _check_list("params", params)
    if grads is not None:
        _check_list("grads", grads)
        if len(params) != len(grads):
            raise TypeError(
                f"got {len(params)} params but {len(grads)} grads; pass one grad per param"
            )
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            _check_param_grad(f"params[{k}]", p, f"grads[{k}]", g)
    # sgd (reads .grad): torch only
    kinds = torch.Tensor if grads is None else (torch.Tensor, np.ndarray)
    for k, p in enumerate(params):
        if not isinstance(p, kinds):
            raise TypeError(
                f"params[{k}] must be a torch.Tensor, got {type(p).__name__}"
            )
        check_float_array(f"params[{k}]", p, ndim=(0, 1, 2))
        if grads is None and p.grad is None:  # sgd reads the gradients from .grad
            raise ValueError(
                f"params[{k}] has no gradient: call l.sum().backward() before sgd, "
                "and create parameters with requires_grad=True"
            )


def _check_order(order: Any, X_name: str, X: Any) -> None:
    integer = isinstance(order, (torch.Tensor, np.ndarray)) and not (
        order.dtype.is_floating_point or order.dtype == torch.bool
        if isinstance(order, torch.Tensor)
        else not np.issubdtype(order.dtype, np.integer)
    )
    if not integer or order.ndim != 1:
        raise TypeError(
            "order must be a 1-D array of integer indices (e.g. torch.randperm(N)), "
            f"got {describe(order)}"
        )
    backend_of(**{X_name: X, "order": order})
    if len(order) != len(X) or (
        len(order) and not 0 <= int(order.min()) <= int(order.max()) < len(X)
    ):
        raise ValueError(
            f"order must hold {len(X)} indices in [0, {len(X)}) for {X_name} of shape "
            f"{tuple(X.shape)}, got {describe(order)}"
        )


def _check_line_model(model: Any, x: Any) -> None:
    if not isinstance(model, torch.nn.Linear):
        raise TypeError(f"model must be a torch.nn.Linear, got {describe(model)}")
    if (model.in_features, model.out_features) != (1, 1) or model.bias is None:
        raise ValueError(
            "model must be nn.Linear(1, 1) with a bias (the article's y_hat = w x + b), got "
            f"nn.Linear({model.in_features}, {model.out_features}, "
            f"bias={model.bias is not None})"
        )
    check_float_array("model.weight", model.weight, ndim=2)
    check_float_array("model.bias", model.bias, ndim=1)
    if x is not None and model.weight.dtype != x.dtype:
        raise TypeError(
            f"model's parameters are {model.weight.dtype} but x is {x.dtype}; "
            "convert one of them (model.double() or x.float())"
        )


def _check_requires_grad(names: Sequence[str], args: dict[str, Any]) -> None:
    for name in names:
        if not args[name].requires_grad or not args[name].is_leaf:
            raise ValueError(
                f"{name} must be a leaf tensor with requires_grad=True, so that backward() can "
                f"fill {name}.grad; create it with init_params(..., requires_grad=True)"
            )


def check_arguments(
    args: dict[str, Any],
    *,
    backend: Backend | None,
    stem: str,
    leaves: Sequence[str] = (),
) -> None:
    """Check arguments by the book's names: arrays one by one, then their shapes together.

    >>> check_arguments({"X": torch.ones(3, 2), "y": torch.ones(3)}, backend="torch", stem="grad")
    Traceback (most recent call last):
    ...
    ValueError: y has shape (3,) but X @ w + b has shape (3, 1): X @ w + b - y would broadcast to (3, 3) and silently give a wrong loss and gradient; pass y.reshape(-1, 1)
    """  # noqa: E501
    arrays = {k: v for k, v in args.items() if k in ARRAY_RANKS}
    if arrays:
        backend_of(**arrays)
        if backend is not None:
            require_backend(backend, stem, **arrays)
        for name, a in arrays.items():
            check_float_array(name, a, ndim=ARRAY_RANKS[name])
    # scalars are passed on as plain Python numbers
    for name, value in args.items():
        if name in SCALAR_CHECKS:
            args[name] = SCALAR_CHECKS[name](name, value)
    if "grads" in args and "params" not in args:  # where the gradients come from
        check_choice("grads", args["grads"], ("autograd", "hand"))
    _check_optimizer_args(args)
    X_name = "X" if "X" in args else "features" if "features" in args else None
    y_name = "y" if "y" in args else "labels" if "labels" in args else None
    # x: one input feature, (N, 1)
    inputs = X_name or ("x" if "x" in args else None)
    if inputs and "w" in args and "b" in args and args[inputs].ndim == 2:
        _linreg_shapes(args[inputs], args["w"], args["b"], inputs)
    for a in ("y_hat", "x"):  # a column of predictions or inputs against the labels
        if a in args and y_name:
            _pair_shapes(tuple(args[a].shape), tuple(args[y_name].shape), a, y_name)
            _same_dtype(a, args[a], y_name, args[y_name])
    if X_name and y_name:  # labels against the model's X @ w + b
        X, y = args[X_name], args[y_name]
        model = f"{X_name} @ w + b"
        _pair_shapes((int(X.shape[0]), 1), tuple(y.shape), model, y_name)
        _same_dtype(model if "w" in args else X_name, X, y_name, y)
    if "delta" in args and X_name:
        _delta_shape(args[X_name], args["delta"])
    if "model" in args:
        _check_line_model(args["model"], args.get("x"))
    if "order" in args and X_name:
        _check_order(args["order"], X_name, args[X_name])
    if args.get("grads") == "autograd" and "w" in args:
        leaves = ("w", "b")
    _check_requires_grad(leaves, args)


def _arrays_in(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (torch.Tensor, np.ndarray, np.floating, float)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for k, item in enumerate(value):
            yield from _arrays_in(item, f"{name}[{k}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arrays_in(item, f"{name}[{key!r}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _arrays_in(
                getattr(value, field.name), f"{name}.{field.name}"
            )


def _not_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, np.floating):
        return not np.isfinite(value)
    return _count_nonfinite(value) > 0


def _magnitude(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        floating = value.dtype.is_floating_point
        return (
            float(value.detach().abs().max()) if floating and value.numel() else 0.0
        )
    if isinstance(value, np.ndarray):
        floating = np.issubdtype(value.dtype, np.floating)
        return float(np.abs(value).max()) if floating and value.size else 0.0
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return abs(float(value))
    if isinstance(value, (list, tuple)):
        return max((_magnitude(v) for v in value), default=0.0)
    return 0.0


def check_result(fn_name: str, result: Any, args: dict[str, Any]) -> None:
    """Refuse a result (or an argument updated in place) that is no longer finite.

    Its arguments were finite, so the call itself overflowed: blame ``lr`` if there is one
    (training diverged), else the argument with the largest magnitude.

    >>> check_result("f", torch.tensor([float("inf")]), {"X": torch.tensor([1e30])})
    Traceback (most recent call last):
    ...
    ValueError: f: result holds NaN or infinity although every argument is finite: the computation overflowed; scale down the largest argument, X (largest |X| = 1e+30)
    """  # noqa: E501
    for where, value in [
        ("result", result),
        *((n, args[n]) for n in _INPLACE if n in args),
    ]:
        bad = next((n for n, a in _arrays_in(value, where) if _not_finite(a)), None)
        if bad is None:
            continue
        sizes = {n: _magnitude(a) for n, a in args.items()}
        sizes = {
            n: m for n, m in sizes.items() if math.isfinite(m)
        }  # not what the call broke
        culprit = max(sizes, key=sizes.__getitem__, default="")
        largest = f"{culprit} (largest |{culprit}| = {sizes.get(culprit, 0.0):.3g})"
        if "lr" in args:
            raise ValueError(
                f"{fn_name}: {bad} is no longer finite (NaN or infinity) although every argument "
                "was: the steps diverged or overflowed; lower the learning rate "
                f"(lr = {args['lr']}) or scale down the largest argument, {largest}"
            )
        raise ValueError(
            f"{fn_name}: {bad} holds NaN or infinity although every argument is finite: "
            f"the computation overflowed; scale down the largest argument, {largest}"
        )


#: Arguments that a checked function updates in place: they are checked after the call too, and
#: restored if the call left them non-finite.
_INPLACE = ("params", "param", "exp_avg", "exp_avg_sq", "w", "b")


def _snapshot(args: dict[str, Any]) -> list[tuple[Any, Any]]:
    saved = []
    for name in _INPLACE:
        for a in args.get(name, ()) if name == "params" else [args.get(name)]:
            if isinstance(a, torch.Tensor):
                saved.append((a, a.detach().clone()))
            elif isinstance(a, np.ndarray):
                saved.append((a, a.copy()))
    return saved


def _restore(saved: list[tuple[Any, Any]]) -> None:
    with torch.no_grad():
        for a, copy in saved:
            a[...] = copy


def checked(
    fn: F | None = None,
    /,
    *,
    backend: Backend | Literal["any"] | None = None,
    leaves: Sequence[str] = (),
    **overrides: str | Callable[[str, Any], Any],
) -> Any:
    """Check a function's arguments by the book's names, and its result; trust the calls inside.

    ``backend``: the library it works on (default: from the module, ``*_np`` is NumPy; "any").
    ``leaves``: arguments that must be autograd leaves. ``overrides``: what a name means here
    instead, ``"vector"`` (1-D), ``"real"`` (a number), ``"count0"`` (>= 0) or a check function.

    >>> @checked
    ... def linreg(X, w, b):
    ...     return X @ w + b
    >>> linreg(torch.ones(2, 2), torch.ones(2), torch.zeros(1))
    Traceback (most recent call last):
    ...
    ValueError: w must have shape (d, 1) = (2, 1) to match X of shape (2, 2), got (2,); make it a column with w.reshape(-1, 1)
    """  # noqa: E501
    if fn is None:
        return lambda f: checked(f, backend=backend, leaves=leaves, **overrides)
    signature = inspect.signature(fn)
    stem = fn.__module__.rsplit(".", 1)[-1]
    expected: Backend | None = "numpy" if stem.endswith("_np") else "torch"
    if backend is not None:
        expected = None if backend == "any" else backend
    stem = stem.removesuffix("_np")
    roles = {  # what a name may mean instead in one function
        "vector": lambda name, v: _vector(name, v, expected, stem),
        "real": check_real_scalar,
        "count0": lambda name, v: check_count(name, v, minimum=0),
    }
    overrides = {
        k: roles[v] if isinstance(v, str) else v for k, v in overrides.items()
    }
    inplace = signature.return_annotation in (None, "None")

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _TRUSTED.get():
            return fn(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        conventional = {k: v for k, v in values.items() if k not in overrides}
        check_arguments(conventional, backend=expected, stem=stem, leaves=leaves)
        for name, check in overrides.items():
            conventional[name] = check(name, values[name])
        values.update(conventional)
        saved = _snapshot(values) if inplace else []
        token = _TRUSTED.set(True)
        try:
            result = fn(*bound.args, **bound.kwargs)
        finally:
            _TRUSTED.reset(token)
        try:
            check_result(fn.__name__, result, conventional)
        except ValueError:
            _restore(saved)
            raise
        return result

    return guarded


def trusted(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with every ``@checked`` function inside it trusted: no checks at all.

    For measuring what the checks cost, and for callers that validated the data themselves.

    >>> from linreg_src.model import linreg
    >>> trusted(linreg, torch.ones(2, 2), torch.ones(2), torch.zeros(1))  # unchecked: broadcasts
    tensor([2., 2.])
    """
    token = _TRUSTED.set(True)
    try:
        return fn(*args, **kwargs)
    finally:
        _TRUSTED.reset(token)
