"""Recovering the articles' unprinted draws: every published number of 000, 001, 003, 004
reproduced to its printed precision from what was printed; bad inputs refused.

Article 002's learned values belong to the nn.Linear chapter's tests.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_src import recover
from linreg_src.articles import ARTICLE_000, ARTICLE_001, ARTICLE_003, ARTICLE_004, as_tensor
from linreg_src.chain import factory_autograd, factory_backward, factory_forward
from linreg_src.grad import error_term, squared_loss_grads
from linreg_src.loss import squared_loss
from linreg_src.model import linreg
from linreg_src.recover import (
    delta_bounds,
    delta_bounds_004,
    delta_from_losses,
    min_norm_w_004,
    misses_004,
    recover_delta_004,
    recover_initial_w,
    recover_initial_w_001,
    rounding_sensitivity_001,
    rounds_to,
    run_article_004,
)

F64 = torch.float64
HALF_UNIT = 0.5e-4  # half a unit in the 4th decimal: how far a printed number may be from the truth


def printed(values, decimals=4):
    """Numbers the way an article prints them."""
    return [f"{float(v):.{decimals}f}" for v in torch.as_tensor(values).flatten()]


def batch_001():
    return as_tensor(ARTICLE_001.inputs["X"]), as_tensor(ARTICLE_001.inputs["y"])


def data_004(case):
    X = as_tensor(ARTICLE_004.inputs[f"X_{case}"])
    return X, as_tensor(ARTICLE_004.published[f"y_{case}"])


# -- 000: the house-price example -------------------------------------------------------------


def test_000_house_price_loss_is_200():
    y_hat = torch.tensor([[ARTICLE_000.inputs["y_hat"]]], dtype=F64)
    y = torch.tensor([[ARTICLE_000.inputs["y"]]], dtype=F64)
    assert float(error_term(y_hat, y)) == -20.0
    loss = float(squared_loss(y_hat, y))
    assert loss == 200.0
    assert rounds_to(loss, ARTICLE_000.published["loss"], ARTICLE_000.decimals)


# -- 001: the recovered initial w and the three printed gradients ------------------------------


def test_001_recovered_w_reproduces_both_weight_gradients_to_float64_precision():
    X, y = batch_001()
    w0 = recover_initial_w_001()
    assert w0.shape == (2, 1) and w0.dtype == F64
    grad_w, _ = squared_loss_grads(X, y, w0, torch.zeros(1, dtype=F64))
    torch.testing.assert_close(
        grad_w, as_tensor(ARTICLE_001.published["grad_w"]), rtol=0, atol=1e-12
    )


def test_001_recovered_w_values_and_plausibility_as_an_init_draw():
    w0 = recover_initial_w_001()
    assert printed(w0) == ["0.0173", "-0.0099"]
    std = ARTICLE_001.inputs["init_std"]
    # d2l draws w from N(0, 0.01^2): both values are ordinary draws, within 3 standard deviations
    assert all(0.5 * std < abs(v) < 3 * std for v in w0.flatten().tolist())


def test_001_b_grad_is_an_independent_check_within_the_rounding_tolerance():
    X, y = batch_001()
    predicted = float((X @ recover_initial_w_001() - y).sum())
    published = ARTICLE_001.published["grad_b"]
    assert rounds_to(predicted, published, ARTICLE_001.decimals)
    # worst case: the printed b.grad (half a unit) plus the ten rounded labels (half a unit each);
    # the rounded features move the sum by |w| * 20 half-units, far less
    assert abs(predicted - published) <= HALF_UNIT * (1 + len(y) + 1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_001_autograd_prints_the_published_gradients(dtype):
    X, y = (t.to(dtype) for t in batch_001())
    w = recover_initial_w_001().to(dtype).requires_grad_(True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    squared_loss(linreg(X, w, b), y).sum().backward()
    assert printed(w.grad) == printed(ARTICLE_001.published["grad_w"]) == ["-9.0000", "65.4477"]
    assert printed(b.grad) == printed(ARTICLE_001.published["grad_b"]) == ["-40.9567"]


def test_001_autograd_equals_x_transpose_delta():
    X, y = batch_001()
    w = recover_initial_w_001().requires_grad_(True)
    b = torch.zeros(1, dtype=F64, requires_grad=True)
    squared_loss(linreg(X, w, b), y).sum().backward()
    delta = X @ w.detach() - y
    torch.testing.assert_close(w.grad, X.T @ delta, rtol=0, atol=1e-12)
    torch.testing.assert_close(b.grad, delta.sum().reshape(1), rtol=0, atol=1e-12)


def test_001_the_three_printed_gradients_agree_on_b_equal_to_zero():
    """With b unknown too, three gradients for three unknowns: b comes out as rounding noise."""
    X, y = batch_001()
    A = torch.cat([X, torch.ones(len(X), 1, dtype=F64)], dim=1)
    g3 = as_tensor(ARTICLE_001.published["grad_w"] + (ARTICLE_001.published["grad_b"],))
    theta = torch.linalg.solve(A.T @ A, g3 + A.T @ y)
    assert abs(float(theta[2])) < 1e-5
    assert printed(theta[:2]) == printed(recover_initial_w_001())


def test_001_rounding_sensitivity_is_small_reproducible_and_attributable():
    w0 = recover_initial_w_001()
    w, grad_b = rounding_sensitivity_001(1000, generator=torch.Generator().manual_seed(3))
    assert w.shape == (1000, 2, 1) and grad_b.shape == (1000,)
    spread = w.std(dim=0)
    assert bool((spread < 1e-4).all()) and bool((spread > 1e-6).all())
    torch.testing.assert_close(w.mean(dim=0), w0, rtol=0, atol=1e-5)
    # the observed b.grad deviation is well inside the spread rounding produces
    assert abs(float(grad_b.mean()) - ARTICLE_001.published["grad_b"]) < float(grad_b.std())
    again, _ = rounding_sensitivity_001(1000, generator=torch.Generator().manual_seed(3))
    assert torch.equal(w, again)
    # the features' rounding dominates w's uncertainty; the gradients' rounding barely matters
    gen = torch.Generator().manual_seed(4)
    from_x, _ = rounding_sensitivity_001(1000, generator=gen, perturb=("X",))
    from_g, _ = rounding_sensitivity_001(1000, generator=gen, perturb=("grad_w",))
    assert bool((from_x.std(dim=0) > 5 * from_g.std(dim=0)).all())
    none, gb_none = rounding_sensitivity_001(10, generator=gen, perturb=())
    torch.testing.assert_close(none, w0.expand(10, 2, 1), rtol=0, atol=1e-12)
    assert float(gb_none.std()) < 1e-12


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_draws": 0}, ValueError, "num_draws must be a positive whole number"),
        ({"num_draws": 2.5}, TypeError, "num_draws must be a whole number"),
        ({"generator": 0}, TypeError, "generator must be a torch.Generator"),
        ({"perturb": ("X", "b")}, ValueError, "perturb must be a tuple of names"),
        ({"perturb": "X"}, ValueError, "perturb must be a tuple of names"),
    ],
)
def test_001_rounding_sensitivity_refuses_bad_arguments(kwargs, error, match):
    args = {"num_draws": 5, "generator": torch.Generator().manual_seed(0), **kwargs}
    num_draws = args.pop("num_draws")
    with pytest.raises(error, match=match):
        rounding_sensitivity_001(num_draws, **args)


# -- recover_initial_w in general ---------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 12), d=st.integers(1, 3))
def test_recover_initial_w_inverts_the_gradient_formula(seed, n, d):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=F64)
    y = torch.randn(n, 1, generator=g, dtype=F64)
    w = torch.randn(d, 1, generator=g, dtype=F64)
    grad_w = X.T @ (X @ w - y)
    if torch.linalg.cond(X) > 1e6:
        return
    torch.testing.assert_close(recover_initial_w(X, y, grad_w), w, rtol=1e-8, atol=1e-8)


def test_recover_initial_w_solves_a_batch_at_once():
    X, y = batch_001()
    g = as_tensor(ARTICLE_001.published["grad_w"])
    batched = recover_initial_w(X.expand(3, 10, 2), y.expand(3, 10, 1), g.expand(3, 2, 1))
    assert batched.shape == (3, 2, 1)
    torch.testing.assert_close(batched[1], recover_initial_w_001(), rtol=0, atol=1e-14)


def test_recover_initial_w_refuses_an_undetermined_w():
    X, y = data_004("2d")
    with pytest.raises(ValueError, match=r"rank < 3.*null space"):
        recover_initial_w(X, y, as_tensor(ARTICLE_004.published["grad_w_2d"]))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((torch.ones(4, 2, dtype=F64), torch.ones(4, dtype=F64), None), ValueError, "1-D"),
        ((torch.ones(4, 2, dtype=F64), torch.ones(3, 1, dtype=F64), None), ValueError, "y must"),
        (
            (torch.ones(4, 2, dtype=F64), torch.ones(4, 1, dtype=F64), "wrong_g"),
            ValueError,
            "grad_w",
        ),
        ((np.ones((4, 2)), np.ones((4, 1)), np.ones((2, 1))), TypeError, "torch"),
        ((torch.ones(4, 2, dtype=torch.int64), torch.ones(4, 1), None), TypeError, "floating"),
    ],
)
def test_recover_initial_w_refuses_bad_inputs(args, error, match):
    X, y, g = args
    if g is None:
        g = torch.ones(2, 1, dtype=F64)
    elif isinstance(g, str):
        g = torch.ones(3, 1, dtype=F64)
    with pytest.raises(error, match=match):
        recover_initial_w(X, y, g)


# -- 003: the burger factory --------------------------------------------------------------------


def test_003_five_published_numbers():
    """The factory's record keeps the article's names (its output is ``y``); the package's
    factory is called positionally, so its own names for the output do not matter here."""
    pub, dec = ARTICLE_003.published, ARTICLE_003.decimals
    args = tuple(ARTICLE_003.inputs[k] for k in ("w", "v", "x", "target"))
    fwd = factory_forward(*args)
    grads = factory_backward(fwd)
    live = {"u": fwd.u, "y": fwd.h, "loss": fwd.loss, "grad_v": grads.grad_v}  # y is h
    live["grad_w"] = grads.grad_w
    assert set(live) == set(pub)
    for key, value in live.items():
        assert rounds_to(value, pub[key], dec), key
        assert value == pub[key], key  # small integers: exact
    _, auto_v, auto_w = factory_autograd(*args)
    assert (auto_v, auto_w) == (pub["grad_v"], pub["grad_w"])


# -- 004: error terms from the printed losses ---------------------------------------------------


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_labels_follow_from_the_true_weights(case):
    X, y = data_004(case)
    torch.testing.assert_close(X @ as_tensor(ARTICLE_004.inputs["true_w"]), y, rtol=0, atol=0)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_delta_from_the_losses_satisfies_half_delta_squared_equals_loss(case):
    delta = recover_delta_004(case)
    losses = as_tensor(ARTICLE_004.published[f"loss_{case}"])
    assert delta.dtype == F64 and delta.shape == losses.shape
    torch.testing.assert_close(delta**2 / 2, losses, rtol=1e-15, atol=1e-12)
    assert bool((delta < 0).all())  # every prediction was below its label


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_every_printed_number_follows_from_delta(case):
    pub = ARTICLE_004.published
    X, y = data_004(case)
    delta = recover_delta_004(case)
    assert printed(delta**2 / 2) == printed(pub[f"loss_{case}"])
    assert printed(y + delta) == printed(pub[f"y_hat_{case}"])
    assert printed(X.T @ delta) == printed(pub[f"grad_w_{case}"])


def grad_from_delta(case):
    X, _ = data_004(case)
    return X.T @ recover_delta_004(case)


def test_004_printed_values_pinned():
    assert printed(grad_from_delta("1d")) == ["-8.1865", "-16.3730", "-24.5595"]
    assert printed(grad_from_delta("2d")) == ["-124.4671", "-164.6226", "-204.7782"]
    assert printed(recover_delta_004("1d") ** 2 / 2) == ["33.5093"]
    assert printed(recover_delta_004("2d") ** 2 / 2) == ["72.6224", "394.9125"]


def test_004_the_rounded_predictions_miss_a_last_digit():
    """The article's hand computation used the rounded y_hat: two printed digits do not follow."""
    pub = ARTICLE_004.published
    X2, y2 = data_004("2d")
    hand = X2.T @ (as_tensor(pub["y_hat_2d"]) - y2)
    assert printed(hand) == ["-124.4670", "-164.6226", "-204.7782"]
    assert not rounds_to(float(hand[0, 0]), pub["grad_w_2d"][0], 4)
    _, y1 = data_004("1d")
    loss_1d = float(squared_loss(as_tensor(pub["y_hat_1d"]), y1))
    assert f"{loss_1d:.4f}" == "33.5094" != f"{pub['loss_1d'][0]:.4f}"


def articles_code(case, w, dtype):
    """The article's code: forward, loss.sum().backward(); the printed numbers, paired with its."""
    pub = ARTICLE_004.published
    X, y = (t.to(dtype) for t in data_004(case))
    w = w.to(dtype).requires_grad_(True)
    y_hat = X @ w
    loss = (y_hat - y) ** 2 / 2
    loss.sum().backward()
    assert w.grad.shape == (3, 1)
    live = printed(y_hat.detach()) + printed(loss.detach()) + printed(w.grad)
    return live, printed(pub[f"y_hat_{case}"]) + printed(pub[f"loss_{case}"]) + printed(
        pub[f"grad_w_{case}"]
    )


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_autograd_on_the_min_norm_w_prints_the_article(case):
    live, published = articles_code(case, min_norm_w_004(case), torch.float64)
    assert live == published


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_float32_runs_print_the_article_up_to_float32_rounding(case):
    """The article ran in float32: most w on the solution set print every digit, none is off by
    more than one unit in the last digit (the 2-D second gradient sits next to a rounding edge)."""
    X, _ = data_004(case)
    null = torch.linalg.svd(X).Vh[-1:].T  # (3, 1), X @ null = 0
    exact = 0
    for t in torch.linspace(-2, 2, 21, dtype=F64):
        live, published = articles_code(case, min_norm_w_004(case) + t * null, torch.float32)
        exact += live == published
        for a, b in zip(live, published, strict=True):
            assert abs(int(a.replace(".", "")) - int(b.replace(".", ""))) <= 1, (a, b)
    assert exact >= 11


@pytest.mark.parametrize("case", ["1d", "2d"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_run_article_004_is_the_articles_code_in_the_dtype_of_w(case, dtype):
    w = min_norm_w_004(case).to(dtype)
    out = run_article_004(case, w)
    live, _ = articles_code(case, w.detach().clone(), dtype)
    assert [out[k].dtype for k in ("y_hat", "loss", "grad_w")] == [dtype] * 3
    assert out["grad_w"].shape == (3, 1) and out["loss"].shape == (len(data_004(case)[1]), 1)
    shown = printed(out["y_hat"]) + printed(out["loss"]) + printed(out["grad_w"])
    assert shown == live
    assert not w.requires_grad and w.grad is None  # the caller's w is left alone


def test_misses_004_names_each_printed_number_a_run_does_not_show():
    assert misses_004("1d", run_article_004("1d", min_norm_w_004("1d"))) == []
    # the minimum-norm w in float32: the second gradient component lands one digit off
    assert misses_004("2d", run_article_004("2d", min_norm_w_004("2d").float())) == ["grad_w_2d[1]"]
    off = run_article_004("2d", min_norm_w_004("2d") + 1.0)
    assert len(misses_004("2d", off)) == 7


def test_004_float32_runs_along_the_null_space_54_of_61_print_every_digit():
    n = torch.tensor([[1.0], [-2.0], [1.0]], dtype=F64)
    w_plus = min_norm_w_004("2d")
    missed = [
        misses_004("2d", run_article_004("2d", (w_plus + t * n).float()))
        for t in torch.linspace(-3, 3, 61, dtype=F64)
    ]
    assert sum(not m for m in missed) == 54
    assert all(set(m) <= {"grad_w_2d[1]", "loss_2d[1]"} for m in missed)


@pytest.mark.parametrize(
    ("case", "w", "error", "match"),
    [
        ("3d", torch.zeros(3, 1, dtype=F64), ValueError, 'case must be "1d" or "2d"'),
        ("2d", torch.zeros(2, 1, dtype=F64), ValueError, r"w must have shape \(3, 1\)"),
        ("2d", torch.zeros(3, dtype=F64), ValueError, "w must be 2-D"),
        ("2d", torch.full((3, 1), math.nan), ValueError, "w contains 3 NaN"),
        ("2d", torch.full((3, 1), 1e20), ValueError, r"w must lie within ±1e15"),
        ("2d", torch.zeros(3, 1, dtype=torch.int64), TypeError, "w must hold floating-point"),
        ("2d", np.zeros((3, 1)), TypeError, "torch"),
    ],
)
def test_run_article_004_refuses_bad_arguments(case, w, error, match):
    with pytest.raises(error, match=match):
        run_article_004(case, w)


@pytest.mark.parametrize(
    ("outputs", "error", "match"),
    [
        (None, TypeError, "outputs must be the dict run_article_004 returns"),
        ({"y_hat": torch.zeros(2, 1)}, TypeError, "outputs must be the dict"),
        (
            {"y_hat": torch.zeros(1, 1), "loss": torch.zeros(2, 1), "grad_w": torch.zeros(3, 1)},
            ValueError,
            r'outputs\["y_hat"\] must hold 2 numbers',
        ),
        (
            {
                "y_hat": torch.zeros(2, 1),
                "loss": torch.full((2, 1), math.inf),
                "grad_w": torch.zeros(3, 1),
            },
            ValueError,
            r'outputs\["loss"\] contains',
        ),
    ],
)
def test_misses_004_refuses_what_run_article_004_did_not_return(outputs, error, match):
    with pytest.raises(error, match=match):
        misses_004("2d", outputs)


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_min_norm_w_solves_the_predictions_and_is_the_shortest(case):
    X, y = data_004(case)
    w = min_norm_w_004(case)
    assert w.shape == (3, 1) and w.dtype == F64
    torch.testing.assert_close(X @ w, y + recover_delta_004(case), rtol=0, atol=1e-12)
    # the shortest solution lies in the row space of X: orthogonal to its null space
    null = torch.linalg.svd(X).Vh[X.shape[0] :]
    torch.testing.assert_close(null @ w, torch.zeros(len(null), 1, dtype=F64), rtol=0, atol=1e-12)


def test_004_gradient_does_not_depend_on_the_null_space_component():
    X, y = data_004("2d")
    n = torch.tensor([[1.0], [-2.0], [1.0]], dtype=F64)
    assert bool((X @ n == 0).all())
    w_plus = min_norm_w_004("2d")
    reference = X.T @ (X @ w_plus - y)
    for t in (-3.0, -0.1, 0.7, 5.0):
        w = (w_plus + t * n).requires_grad_(True)
        ((X @ w - y) ** 2 / 2).sum().backward()
        torch.testing.assert_close(w.grad, reference, rtol=0, atol=1e-10)


def test_004_row_and_column_are_transposes():
    X, _ = data_004("2d")
    delta = recover_delta_004("2d")
    row, col = delta.T @ X, X.T @ delta
    assert row.shape == (1, 3) and col.shape == (3, 1)
    torch.testing.assert_close(row.T, col, rtol=0, atol=0)


# -- 004: the interval the rounding allows --------------------------------------------------------


@pytest.mark.parametrize("case", ["1d", "2d"])
def test_004_delta_bounds_contain_the_face_value_delta_and_are_tight(case):
    lo, hi = delta_bounds_004(case)
    delta = recover_delta_004(case)
    assert bool((lo <= delta).all()) and bool((delta <= hi).all())
    # the loss pins delta to about 2 * half-unit / |delta|, much tighter than the printed y_hat
    width = hi - lo
    torch.testing.assert_close(width, 2 * HALF_UNIT / delta.abs(), rtol=1e-3, atol=0)
    assert bool((width < 2 * HALF_UNIT).all())


def test_004_which_printed_gradient_digits_the_losses_determine():
    pub = ARTICLE_004.published
    determined = {}
    for case in ("1d", "2d"):
        X, _ = data_004(case)
        lo, hi = delta_bounds_004(case)
        g_lo, g_hi = X.T @ lo, X.T @ hi  # X >= 0: monotone in every delta
        for k, p in enumerate(pub[f"grad_w_{case}"]):
            determined[(case, k)] = rounds_to(float(g_lo[k]), p, 4) and rounds_to(
                float(g_hi[k]), p, 4
            )
    assert determined == {
        ("1d", 0): True,
        ("1d", 1): True,
        ("1d", 2): False,
        ("2d", 0): False,
        ("2d", 1): False,
        ("2d", 2): True,
    }


def test_delta_bounds_in_general():
    one = {"dtype": F64}
    lo, hi = delta_bounds(
        torch.tensor([[2.0]], **one),
        torch.tensor([[-1.0]], **one),
        torch.tensor([[1.0]], **one),
        decimals=1,
    )
    assert float(lo) == pytest.approx(-math.sqrt(4.1))
    assert float(hi) == pytest.approx(-math.sqrt(3.9))
    # a positive error term takes the positive root; the prediction's square can be the tighter one
    lo, hi = delta_bounds(
        torch.tensor([[0.5]], **one),
        torch.tensor([[2.0]], **one),
        torch.tensor([[1.0]], **one),
        decimals=0,
    )
    assert (float(lo), float(hi)) == (0.5, pytest.approx(math.sqrt(2.0)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"losses": torch.tensor([[-1.0]], dtype=F64)}, ValueError, "losses must be >= 0"),
        ({"y_hat": torch.tensor([[1.0]], dtype=F64)}, ValueError, "sign of delta is unknown"),
        ({"losses": torch.tensor([[9.0]], dtype=F64)}, ValueError, "contradict"),
        ({"y": torch.tensor([1.0], dtype=F64)}, ValueError, "shape"),
        ({"decimals": -1}, ValueError, "decimals must be >= 0"),
        ({"decimals": 1.0}, TypeError, "decimals must be a whole number"),
        ({"decimals": True}, TypeError, "decimals must be a whole number"),
        ({"losses": np.array([[2.0]])}, TypeError, "torch"),
    ],
)
def test_delta_bounds_refuses_bad_inputs(kwargs, error, match):
    args = {
        "losses": torch.tensor([[2.0]], dtype=F64),
        "y_hat": torch.tensor([[-1.0]], dtype=F64),
        "y": torch.tensor([[1.0]], dtype=F64),
        "decimals": 1,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        delta_bounds(args.pop("losses"), args.pop("y_hat"), args.pop("y"), **args)


# -- bad inputs to the 004 recovery ------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    losses=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=5),
    data=st.data(),
)
def test_delta_from_losses_inverts_the_half_squared_loss(losses, data):
    signs = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=len(losses)))
    signs = signs[: len(losses)]
    l_t = torch.tensor(losses, dtype=F64).reshape(-1, 1)
    s_t = torch.tensor(signs, dtype=F64).reshape(-1, 1)
    delta = delta_from_losses(l_t, s_t)
    torch.testing.assert_close(delta**2 / 2, l_t, rtol=1e-12, atol=1e-12)
    assert bool((delta * s_t >= 0).all())


@pytest.mark.parametrize(
    ("losses", "sign", "error", "match"),
    [
        (np.ones((2, 1)), np.ones((2, 1)), TypeError, "works on torch tensors"),
        (torch.ones(2, 1, dtype=F64), np.ones((2, 1)), TypeError, "mix PyTorch and NumPy"),
        (torch.tensor([[-1.0]], dtype=F64), torch.ones(1, 1), ValueError, "losses must be >= 0"),
        (torch.ones(2, 1, dtype=F64), torch.ones(2), ValueError, "must have the shape of losses"),
        (torch.ones(2, 1, dtype=F64), torch.full((2, 1), 0.5), ValueError, "only \\+1 or -1"),
        (torch.ones(2, 1, dtype=F64), torch.zeros(2, 1), ValueError, "only \\+1 or -1"),
        (torch.ones(2, 1, dtype=torch.int64), torch.ones(2, 1), TypeError, "floating-point"),
        (torch.tensor([[math.nan]], dtype=F64), torch.ones(1, 1), ValueError, "NaN"),
        (torch.ones(2, dtype=F64), torch.ones(2), ValueError, "2-D"),
    ],
)
def test_delta_from_losses_refuses_bad_inputs(losses, sign, error, match):
    with pytest.raises(error, match=match):
        delta_from_losses(losses, sign)


@pytest.mark.parametrize("case", ["3d", "2D", "", None, 2])
@pytest.mark.parametrize("function", [recover_delta_004, delta_bounds_004, min_norm_w_004])
def test_004_functions_refuse_an_unknown_case(function, case):
    with pytest.raises(ValueError, match='case must be "1d" or "2d"'):
        function(case)


@pytest.mark.parametrize(
    ("value", "published", "decimals", "expected"),
    [
        (-124.46705650, -124.4671, 4, True),
        (-124.4670, -124.4671, 4, False),
        (-0.00004, 0.0, 4, True),  # "-0.0000" is shown as 0.0000
        (16.0, 16.0, 1, True),
        (199.6, 200.0, 0, True),
    ],
)
def test_rounds_to(value, published, decimals, expected):
    assert rounds_to(value, published, decimals) is expected


def test_module_exports_what_the_book_uses():
    for name in ("recover_initial_w", "rounding_sensitivity_001", "delta_bounds", "min_norm_w_004"):
        assert callable(getattr(recover, name))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((1.0, 1.0, -1), ValueError, "decimals must be >= 0"),
        ((1.0, 1.0, 10**30), ValueError, "decimals must be at most 20"),
        ((1.0, 1.0, 2.0), TypeError, "decimals must be a whole number"),
        ((math.nan, 1.0, 4), ValueError, "value must be a finite number"),
        ((1.0, math.inf, 4), ValueError, "published must be a finite number"),
    ],
)
def test_rounds_to_refuses_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        rounds_to(*args)


# -- huge finite inputs: refused, naming the argument, never an inf or NaN ----------------------


def test_recover_initial_w_refuses_x_too_large_or_too_small_to_square():
    X, y = batch_001()
    g = as_tensor(ARTICLE_001.published["grad_w"])
    with pytest.raises(ValueError, match=r"X's largest entry must lie between .* got 2.94e\+200"):
        recover_initial_w(X * 1e200, y, g)
    with pytest.raises(ValueError, match=r"X's largest entry must lie between .* got 2.94e-200"):
        recover_initial_w(X * 1e-200, y, g)


def test_recover_initial_w_refuses_a_solution_that_overflows():
    X, y = batch_001()
    with pytest.raises(ValueError, match=r"X, y and grad_w are too large .* overflows"):
        recover_initial_w(X * 1e-10, y, torch.full((2, 1), 1e308, dtype=F64))


def test_recover_initial_w_refuses_x_that_is_singular_in_the_working_precision():
    """Full rank in exact arithmetic, but X^T X rounds to a singular matrix in float64."""
    X = torch.tensor([[1.0, 1.0], [1.0, 1.0 + 1e-9]], dtype=F64)
    with pytest.raises(ValueError, match="rank < 2"):
        recover_initial_w(X, torch.ones(2, 1, dtype=F64), torch.ones(2, 1, dtype=F64))


def test_delta_from_losses_refuses_losses_whose_double_overflows():
    with pytest.raises(ValueError, match=r"losses must be at most 8.99e\+307"):
        delta_from_losses(torch.tensor([[1e308]], dtype=F64), torch.ones(1, 1, dtype=F64))
    big = torch.tensor([[8e307]], dtype=F64)
    assert bool(torch.isfinite(delta_from_losses(big, torch.ones(1, 1, dtype=F64))).all())


@pytest.mark.parametrize("name", ["losses", "y_hat", "y"])
def test_delta_bounds_refuses_numbers_whose_bounds_overflow(name):
    args = {
        "losses": torch.tensor([[2.0]], dtype=F64),
        "y_hat": torch.tensor([[-1.0]], dtype=F64),
        "y": torch.tensor([[1.0]], dtype=F64),
    }
    args[name] = torch.tensor([[1e308]], dtype=F64)
    with pytest.raises(ValueError, match=f"{name} must lie within"):
        delta_bounds(**args, decimals=1)
