r"""``nn.Linear`` and ``nn.MSELoss`` as in article 002: trained by autograd and by hand.

Article 002 fits the line :math:`\hat y = wx + b` to :math:`y = 2x + 1 + 0.1\varepsilon` on 100
evenly spaced points with ``nn.Linear(1, 1)``, ``nn.MSELoss()`` and a learning rate of 0.1. This
module runs that experiment reproducibly:

- :func:`init_linear` builds an ``nn.Linear`` with PyTorch's own default initialisation, but
  drawn from an explicit :class:`torch.Generator` -- no global random state is touched;
- :func:`manual_mse_grads` is the hand-derived gradient of ``nn.MSELoss`` (upstream
  :math:`2(\hat y - y)/N`), :func:`adam_update` the hand-written Adam step;
- :func:`train_linear_module` trains a copy of a module with ``loss.backward()`` and
  ``torch.optim`` (``grads="autograd"``) or entirely by hand (``grads="manual"``) and records
  the parameters after every epoch;
- :func:`article_002_setup` / :func:`article_002_run` draw the data and the initial module in the
  article's order from one seeded generator, which equals starting the article's script with
  ``torch.manual_seed(seed)``; seed :data:`ARTICLE_002_SEED` reproduces its printed results;
- :func:`mse_hessian` and :func:`gd_closed_form` explain why 50 epochs are not enough;
- :func:`linear_formula_latex` and :func:`check_linear_formula` spell out and check
  :math:`\mathbf y = \mathbf x W^\top + \mathbf b` for ``nn.Linear(in, out)``.

Examples
--------
>>> run = article_002_run()
>>> round(run.weight, 4), round(run.bias, 4)
(1.3136, 1.3716)
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from linreg_src._validate import (
    check_column_pair,
    check_float_array,
    check_generator,
    check_positive,
    check_real_scalar,
    describe,
    require_backend,
)
from linreg_src.articles import ARTICLE_002
from linreg_src.data import line_data

__all__ = [
    "ADAM_BETAS",
    "ADAM_EPS",
    "ARTICLE_002_SEED",
    "LinearFormulaCheck",
    "LinearTrainingRun",
    "adam_update",
    "article_002_run",
    "article_002_setup",
    "check_linear_formula",
    "gd_closed_form",
    "init_linear",
    "learned_params_over_seeds",
    "linear_formula_latex",
    "manual_mse_grads",
    "mse_hessian",
    "train_linear_module",
]

Optimizer = Literal["sgd", "adam"]
GradMode = Literal["autograd", "manual"]

ARTICLE_002_SEED = 0
"""The seed that reproduces article 002's printed results (its script never shows one)."""

ADAM_BETAS = (0.9, 0.999)
"""Adam's decay rates :math:`(\\beta_1, \\beta_2)`: PyTorch's defaults, which article 002 keeps."""

ADAM_EPS = 1e-8
"""Adam's :math:`\\varepsilon`, PyTorch's default."""


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        listing = " or ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be {listing}, got {value!r}")
    return str(value)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number, got {describe(seed)}")
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must lie in [0, 2**63), got {seed}")
    return int(seed)


def _check_seeds(seeds: object) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be a sequence of integers, got {describe(seeds)}")
    if len(seeds) == 0:
        raise ValueError("seeds is empty; pass at least one seed")
    return [_check_seed(s) for s in seeds]


def _check_dtype(dtype: object) -> torch.dtype:
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype  # type: ignore[return-value]


def init_linear(
    in_features: int,
    out_features: int,
    *,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
) -> nn.Linear:
    r"""Build ``nn.Linear(in_features, out_features)`` initialised by PyTorch's rule from ``generator``.

    ``nn.Linear``'s constructor draws the weight with ``kaiming_uniform_(a=sqrt(5))`` and then
    the bias, both from :math:`U(-1/\sqrt{\text{in}},\ 1/\sqrt{\text{in}})`, using the *global*
    random generator. Here the module is built inside :func:`torch.random.fork_rng` (so that
    draw leaves the global state as it was) and the same two initialisers are then run with the
    explicit ``generator``. With ``generator = torch.Generator().manual_seed(s)`` the result
    equals ``torch.manual_seed(s); nn.Linear(in_features, out_features)``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output vectors.
    generator : torch.Generator
        Source of the initial values: ``out * in`` draws for the weight, then ``out`` for the bias.
    dtype : torch.dtype, default torch.float32
        ``torch.float32`` or ``torch.float64``.

    Returns
    -------
    torch.nn.Linear
        The module; ``weight`` has shape (out, in), ``bias`` shape (out,).

    Raises
    ------
    TypeError
        On non-integer sizes, a missing generator, or another dtype.
    ValueError
        On sizes below 1.

    Examples
    --------
    >>> m = init_linear(2, 3, generator=torch.Generator().manual_seed(0))
    >>> tuple(m.weight.shape), tuple(m.bias.shape)
    ((3, 2), (3,))
    """  # noqa: E501
    in_features = int(check_positive("in_features", in_features, integer=True))
    out_features = int(check_positive("out_features", out_features, integer=True))
    generator = check_generator(generator)
    dtype = _check_dtype(dtype)
    with torch.random.fork_rng(devices=[]):
        module = nn.Linear(in_features, out_features, dtype=dtype)
    bound = 1.0 / math.sqrt(in_features)
    with torch.no_grad():
        nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
        nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    return module


def manual_mse_grads(
    X: torch.Tensor, y: torch.Tensor, y_hat: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradients of ``nn.MSELoss()`` for ``nn.Linear(d, 1)``, by hand, in the module's shapes.

    Derivation. With :math:`\hat y_i = \sum_j W_{1j}x_{ij} + b_1` and
    :math:`L = \frac1N\sum_{i=1}^N(\hat y_i - y_i)^2`:

    1. Upstream gradient, one per example (the 2 comes from the square, the :math:`1/N` from
       the mean): :math:`g_i = \partial L/\partial\hat y_i = \frac2N(\hat y_i - y_i)`.
    2. Local derivatives: :math:`\partial\hat y_i/\partial W_{1j} = x_{ij}`,
       :math:`\partial\hat y_i/\partial b_1 = 1`.
    3. Chain rule, summed over the N examples that all use the same parameters:
       :math:`\partial L/\partial W_{1j} = \sum_i g_i x_{ij}`,
       :math:`\partial L/\partial b_1 = \sum_i g_i`.

    In matrix form :math:`\partial L/\partial W = \mathbf g^\top X`, shapes (1, N) @ (N, d) =
    (1, d) -- the shape of ``weight``. It is the transpose of
    :func:`linreg_src.grad.mse_loss_grads` (:math:`\frac2N X^\top\boldsymbol\delta`, (d, 1)) with
    :math:`\mathbf w = W^\top`. For d = 1 this is article 002's
    ``grad_w = (grad_output * x).sum()``, ``grad_b = grad_output.sum()``.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Inputs.
    y : torch.Tensor, shape (N, 1)
        Targets.
    y_hat : torch.Tensor, shape (N, 1)
        Predictions of the forward pass (a graph attached to them is ignored).

    Returns
    -------
    grad_weight : torch.Tensor, shape (1, d)
        :math:`\partial L/\partial W`.
    grad_bias : torch.Tensor, shape (1,)
        :math:`\partial L/\partial b`.

    Raises
    ------
    TypeError
        On NumPy arrays, non-float data or mixed dtypes.
    ValueError
        On mismatched shapes, NaN or infinity.

    Examples
    --------
    >>> X = torch.tensor([[1.0], [2.0]])
    >>> manual_mse_grads(X, torch.tensor([[1.0], [1.0]]), torch.zeros(2, 1))
    (tensor([[-3.]]), tensor([-2.]))
    """
    require_backend("torch", "nn_linear", X=X, y=y, y_hat=y_hat)
    check_float_array("X", X, ndim=2)
    n = check_column_pair(y_hat, y)
    if X.shape[0] != n:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {n}; they must describe the same N examples"
        )
    if X.dtype != y.dtype:
        raise TypeError(f"X and y must share one dtype, got {X.dtype} and {y.dtype}")
    with torch.no_grad():
        upstream = 2 * (y_hat.detach() - y) / n  # (N, 1): dL/dy_hat
        if X.shape[1] == 1:  # the article's form; a plain sum, in its order of additions
            grad_weight = (upstream * X).sum().reshape(1, 1)
        else:
            grad_weight = (upstream * X).sum(dim=0, keepdim=True)  # (1, d)
        grad_bias = upstream.sum().reshape(1)  # (1,)
    return grad_weight, grad_bias


def adam_update(
    param: torch.Tensor,
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: int,
    *,
    lr: float,
    betas: tuple[float, float] = ADAM_BETAS,
    eps: float = ADAM_EPS,
) -> None:
    r"""One Adam step, in place, written as the textbook formula.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\,g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2, \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
        \theta_t = \theta_{t-1} - \text{lr}\,\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon},

    element by element. :math:`m` and :math:`v` start at zero, so early averages are too small by
    the factor :math:`1-\beta^t`; dividing by it (bias correction) undoes that. At
    :math:`t = 1`, :math:`\hat m_1 = g_1` and :math:`\hat v_1 = g_1^2`: the first step moves every
    element by almost exactly ``lr``, against the sign of its gradient.

    Parameters
    ----------
    param : torch.Tensor
        Parameter, updated in place.
    grad : torch.Tensor
        Its gradient :math:`g_t`, same shape.
    exp_avg, exp_avg_sq : torch.Tensor
        :math:`m` and :math:`v`, same shape, updated in place (zeros before the first step).
    step : int
        :math:`t`, counting from 1.
    lr : float
        Learning rate.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`, each in [0, 1).
    eps : float
        :math:`\varepsilon > 0`.

    Raises
    ------
    TypeError
        On non-tensors or a non-integer ``step``.
    ValueError
        On mismatched shapes or out-of-range hyperparameters.

    Examples
    --------
    >>> p, m, v = torch.tensor([1.0]), torch.zeros(1), torch.zeros(1)
    >>> adam_update(p, torch.tensor([-5.0]), m, v, 1, lr=0.1)
    >>> p
    tensor([1.1000])
    """
    require_backend(
        "torch", "nn_linear", param=param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq
    )
    for name, t in (("grad", grad), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
        if t.shape != param.shape:
            raise ValueError(
                f"{name} has shape {tuple(t.shape)} but param has shape {tuple(param.shape)}"
            )
    step = int(check_positive("step", step, integer=True))
    lr = float(check_positive("lr", lr))
    if not isinstance(betas, tuple) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {describe(betas)}")
    beta1, beta2 = (check_real_scalar(f"betas[{k}]", b) for k, b in enumerate(betas))
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
        raise ValueError(f"betas must lie in [0, 1), got {betas}")
    eps = float(check_positive("eps", eps))
    with torch.no_grad():
        exp_avg.mul_(beta1).add_((1 - beta1) * grad)
        exp_avg_sq.mul_(beta2).add_((1 - beta2) * grad * grad)
        m_hat = exp_avg / (1 - beta1**step)
        v_hat = exp_avg_sq / (1 - beta2**step)
        param.sub_(lr * m_hat / (v_hat.sqrt() + eps))


@dataclass(frozen=True)
class LinearTrainingRun:
    """Everything one training run of ``nn.Linear(1, 1)`` records.

    Attributes
    ----------
    optimizer : {"sgd", "adam"}
        The update rule.
    grads : {"autograd", "manual"}
        ``loss.backward()`` + ``torch.optim``, or hand gradients + a hand-written update.
    lr : float
        Learning rate.
    weights, biases : tuple of float
        The parameters before training and after each epoch (``num_epochs + 1`` values).
    losses : tuple of float
        The loss computed in each epoch's forward pass, before that epoch's update
        (``num_epochs`` values, as the article's ``loss_list``).
    final_loss : float
        The loss of the trained parameters.
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


def _check_module(model: object, x: torch.Tensor) -> nn.Linear:
    if not isinstance(model, nn.Linear):
        raise TypeError(f"model must be a torch.nn.Linear, got {describe(model)}")
    if (model.in_features, model.out_features) != (1, 1) or model.bias is None:
        raise ValueError(
            "model must be nn.Linear(1, 1) with a bias (the article's y_hat = w x + b), got "
            f"nn.Linear({model.in_features}, {model.out_features}, "
            f"bias={model.bias is not None})"
        )
    if model.weight.dtype != x.dtype:
        raise TypeError(
            f"model's parameters are {model.weight.dtype} but x is {x.dtype}; "
            "convert one of them (model.double() or x.float())"
        )
    return model


def _loss_value(loss_fn: nn.Module, module: nn.Linear, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return loss_fn(module(x), y).item()


def train_linear_module(
    model: nn.Linear,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: Optimizer = "sgd",
    lr: float = 0.1,
    num_epochs: int = 50,
    grads: GradMode = "autograd",
) -> LinearTrainingRun:
    r"""Train a copy of ``model`` on all of ``(x, y)`` for ``num_epochs`` full-batch steps.

    Each epoch: forward pass ``y_hat = model(x)``, loss ``nn.MSELoss()(y_hat, y)``, then

    - ``grads="autograd"``: ``loss.backward()`` and ``torch.optim.SGD`` / ``torch.optim.Adam``
      (PyTorch's default betas and eps) with learning rate ``lr``;
    - ``grads="manual"``: :func:`manual_mse_grads` and, by hand, the SGD step
      :math:`\theta \leftarrow \theta - \text{lr}\cdot g` or :func:`adam_update`.

    ``model`` itself is left untouched, so two calls with the same module start from the same
    parameters. Nothing random happens here: the run is a function of its arguments.

    Parameters
    ----------
    model : torch.nn.Linear
        ``nn.Linear(1, 1)`` holding the initial parameters, dtype of ``x``.
    x : torch.Tensor, shape (N, 1)
        Inputs.
    y : torch.Tensor, shape (N, 1)
        Targets.
    optimizer : {"sgd", "adam"}
        The update rule.
    lr : float, default 0.1
        Learning rate (article 002 uses 0.1 for both optimizers).
    num_epochs : int, default 50
        Number of full-batch steps.
    grads : {"autograd", "manual"}
        How gradients (and the update) are computed.

    Returns
    -------
    LinearTrainingRun
        Parameters after every epoch, losses, and the final loss.

    Raises
    ------
    TypeError
        On a model that is not ``nn.Linear``, non-float data or mismatched dtypes.
    ValueError
        On shapes other than (N, 1) columns, a model other than ``nn.Linear(1, 1)``, a
        non-positive ``lr`` or ``num_epochs``, or an unknown ``optimizer`` / ``grads``.

    Examples
    --------
    >>> x, y, model = article_002_setup()
    >>> a = train_linear_module(model, x, y, grads="autograd", num_epochs=3)
    >>> b = train_linear_module(model, x, y, grads="manual", num_epochs=3)
    >>> max(abs(p - q) for p, q in zip(a.weights + a.biases, b.weights + b.biases)) < 1e-6
    True
    """
    require_backend("torch", "nn_linear", x=x, y=y)
    check_column_pair(x, y, names=("x", "y"))
    model = _check_module(model, x)
    optimizer = _check_choice("optimizer", optimizer, ("sgd", "adam"))  # type: ignore[assignment]
    grads = _check_choice("grads", grads, ("autograd", "manual"))  # type: ignore[assignment]
    lr = float(check_positive("lr", lr))
    num_epochs = int(check_positive("num_epochs", num_epochs, integer=True))

    module = copy.deepcopy(model)
    loss_fn = nn.MSELoss()
    weights = [module.weight.item()]
    biases = [module.bias.item()]
    losses: list[float] = []
    if grads == "autograd":
        opt: torch.optim.Optimizer
        if optimizer == "sgd":
            opt = torch.optim.SGD(module.parameters(), lr=lr)
        else:
            opt = torch.optim.Adam(module.parameters(), lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS)
        for _ in range(num_epochs):
            loss = loss_fn(module(x), y)
            losses.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
            weights.append(module.weight.item())
            biases.append(module.bias.item())
    else:
        state = [
            (torch.zeros_like(p), torch.zeros_like(p))
            for p in (module.weight.detach(), module.bias.detach())
        ]
        with torch.no_grad():
            for epoch in range(1, num_epochs + 1):
                y_hat = module(x)
                losses.append(loss_fn(y_hat, y).item())
                grad_weight, grad_bias = manual_mse_grads(x, y, y_hat)
                pairs = ((module.weight, grad_weight), (module.bias, grad_bias))
                for (param, grad), (m, v) in zip(pairs, state, strict=True):
                    if optimizer == "sgd":
                        param -= lr * grad
                    else:
                        adam_update(param, grad, m, v, epoch, lr=lr)
                weights.append(module.weight.item())
                biases.append(module.bias.item())
    final_loss = _loss_value(loss_fn, module, x, y)
    return LinearTrainingRun(
        optimizer=optimizer,
        grads=grads,
        lr=lr,
        weights=tuple(weights),
        biases=tuple(biases),
        losses=tuple(losses),
        final_loss=final_loss,
    )


def article_002_setup(
    seed: int = ARTICLE_002_SEED,
) -> tuple[torch.Tensor, torch.Tensor, nn.Linear]:
    r"""Article 002's data and initial ``nn.Linear(1, 1)``, drawn in its order from one seed.

    The article's script draws the 100 noise values (``torch.randn_like(x)``) and then builds
    ``nn.Linear(1, 1)``, both from PyTorch's global generator. Here one
    ``torch.Generator().manual_seed(seed)`` makes the same draws in the same order -- so the
    result equals the article's script started with ``torch.manual_seed(seed)``, without touching
    the global random state.

    Parameters
    ----------
    seed : int, default ARTICLE_002_SEED
        The seed; :data:`ARTICLE_002_SEED` (0) reproduces the article's printed results.

    Returns
    -------
    x : torch.Tensor, shape (100, 1)
        ``torch.linspace(0, 1, 100)`` as a column (float32).
    y : torch.Tensor, shape (100, 1)
        :math:`2x + 1 + 0.1\varepsilon`.
    model : torch.nn.Linear
        ``nn.Linear(1, 1)`` with the initial weight and bias.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer.
    ValueError
        If ``seed`` is negative or too large.

    Examples
    --------
    >>> x, y, model = article_002_setup()
    >>> x.shape, y.shape, round(model.weight.item(), 4), round(model.bias.item(), 4)
    (torch.Size([100, 1]), torch.Size([100, 1]), -0.2489, 0.0451)
    """
    seed = _check_seed(seed)
    inputs = ARTICLE_002.inputs
    generator = torch.Generator().manual_seed(seed)
    x, y = line_data(
        inputs["num_examples"],
        true_w=inputs["true_w"],
        true_b=inputs["true_b"],
        noise_std=inputs["noise_std"],
        generator=generator,
    )
    return x, y, init_linear(1, 1, generator=generator)


def article_002_run(
    seed: int = ARTICLE_002_SEED,
    *,
    optimizer: Optimizer = "sgd",
    num_epochs: int | None = None,
    grads: GradMode = "autograd",
) -> LinearTrainingRun:
    """Article 002's experiment: :func:`article_002_setup` then :func:`train_linear_module`.

    The learning rate is the article's (0.1, for both optimizers); ``num_epochs`` defaults to the
    article's 50.

    Parameters
    ----------
    seed : int, default ARTICLE_002_SEED
        Seed of the data and the initial module.
    optimizer : {"sgd", "adam"}
        The update rule.
    num_epochs : int, optional
        Number of epochs (default: the article's 50).
    grads : {"autograd", "manual"}
        How gradients and updates are computed.

    Returns
    -------
    LinearTrainingRun
        The run.

    Raises
    ------
    TypeError, ValueError
        On invalid arguments (see :func:`train_linear_module`).

    Examples
    --------
    >>> run = article_002_run(optimizer="adam")
    >>> round(run.weight, 4), round(run.bias, 4)
    (1.3787, 1.216)
    """
    x, y, model = article_002_setup(seed)
    if num_epochs is None:
        num_epochs = ARTICLE_002.inputs["num_epochs"]
    return train_linear_module(
        model,
        x,
        y,
        optimizer=optimizer,
        lr=ARTICLE_002.inputs["lr"],
        num_epochs=num_epochs,  # type: ignore[arg-type]
        grads=grads,
    )


def _article_002_columns(seeds: list[int]) -> tuple[torch.Tensor, torch.Tensor, list[nn.Linear]]:
    """Article 002's inputs ``x`` (N, 1), every seed's labels as columns ``Y`` (N, S), and modules.

    The inputs are the same linspace for every seed; only the noise and the module differ.
    """
    setups = [article_002_setup(s) for s in seeds]
    Y = torch.cat([y for _, y, _ in setups], dim=1)
    return setups[0][0], Y, [m for _, _, m in setups]


def learned_params_over_seeds(
    seeds: Sequence[int],
    *,
    optimizer: Optimizer = "sgd",
    num_epochs: int = 50,
) -> torch.Tensor:
    r"""Learned ``(w, b)`` of :func:`article_002_run` for many seeds at once (float32).

    Each seed gets its own data and initial module (:func:`article_002_setup`); the runs are
    then trained side by side as columns of one tensor with the hand gradients of
    :func:`manual_mse_grads` and the SGD or :func:`adam_update` step, at the article's learning
    rate. Each row agrees with ``article_002_run(seed, grads="manual")`` up to float32 rounding
    (the column sums add in another order).

    Parameters
    ----------
    seeds : sequence of int
        The seeds, at least one.
    optimizer : {"sgd", "adam"}
        The update rule.
    num_epochs : int, default 50
        Number of full-batch steps.

    Returns
    -------
    torch.Tensor, shape (len(seeds), 2)
        Row ``k``: the learned ``(w, b)`` for ``seeds[k]``.

    Raises
    ------
    TypeError
        If ``seeds`` is not a sequence of integers.
    ValueError
        If it is empty, or on invalid ``optimizer`` / ``num_epochs``.

    Examples
    --------
    >>> params = learned_params_over_seeds([0, 1])
    >>> [round(v, 4) for v in params[0].tolist()]
    [1.3136, 1.3716]
    """
    seeds = _check_seeds(seeds)
    optimizer = _check_choice("optimizer", optimizer, ("sgd", "adam"))  # type: ignore[assignment]
    num_epochs = int(check_positive("num_epochs", num_epochs, integer=True))
    lr = float(ARTICLE_002.inputs["lr"])

    x, Y, modules = _article_002_columns(seeds)
    with torch.no_grad():
        W = torch.cat([m.weight.reshape(1) for m in modules])  # (S,)
        B = torch.cat([m.bias.reshape(1) for m in modules])  # (S,)
        state = [(torch.zeros_like(W), torch.zeros_like(W)) for _ in range(2)]
        n = x.shape[0]
        for epoch in range(1, num_epochs + 1):
            upstream = 2 * (x * W + B - Y) / n  # (N, S)
            grad_w, grad_b = (upstream * x).sum(dim=0), upstream.sum(dim=0)
            for param, grad, (m, v) in zip((W, B), (grad_w, grad_b), state, strict=True):
                if optimizer == "sgd":
                    param -= lr * grad
                else:
                    adam_update(param, grad, m, v, epoch, lr=lr)
    return torch.stack([W, B], dim=1)


def least_squares_over_seeds(seeds: Sequence[int]) -> torch.Tensor:
    r"""Return the least-squares ``(w, b)`` of article 002's data for each seed (float64).

    Each seed draws its own noise on the same inputs (:func:`article_002_setup`); the spread of
    these answers across seeds shows how far the noise alone moves the optimum, with no
    initialisation or training involved.

    With one feature the normal equations have a closed form, applied to all seeds at once
    (one column of :math:`\mathbf Y` per seed):

    .. math::

        w = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sum_i (x_i - \bar x)^2},
        \qquad b = \bar y - w\,\bar x.

    It agrees with :func:`linreg_src.lstsq.least_squares` to float64 rounding, and unlike the
    LAPACK solver PyTorch ships (Intel MKL) it gives the same bits on every call: MKL's
    ``torch.linalg.lstsq`` changed the last bit from call to call here, with one thread or two,
    and the book's builds must print the same digits every time.

    Parameters
    ----------
    seeds : sequence of int
        The seeds, at least one.

    Returns
    -------
    torch.Tensor, shape (len(seeds), 2), float64
        Row ``k``: the least-squares ``(w, b)`` for ``seeds[k]``.

    Raises
    ------
    TypeError
        If ``seeds`` is not a sequence of integers.
    ValueError
        If it is empty, or a seed is negative or too large.

    Examples
    --------
    >>> theta = least_squares_over_seeds([0, 1])
    >>> theta.shape, theta.dtype
    (torch.Size([2, 2]), torch.float64)
    >>> [round(v, 4) for v in theta[0].tolist()]  # near the true (2, 1): only noise moves it
    [1.9997, 1.0038]
    """
    x, Y, _ = _article_002_columns(_check_seeds(seeds))
    x, Y = x.double(), Y.double()
    x_c = x - x.mean()
    w = (x_c * (Y - Y.mean(dim=0))).sum(dim=0) / (x_c * x_c).sum()
    b = Y.mean(dim=0) - w * x.mean()
    return torch.stack([w, b], dim=1)


def mse_hessian(X: torch.Tensor) -> torch.Tensor:
    r"""Hessian of the MSE in :math:`\boldsymbol\theta = (\mathbf w, b)`: :math:`\frac2N A^\top A`.

    With :math:`A = [X, \mathbf 1]` (shape (N, d+1)) the loss is
    :math:`L(\boldsymbol\theta) = \frac1N\|A\boldsymbol\theta - \mathbf y\|^2`, its gradient
    :math:`\nabla L = \frac2N A^\top(A\boldsymbol\theta - \mathbf y)` and its Hessian the constant
    :math:`H = \frac2N A^\top A` -- independent of :math:`\mathbf y` and of
    :math:`\boldsymbol\theta`. Because :math:`A^\top A\boldsymbol\theta^* = A^\top\mathbf y` at the
    least-squares solution, :math:`\nabla L = H(\boldsymbol\theta - \boldsymbol\theta^*)`, and
    one gradient step is the affine map
    :math:`\boldsymbol\theta_{t+1} - \boldsymbol\theta^* =
    (I - \text{lr}\,H)(\boldsymbol\theta_t - \boldsymbol\theta^*)`: along an eigenvector of
    :math:`H` with eigenvalue :math:`\lambda` the error shrinks by :math:`1 - \text{lr}\,\lambda`
    per step.

    Parameters
    ----------
    X : torch.Tensor, shape (N, d)
        Inputs.

    Returns
    -------
    torch.Tensor, shape (d + 1, d + 1), float64
        :math:`H`; the last row and column belong to the bias.

    Raises
    ------
    TypeError
        On NumPy arrays or non-float data.
    ValueError
        On a wrong rank, empty data, NaN or infinity.

    Examples
    --------
    >>> mse_hessian(torch.tensor([[0.0], [1.0]]))
    tensor([[1., 1.],
            [1., 2.]], dtype=torch.float64)
    """
    require_backend("torch", "nn_linear", X=X)
    check_float_array("X", X, ndim=2)
    n = X.shape[0]
    A = torch.cat([X.detach().double(), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    return 2.0 / n * A.T @ A


def gd_closed_form(
    x: torch.Tensor,
    y: torch.Tensor,
    initial: tuple[float, float],
    *,
    lr: float,
    num_epochs: int,
) -> tuple[float, float]:
    r"""Where ``num_epochs`` full-batch gradient steps on the MSE lead, without running them.

    .. math::

        \boldsymbol\theta_t = \boldsymbol\theta^* + (I - \text{lr}\,H)^t
        (\boldsymbol\theta_0 - \boldsymbol\theta^*),

    with :math:`H` from :func:`mse_hessian` and :math:`\boldsymbol\theta^*` the least-squares
    solution, in float64. The map is affine in :math:`\boldsymbol\theta_0`: for fixed data, every
    initial point is moved by the same matrix.

    Parameters
    ----------
    x : torch.Tensor, shape (N, 1)
        Inputs.
    y : torch.Tensor, shape (N, 1)
        Targets.
    initial : tuple of float
        :math:`(w_0, b_0)`.
    lr : float
        Learning rate.
    num_epochs : int
        Number of steps :math:`t` (0 returns ``initial``).

    Returns
    -------
    tuple of float
        :math:`(w_t, b_t)`.

    Raises
    ------
    TypeError, ValueError
        On invalid arguments.

    Examples
    --------
    >>> x, y, model = article_002_setup()
    >>> w, b = gd_closed_form(x, y, (model.weight.item(), model.bias.item()), lr=0.1, num_epochs=50)
    >>> round(w, 4), round(b, 4)
    (1.3136, 1.3716)
    """
    require_backend("torch", "nn_linear", x=x, y=y)
    check_column_pair(x, y, names=("x", "y"))
    if not isinstance(initial, tuple) or len(initial) != 2:
        raise TypeError(f"initial must be a pair (w0, b0), got {describe(initial)}")
    theta0 = torch.tensor(
        [check_real_scalar("initial[0]", initial[0]), check_real_scalar("initial[1]", initial[1])],
        dtype=torch.float64,
    ).reshape(2, 1)
    lr = float(check_positive("lr", lr))
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral):
        raise TypeError(f"num_epochs must be a whole number, got {describe(num_epochs)}")
    if num_epochs < 0:
        raise ValueError(f"num_epochs must be >= 0, got {num_epochs}")
    n = x.shape[0]
    A = torch.cat([x.detach().double(), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    theta_star = torch.linalg.lstsq(A, y.detach().double(), driver="gelsd").solution
    step = torch.eye(2, dtype=torch.float64) - lr * mse_hessian(x)
    theta = theta_star + torch.linalg.matrix_power(step, int(num_epochs)) @ (theta0 - theta_star)
    return float(theta[0, 0]), float(theta[1, 0])


def linear_formula_latex(in_features: int, out_features: int) -> str:
    r"""LaTeX of ``nn.Linear(in, out)`` written out in components, one line per output.

    :math:`y_j = \sum_{k=1}^{\text{in}} w_{jk}x_k + b_j` for :math:`j = 1, \dots, \text{out}`,
    where :math:`w_{jk}` is ``weight[j-1, k-1]``: row :math:`j` of the (out, in) weight belongs to
    output :math:`j`.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output vectors (each at most 9, so indices stay single digits).

    Returns
    -------
    str
        An ``aligned`` environment, ready for ``$$ ... $$``.

    Raises
    ------
    TypeError
        On non-integer sizes.
    ValueError
        On sizes outside 1..9.

    Examples
    --------
    >>> print(linear_formula_latex(2, 1))
    \begin{aligned}
    y_1 &= w_{11}x_1 + w_{12}x_2 + b_1
    \end{aligned}
    """
    sizes = {}
    for name, value in (("in_features", in_features), ("out_features", out_features)):
        size = int(check_positive(name, value, integer=True))
        if size > 9:
            raise ValueError(f"{name} must be at most 9 to write the formula out, got {size}")
        sizes[name] = size
    rows = []
    for j in range(1, sizes["out_features"] + 1):
        terms = " + ".join(f"w_{{{j}{k}}}x_{k}" for k in range(1, sizes["in_features"] + 1))
        rows.append(f"y_{j} &= {terms} + b_{j}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


@dataclass(frozen=True)
class LinearFormulaCheck:
    r"""``nn.Linear(in, out)`` checked against :math:`\mathbf y = \mathbf xW^\top + \mathbf b`.

    Attributes
    ----------
    in_features, out_features : int
        The module's sizes.
    weight_shape, bias_shape : tuple of int
        Shapes of ``weight`` and ``bias``: (out, in) and (out,).
    output_shape : tuple of int
        Shape of the module's output for a batch of ``num_examples`` rows.
    max_error_matrix : float
        Largest :math:`|\text{module}(X) - (XW^\top + \mathbf b)|`.
    max_error_components : float
        Largest difference from the component sums :math:`\sum_k w_{jk}x_{ik} + b_j`,
        computed by explicit loops.
    """

    in_features: int
    out_features: int
    weight_shape: tuple[int, ...]
    bias_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    max_error_matrix: float
    max_error_components: float


def check_linear_formula(
    in_features: int,
    out_features: int,
    *,
    generator: torch.Generator,
    num_examples: int = 4,
) -> LinearFormulaCheck:
    r"""Build ``nn.Linear(in, out)`` in float64 and hold its output against the formula.

    A random batch :math:`X` (``num_examples`` rows) goes through the module, through the matrix
    form :math:`XW^\top + \mathbf b` (shapes (B, in) @ (in, out) + (out,) = (B, out)) and through
    the component sums of :func:`linear_formula_latex`, written as loops.

    Parameters
    ----------
    in_features, out_features : int
        The module's sizes.
    generator : torch.Generator
        Source of the module's parameters and of :math:`X`.
    num_examples : int, default 4
        Rows of the batch.

    Returns
    -------
    LinearFormulaCheck
        Shapes and the largest deviations.

    Raises
    ------
    TypeError
        On non-integer sizes or a missing generator.
    ValueError
        On sizes below 1.

    Examples
    --------
    >>> c = check_linear_formula(2, 3, generator=torch.Generator().manual_seed(0))
    >>> c.weight_shape, c.bias_shape, c.output_shape, c.max_error_components < 1e-12
    ((3, 2), (3,), (4, 3), True)
    """
    module = init_linear(in_features, out_features, generator=generator, dtype=torch.float64)
    num_examples = int(check_positive("num_examples", num_examples, integer=True))
    X = torch.randn(num_examples, module.in_features, generator=generator, dtype=torch.float64)
    W, b = module.weight.detach(), module.bias.detach()
    with torch.no_grad():
        out = module(X)
    matrix = X @ W.T + b
    loops = torch.zeros_like(out)
    for i in range(num_examples):
        for j in range(module.out_features):
            total = b[j].item()
            for k in range(module.in_features):
                total += W[j, k].item() * X[i, k].item()
            loops[i, j] = total
    return LinearFormulaCheck(
        in_features=module.in_features,
        out_features=module.out_features,
        weight_shape=tuple(W.shape),
        bias_shape=tuple(b.shape),
        output_shape=tuple(out.shape),
        max_error_matrix=float((out - matrix).abs().max()),
        max_error_components=float((out - loops).abs().max()),
    )
