"""linreg_src.explorer: the grid behind chapter 3's gradient explorer, held against autograd."""

from __future__ import annotations

import json

import pytest
import torch

from linreg_src.explorer import gradient_grid, grid_json, grid_values


def test_grid_values_include_both_ends():
    assert grid_values(-40.0, 40.0, 17)[8] == 0.0
    assert grid_values(1.0, 2.6, 33)[16] == 1.8


def test_grid_matches_autograd_and_finite_differences():
    X = torch.tensor([[1.0], [2.0], [-0.5]], dtype=torch.float64)
    y = torch.tensor([[0.5], [3.0], [1.0]], dtype=torch.float64)
    ws, bs = grid_values(-1.0, 1.0, 5), grid_values(-0.5, 0.5, 3)
    grid = gradient_grid(X, y, ws, bs)
    for i, w_value in enumerate(ws):
        for j, b_value in enumerate(bs):
            w = torch.tensor([[w_value]], dtype=torch.float64, requires_grad=True)
            b = torch.tensor([b_value], dtype=torch.float64, requires_grad=True)
            loss = ((X @ w + b - y) ** 2 / 2).sum()
            loss.backward()
            assert grid["loss"][i][j] == pytest.approx(loss.item(), rel=1e-12)
            assert grid["grad_w"][i][j] == pytest.approx(float(w.grad), rel=1e-12, abs=1e-12)
            assert grid["grad_b"][i][j] == pytest.approx(float(b.grad), rel=1e-12, abs=1e-12)
            delta = (X @ w + b - y).detach().flatten().tolist()
            assert grid["delta"][i][j] == pytest.approx(delta)
            h = 1e-6
            up = ((X * (w_value + h) + b_value - y) ** 2 / 2).sum()
            down = ((X * (w_value - h) + b_value - y) ** 2 / 2).sum()
            assert grid["grad_w"][i][j] == pytest.approx(float(up - down) / (2 * h), rel=1e-6)


def test_grid_json_is_compact_sorted_and_round_trips():
    X = torch.tensor([[100.0]], dtype=torch.float64)
    y = torch.tensor([[200.0]], dtype=torch.float64)
    grid = gradient_grid(X, y, [1.8, 2.0], [0.0])
    text = grid_json(grid)
    assert json.loads(text) == grid
    assert " " not in text and text.startswith('{"b":')


@pytest.mark.parametrize(
    ("X", "y", "ws", "bs", "error", "message"),
    [
        (torch.ones(3), torch.ones(3, 1), [0.0], [0.0], ValueError, "X must be a tensor of shape"),
        (torch.ones(3, 2), torch.ones(3, 1), [0.0], [0.0], ValueError, r"shape \(N, 1\)"),
        (torch.ones(3, 1), torch.ones(3), [0.0], [0.0], ValueError, "y must be a tensor of shape"),
        (torch.ones(3, 1), torch.ones(3, 1), [], [0.0], TypeError, "w_values must be a non-empty"),
        (torch.ones(3, 1), torch.ones(3, 1), [1.0, 0.0], [0.0], ValueError, "must be increasing"),
        (torch.ones(3, 1), torch.ones(3, 1), [0.0], [float("nan")], ValueError, r"b_values\[0\]"),
    ],
)
def test_bad_input_is_named(X, y, ws, bs, error, message):
    with pytest.raises(error, match=message):
        gradient_grid(X, y, ws, bs)


@pytest.mark.parametrize(
    ("args", "message"),
    [((1.0, 2.0, 1), "count must be a whole number >= 2"), ((2.0, 1.0, 3), "start must be less")],
)
def test_bad_grid_values(args, message):
    with pytest.raises(ValueError, match=message):
        grid_values(*args)
