"""linreg_src.timing and the roofline figure: the logic, never the speed.

Sizes are tiny and repeats few; no test asserts how fast anything is (timings are measured on the
chapter's page, not tested).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src import grad, grad_np
from linreg_src.plotting.cost import plot_gradient_roofline
from linreg_src.timing import (
    GRADIENT_OPS,
    METHODS,
    Bandwidth,
    Timing,
    autograd_grads,
    autograd_grads_unchecked,
    bandwidth_calls,
    compare,
    cpu_model,
    d2l_epoch,
    epoch_calls,
    gradient_traffic,
    hand_epoch,
    hand_grads_numpy_unchecked,
    hand_grads_unchecked,
    last_level_cache_bytes,
    machine_description,
    make_problem,
    memory_bandwidth,
    numpy_epoch,
    step_calls,
)

# -- the bytes model -------------------------------------------------------------------------


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
    t = gradient_traffic(p.n, p.d, p.X.dtype)
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


# -- problems and the three gradients ---------------------------------------------------------


def test_make_problem_shapes_dtypes_and_shared_memory():
    p = make_problem(12, 3, dtype=torch.float64, seed=3)
    assert (p.n, p.d) == (12, 3)
    assert p.X.shape == (12, 3) and p.y.shape == (12, 1)
    assert p.w.shape == (3, 1) and p.b.shape == (1,)
    assert p.w.requires_grad and p.b.requires_grad
    assert all(t.dtype == torch.float64 for t in (p.X, p.y, p.w, p.b))
    assert np.shares_memory(p.X_np, p.X.numpy()) and np.shares_memory(p.y_np, p.y.numpy())
    assert torch.equal(make_problem(12, 3, dtype=torch.float64, seed=3).X, p.X)
    assert not torch.equal(make_problem(12, 3, dtype=torch.float64, seed=4).X, p.X)


def test_make_problem_uses_d2ls_true_weights_for_d_2():
    p = make_problem(2000, 2, dtype=torch.float64)
    w, *_ = np.linalg.lstsq(np.c_[p.X_np, np.ones(2000)], p.y_np, rcond=None)
    np.testing.assert_allclose(w.ravel(), [2.0, -3.4, 4.2], atol=0.01)


@pytest.mark.parametrize("checked", [True, False])
def test_all_methods_give_the_same_gradient(checked):
    p = make_problem(9, 4, dtype=torch.float64)
    want_w, want_b = grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())
    calls = step_calls(p, checked=checked)
    assert list(calls) == list(METHODS)
    for method, call in calls.items():
        gw, gb = call()
        gw, gb = (torch.as_tensor(np.asarray(g)) for g in (gw, gb))
        torch.testing.assert_close(gw, want_w, msg=method)
        torch.testing.assert_close(gb, want_b, msg=method)


def test_repeated_autograd_calls_do_not_accumulate():
    p = make_problem(5, 2)
    first = [g.clone() for g in autograd_grads(p.X, p.y, p.w, p.b)]
    second = autograd_grads(p.X, p.y, p.w, p.b)
    third = autograd_grads_unchecked(p.X, p.y, p.w, p.b)
    for a, b, c in zip(first, second, third, strict=True):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, c)


def test_unchecked_formulas_match_the_package_in_both_libraries():
    p = make_problem(6, 3, dtype=torch.float64)
    w, b = p.w.detach(), p.b.detach()
    for got, want in zip(
        hand_grads_unchecked(p.X, p.y, w, b), grad.squared_loss_grads(p.X, p.y, w, b), strict=True
    ):
        torch.testing.assert_close(got, want)
    for got, want in zip(
        hand_grads_numpy_unchecked(p.X_np, p.y_np, p.w_np, p.b_np),
        grad_np.squared_loss_grads(p.X_np, p.y_np, p.w_np, p.b_np),
        strict=True,
    ):
        np.testing.assert_allclose(got, want)
        assert got.shape == want.shape


def test_hand_gradient_builds_no_graph():
    p = make_problem(4, 2)
    gw, gb = step_calls(p, checked=False)["hand"]()
    assert gw.grad_fn is None and gb.grad_fn is None


# -- one epoch, three ways --------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch_size"), [(25, 10), (30, 10), (7, 100)])
def test_epochs_take_ceil_n_over_b_steps(n, batch_size):
    calls = epoch_calls(make_problem(n, 2), lr=0.03, batch_size=batch_size)
    assert [calls[m]() for m in METHODS] == [math.ceil(n / batch_size)] * 3


def test_full_batch_epochs_update_the_parameters_identically():
    # With one batch of all N examples the shuffle cannot matter: one and the same SGD step.
    p = make_problem(40, 3, dtype=torch.float64)
    kw = {"lr": 0.1, "batch_size": 40}
    w_a, b_a = (t.detach().clone().requires_grad_() for t in (p.w, p.b))
    w_h, b_h = p.w.detach().clone(), p.b.detach().clone()
    w_n, b_n = p.w_np.copy(), p.b_np.copy()
    assert d2l_epoch(p.X, p.y, w_a, b_a, generator=torch.Generator().manual_seed(0), **kw) == 1
    assert hand_epoch(p.X, p.y, w_h, b_h, generator=torch.Generator().manual_seed(1), **kw) == 1
    assert numpy_epoch(p.X_np, p.y_np, w_n, b_n, rng=np.random.default_rng(2), **kw) == 1
    gw, gb = grad.squared_loss_grads(p.X, p.y, p.w.detach(), p.b.detach())
    want_w, want_b = p.w.detach() - 0.1 * gw / 40, p.b.detach() - 0.1 * gb / 40
    for w, b in ((w_a.detach(), b_a.detach()), (w_h, b_h), (w_n, b_n)):
        torch.testing.assert_close(torch.as_tensor(w), want_w)
        torch.testing.assert_close(torch.as_tensor(b), want_b)


def test_epoch_calls_train_copies_and_leave_the_starting_point():
    p = make_problem(30, 2)
    calls = epoch_calls(p, lr=0.03, batch_size=10)
    for m in METHODS:
        calls[m]()
    assert torch.equal(p.w.detach(), torch.zeros(2, 1)) and torch.equal(
        p.b.detach(), torch.zeros(1)
    )
    assert p.w.grad is None


# -- measuring ----------------------------------------------------------------------------------


def test_compare_returns_one_ordered_timing_per_candidate():
    result = compare({"a": lambda: sum(range(10)), "b": lambda: None}, blocks=3, block_seconds=1e-4)
    assert list(result) == ["a", "b"]
    for name, t in result.items():
        assert isinstance(t, Timing) and t.name == name
        assert t.blocks == 3 and t.calls_per_block >= 1
        assert 0 < t.q1 <= t.median <= t.q3
        assert t.spread >= 0


def test_compare_leaves_the_thread_settings_as_it_found_them():
    before = torch.get_num_threads()
    compare({"x": lambda: torch.ones(3).sum()}, blocks=3, block_seconds=1e-4, threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"blocks": 2}, ValueError), ({"blocks": 0}, ValueError), ({"block_seconds": 0}, ValueError)],
)
def test_compare_refuses_too_few_blocks_or_no_time(kwargs, error):
    with pytest.raises(error):
        compare({"x": lambda: None}, **kwargs)


def test_timing_per_divides_every_statistic():
    t = Timing("epoch", median=2.0, q1=1.0, q3=4.0, blocks=5, calls_per_block=3).per(100)
    assert (t.median, t.q1, t.q3) == (0.02, 0.01, 0.04)
    assert (t.name, t.blocks, t.calls_per_block) == ("epoch", 5, 3)
    assert t.spread == pytest.approx(1.5)
    with pytest.raises(ValueError):
        t.per(0)


def test_bandwidth_calls_count_read_and_written_bytes():
    calls, moved = bandwidth_calls(4 * 1000 + 3)  # rounded down to whole float32 numbers
    assert moved == {"copy": 8000, "read": 4000}
    assert calls["copy"]().shape == (1000,)
    assert float(calls["read"]()) == 1000.0
    with pytest.raises(ValueError):
        bandwidth_calls(3)


def test_memory_bandwidth_reports_bytes_per_second():
    bw = memory_bandwidth(2**16, blocks=3, block_seconds=1e-4, threads=1)
    assert isinstance(bw, Bandwidth)
    assert bw.nbytes == 2**16 and bw.threads == 1
    assert bw.copy > 0 and bw.read > 0


def test_machine_description_names_the_settings_the_timings_used():
    text = machine_description(threads=1)
    for key in ("processor", "logical CPUs", "largest cache", "torch", "numpy", "timed with"):
        assert key in text
    assert "1 thread(s)" in text
    assert isinstance(cpu_model(), str) and cpu_model()
    cache = last_level_cache_bytes()
    assert cache is None or (isinstance(cache, int) and cache > 0)


# -- the roofline figure ------------------------------------------------------------------------


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
