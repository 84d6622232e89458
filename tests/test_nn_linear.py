"""Article 002: nn.Linear + MSELoss by hand and by autograd, its printed results, the formula."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from linreg_src.articles import ARTICLE_002
from linreg_src.grad import mse_loss_grads
from linreg_src.lstsq import least_squares
from linreg_src.nn_linear import (
    ARTICLE_002_SEED,
    adam_update,
    article_002_run,
    article_002_setup,
    check_linear_formula,
    gd_closed_form,
    init_linear,
    learned_params_over_seeds,
    least_squares_over_seeds,
    linear_formula_latex,
    manual_mse_grads,
    mse_hessian,
    train_linear_module,
)
from linreg_src.plotting.fit import plot_fitted_lines, plot_loss_landscape, plot_parameter_cloud
from linreg_src.recover import rounds_to

PUBLISHED = ARTICLE_002.published
values = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)


def run_the_article_script(seed, *, optimizer="sgd", num_epochs=50):
    """Article 002's script as written (global RNG), started with torch.manual_seed(seed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        x = torch.linspace(0, 1, 100).unsqueeze(1)
        y = 2.0 * x + 1.0 + 0.1 * torch.randn_like(x)
        model = nn.Linear(1, 1)
        initial = (model.weight.item(), model.bias.item())
        loss_fn = nn.MSELoss()
        opt = (
            torch.optim.SGD(model.parameters(), lr=0.1)
            if optimizer == "sgd"
            else torch.optim.Adam(model.parameters(), lr=0.1)
        )
        for _ in range(num_epochs):
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return x, y, initial, (model.weight.item(), model.bias.item())


# -- the hand gradient ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 40), d=st.integers(1, 3))
def test_manual_mse_grads_equal_autograd_and_mse_loss_grads(data, n, d):
    X = torch.tensor(data.draw(st.lists(values, min_size=n * d, max_size=n * d))).reshape(n, d)
    X = X.double()
    y = torch.tensor(data.draw(st.lists(values, min_size=n, max_size=n))).double().reshape(n, 1)
    module = init_linear(d, 1, generator=torch.Generator().manual_seed(n + d), dtype=X.dtype)
    y_hat = module(X)
    nn.MSELoss()(y_hat, y).backward()

    grad_weight, grad_bias = manual_mse_grads(X, y, y_hat)
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


def test_manual_mse_grads_is_the_articles_formula_bit_for_bit():
    x, y, model = article_002_setup()
    y_pred = model(x)
    grad_output = 2 * (y_pred - y) / y.size(0)
    grad_weight, grad_bias = manual_mse_grads(x, y, y_pred)
    assert grad_weight.item() == (grad_output * x).sum().item()
    assert grad_bias.item() == grad_output.sum().item()


def test_manual_mse_grads_worked_example():
    X = torch.tensor([[1.0], [2.0]])
    grad_weight, grad_bias = manual_mse_grads(X, torch.tensor([[1.0], [1.0]]), torch.zeros(2, 1))
    # upstream 2/N * (0 - 1) = -1 each; grad_w = -1*1 + -1*2 = -3; grad_b = -2
    assert grad_weight.tolist() == [[-3.0]]
    assert grad_bias.tolist() == [-2.0]


# -- training: manual == autograd, reproducible, no side effects ------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_manual_and_autograd_trajectories_agree_every_epoch(optimizer):
    x, y, model = article_002_setup()
    auto = train_linear_module(model, x, y, optimizer=optimizer, grads="autograd")
    hand = train_linear_module(model, x, y, optimizer=optimizer, grads="manual")
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
def test_manual_and_autograd_agree_to_float64_rounding(optimizer):
    x, y, _ = article_002_setup()
    model = init_linear(1, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x, y = x.double(), y.double()
    auto = train_linear_module(model, x, y, optimizer=optimizer, grads="autograd")
    hand = train_linear_module(model, x, y, optimizer=optimizer, grads="manual")
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


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_runs_are_reproducible_and_leave_the_global_rng_alone(optimizer):
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    first = article_002_run(optimizer=optimizer)
    second = article_002_run(optimizer=optimizer)
    learned_params_over_seeds([0, 1], optimizer=optimizer)
    check_linear_formula(2, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(torch.get_rng_state(), state)
    assert first == second
    other = article_002_run(1, optimizer=optimizer)
    assert other.weights[0] != first.weights[0]


def test_run_records_losses_before_each_update_and_final_loss():
    x, y, model = article_002_setup()
    run = train_linear_module(model, x, y, num_epochs=5)
    assert run.num_epochs == len(run.losses) == 5
    with torch.no_grad():
        first = nn.MSELoss()(model(x), y).item()
    assert run.losses[0] == first
    assert run.final_loss < run.losses[-1] < run.losses[0]
    assert (run.weight, run.bias) == (run.weights[-1], run.biases[-1])


# -- the article's numbers ---------------------------------------------------------------------


def test_published_numbers_are_recorded():
    assert PUBLISHED["sgd_w"] == 1.3135614395141602
    assert PUBLISHED["sgd_b"] == 1.3715894222259521
    assert PUBLISHED["adam_w"] == 1.378663420677185
    assert PUBLISHED["adam_b"] == 1.2160416841506958
    assert ARTICLE_002.inputs["lr"] == 0.1
    assert ARTICLE_002.inputs["num_epochs"] == 50


@pytest.mark.parametrize("grads", ["autograd", "manual"])
def test_seed_0_reproduces_the_articles_sgd_result(grads):
    run = article_002_run(ARTICLE_002_SEED, grads=grads)
    assert rounds_to(run.weight, PUBLISHED["sgd_w"], ARTICLE_002.decimals)
    assert rounds_to(run.bias, PUBLISHED["sgd_b"], ARTICLE_002.decimals)
    # in fact to float32 rounding: the article printed float32 values in full
    assert abs(run.weight - PUBLISHED["sgd_w"]) < 1e-6
    assert abs(run.bias - PUBLISHED["sgd_b"]) < 1e-6


@pytest.mark.parametrize("grads", ["autograd", "manual"])
def test_seed_0_reproduces_the_articles_adam_result(grads):
    run = article_002_run(ARTICLE_002_SEED, optimizer="adam", grads=grads)
    assert rounds_to(run.weight, PUBLISHED["adam_w"], ARTICLE_002.decimals)
    assert rounds_to(run.bias, PUBLISHED["adam_b"], ARTICLE_002.decimals)
    assert abs(run.weight - PUBLISHED["adam_w"]) < 1e-6
    assert abs(run.bias - PUBLISHED["adam_b"]) < 1e-6


def test_other_seeds_do_not_reproduce_the_article():
    params = learned_params_over_seeds(list(range(1, 200)))
    published = torch.tensor([PUBLISHED["sgd_w"], PUBLISHED["sgd_b"]])
    assert float((params - published).abs().max(dim=1).values.min()) > 1e-3


@pytest.mark.parametrize("seed", [0, 7])
def test_setup_equals_the_article_script_started_with_manual_seed(seed):
    x, y, model = article_002_setup(seed)
    x_ref, y_ref, initial, _ = run_the_article_script(seed, num_epochs=0)
    assert torch.equal(x, x_ref)
    assert torch.equal(y, y_ref)
    assert (model.weight.item(), model.bias.item()) == initial


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_run_equals_the_article_script_with_torch_optim(optimizer):
    _, _, _, learned = run_the_article_script(0, optimizer=optimizer)
    run = article_002_run(0, optimizer=optimizer)
    assert (run.weight, run.bias) == learned


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


# -- convergence and conditioning --------------------------------------------------------------


def test_long_sgd_training_converges_to_least_squares():
    x, y, _ = article_002_setup()
    w_star, b_star = least_squares(x.double(), y.double())
    run = article_002_run(num_epochs=1500)
    assert abs(run.weight - float(w_star)) < 1e-4
    assert abs(run.bias - float(b_star)) < 1e-4
    short = article_002_run(num_epochs=50)
    assert abs(short.weight - float(w_star)) > 0.5  # 50 epochs are far from it


def test_long_adam_training_converges_to_least_squares():
    x, y, _ = article_002_setup()
    w_star, b_star = least_squares(x.double(), y.double())
    run = article_002_run(optimizer="adam", num_epochs=1000)
    assert abs(run.weight - float(w_star)) < 1e-3
    assert abs(run.bias - float(b_star)) < 1e-3


def test_hessian_is_two_over_n_times_the_moment_matrix():
    x, _, _ = article_002_setup()
    xs = x.double().flatten()
    m_xx, m_x = float((xs * xs).mean()), float(xs.mean())
    expected = 2 * torch.tensor([[m_xx, m_x], [m_x, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(mse_hessian(x), expected, rtol=1e-12, atol=1e-12)
    eigenvalues = torch.linalg.eigvalsh(mse_hessian(x))
    assert 0.13 < float(eigenvalues[0]) < 0.14  # slow direction: 1/(lr*lambda) ~ 75 epochs
    assert 2.5 < float(eigenvalues[1]) < 2.6


@pytest.mark.parametrize("num_epochs", [0, 1, 50, 300])
def test_closed_form_predicts_the_float32_run(num_epochs):
    x, y, model = article_002_setup()
    predicted = gd_closed_form(
        x, y, (model.weight.item(), model.bias.item()), lr=0.1, num_epochs=num_epochs
    )
    run = article_002_run(num_epochs=num_epochs) if num_epochs else None
    actual = (run.weight, run.bias) if run else (model.weight.item(), model.bias.item())
    assert predicted == pytest.approx(actual, abs=2e-6)


def test_closed_form_is_affine_in_the_initial_point():
    x, y, _ = article_002_setup()

    def f(p):
        return np.array(gd_closed_form(x, y, p, lr=0.1, num_epochs=50))

    a, b = (0.3, -0.2), (-0.7, 0.9)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    np.testing.assert_allclose(f(mid), (f(a) + f(b)) / 2, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batched_runs_over_seeds_match_single_runs(optimizer):
    seeds = [0, 3, 42]
    params = learned_params_over_seeds(seeds, optimizer=optimizer)
    assert params.shape == (3, 2)
    for row, seed in zip(params, seeds, strict=True):
        run = article_002_run(seed, optimizer=optimizer, grads="manual")
        assert row.tolist() == pytest.approx([run.weight, run.bias], abs=1e-5)


# -- Adam by hand -------------------------------------------------------------------------------


def test_adam_first_step_moves_each_parameter_by_lr():
    run = article_002_run(optimizer="adam", num_epochs=1)
    assert abs(run.weights[1] - run.weights[0]) == pytest.approx(0.1, abs=1e-6)
    assert abs(run.biases[1] - run.biases[0]) == pytest.approx(0.1, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), lr=st.floats(1e-4, 1.0), steps=st.integers(1, 12))
def test_adam_update_equals_torch_optim_adam(seed, lr, steps):
    g = torch.Generator().manual_seed(seed)
    start = torch.randn(4, generator=g, dtype=torch.float64)
    grads = [torch.randn(4, generator=g, dtype=torch.float64) for _ in range(steps)]
    ours, m, v = start.clone(), torch.zeros(4, dtype=torch.float64), torch.zeros(4).double()
    theirs = start.clone().requires_grad_()
    opt = torch.optim.Adam([theirs], lr=lr)
    for t, grad in enumerate(grads, start=1):
        adam_update(ours, grad, m, v, t, lr=lr)
        theirs.grad = grad.clone()
        opt.step()
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-12, atol=1e-12)


# -- nn.Linear's formula -----------------------------------------------------------------------


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
    assert latex.count("w_{") == in_features * out_features


def test_linear_formula_latex_text():
    assert linear_formula_latex(1, 1) == "\\begin{aligned}\ny_1 &= w_{11}x_1 + b_1\n\\end{aligned}"
    assert linear_formula_latex(2, 3).splitlines()[1:4] == [
        "y_1 &= w_{11}x_1 + w_{12}x_2 + b_1 \\\\",
        "y_2 &= w_{21}x_1 + w_{22}x_2 + b_2 \\\\",
        "y_3 &= w_{31}x_1 + w_{32}x_2 + b_3",
    ]


def test_article_002_lists_the_five_shapes():
    assert ARTICLE_002.inputs["linear_shapes"] == ((1, 1), (1, 2), (2, 1), (2, 2), (2, 3))


# -- bad input ---------------------------------------------------------------------------------


def _setup():
    return article_002_setup()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda x, y, m: train_linear_module(m, x, y, optimizer="sgdm"),
            ValueError,
            r"optimizer must be 'sgd' or 'adam', got 'sgdm'",
        ),
        (
            lambda x, y, m: train_linear_module(m, x, y, grads="auto"),
            ValueError,
            r"grads must be 'autograd' or 'manual', got 'auto'",
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
            lambda x, y, m: manual_mse_grads(x[:50], y, y),
            ValueError,
            r"X has 50 rows but y has 100",
        ),
        (
            lambda x, y, m: manual_mse_grads(x, y, y.flatten()),
            ValueError,
            r"y_hat - y would broadcast",
        ),
        (lambda x, y, m: article_002_run(-1), ValueError, r"seed must lie in \[0, 2\*\*63\)"),
        (lambda x, y, m: article_002_run(1.0), TypeError, r"seed must be a whole number"),
        (lambda x, y, m: learned_params_over_seeds([]), ValueError, r"seeds is empty"),
        (lambda x, y, m: learned_params_over_seeds(3), TypeError, r"seeds must be a sequence"),
        (lambda x, y, m: least_squares_over_seeds([]), ValueError, r"seeds is empty"),
        (lambda x, y, m: least_squares_over_seeds("01"), TypeError, r"seeds must be a sequence"),
        (lambda x, y, m: least_squares_over_seeds([0, -1]), ValueError, r"seed must lie in"),
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
            r"dtype must be torch.float32 or torch.float64",
        ),
        (lambda x, y, m: linear_formula_latex(10, 1), ValueError, r"at most 9"),
        (
            lambda x, y, m: gd_closed_form(x, y, (1.0,), lr=0.1, num_epochs=5),
            TypeError,
            r"initial must be a pair",
        ),
        (
            lambda x, y, m: gd_closed_form(x, y, (0.0, 0.0), lr=0.1, num_epochs=-1),
            ValueError,
            r"num_epochs must be >= 0",
        ),
        (lambda x, y, m: mse_hessian(x.flatten()), ValueError, r"X must be 2-D"),
        (
            lambda x, y, m: adam_update(x, y[:3], x, x, 1, lr=0.1),
            ValueError,
            r"grad has shape \(3, 1\) but param has shape \(100, 1\)",
        ),
        (
            lambda x, y, m: adam_update(x, y, x, x, 0, lr=0.1),
            ValueError,
            r"step must be a positive whole number",
        ),
        (
            lambda x, y, m: manual_mse_grads(x.double(), y, y),
            TypeError,
            r"X and y must share one dtype, got torch.float64 and torch.float32",
        ),
        (
            lambda x, y, m: adam_update(x, y, x, x, 1, lr=0.1, betas=[0.9, 0.999]),
            TypeError,
            r"betas must be a pair \(beta1, beta2\), got list",
        ),
        (
            lambda x, y, m: gd_closed_form(x, y, (0.0, 0.0), lr=0.1, num_epochs=2.0),
            TypeError,
            r"num_epochs must be a whole number, got float 2.0",
        ),
        (
            lambda x, y, m: adam_update(x, y, x, x, 1, lr=0.1, betas=(0.9, 1.0)),
            ValueError,
            r"betas must lie in \[0, 1\)",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    x, y, model = _setup()
    with pytest.raises(error, match=match):
        call(x, y, model)


# -- figures -----------------------------------------------------------------------------------


def test_fitted_lines_figure_draws_each_line_over_the_data():
    x, y, _ = article_002_setup()
    fig = plot_fitted_lines(x, y, {"a": (2.0, 1.0), "b": (1.0, 0.5)}, title="lines")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert [float(v) for v in ax.get_lines()[0].get_ydata()] == [1.0, 3.0]
    assert len(ax.collections) == 1  # the scatter of the data
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_landscape_and_cloud_figures():
    x, y, _ = article_002_setup()
    run = article_002_run(num_epochs=10)
    fig = plot_loss_landscape(x, y, {"SGD": (run.weights, run.biases)}, marks={"opt": (2.0, 1.0)})
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "SGD" in labels and "opt" in labels
    cloud = plot_parameter_cloud({"SGD": learned_params_over_seeds([0, 1, 2])}, marks={"a": (1, 1)})
    assert len(cloud.axes[0].collections) == 1


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x, y: plot_fitted_lines(x, y, {}), ValueError, r"lines is empty"),
        (lambda x, y: plot_fitted_lines(x, y, {"真": (1, 1)}), ValueError, r"CJK"),
        (lambda x, y: plot_fitted_lines(x, y, {"a": 1.0}), TypeError, r"pair \(w, b\)"),
        (
            lambda x, y: plot_fitted_lines(x, y.flatten(), {"a": (1, 1)}),
            ValueError,
            r"would broadcast",
        ),
        (
            lambda x, y: plot_loss_landscape(x, y, {"p": ([1.0, 2.0], [1.0])}),
            ValueError,
            r"has 2 weights but 1 biases",
        ),
        (
            lambda x, y: plot_parameter_cloud({"c": torch.zeros(3, 3)}),
            ValueError,
            r"must have shape \(S, 2\)",
        ),
        (lambda x, y: plot_parameter_cloud([1, 2]), TypeError, r"clouds must be a mapping"),
    ],
)
def test_figures_refuse_bad_input(call, error, match):
    x, y, _ = article_002_setup()
    with pytest.raises(error, match=match):
        call(x, y)


def test_least_squares_over_seeds_solves_each_seed_as_least_squares_does():
    seeds = [0, 3, 11]
    together = least_squares_over_seeds(seeds)
    assert together.shape == (3, 2) and together.dtype == torch.float64
    for row, seed in zip(together, seeds, strict=True):
        x, y, _ = article_002_setup(seed)
        w, b = least_squares(x.double(), y.double())
        torch.testing.assert_close(row, torch.cat([w.reshape(1), b]), rtol=0, atol=1e-12)


def test_least_squares_over_seeds_gives_the_same_bits_every_time_on_any_thread_count():
    threads = torch.get_num_threads()
    seeds = list(range(300))
    first = least_squares_over_seeds(seeds)
    try:
        for count in (1, 2, 1, 2, 2):
            torch.set_num_threads(count)
            assert torch.equal(least_squares_over_seeds(seeds), first)
    finally:
        torch.set_num_threads(threads)
