import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linreg_src.show import Markdown, sci, table


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (5e-05, 2, r"$5\times 10^{-5}$"),
        (6.7e19, 2, r"$6.7\times 10^{19}$"),
        (-2.4e-7, 2, r"$-2.4\times 10^{-7}$"),
        (123456.0, 3, r"$1.23\times 10^{5}$"),
        (1.0, 2, r"$1\times 10^{0}$"),
        (0.0, 2, "$0$"),
    ],
)
def test_sci_typesets_mantissa_and_exponent(x, digits, expected):
    assert sci(x, digits) == expected
    assert sci(x, digits)._repr_markdown_() == expected


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_sci_round_trips_to_the_digits_asked(x):
    text = sci(x, 3).strip("$")
    if x == 0:
        assert text == "0"
        return
    mantissa, exponent = text.split(r"\times 10^")
    value = float(f"{mantissa}e{exponent.strip('{}')}")
    assert math.isclose(value, x, rel_tol=1e-2)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1", None, True])
def test_sci_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises(ValueError, match="x must be a finite real number"):
        sci(bad)


@pytest.mark.parametrize("digits", [0, -1, 1.5, True])
def test_sci_refuses_bad_digits(digits):
    with pytest.raises(ValueError, match="digits must be a whole number >= 1"):
        sci(1.0, digits)


def test_table_is_markdown_with_escaped_pipes():
    md = table([("a|b", 2.5), ("c", -1)], ["name", "value"])
    assert isinstance(md, Markdown)
    assert md.splitlines() == [
        "| name | value |",
        "|---|---|",
        r"| a\|b | 2.5 |",
        "| c | -1 |",
    ]


def test_table_refuses_a_ragged_row():
    with pytest.raises(ValueError, match=r"rows\[1\] must hold 2 cells, like headers"):
        table([(1, 2), (3,)], ["a", "b"])


@pytest.mark.parametrize(
    ("rows", "headers", "name"),
    [(0, ["a"], "rows"), ([], 0, "headers"), ([], [], "headers"), ("ab", ["a"], "rows")],
)
def test_table_names_rows_or_headers_that_are_not_sequences(rows, headers, name):
    with pytest.raises(TypeError, match=f"^{name} must be"):
        table(rows, headers)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_table_refuses_a_number_that_is_not_finite(bad):
    with pytest.raises(ValueError, match=r"rows\[0\] holds a number that is not finite"):
        table([(1.0, bad)], ["a", "b"])
