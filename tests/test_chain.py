"""The burger factory: hand chain rule == autograd == the article's numbers; bad input refused."""

import dataclasses
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linreg_src.articles import ARTICLE_003
from linreg_src.chain import (
    FACTORY_LIMIT,
    FactoryForward,
    check_factory_inputs,
    factory_autograd,
    factory_backward,
    factory_forward,
)

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


def test_article_003_forward_values():
    fwd = factory_forward(**ARTICLE_003.inputs)
    assert (fwd.u, fwd.h, fwd.loss) == (  # the article's "y" is the book's h
        ARTICLE_003.published["u"],
        ARTICLE_003.published["y"],
        ARTICLE_003.published["loss"],
    )


def test_article_003_hand_gradients_and_each_link():
    grads = factory_backward(factory_forward(**ARTICLE_003.inputs))
    assert (grads.dloss_dh, grads.dh_dv, grads.dh_du, grads.du_dw) == (4.0, 6.0, 2.0, 2.0)
    assert grads.dloss_du == 8.0
    assert grads.grad_v == ARTICLE_003.published["grad_v"] == 24.0
    assert grads.grad_w == ARTICLE_003.published["grad_w"] == 16.0


def test_article_003_autograd_agrees():
    fwd, grad_v, grad_w = factory_autograd(**ARTICLE_003.inputs)
    assert fwd == factory_forward(**ARTICLE_003.inputs)
    assert (grad_v, grad_w) == (24.0, 16.0)


@given(w=finite, v=finite, x=finite, target=finite)
def test_hand_chain_rule_equals_autograd(w, v, x, target):
    grads = factory_backward(factory_forward(w, v, x, target))
    _, grad_v, grad_w = factory_autograd(w, v, x, target)
    assert grads.grad_v == pytest.approx(grad_v, rel=1e-12, abs=1e-9)
    assert grads.grad_w == pytest.approx(grad_w, rel=1e-12, abs=1e-9)


@given(w=finite, v=finite, x=finite, target=finite)
def test_hand_chain_rule_equals_central_differences(w, v, x, target):
    grads = factory_backward(factory_forward(w, v, x, target))
    h = 1e-4

    def loss(w_, v_):
        return factory_forward(w_, v_, x, target).loss

    fd_w = (loss(w + h, v) - loss(w - h, v)) / (2 * h)
    fd_v = (loss(w, v + h) - loss(w, v - h)) / (2 * h)
    scale = 1 + abs(grads.grad_w) + abs(grads.grad_v)
    assert fd_w == pytest.approx(grads.grad_w, abs=1e-6 * scale * (1 + abs(x * v) ** 2))
    assert fd_v == pytest.approx(grads.grad_v, abs=1e-6 * scale * (1 + abs(x * w) ** 2))


def test_zero_error_gives_zero_gradients():
    grads = factory_backward(factory_forward(w=3, v=2, x=2, target=12))
    assert (grads.grad_v, grads.grad_w) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"w": float("nan")}, ValueError, r"w must be a finite number, got nan"),
        ({"v": math.inf}, ValueError, r"v must be a finite number, got inf"),
        ({"x": "2"}, TypeError, r"x must be a real number, got str"),
        ({"target": True}, TypeError, r"target must be a real number, got bool"),
        ({"w": [1.0, 2.0]}, TypeError, r"w must be a real number, got list"),
    ],
)
def test_bad_input_is_refused_with_a_message(kwargs, error, match):
    args = {"w": 3.0, "v": 2.0, "x": 2.0, "target": 10.0, **kwargs}
    with pytest.raises(error, match=match):
        factory_forward(**args)
    with pytest.raises(error, match=match):
        factory_autograd(**args)


def test_backward_wants_the_forward_record():
    with pytest.raises(TypeError, match="FactoryForward returned by factory_forward"):
        factory_backward((6.0, 12.0, 4.0))  # type: ignore[arg-type]


def test_forward_record_is_immutable():
    fwd = factory_forward(3, 2, 2, 10)
    assert isinstance(fwd, FactoryForward)
    with pytest.raises(AttributeError):
        fwd.loss = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("name", ["w", "v", "x", "target"])
@pytest.mark.parametrize("value", [1e200, -1e51])
def test_huge_finite_inputs_are_refused_naming_the_argument_and_range(name, value):
    args = {"w": 3.0, "v": 2.0, "x": 2.0, "target": 10.0, name: value}
    match = re.escape(f"{name} must lie within ±1e+50") + ".* got " + re.escape(f"{value:g}")
    for call in (factory_forward, factory_autograd):
        with pytest.raises(ValueError, match=match):
            call(**args)


def test_inputs_at_the_limit_keep_every_value_and_gradient_finite():
    big = FACTORY_LIMIT
    for signs in [(1, 1, 1, -1), (-1, 1, 1, 1), (1, -1, -1, -1)]:
        args = [s * big for s in signs]
        fwd = factory_forward(*args)
        grads = factory_backward(fwd)
        auto = factory_autograd(*args)
        values = [*dataclasses.astuple(fwd), *dataclasses.astuple(grads), *auto[1:]]
        assert all(math.isfinite(v) for v in values)
    assert check_factory_inputs(3, 2.5, -1, 0) == (3.0, 2.5, -1.0, 0.0)


def test_backward_refuses_a_hand_made_record_whose_gradients_overflow():
    fwd = FactoryForward(w=1.0, v=1e300, x=1e300, target=0.0, u=1e300, h=1e300, loss=1.0)
    with pytest.raises(ValueError, match=r"dloss_du = inf is not finite: fwd holds values"):
        factory_backward(fwd)
