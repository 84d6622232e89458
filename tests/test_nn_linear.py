"""nn.Linear + MSELoss (article 002's model) by hand and by autograd; nn.Linear's formula."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from linreg_src.article_002 import article_002_setup
from linreg_src.articles import ARTICLE_002
from linreg_src.grad import mse_loss_grads
from linreg_src.nn_linear import (
    check_linear_formula,
    fit_by_autograd,
    fit_by_hand,
    hand_mse_grads,
    init_linear,
    linear_formula_latex,
    train_linear_module,
)

values = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)

# -- the hand gradient ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 40), d=st.integers(1, 3))
def test_hand_mse_grads_equal_autograd_and_mse_loss_grads(data, n, d):
    X = torch.tensor(data.draw(st.lists(values, min_size=n * d, max_size=n * d))).reshape(n, d)
    X = X.double()
    y = torch.tensor(data.draw(st.lists(values, min_size=n, max_size=n))).double().reshape(n, 1)
    module = init_linear(d, 1, generator=torch.Generator().manual_seed(n + d), dtype=X.dtype)
    y_hat = module(X)
    nn.MSELoss()(y_hat, y).backward()

    grad_weight, grad_bias = hand_mse_grads(X, y, y_hat)
    assert grad_weight.shape == module.weight.shape == (1, d)
    assert grad_bias.shape == module.bias.shape == (1,)
    scale = (
        1e-10 * (1 + float(y_hat.detach().abs().max() + y.abs().max())) * (1 + float(X.abs().max()))
    )
    torch.testing.assert_close(grad_weight, module.weight.grad, atol=scale, rtol=1e-10)
    torch.testing.assert_close(grad_bias, module.bias.grad, atol=scale, rtol=1e-10)

    grad_w, grad_b = mse_loss_grads(X, y, module.weight.detach().T, module.bias.detach())
    torch.testing.assert_close(grad_weight, grad_w.T, atol=scale, rtol=1e-10)
    torch.testing.assert_close(grad_bias, grad_b, atol=scale, rtol=1e-10)


def test_hand_mse_grads_is_the_articles_formula_bit_for_bit():
    x, y, model = article_002_setup()
    y_pred = model(x)
    grad_output = 2 * (y_pred - y) / y.size(0)
    grad_weight, grad_bias = hand_mse_grads(x, y, y_pred)
    assert grad_weight.item() == (grad_output * x).sum().item()
    assert grad_bias.item() == grad_output.sum().item()


def test_hand_mse_grads_worked_example():
    X = torch.tensor([[1.0], [2.0]])
    grad_weight, grad_bias = hand_mse_grads(X, torch.tensor([[1.0], [1.0]]), torch.zeros(2, 1))
    # upstream 2/N * (0 - 1) = -1 each; grad_w = -1*1 + -1*2 = -3; grad_b = -2
    assert grad_weight.tolist() == [[-3.0]]
    assert grad_bias.tolist() == [-2.0]


# -- training: hand == autograd, reproducible, no side effects --------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_hand_and_autograd_trajectories_agree_every_epoch(optimizer):
    x, y, model = article_002_setup()
    auto = train_linear_module(model, x, y, optimizer=optimizer, grads="autograd")
    hand = train_linear_module(model, x, y, optimizer=optimizer, grads="hand")
    assert len(auto.weights) == len(hand.weights) == 51
    assert (auto.weights[0], auto.biases[0]) == (hand.weights[0], hand.biases[0])
    diffs = [
        abs(p - q)
        for p, q in zip(auto.weights + auto.biases, hand.weights + hand.biases, strict=True)
    ]
    assert max(diffs) < 1e-6  # float32 rounding: a few units in the last place
    losses = zip(auto.losses, hand.losses, strict=True)
    assert max(abs(p - q) / p for p, q in losses) < 1e-5


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_hand_and_autograd_agree_to_float64_rounding(optimizer):
    x, y, _ = article_002_setup()
    model = init_linear(1, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x, y = x.double(), y.double()
    auto = train_linear_module(model, x, y, optimizer=optimizer, grads="autograd")
    hand = train_linear_module(model, x, y, optimizer=optimizer, grads="hand")
    diffs = [
        abs(p - q)
        for p, q in zip(auto.weights + auto.biases, hand.weights + hand.biases, strict=True)
    ]
    assert max(diffs) < 1e-13


def test_training_leaves_the_callers_module_alone():
    x, y, model = article_002_setup()
    before = (model.weight.item(), model.bias.item())
    run = train_linear_module(model, x, y)
    assert (model.weight.item(), model.bias.item()) == before == (run.weights[0], run.biases[0])
    assert model.weight.grad is None


def test_run_records_losses_before_each_update_and_final_loss():
    x, y, model = article_002_setup()
    run = train_linear_module(model, x, y, num_epochs=5)
    assert run.num_epochs == len(run.losses) == 5
    with torch.no_grad():
        first = nn.MSELoss()(model(x), y).item()
    assert run.losses[0] == first
    assert run.final_loss < run.losses[-1] < run.losses[0]
    assert (run.weight, run.bias) == (run.weights[-1], run.biases[-1])


# -- nn.Linear itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(("in_features", "out_features"), [(1, 1), (2, 3), (5, 2)])
@pytest.mark.parametrize("seed", [0, 11])
def test_init_linear_equals_pytorch_default_init(in_features, out_features, seed):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        reference = nn.Linear(in_features, out_features)
    module = init_linear(in_features, out_features, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(module.weight, reference.weight)
    assert torch.equal(module.bias, reference.bias)
    bound = 1 / math.sqrt(in_features)
    assert float(module.weight.detach().abs().max()) <= bound
    assert float(module.bias.detach().abs().max()) <= bound


@pytest.mark.parametrize(("in_features", "out_features"), ARTICLE_002.inputs["linear_shapes"])
def test_linear_shapes_and_formula(in_features, out_features):
    check = check_linear_formula(
        in_features, out_features, generator=torch.Generator().manual_seed(0), num_examples=5
    )
    assert check.weight_shape == (out_features, in_features)
    assert check.bias_shape == (out_features,)
    assert check.output_shape == (5, out_features)
    assert check.max_error_matrix < 1e-12
    assert check.max_error_components < 1e-12
    latex = linear_formula_latex(in_features, out_features)
    assert latex.count("&=") == out_features
    assert latex.count("W_{") == in_features * out_features


def test_linear_formula_latex_text():
    assert linear_formula_latex(1, 1) == (
        "\\begin{aligned}\n\\hat y_1 &= W_{11}x_1 + b_1\n\\end{aligned}"
    )
    assert linear_formula_latex(2, 3).splitlines()[1:4] == [
        "\\hat y_1 &= W_{11}x_1 + W_{12}x_2 + b_1 \\\\",
        "\\hat y_2 &= W_{21}x_1 + W_{22}x_2 + b_2 \\\\",
        "\\hat y_3 &= W_{31}x_1 + W_{32}x_2 + b_3",
    ]


def test_article_002_lists_the_five_shapes():
    assert ARTICLE_002.inputs["linear_shapes"] == ((1, 1), (1, 2), (2, 1), (2, 2), (2, 3))


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda x, y, m: train_linear_module(m, x, y, optimizer="sgdm"),
            ValueError,
            r'optimizer must be "sgd" or "adam", got \'sgdm\'',
        ),
        (
            lambda x, y, m: train_linear_module(m, x, y, grads="manual"),
            ValueError,
            r'grads must be "autograd" or "hand", got \'manual\'',
        ),
        (lambda x, y, m: train_linear_module(m, x, y, lr=0), ValueError, r"lr must be positive"),
        (
            lambda x, y, m: train_linear_module(m, x, y, num_epochs=2.5),
            TypeError,
            r"num_epochs must be a whole number",
        ),
        (
            lambda x, y, m: train_linear_module(m, x, y.flatten()),
            ValueError,
            r"y has shape \(100,\) but x has shape \(100, 1\)",
        ),
        (
            lambda x, y, m: train_linear_module(m, x.double(), y.double()),
            TypeError,
            r"model's parameters are torch.float32 but x is torch.float64",
        ),
        (
            lambda x, y, m: train_linear_module(nn.Linear(2, 1), x, y),
            ValueError,
            r"model must be nn.Linear\(1, 1\) with a bias",
        ),
        (
            lambda x, y, m: train_linear_module("model", x, y),
            TypeError,
            r"model must be a torch.nn.Linear, got str",
        ),
        (
            lambda x, y, m: train_linear_module(m, x.numpy(), y.numpy()),
            TypeError,
            r"linreg_src.nn_linear works on torch tensors",
        ),
        (
            lambda x, y, m: hand_mse_grads(x[:50], y, y),
            ValueError,
            r"X @ w \+ b and y must both have shape \(N, 1\), got \(50, 1\) and \(100, 1\)",
        ),
        (
            lambda x, y, m: hand_mse_grads(x, y, y.flatten()),
            ValueError,
            r"y_hat - y would broadcast",
        ),
        (
            lambda x, y, m: hand_mse_grads(x.double(), y, y),
            TypeError,
            r"X and y must share one dtype, got torch.float64 and torch.float32",
        ),
        (
            lambda x, y, m: init_linear(1, 1, generator=0),
            TypeError,
            r"generator must be a torch.Generator",
        ),
        (
            lambda x, y, m: init_linear(0, 1, generator=torch.Generator()),
            ValueError,
            r"in_features must be a positive whole number, got 0",
        ),
        (
            lambda x, y, m: init_linear(1, 1, generator=torch.Generator(), dtype=torch.int64),
            TypeError,
            r"dtype must be a floating-point torch.dtype",
        ),
        (lambda x, y, m: linear_formula_latex(10, 1), ValueError, r"at most 9"),
        (
            lambda x, y, m: fit_by_hand(
                x, y, torch.zeros(1, 1), torch.zeros(1), lr=-1, num_epochs=1
            ),
            ValueError,
            r"lr must be positive",
        ),
        (
            lambda x, y, m: fit_by_autograd(m, x, y, optimizer="sgd", lr=0.1, num_epochs=0),
            ValueError,
            r"num_epochs must be a positive whole number, got 0",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    x, y, model = article_002_setup()
    with pytest.raises(error, match=match):
        call(x, y, model)


@pytest.mark.parametrize("grads", ["autograd", "hand"])
def test_divergence_is_refused_naming_the_learning_rate(grads):
    # issue 13: lr = 1.0 is beyond 2 / lambda_max ~ 0.79, so 300 epochs overflow; the run used
    # to return final_loss = nan
    x, y, model = article_002_setup()
    with pytest.raises(
        ValueError, match=r"no longer finite .*lower the learning rate \(lr = 1\.0\)"
    ):
        train_linear_module(model, x, y, lr=1.0, num_epochs=300, grads=grads)


def test_a_hand_loop_that_diverges_is_refused_too():
    x, y, _ = article_002_setup()
    w, b = torch.zeros(1, 1), torch.zeros(1)
    with pytest.raises(ValueError, match=r"lower the learning rate \(lr = 5\.0\)"):
        fit_by_hand(x, y, w, b, lr=5.0, num_epochs=300)


def test_loops_agree_with_train_linear_module():
    x, y, model = article_002_setup()
    run = train_linear_module(model, x, y, grads="hand", optimizer="adam", num_epochs=20)
    with torch.no_grad():
        w, b = model.weight.clone(), model.bias.clone()
        history, losses = fit_by_hand(x, y, w, b, optimizer="adam", lr=0.1, num_epochs=20)
    assert [h[0].item() for h in history] == list(run.weights)
    assert losses == list(run.losses)
    auto = copy_of = init_linear(1, 1, generator=torch.Generator().manual_seed(0))
    history, losses = fit_by_autograd(copy_of, x, y, lr=0.1, num_epochs=5)
    assert auto.weight.item() == history[-1][0].item() and len(losses) == 5
