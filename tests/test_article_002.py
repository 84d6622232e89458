"""Article 002 re-run under a seed: its printed results, the seed's uniqueness, the figures."""

import pytest
import torch
from torch import nn

from linreg_src.article_002 import (
    ARTICLE_002_SEED,
    article_002_run,
    article_002_setup,
    learned_params_over_seeds,
    least_squares_over_seeds,
)
from linreg_src.articles import ARTICLE_002
from linreg_src.lstsq import least_squares
from linreg_src.nn_linear import check_linear_formula
from linreg_src.plotting.fit import plot_fitted_lines, plot_loss_landscape, plot_parameter_cloud
from linreg_src.recover import rounds_to

PUBLISHED = ARTICLE_002.published


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


def test_published_numbers_are_recorded():
    assert PUBLISHED["sgd_w"] == 1.3135614395141602
    assert PUBLISHED["sgd_b"] == 1.3715894222259521
    assert PUBLISHED["adam_w"] == 1.378663420677185
    assert PUBLISHED["adam_b"] == 1.2160416841506958
    assert ARTICLE_002.inputs["lr"] == 0.1
    assert ARTICLE_002.inputs["num_epochs"] == 50


@pytest.mark.parametrize("grads", ["autograd", "hand"])
def test_seed_0_reproduces_the_articles_sgd_result(grads):
    run = article_002_run(ARTICLE_002_SEED, grads=grads)
    assert rounds_to(run.weight, PUBLISHED["sgd_w"], ARTICLE_002.decimals)
    assert rounds_to(run.bias, PUBLISHED["sgd_b"], ARTICLE_002.decimals)
    # in fact to float32 rounding: the article printed float32 values in full
    assert abs(run.weight - PUBLISHED["sgd_w"]) < 1e-6
    assert abs(run.bias - PUBLISHED["sgd_b"]) < 1e-6


@pytest.mark.parametrize("grads", ["autograd", "hand"])
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


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batched_runs_over_seeds_match_single_runs(optimizer):
    seeds = [0, 3, 42]
    params = learned_params_over_seeds(seeds, optimizer=optimizer)
    assert params.shape == (3, 2)
    for row, seed in zip(params, seeds, strict=True):
        run = article_002_run(seed, optimizer=optimizer, grads="hand")
        assert row.tolist() == pytest.approx([run.weight, run.bias], abs=1e-5)


def test_adam_first_step_moves_each_parameter_by_lr():
    run = article_002_run(optimizer="adam", num_epochs=1)
    assert abs(run.weights[1] - run.weights[0]) == pytest.approx(0.1, abs=1e-6)
    assert abs(run.biases[1] - run.biases[0]) == pytest.approx(0.1, abs=1e-6)


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


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: article_002_run(-1), ValueError, r"seed must be in \[0, 2\*\*63 - 1\), got -1"),
        (lambda: article_002_run(1.0), TypeError, r"seed must be a whole number"),
        (lambda: article_002_setup(2**63), ValueError, r"seed must be in \[0, 2\*\*63 - 1\)"),
        (lambda: article_002_run(optimizer="adamw"), ValueError, r'optimizer must be "sgd" or'),
        (lambda: learned_params_over_seeds([]), ValueError, r"seeds is empty"),
        (lambda: learned_params_over_seeds(3), TypeError, r"seeds must be a sequence"),
        (lambda: least_squares_over_seeds([]), ValueError, r"seeds is empty"),
        (lambda: least_squares_over_seeds("01"), TypeError, r"seeds must be a sequence"),
        (
            lambda: least_squares_over_seeds([0, -1]),
            ValueError,
            r"seeds\[1\] must be in \[0, 2\*\*63 - 1\), got -1",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()
