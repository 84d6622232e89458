"""Figure helpers: structure of the figures (axes, line data, labels, texts), never pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from linreg_src.articles import ARTICLE_003, ARTICLE_004, as_tensor
from linreg_src.chain import factory_backward, factory_forward
from linreg_src.finite_diff import FDSweep
from linreg_src.plotting.cost import plot_gradient_roofline
from linreg_src.plotting.curves import MARKER_LIMIT, plot_loss_curves
from linreg_src.plotting.fd_error import DTYPE_COLORS, plot_fd_error
from linreg_src.plotting.fit import plot_fitted_lines, plot_loss_landscape, plot_parameter_cloud
from linreg_src.plotting.graph import BACKWARD_COLOR, plot_factory_graph
from linreg_src.plotting.shapes import plot_feasible_delta, plot_matmul_shapes
from linreg_src.plotting.steps import plot_step_losses


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


# -- curves.plot_loss_curves ----------------------------------------------------------------------


def test_loss_curves_draw_exactly_the_given_values():
    curves = {"autograd": [16.0, 0.03, 1e-4, 5e-5], "hand": (16.0, 0.03, 1e-4, 5e-5)}
    fig = plot_loss_curves(curves, title="d2l 3.2")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["autograd", "hand"]
    for line, values in zip(lines, curves.values(), strict=True):
        assert line.get_xdata().tolist() == [0, 1, 2, 3]
        assert line.get_ydata().tolist() == list(values)
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "loss", "d2l 3.2")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["autograd", "hand"]
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)


def test_identical_second_curve_is_dashed_so_both_show():
    fig = plot_loss_curves({"a": [3.0, 2.0], "b": [3.0, 2.0], "c": [3.0, 1.0]})
    styles = [line.get_linestyle() for line in fig.axes[0].get_lines()]
    assert styles == ["-", "--", "-"]


def test_loss_curves_options_and_lengths():
    values = torch.linspace(1.0, 0.1, MARKER_LIMIT + 1, dtype=torch.float64)
    fig = plot_loss_curves(
        {"long": values, "short": np.array([0.5, -0.5])},
        xlabel="step",
        ylabel="$L$",
        logy=False,
        start=1,
    )
    ax = fig.axes[0]
    long, short = ax.get_lines()
    assert long.get_xdata().tolist() == list(range(1, MARKER_LIMIT + 2))
    assert long.get_ydata().tolist() == values.tolist()
    assert short.get_xdata().tolist() == [1, 2] and short.get_ydata().tolist() == [0.5, -0.5]
    assert long.get_marker() == "None" and short.get_marker() == "o"
    assert ax.get_yscale() == "linear" and ax.get_title() == ""
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "$L$")


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([1.0, 2.0],), {}, TypeError, "curves must be a mapping of label -> losses"),
        (({},), {}, ValueError, "curves is empty"),
        (({"a": []},), {}, ValueError, r"curves\['a'\] is empty"),
        (({"a": "12"},), {}, TypeError, r"curves\['a'\] must be a sequence of numbers"),
        (({"a": 3.0},), {}, TypeError, r"curves\['a'\] must be a sequence of numbers"),
        (({"a": np.ones((2, 2))},), {}, ValueError, r"curves\['a'\] must be 1-D"),
        (({"a": [1.0, float("nan")]},), {}, ValueError, r"curves\['a'\]\[1\] must be a finite"),
        (({"a": [1.0, "x"]},), {}, TypeError, r"curves\['a'\]\[1\] must be a real number"),
        (({"a": [1.0, 0.0]},), {}, ValueError, r"curves\['a'\]\[1\] is 0.0, but a log-scale"),
        (({"损失": [1.0]},), {}, ValueError, "curve label '损失' contains CJK characters"),
        (({"a": [1.0]},), {"title": "训练"}, ValueError, "title '训练' contains CJK"),
        (({"a": [1.0]},), {"xlabel": 3}, TypeError, "xlabel must be a str, got int 3"),
        (({1: [1.0]},), {}, TypeError, "curve label must be a str, got int 1"),
        (({"a": [1.0]},), {"logy": 1}, TypeError, "logy must be True or False"),
        (({"a": [1.0]},), {"start": 1.0}, TypeError, "start must be an int, got float 1.0"),
    ],
)
def test_loss_curves_refuse_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_loss_curves(*args, **kwargs)


# -- graph.plot_factory_graph ---------------------------------------------------------------------


def test_factory_graph_shows_forward_values_and_gradients():
    fwd = factory_forward(**ARTICLE_003.inputs)
    fig = plot_factory_graph(fwd, factory_backward(fwd))
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert not ax.axison  # a diagram, not a chart
    shown = texts(fig)
    for node in ("$w = 3$", "$x = 2$", "$u = wx = 6$", "$v = 2$", "$h = vu = 12$", "$t = 10$"):
        assert node in shown
    assert "$\\mathrm{Loss} = 4$" in shown
    red = [t.get_text() for t in ax.texts if t.get_color() == BACKWARD_COLOR]
    assert "$\\partial L/\\partial h = 2(h-t) = 4$" in red
    assert "$\\partial L/\\partial u = 4\\cdot v = 8$" in red
    assert "$\\partial L/\\partial w = 8\\cdot x = 16$" in red
    assert "$\\partial L/\\partial v = 4\\cdot u = 24$" in red
    assert len(ax.patches) == 7  # one box per node


def test_factory_graph_refuses_other_arguments():
    fwd = factory_forward(**ARTICLE_003.inputs)
    with pytest.raises(TypeError, match="expects a FactoryForward and a FactoryGradients"):
        plot_factory_graph(fwd, fwd)


# -- steps.plot_step_losses -----------------------------------------------------------------------


def test_step_losses_one_log_panel_per_setting():
    panels = {"B = 10": {"sum": [4.0, 2.0, 1.0], "mean": [4.0, 3.0]}, "B = 100": {"sum": [4.0]}}
    fig = plot_step_losses(panels, xlabel="step $k$")
    assert len(fig.axes) == 2
    for ax, (title, curves) in zip(fig.axes, panels.items(), strict=True):
        assert ax.get_title() == title and ax.get_yscale() == "log"
        assert ax.get_xlabel() == "step $k$"
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == list(curves)
        for line, values in zip(lines, curves.values(), strict=True):
            assert line.get_xdata().tolist() == list(range(len(values)))
            assert line.get_ydata().tolist() == values
    assert fig.axes[0].get_ylabel() == "loss"
    # the same label keeps its colour across panels
    assert fig.axes[0].get_lines()[0].get_color() == fig.axes[1].get_lines()[0].get_color()
    flat = fig.axes[1].get_ylim()
    assert flat[0] < 4.0 < flat[1]  # a one-point (flat) curve still gets a visible range


@pytest.mark.parametrize(
    ("panels", "error", "message"),
    [
        ({}, ValueError, "panels is empty"),
        ([1.0], TypeError, "panels must be a mapping"),
        ({"a": []}, TypeError, r"panels\['a'\] must be a mapping"),
        ({"a": {}}, ValueError, r"panels\['a'\] is empty"),
        ({"a": {"x": [1.0, 0.0]}}, ValueError, "needs positive losses"),
        ({"训练": {"x": [1.0]}}, ValueError, "CJK"),
    ],
)
def test_step_losses_refuse_bad_input(panels, error, message):
    with pytest.raises(error, match=message):
        plot_step_losses(panels)


# -- shapes.plot_matmul_shapes, shapes.plot_feasible_delta ----------------------------------------


def test_matmul_shapes_draw_one_cell_per_entry_and_label_the_shapes():
    product = [("X^\\top", 2, 3), ("\\delta", 3, 1), ("g", 2, 1)]
    fig = plot_matmul_shapes([product], highlight=(1, 0))
    assert len(fig.axes) == 1 and not fig.axes[0].axison
    assert len(fig.axes[0].patches) == 2 * 3 + 3 * 1 + 2 * 1
    shown = texts(fig)
    for label, rows, cols in product:
        assert f"${label}$" in shown and f"({rows}, {cols})" in shown
    assert "$\\times$" in shown and "$=$" in shown


def test_matmul_shapes_refuse_products_that_do_not_multiply():
    with pytest.raises(ValueError, match="inner sizes to agree"):
        plot_matmul_shapes([[("A", 2, 3), ("B", 2, 1), ("C", 2, 1)]])


def test_feasible_delta_has_two_panels_with_the_loss_box():
    p = ARTICLE_004.published
    fig = plot_feasible_delta(
        as_tensor(ARTICLE_004.inputs["X_2d"]),
        as_tensor(p["y_2d"]),
        as_tensor(p["y_hat_2d"]),
        as_tensor(p["loss_2d"]),
        as_tensor(p["grad_w_2d"]),
        decimals=ARTICLE_004.decimals,
    )
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("prediction square", "zoom on the loss box")
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    labels = {t.get_text() for legend in legends for t in legend.get_texts()}
    assert "printed losses" in labels
    assert any(label.startswith("$g_1$") for label in labels)


# -- fit.plot_fitted_lines, fit.plot_loss_landscape, fit.plot_parameter_cloud ---------------------


def test_fitted_lines_scatter_the_data_and_draw_each_line():
    x = torch.linspace(0, 1, 5, dtype=torch.float64).unsqueeze(1)
    y = 2 * x + 1
    fig = plot_fitted_lines(x, y, {"true": (2.0, 1.0), "learned": (1.5, 1.2)}, title="fit")
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and ax.get_title() == "fit"
    (points,) = ax.collections
    assert points.get_offsets().tolist() == torch.cat([x, y], dim=1).tolist()
    true, learned = ax.get_lines()
    assert (true.get_label(), learned.get_label()) == ("true", "learned")
    assert true.get_xdata().tolist() == [0.0, 1.0] and true.get_ydata().tolist() == [1.0, 3.0]
    assert learned.get_ydata().tolist() == [1.2, 2.7]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x$", "$y$")


def test_loss_landscape_draws_paths_and_marks():
    x = torch.linspace(0, 1, 10, dtype=torch.float64).unsqueeze(1)
    fig = plot_loss_landscape(
        x, 2 * x + 1, {"gd": ([0.0, 1.0, 1.5], [0.0, 1.2, 1.1])}, marks={"opt": (2.0, 1.0)}
    )
    ax = fig.axes[-1]
    path = next(line for line in ax.get_lines() if line.get_label() == "gd")
    assert path.get_xdata().tolist() == [0.0, 1.0, 1.5]
    assert path.get_ydata().tolist() == [0.0, 1.2, 1.1]
    mark = next(line for line in ax.get_lines() if line.get_label() == "opt")
    assert (mark.get_xdata().tolist(), mark.get_ydata().tolist()) == ([2.0], [1.0])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w$", "$b$")


def test_parameter_cloud_scatters_every_run():
    cloud = torch.tensor([[1.0, 1.2], [1.5, 1.0], [1.4, 1.1]], dtype=torch.float64)
    fig = plot_parameter_cloud({"sgd": cloud}, marks={"true": (2.0, 1.0)})
    ax = fig.axes[0]
    (scatter,) = ax.collections
    assert scatter.get_offsets().tolist() == cloud.tolist()
    assert scatter.get_label() == "sgd (3 runs)"
    assert [line.get_label() for line in ax.get_lines()] == ["true"]


def test_fit_figures_refuse_chinese_labels():
    x = torch.linspace(0, 1, 3).unsqueeze(1)
    with pytest.raises(ValueError, match="CJK"):
        plot_fitted_lines(x, x, {"真值": (1.0, 0.0)})


# -- fd_error.plot_fd_error -----------------------------------------------------------------------


def make_sweep(dtype, eps):
    return FDSweep(
        dtype=dtype,
        machine_eps=eps,
        steps=(1e-2, 1e-4, 1e-6, 1e-8),
        errors=(1e-4, 1e-8, 0.0, float("nan")),
        loss_value=2.0,
        grad_scale=4.0,
    )


def test_fd_error_one_stacked_panel_per_loss_one_curve_per_precision():
    f64, f32 = make_sweep("float64", 2.0**-52), make_sweep("float32", 2.0**-23)
    fig = plot_fd_error({"$L_1$": [f64, f32], "$L_2$": [f64]})
    top, bottom = fig.axes
    assert (top.get_title(), bottom.get_title()) == ("$L_1$", "$L_2$")
    assert top.get_xscale() == top.get_yscale() == "log"
    measured = next(ln for ln in top.get_lines() if ln.get_label() == "float64: measured")
    # the NaN (vanished step) is left out; an exact zero is drawn at the floor eps / 100
    assert measured.get_xdata().tolist() == [1e-2, 1e-4, 1e-6]
    assert measured.get_ydata().tolist() == [1e-4, 1e-8, 2.0**-52 * 1e-2]
    assert measured.get_color() == DTYPE_COLORS["float64"]
    estimate = next(ln for ln in top.get_lines() if ln.get_label().startswith("float32: $"))
    h = estimate.get_xdata()[0]
    assert estimate.get_ydata()[0] == pytest.approx(2.0**-23 * 2.0 / (h * 4.0), rel=1e-12)
    assert bottom.get_xlabel() == "step $h$"


def test_fd_error_refuses_other_records():
    with pytest.raises(TypeError, match="must hold FDSweep records"):
        plot_fd_error({"a": [1.0]})
    with pytest.raises(ValueError, match="non-empty"):
        plot_fd_error({})


# -- cost.plot_gradient_roofline ------------------------------------------------------------------


def test_roofline_plots_times_and_achieved_bandwidth():
    sizes, times = [1e3, 1e6, 1e9], [1e-5, 2e-5, 0.1]
    fig = plot_gradient_roofline(
        sizes, {"hand": times}, bandwidth=2e10, overhead=1e-5, cache_at=3.2e7
    )
    ax_t, ax_bw = fig.axes
    for ax in (ax_t, ax_bw):
        assert ax.get_xscale() == ax.get_yscale() == "log"
    hand_t = next(ln for ln in ax_t.get_lines() if ln.get_label() == "hand")
    hand_bw = next(ln for ln in ax_bw.get_lines() if ln.get_label() == "hand")
    assert hand_t.get_xdata().tolist() == sizes and hand_t.get_ydata().tolist() == times
    assert hand_bw.get_ydata().tolist() == pytest.approx(
        [b / t for b, t in zip(sizes, times, strict=True)]
    )
    assert ax_t.get_ylabel() == "seconds per step"
    assert "X fills the cache" in [t.get_text() for t in ax_t.texts]


def test_roofline_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="has 1 values but traffic_bytes has 2"):
        plot_gradient_roofline([1e3, 1e6], {"a": [1e-5]}, bandwidth=1e10, overhead=1e-6)


def test_importing_plotting_lets_jupyter_show_a_bare_figure_as_png():
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    from linreg_src.plotting import show_figures_inline

    shell = InteractiveShell.instance()
    try:
        assert show_figures_inline(shell) is True
        png = shell.display_formatter.formatters["image/png"]
        assert png.lookup_by_type(Figure) is not None
    finally:
        InteractiveShell.clear_instance()


def test_show_figures_inline_outside_jupyter_does_nothing():
    from linreg_src.plotting import show_figures_inline

    assert show_figures_inline() is False
    assert show_figures_inline(object()) is False


# -- numbers a figure cannot draw: refused, naming the argument and the range ---------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_loss_curves({"a": [1e308]}), r"curves\['a'\]\[0\] must lie in \[-1e\+100"),
        (lambda: plot_loss_curves({"a": [1e-300]}), r"curves\['a'\]\[0\] must lie in \[1e-100"),
        (lambda: plot_step_losses({"p": {"a": [1e-300]}}), r"\['a'\]\[0\] must lie in \[1e-100"),
        (
            lambda: plot_gradient_roofline([1e308], {"a": [1.0]}, bandwidth=1.0, overhead=1.0),
            r"traffic_bytes\[0\] must lie in \[1e-30, 1e\+30\]",
        ),
        (
            lambda: plot_fitted_lines(torch.ones(2, 1), torch.ones(2, 1), {"a": (1e300, 0.0)}),
            r"lines\['a'\]\[0\] must lie in",
        ),
        (
            lambda: plot_loss_landscape(torch.ones(2, 1), torch.ones(2, 1), {"p": ([1e35], [0.0])}),
            r"paths\['p'\]\[0\]\[0\] must lie in \[-1e\+30, 1e\+30\]",
        ),
        (
            lambda: plot_loss_landscape(
                torch.ones(2, 1) * 1e31, torch.ones(2, 1), {"p": ([0], [0])}
            ),
            r"x's largest magnitude must lie in \[-1e\+30, 1e\+30\]",
        ),
        (
            lambda: plot_parameter_cloud({"a": torch.tensor([[1e200, 0.0]], dtype=torch.float64)}),
            r"clouds\['a'\]'s largest magnitude must lie in",
        ),
        (
            lambda: plot_fd_error({"p": [FDSweep("float64", 1e-16, (1e-300,), (1e-3,), 1.0, 1.0)]}),
            r"panels\['p'\] steps\[0\] must lie in \[1e-100, 1e\+100\]",
        ),
    ],
)
def test_numbers_beyond_what_a_figure_draws_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_roofline_refuses_a_number_where_a_sequence_belongs():
    with pytest.raises(TypeError, match="traffic_bytes must be a sequence of numbers"):
        plot_gradient_roofline(3, {"a": [1.0]}, bandwidth=1.0, overhead=1.0)
    with pytest.raises(TypeError, match=r"seconds\['a'\] must be a sequence of numbers"):
        plot_gradient_roofline([1.0], {"a": 1.0}, bandwidth=1.0, overhead=1.0)
