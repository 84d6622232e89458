r"""``nn.Linear`` and ``nn.MSELoss`` as article 002 uses them, trained by autograd and by hand.

``nn.Linear(in, out)`` computes :math:`\hat{\mathbf Y} = \mathbf X W^\top + \mathbf b` for a
batch of rows ``X`` (N, in), with ``weight`` :math:`W` (out, in) and ``bias`` (out,). With the mean
squared error of ``nn.MSELoss()`` the upstream gradient is :math:`\frac2N\boldsymbol\delta`, so
:math:`\partial L/\partial W = \frac2N\boldsymbol\delta^\top\mathbf X` and
:math:`\partial L/\partial\mathbf b = \frac2N\sum_i\delta^{(i)}` (one output).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from linreg_src._guard import checked
from linreg_src._validate import check_positive
from linreg_src.optim import ADAM_BETAS, ADAM_EPS, adam_update, sgd_update

__all__ = [
    "LinearFormulaCheck",
    "LinearTrainingRun",
    "check_linear_formula",
    "fit_by_autograd",
    "fit_by_hand",
    "hand_mse_grads",
    "init_linear",
    "linear_formula_latex",
    "train_linear_module",
]

Optimizer = Literal["sgd", "adam"]
Grads = Literal["autograd", "hand"]


@checked
def init_linear(
    in_features: int,
    out_features: int,
    *,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
) -> nn.Linear:
    r"""``nn.Linear(in, out)`` with PyTorch's initial values, from ``generator``.

    Equals ``torch.manual_seed(s); nn.Linear(in, out)`` for a ``generator`` seeded
    with ``s``, and leaves the global random state alone.

    >>> m = init_linear(2, 3, generator=torch.Generator().manual_seed(0))
    >>> tuple(m.weight.shape), tuple(m.bias.shape)
    ((3, 2), (3,))
    """
    # nn.Linear draws from the global generator; fork_rng undoes that draw
    with torch.random.fork_rng(devices=[]):
        module = nn.Linear(in_features, out_features, dtype=dtype)
    bound = 1.0 / math.sqrt(in_features)
    with torch.no_grad():
        nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
        nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    return module


@checked
def hand_mse_grads(
    X: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of ``nn.MSELoss()`` in ``nn.Linear``'s shapes: (1, d) and (1,).

    :math:`g^{(i)} = \frac2N(\hat y^{(i)} - y^{(i)})`, :math:`\partial L/\partial
    W_{1j} = \sum_i g^{(i)} x^{(i)}_j`, :math:`\partial L/\partial b = \sum_i
    g^{(i)}`: :func:`linreg_src.grad.mse_loss_grads` transposed, term by term.

    >>> X, y = torch.tensor([[1.0], [2.0]]), torch.ones(2, 1)
    >>> hand_mse_grads(X, y, torch.zeros(2, 1))
    (tensor([[-3.]]), tensor([-2.]))
    """
    grad_output = 2 * (y_hat.detach() - y) / len(y)  # dL/dy_hat, (N, 1)
    return (grad_output * X).sum(dim=0, keepdim=True), grad_output.sum(dim=0)


History = list[tuple[torch.Tensor, torch.Tensor]]


@checked
def fit_by_autograd(
    model: nn.Linear,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: Optimizer = "sgd",
    lr: float,
    num_epochs: int,
) -> tuple[History, list[float]]:
    """Train ``model`` in place: ``loss.backward()``, ``torch.optim``, full batch.

    Returns the parameters before and after each epoch, and each epoch's loss.

    >>> x = torch.tensor([[0.0], [1.0]])
    >>> model = init_linear(1, 1, generator=torch.Generator().manual_seed(0))
    >>> history, losses = fit_by_autograd(model, x, 2 * x + 1, lr=0.5, num_epochs=200)
    >>> round(model.weight.item(), 4), round(model.bias.item(), 4)
    (2.0, 1.0)
    >>> len(history), len(losses)
    (201, 200)
    """
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        opt = torch.optim.Adam(
            model.parameters(), lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS
        )
    history = [(model.weight.detach().clone(), model.bias.detach().clone())]
    losses = []
    for _ in range(num_epochs):
        loss = nn.MSELoss()(model(x), y)  # a mean, without 1/2
        losses.append(loss.item())
        opt.zero_grad()  # backward() adds into .grad: clear it first
        loss.backward()
        opt.step()  # SGD: p -= lr * p.grad, no division by N
        history.append((model.weight.detach().clone(), model.bias.detach().clone()))
    return history, losses


@checked
def fit_by_hand(
    x: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    optimizer: Optimizer = "sgd",
    lr: float,
    num_epochs: int,
) -> tuple[History, list[float]]:
    """Run the same loop by hand: :func:`hand_mse_grads`, then SGD or Adam, in place.

    ``w`` (1, 1) and ``b`` (1,) are ``nn.Linear(1, 1)``'s parameters; returns what
    :func:`fit_by_autograd` returns.

    >>> w, b, x = torch.zeros(1, 1), torch.zeros(1), torch.tensor([[0.0], [1.0]])
    >>> history, losses = fit_by_hand(x, 2 * x + 1, w, b, lr=0.5, num_epochs=200)
    >>> round(float(w), 4), round(float(b), 4), len(history), len(losses)
    (2.0, 1.0, 201, 200)
    """
    moments = [
        (torch.zeros_like(w), torch.zeros_like(w)),
        (torch.zeros_like(b), torch.zeros_like(b)),
    ]
    history, losses = [(w.detach().clone(), b.detach().clone())], []
    for t in range(1, num_epochs + 1):
        y_hat = x * w + b  # nn.Linear(1, 1)'s forward pass
        losses.append(nn.functional.mse_loss(y_hat, y).item())
        grads = hand_mse_grads(x, y, y_hat)
        if optimizer == "sgd":  # the loss is a mean already: divide by 1
            sgd_update([w, b], grads, lr, 1)
        else:
            for param, grad, (m, v) in zip((w, b), grads, moments, strict=True):
                adam_update(param, grad, m, v, t, lr=lr)
        history.append((w.detach().clone(), b.detach().clone()))
    return history, losses


@dataclass(frozen=True)
class LinearTrainingRun:
    """One training run of ``nn.Linear(1, 1)``: the parameters before and after each epoch.

    ``losses`` are the losses of each epoch's forward pass, before its update (the article's
    ``loss_list``); ``final_loss`` is the loss of the trained parameters.
    """

    optimizer: str
    grads: str
    lr: float
    weights: tuple[float, ...]
    biases: tuple[float, ...]
    losses: tuple[float, ...]
    final_loss: float

    @property
    def weight(self) -> float:
        """The learned weight :math:`w` (after the last epoch)."""
        return self.weights[-1]

    @property
    def bias(self) -> float:
        """The learned bias :math:`b` (after the last epoch)."""
        return self.biases[-1]

    @property
    def num_epochs(self) -> int:
        """The number of epochs (full-batch steps)."""
        return len(self.losses)


@checked
def train_linear_module(
    model: nn.Linear,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: Optimizer = "sgd",
    lr: float = 0.1,
    num_epochs: int = 50,
    grads: Grads = "autograd",
) -> LinearTrainingRun:
    """Train a copy of ``model`` on all of ``(x, y)``: ``loss.backward()`` + ``torch.optim``, or by hand.

    >>> from linreg_src.article_002 import article_002_setup
    >>> x, y, model = article_002_setup()
    >>> a = train_linear_module(model, x, y, grads="autograd", num_epochs=3)
    >>> b = train_linear_module(model, x, y, grads="hand", num_epochs=3)
    >>> max(abs(p - q) for p, q in zip(a.weights + a.biases, b.weights + b.biases)) < 1e-6
    True
    """  # noqa: E501
    module = copy.deepcopy(model)
    if grads == "autograd":
        history, losses = fit_by_autograd(
            module, x, y, optimizer=optimizer, lr=lr, num_epochs=num_epochs
        )
    else:
        with torch.no_grad():
            history, losses = fit_by_hand(
                x,
                y,
                module.weight,
                module.bias,
                optimizer=optimizer,
                lr=lr,
                num_epochs=num_epochs,
            )
    with torch.no_grad():
        final_loss = nn.MSELoss()(module(x), y).item()
    return LinearTrainingRun(
        optimizer=optimizer,
        grads=grads,
        lr=lr,
        weights=tuple(w.item() for w, _ in history),
        biases=tuple(b.item() for _, b in history),
        losses=tuple(losses),
        final_loss=final_loss,
    )


def _digit(name: str, value: Any) -> int:
    size = int(check_positive(name, value, integer=True))
    if size > 9:
        raise ValueError(
            f"{name} must be at most 9 to write the formula out, got {size}"
        )
    return size


@checked(in_features=_digit, out_features=_digit)
def linear_formula_latex(in_features: int, out_features: int) -> str:
    r"""LaTeX of ``nn.Linear(in, out)`` for one row, :math:`\hat y_j = \sum_k W_{jk}x_k + b_j`.

    >>> print(linear_formula_latex(2, 1))
    \begin{aligned}
    \hat y_1 &= W_{11}x_1 + W_{12}x_2 + b_1
    \end{aligned}
    """
    rows = []
    for j in range(1, out_features + 1):
        terms = " + ".join(f"W_{{{j}{k}}}x_{k}" for k in range(1, in_features + 1))
        rows.append(rf"\hat y_{j} &= {terms} + b_{j}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


@dataclass(frozen=True)
class LinearFormulaCheck:
    r"""``nn.Linear(in, out)`` held against :math:`\hat{\mathbf Y} = \mathbf XW^\top + \mathbf b`.

    Shapes of ``weight``, ``bias`` and the output, and the largest differences between the
    module's output and the matrix form and the component sums (computed by loops).
    """

    in_features: int
    out_features: int
    weight_shape: tuple[int, ...]
    bias_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    max_error_matrix: float
    max_error_components: float


@checked
def check_linear_formula(
    in_features: int,
    out_features: int,
    *,
    generator: torch.Generator,
    num_examples: int = 4,
) -> LinearFormulaCheck:
    r"""Build ``nn.Linear(in, out)`` in float64 and hold its output against the formula.

    >>> c = check_linear_formula(2, 3, generator=torch.Generator().manual_seed(0))
    >>> c.weight_shape, c.bias_shape, c.output_shape, c.max_error_components < 1e-12
    ((3, 2), (3,), (4, 3), True)
    """
    module = init_linear(
        in_features, out_features, generator=generator, dtype=torch.float64
    )
    X = torch.randn(
        num_examples, in_features, generator=generator, dtype=torch.float64
    )
    W, b = module.weight.detach(), module.bias.detach()
    with torch.no_grad():
        out = module(X)
    loops = torch.zeros_like(out)
    for i in range(num_examples):
        for j in range(out_features):
            total = b[j].item()
            for k in range(in_features):
                total += W[j, k].item() * X[i, k].item()
            loops[i, j] = total
    return LinearFormulaCheck(
        in_features=in_features,
        out_features=out_features,
        weight_shape=tuple(W.shape),
        bias_shape=tuple(b.shape),
        output_shape=tuple(out.shape),
        max_error_matrix=float((out - (X @ W.T + b)).abs().max()),
        max_error_components=float((out - loops).abs().max()),
    )
