"""Every public function of linreg_src, called with arguments drawn by their names.

Each argument is either *normal* (what the book passes: shapes that fit together, finite floats,
small counts) or *abnormal* (NaN, infinity, huge, a wrong shape, dtype or library, a wrong type,
zero or a negative or a huge count ...). Every call must either return a result with no NaN or
infinity in it (nor leave one in an array it updates in place), or raise ``ValueError`` or
``TypeError`` whose message names an abnormal argument (any argument, if all were normal).
Never a silent non-finite number, never torch's or Python's own error.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import warnings
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import linreg_src


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.walk_packages(linreg_src.__path__, "linreg_src."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found.append((f"{info.name}.{name}", obj))
    return found


FUNCTIONS = _public_functions()

# -- normal values, and what can go wrong with them ---------------------------------------------


def _huge(dtype: Any) -> float:
    return 1e30 if dtype in (torch.float32, np.float32) else 1e200


def _array_variants(a: Any) -> list[tuple[Any, bool]]:
    """``a`` itself (normal) first, then abnormal variants of it."""
    torch_like = isinstance(a, torch.Tensor)
    lib_other = a.detach().numpy() if torch_like else torch.from_numpy(a)
    floating = a.dtype.is_floating_point if torch_like else np.issubdtype(a.dtype, np.floating)
    values = []
    if floating:
        nan, inf = (a.clone() if torch_like else a.copy() for _ in range(2))
        nan.reshape(-1)[0] = math.nan
        inf.reshape(-1)[-1] = -math.inf
        wrong_dtype = a.long() if torch_like else a.astype(np.int64)
        values = [(nan, False), (inf, False), (a * 0 + _huge(a.dtype), False), (wrong_dtype, False)]
    else:
        values = [(a.double() if torch_like else a.astype(float), False)]
    return [
        (a, True),
        *values,
        (a.reshape(-1), False),
        (a.reshape(1, -1) if a.ndim else a.reshape(1, 1), False),
        (a[:0], False),
        (lib_other, False),
        (a.tolist(), False),
        (None, False),
    ]


COUNT = [(2, True), (1, True), (0, False), (-1, False), (2.5, False), (10**30, False),
         ("3", False), (True, False), (None, False)]  # fmt: skip
POSITIVE = [(0.1, True), (0.0, False), (-0.5, False), (math.nan, False), (math.inf, False),
            (1e39, False), (10**400, False), ("0.1", False), (True, False)]  # fmt: skip
NONNEGATIVE = [(0.01, True), (0.0, True), (-0.1, False), (math.nan, False), (1e39, False),
               ("0", False)]  # fmt: skip
REAL = [(2.0, True), (-1.0, True), (math.nan, False), (math.inf, False), (1e39, False),
        ("2", False), (None, False)]  # fmt: skip
BOOL = [(True, True), (False, True), (0, False), ("yes", False), (None, False)]
SEED = [(0, True), (7, True), (-1, False), (2**63, False), (1.5, False), ("0", False)]


def _generic() -> list[tuple[Any, bool]]:
    """Values for a parameter whose name says nothing; fresh, in case a call changes them."""
    return [(0, False), (-1, False), (1.5, False), (math.nan, False), ("x", False),
            (None, False), (10**30, False), (torch.ones(2), False)]  # fmt: skip


def _choices(options: tuple[str, ...]) -> list[tuple[Any, bool]]:
    return [(o, True) for o in options] + [("nonsense", False), (1, False), (None, False)]


class Problem:
    """A coherent set of normal values: N examples, d features, one library and dtype."""

    def __init__(self, data: st.DataObject, numpy: bool) -> None:
        self.n = data.draw(st.sampled_from([4, 1, 3]), label="N")
        self.d = data.draw(st.sampled_from([1, 2]), label="d")
        self.dtype = data.draw(st.sampled_from([torch.float64, torch.float32]), label="dtype")
        g = torch.Generator().manual_seed(data.draw(st.integers(0, 3), label="seed"))
        self.numpy = numpy

        def draw(*shape: int) -> Any:
            t = torch.rand(*shape, generator=g, dtype=torch.float64).mul(4).sub(2).to(self.dtype)
            return t.numpy() if numpy else t

        self.X, self.y, self.w, self.b = (
            draw(self.n, self.d),
            draw(self.n, 1),
            draw(self.d, 1),
            draw(1),
        )
        self.column = draw(self.n, 1)
        self.x = draw(self.n, 1)

    def normal(self, name: str) -> Any:
        """The normal value of a parameter, or None if its name is not one of the book's."""
        lib = np if self.numpy else torch
        arrays = {"X": self.X, "features": self.X, "y": self.y, "labels": self.y, "w": self.w,
                  "b": self.b, "y_hat": self.column, "delta": self.column, "l": self.column,
                  "x": self.x, "losses": self.column, "grad_w": self.w}  # fmt: skip
        if name in arrays:
            return arrays[name]
        if name in ("param", "grad", "exp_avg"):
            return self.w.copy() if self.numpy else self.w.clone()
        if name == "exp_avg_sq":
            return abs(self.w)
        if name == "order":
            n = self.n
            return np.random.default_rng(0).permutation(n) if self.numpy else torch.randperm(n)
        if name == "grad_sums":
            return [lib.zeros_like(self.w), lib.zeros_like(self.b)]
        return None


def _draw_argument(data: st.DataObject, p: Problem, fn_name: str, name: str, default: Any):
    """Return ``(value, normal)`` for one parameter."""
    short = fn_name.rsplit(".", 1)[-1]
    if "chain." in fn_name and name in ("w", "v", "x", "target"):  # the factory's scalars
        return data.draw(st.sampled_from(REAL), label=name)
    normal = p.normal(name)
    if short == "synthetic_data" and name in ("w", "b"):  # d2l's: true w (d,) and a float b
        normal = p.w.reshape(-1) if name == "w" else 4.2
        if name == "b":
            return data.draw(st.sampled_from(REAL), label=name)
    if short in ("sgd_update", "sgd") and name in ("params", "grads"):
        return data.draw(st.sampled_from(_param_lists(p, short, name)), label=name)
    if name in ("w", "b") and short in ("autograd_grads", "autograd_step", "train"):
        normal = torch.as_tensor(normal).clone().requires_grad_()  # autograd needs leaves
    if isinstance(normal, (torch.Tensor, np.ndarray)):
        return data.draw(st.sampled_from(_array_variants(normal)), label=name)
    if normal is not None:
        return data.draw(st.sampled_from([(normal, True), (None, False), ("x", False)]), label=name)
    options: dict[str, Callable[[], list[tuple[Any, bool]]]] = {
        "lr": lambda: POSITIVE,
        "eps": lambda: POSITIVE,
        "bandwidth": lambda: POSITIVE,
        "overhead": lambda: POSITIVE,
        "block_seconds": lambda: [(0.001, True), (0.0, False), (math.inf, False), (1e30, False)],
        "noise_std": lambda: NONNEGATIVE,
        "init_std": lambda: NONNEGATIVE,
        "true_w": lambda: REAL,
        "true_b": lambda: REAL,
        "target": lambda: REAL,
        "v": lambda: REAL,
        "seed": lambda: SEED,
        "generator": lambda: [(torch.Generator().manual_seed(0), True), (0, False), (None, False),
                              (np.random.default_rng(0), False)],
        "rng": lambda: [(np.random.default_rng(0), True), (torch.Generator(), False), (0, False)],
        "seeds": lambda: [([0, 1], True), ([3], True), ([], False), (3, False), ("01", False),
                          ([0, -1], False), ([2**63], False)],
        "dtype": lambda: [(torch.float64, True), (torch.float32, True), (torch.int64, False),
                          ("float32", False), (np.float32, False)],
        "reduction": lambda: _choices(("sum", "mean")),
        "optimizer": lambda: _choices(("sgd", "adam")),
        "grads": lambda: _choices(("autograd", "hand")),
        "divide_by": lambda: _choices(("actual", "nominal", "none")),
        "loss": lambda: _choices(("squared", "mse")),
        "case": lambda: _choices(("1d", "2d")),
        "betas": lambda: [((0.9, 0.999), True), ([0.9, 0.999], False), ((0.9, 1.0), False),
                          ((math.nan, 0.9), False)],
        "initial": lambda: [((0.0, 0.0), True), ((1.0,), False), ((math.nan, 0.0), False),
                            ((1e300, 0.0), False), ([0.0, 0.0], False)],
        "model": lambda: [(_linear(p), True), (nn.Linear(2, 1), False), ("model", False)],
        "problem": lambda: [(_problem(), True), ((1, 2), False), (None, False)],
        "calls": lambda: [({"a": lambda: None}, True), ({}, False), ({"a": 1}, False), (1, False)],
        "blocks": lambda: [(3, True), (2, False), (0, False), (10**30, False), (3.0, False)],
        "threads": lambda: [(1, True), (None, True), (0, False), (-2, False), (1.5, False)],
        "nbytes": lambda: [(64, True), (3, False), (0, False), (10**30, False)],
        "zero_grad": lambda: BOOL,
        "requires_grad": lambda: BOOL,
        "checked": lambda: BOOL,
        "in_delta": lambda: BOOL,
        "decimals": lambda: [(4, True), (0, True), (-1, False), (10**30, False), (2.5, False)],
        "f": lambda: [(_quadratic, True), (1, False), (None, False)],
        "sym": lambda: [(_symbols(), True), ("sym", False), (None, False)],
        "name": lambda: [("arg", True)],  # what a check calls its value in messages
    }  # fmt: skip
    counts = ("batch_size", "num_epochs", "num_examples", "num_features", "in_features",
              "out_features", "step", "n", "d", "count", "max_steps", "num_draws",
              "digits")  # fmt: skip
    if name in options:
        return data.draw(st.sampled_from(options[name]()), label=name)
    if name in counts:
        return data.draw(st.sampled_from(COUNT), label=name)
    if default is not inspect.Parameter.empty:
        return data.draw(st.sampled_from([(default, True), *_generic()]), label=name)
    return data.draw(st.sampled_from(_generic()), label=name)


def _param_lists(p: Problem, fn: str, name: str) -> list[tuple[Any, bool]]:
    lib_clone = (lambda a: a.copy()) if p.numpy else (lambda a: a.clone())
    params = [lib_clone(p.w), lib_clone(p.b)]
    if fn == "sgd":
        params = [torch.as_tensor(a).clone().requires_grad_() for a in params]
        (params[0].sum() + params[1].sum()).backward()
    bad_nan = [lib_clone(p.w), lib_clone(p.b)]
    bad_nan[1].reshape(-1)[0] = math.nan
    return [(params, True), (params[0], False), (params[:1], False), (bad_nan, False),
            ([p.w.reshape(-1), p.b], False), ("params", False)]  # fmt: skip


def _linear(p: Problem) -> nn.Linear:
    from linreg_src.nn_linear import init_linear

    return init_linear(1, 1, generator=torch.Generator().manual_seed(0), dtype=p.dtype)


def _problem() -> Any:
    from linreg_src.cost import make_problem

    return make_problem(4, 2)


def _symbols() -> Any:
    from linreg_src.symbolic import linreg_symbols

    return linreg_symbols(2, 1)


def _quadratic(*params: torch.Tensor) -> torch.Tensor:
    return sum((t**2).sum() for t in params)


# -- what a call may do ----------------------------------------------------------------------


def _numbers_in(value: Any, seen: set[int] | None = None) -> list[Any]:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, (torch.Tensor, np.ndarray, float, np.floating)):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _numbers_in(item, seen)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _numbers_in(item, seen)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            v for f in dataclasses.fields(value) for v in _numbers_in(getattr(value, f.name), seen)
        ]
    return []


def _finite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return not value.dtype.is_floating_point or bool(torch.isfinite(value.detach()).all())
    if isinstance(value, np.ndarray):
        return not np.issubdtype(value.dtype, np.floating) or bool(np.isfinite(value).all())
    return math.isfinite(float(value))


def _named(message: str, names: set[str]) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w(])", message) for n in names)


#: Modules whose every parameter follows the book's naming conventions (the checks of @checked).
CONVENTIONAL = {
    *("model", "model_np", "loss", "loss_np", "grad", "grad_np", "optim", "data", "lstsq"),
    *("train", "nn_linear", "article_002", "timing", "traffic", "machine", "cost"),
}

# Public functions the fuzz test finds failing, with why; empty when all pass.
KNOWN_FAILURES: dict[str, str] = {}


@pytest.mark.parametrize(
    "qualname, fn",
    [
        pytest.param(q, f, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[q], strict=False))
        if q in KNOWN_FAILURES
        else (q, f)
        for q, f in FUNCTIONS
    ],
    ids=[q.removeprefix("linreg_src.") for q, _ in FUNCTIONS],
)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_public_function_refuses_clearly_or_returns_finite_numbers(qualname, fn, data):
    params = inspect.signature(fn).parameters
    backend = getattr(fn, "__module__", "").endswith("_np") or fn.__name__ == "numpy_epoch"
    p = Problem(data, numpy=backend)
    args, kwargs, abnormal = [], {}, set()
    for name, param in params.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        value, normal = _draw_argument(data, p, qualname, name, param.default)
        if not normal:
            abnormal.add(name)
        if param.kind == param.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[name] = value
    if qualname.endswith(("least_squares", "gd_closed_form")) and p.n < p.d + 1:
        abnormal.add("X" if "X" in params else "x")  # too few examples to fit a line
    before = {k: _finite_arrays(v) for k, v in kwargs.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a refused call may warn on its way; not our concern
            result = fn(*args, **kwargs)
    except (ValueError, TypeError) as error:
        # The book's modules name the argument that was wrong; any argument for the others,
        # whose parameters do not all follow the book's naming conventions.
        names = abnormal if qualname.split(".")[1] in CONVENTIONAL and abnormal else set(params)
        if isinstance(kwargs.get("name"), str):
            names = names | {kwargs["name"]}  # a check that calls its value by this name
        assert _named(str(error), names), (
            f"{qualname} raised {type(error).__name__} without naming "
            f"{' or '.join(sorted(names))}: {error}"
        )
        return
    finally:
        plt.close("all")
    bad = [v for v in _numbers_in(result) if not _finite(v)]
    assert not bad, f"{qualname} returned a non-finite number: {bad[:2]} (abnormal: {abnormal})"
    for name, arrays in before.items():  # arrays updated in place stay finite too
        assert all(_finite(a) for a in arrays), f"{qualname} left {name} non-finite"


def _finite_arrays(value: Any) -> list[Any]:
    return [
        a for a in _numbers_in(value) if isinstance(a, (torch.Tensor, np.ndarray)) and _finite(a)
    ]


def test_every_module_lists_its_public_functions():
    assert len(FUNCTIONS) > 60
    names = {q.rsplit(".", 1)[0] for q, _ in FUNCTIONS}
    for module in ("model", "loss", "grad", "optim", "data", "train", "nn_linear", "cost"):
        assert f"linreg_src.{module}" in names
