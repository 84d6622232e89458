"""linreg_src.traffic and the roofline figure: the bytes model and the bandwidth calls."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src.cost import make_problem
from linreg_src.plotting.cost import plot_gradient_roofline
from linreg_src.traffic import GRADIENT_OPS, bandwidth_calls, gradient_traffic


def test_traffic_of_the_chapters_large_example():
    t = gradient_traffic(10**6, 32, torch.float32)
    assert t.itemsize == 4
    assert t.x_bytes == 2 * 10**6 * 32 * 4  # X read twice
    assert t.vector_bytes == 8 * 10**6 * 4
    assert t.total_bytes == 288_000_264
    assert t.flops == 4 * 10**6 * 32 + 3 * 10**6


def test_traffic_per_op_is_read_plus_written_of_each_operation():
    t = gradient_traffic(7, 3, torch.float64)
    assert [name for name, _, _ in t.per_op] == [name for name, _, _ in GRADIENT_OPS]
    assert dict((name, (r, w)) for name, r, w in t.per_op) == {
        "X @ w": ((7 * 3 + 3) * 8, 7 * 8),
        "+ b": ((7 + 1) * 8, 7 * 8),
        "- y": (2 * 7 * 8, 7 * 8),
        "X.T @ delta": ((7 * 3 + 7) * 8, 3 * 8),
        "delta.sum()": (7 * 8, 8),
    }


@given(n=st.integers(1, 10**7), d=st.integers(1, 4096))
@settings(max_examples=60, deadline=None)
def test_traffic_decomposes_into_x_columns_and_parameters(n, d):
    for dtype, size in ((torch.float32, 4), (torch.float64, 8), (torch.float16, 2)):
        t = gradient_traffic(n, d, dtype)
        assert t.total_bytes == t.x_bytes + t.vector_bytes + (2 * d + 2) * size
        assert t.intensity == pytest.approx(t.flops / t.total_bytes)
    assert (
        gradient_traffic(n, d, torch.float64).total_bytes == 2 * gradient_traffic(n, d).total_bytes
    )


def test_traffic_counts_the_real_arrays_of_a_problem():
    p = make_problem(50, 6)
    t = gradient_traffic(*p.X.shape, p.X.dtype)
    x_nbytes = p.X.numel() * p.X.element_size()
    assert t.x_bytes == 2 * x_nbytes == 2 * p.X_np.nbytes
    assert t.vector_bytes == 8 * p.y_np.nbytes


@pytest.mark.parametrize(
    ("n", "d", "dtype", "error"),
    [
        (0, 2, torch.float32, ValueError),
        (10, -1, torch.float32, ValueError),
        (2.5, 2, torch.float32, (TypeError, ValueError)),
        (10, 2, torch.int64, TypeError),
        (10, 2, np.float32, TypeError),
    ],
)
def test_traffic_refuses_bad_arguments(n, d, dtype, error):
    with pytest.raises(error):
        gradient_traffic(n, d, dtype)


def test_bandwidth_calls_count_read_and_written_bytes():
    calls, moved = bandwidth_calls(4 * 1000 + 3)  # rounded down to whole float32 numbers
    assert moved == {"copy": 8000, "read": 4000}
    assert calls["copy"]().shape == (1000,)
    assert float(calls["read"]()) == 1000.0
    with pytest.raises(ValueError):
        bandwidth_calls(3)


def test_roofline_draws_time_and_achieved_bandwidth_on_log_axes():
    fig = plot_gradient_roofline(
        [1e3, 1e6, 1e9],
        {"hand": [1e-5, 2e-5, 0.1], "autograd": [2e-5, 4e-5, 0.2]},
        bandwidth=2e10,
        overhead=1e-5,
        cache_at=7.2e7,
    )
    ax_t, ax_bw = fig.axes
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log"]
    hand_t = next(ln for ln in ax_t.get_lines() if ln.get_label() == "hand")
    hand_bw = next(ln for ln in ax_bw.get_lines() if ln.get_label() == "hand")
    assert list(hand_t.get_ydata()) == [1e-5, 2e-5, 0.1]
    np.testing.assert_allclose(hand_bw.get_ydata(), [1e8, 5e10, 1e10])
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_roofline_bound_is_max_of_overhead_and_bytes_over_bandwidth():
    fig = plot_gradient_roofline([1e2, 1e10], {"x": [1.0, 1.0]}, bandwidth=1e9, overhead=1e-6)
    bound = fig.axes[0].get_lines()[0]
    xs, ys = bound.get_xdata(), bound.get_ydata()
    np.testing.assert_allclose(ys, np.maximum(1e-6, xs / 1e9))


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (([1e3, 1e6], {"a": [1.0]}), {}, ValueError),
        (([1e3], {"a": [0.0]}), {}, ValueError),
        (([], {"a": []}), {}, ValueError),
        (([1e3], [1.0]), {}, TypeError),
        (([1e3], {"a": [1.0]}), {"bandwidth": -1.0}, ValueError),
        (([1e3], {"手推": [1.0]}), {}, ValueError),
    ],
)
def test_roofline_refuses_bad_input(args, kwargs, error):
    options = {"bandwidth": 1e10, "overhead": 1e-6, **kwargs}
    with pytest.raises(error):
        plot_gradient_roofline(*args, **options)
