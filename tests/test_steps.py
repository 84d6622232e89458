"""plot_step_losses: one log-scale panel per setting; exact line data; consistent colours."""

from __future__ import annotations

import math

import pytest
from matplotlib.figure import Figure

from linreg_src.plotting.steps import COLORS, plot_step_losses

PANELS = {
    "$B = 10$": {"divide": [16.0, 9.0, 4.5], "forgot": [16.0, 1.0, 0.01]},
    "$B = 100$": {"divide": (16.0, 15.0, 14.0), "forgot": (16.0, 120.0, 750.0)},
}


def test_one_panel_per_setting_with_the_exact_losses():
    fig = plot_step_losses(PANELS, ylabel="mean loss")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    for ax, (title, curves) in zip(fig.axes, PANELS.items(), strict=True):
        assert ax.get_title() == title
        assert ax.get_yscale() == "log" and ax.get_xlabel() == "step"
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == list(curves)
        for line, values in zip(lines, curves.values(), strict=True):
            assert line.get_xdata().tolist() == list(range(len(values)))
            assert line.get_ydata().tolist() == list(values)
    assert fig.axes[0].get_ylabel() == "mean loss"


def test_same_label_same_colour_in_every_panel():
    fig = plot_step_losses(PANELS)
    colours = [[line.get_color() for line in ax.get_lines()] for ax in fig.axes]
    assert colours[0] == colours[1] == list(COLORS[:2])


def test_a_flat_curve_gets_room_on_the_log_axis():
    fig = plot_step_losses({"flat": {"a": [2.0, 2.0]}})
    low, high = fig.axes[0].get_ylim()
    assert low <= 1.0 and high >= 4.0


@pytest.mark.parametrize(
    ("panels", "error", "pattern"),
    [
        ([1.0], TypeError, r"panels must be a mapping of title -> curves, got list"),
        ({}, ValueError, r"panels is empty"),
        ({"a": [1.0]}, TypeError, r"panels\['a'\] must be a mapping of label -> losses"),
        ({"a": {}}, ValueError, r"panels\['a'\] is empty"),
        ({"a": {"x": "123"}}, TypeError, r"panels\['a'\]\['x'\] must be a sequence of numbers"),
        ({"a": {"x": []}}, ValueError, r"panels\['a'\]\['x'\] is empty"),
        ({"a": {"x": [1.0, math.nan]}}, ValueError, r"\['x'\]\[1\] must be a finite number"),
        ({"a": {"x": [1.0, 0.0]}}, ValueError, r"\['x'\]\[1\] is 0\.0, but the log-scale axis"),
        ({"a": {1: [1.0]}}, TypeError, r"curve label must be a str, got int 1"),
        ({"损失": {"x": [1.0]}}, ValueError, r"panel title '损失' contains CJK characters"),
    ],
)
def test_refuses_bad_input(panels, error, pattern):
    with pytest.raises(error, match=pattern):
        plot_step_losses(panels)


def test_refuses_chinese_axis_labels():
    with pytest.raises(ValueError, match=r"ylabel '损失' contains CJK characters"):
        plot_step_losses(PANELS, ylabel="损失")


def test_ncols_one_stacks_the_panels_each_with_its_ylabel():
    fig = plot_step_losses(PANELS, ylabel="mean loss", ncols=1)
    top, bottom = fig.axes
    fig.canvas.draw()  # constrained layout places the axes when drawn
    assert top.get_position().x0 == pytest.approx(bottom.get_position().x0)
    assert top.get_position().y0 > bottom.get_position().y1
    assert [ax.get_ylabel() for ax in fig.axes] == ["mean loss", "mean loss"]
    assert tuple(fig.get_size_inches()) == pytest.approx((4.2, 7.2))


def test_panels_fill_rows_of_ncols_and_no_empty_axes_remain():
    panels = {**PANELS, "$B = 1$": {"divide": [1.0, 0.5]}}
    fig = plot_step_losses(panels, ncols=2)
    assert [ax.get_title() for ax in fig.axes] == list(panels)
    assert tuple(fig.get_size_inches()) == pytest.approx((8.4, 7.2))
    assert tuple(plot_step_losses(PANELS, ncols=5).get_size_inches()) == pytest.approx((8.4, 3.6))


@pytest.mark.parametrize("ncols", [0, -1, True, 1.5, "2"])
def test_refuses_a_bad_ncols(ncols):
    with pytest.raises(ValueError, match=r"ncols must be a whole number >= 1 or None"):
        plot_step_losses(PANELS, ncols=ncols)
