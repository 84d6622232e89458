"""linreg_src.answers: the value and tolerance behind each answer box of the site."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linreg_src.answers import answer, tolerance


def test_exact_answers_tolerate_only_float_rounding():
    assert tolerance(200.0) == pytest.approx(2e-7)
    assert tolerance(3e-5) < 3e-5 * 1e-8  # a tiny answer does not accept 0
    assert 0 < tolerance(0.0) <= 1e-12


def test_places_accept_what_rounds_to_the_value():
    tol = tolerance(-3.85656, places=4)
    assert abs(-3.8566 - -3.85656) <= tol
    assert abs(-3.8567 - -3.85656) > tol


def test_answer_is_json_with_value_and_tolerance():
    assert json.loads(answer(0.625)) == {"value": 0.625, "tol": tolerance(0.625)}
    assert json.loads(answer(1, places=2))["tol"] == pytest.approx(0.005)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 8))
def test_value_is_always_within_its_tolerance(value, places):
    spec = json.loads(answer(value, places=places))
    assert spec["value"] == value
    assert spec["tol"] >= 0.5 * 10.0**-places


@pytest.mark.parametrize(
    ("value", "places", "error", "message"),
    [
        (float("nan"), None, ValueError, "value must be a finite number"),
        ("1", None, TypeError, "value must be a real number"),
        (True, None, TypeError, "value must be a real number"),
        (1.0, -1, ValueError, "places must be a whole number from 0 to 12"),
        (1.0, 2.5, ValueError, "places must be a whole number"),
    ],
)
def test_bad_input_is_named(value, places, error, message):
    with pytest.raises(error, match=message):
        answer(value, places=places)
