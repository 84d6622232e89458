"""Argument checks: messages name the argument, the expectation and what arrived."""

import numpy as np
import pytest
import torch

from linreg_src._validate import (
    backend_of,
    check_column_pair,
    check_delta_matches,
    check_float_array,
    check_generator,
    check_linreg_args,
    check_positive,
    check_real_scalar,
    describe,
    require_backend,
)


def test_describe_arrays_and_tensors():
    assert describe(np.zeros((2, 1))) == "numpy.ndarray of dtype float64 and shape (2, 1)"
    assert describe(torch.zeros(3)) == "torch.Tensor of dtype torch.float32 and shape (3,)"
    assert describe(2.5) == "float 2.5"
    assert describe("a") == "str"


@pytest.mark.parametrize("value", [3, 3.0, np.float64(3.0), torch.tensor(3.0), torch.tensor([3.0])])
def test_real_scalar_accepts_numbers_and_one_element_tensors(value):
    assert check_real_scalar("w", value) == 3.0


def test_real_scalar_refuses_multi_element_tensor():
    with pytest.raises(
        TypeError, match=r"w must be a single real number, got torch.Tensor .* \(2,\)"
    ):
        check_real_scalar("w", torch.zeros(2))


def test_real_scalar_refuses_complex():
    with pytest.raises(TypeError, match="w must be a real number, got complex"):
        check_real_scalar("w", 1 + 2j)


# ---- added with the core's test suite ----------------------------------------------------------


def test_real_scalar_refuses_bool_and_strings():
    with pytest.raises(TypeError, match=r"lr must be a real number, got bool True"):
        check_real_scalar("lr", True)
    with pytest.raises(TypeError, match=r"lr must be a real number, got str"):
        check_real_scalar("lr", "0.03")


def test_backend_of_names_the_offending_argument():
    with pytest.raises(TypeError, match=r"X must be a torch.Tensor or a numpy.ndarray, got list"):
        backend_of(X=[[1.0, 2.0]])
    assert backend_of(a=torch.zeros(1), b=torch.zeros(2)) == "torch"


def test_backend_of_lists_every_argument_when_mixed():
    with pytest.raises(
        TypeError,
        match=(
            r"arguments mix PyTorch and NumPy \(X is a numpy.ndarray, y is a torch.Tensor\); "
            r"convert one side with torch.from_numpy\(a\) or t.numpy\(\) first"
        ),
    ):
        backend_of(X=np.zeros(1), y=torch.zeros(1))


def test_require_backend_both_directions():
    require_backend("numpy", "loss", l=np.zeros(1))  # accepted: no error
    with pytest.raises(
        TypeError,
        match=(
            r"linreg_src\.loss_np works on NumPy arrays, but l is a torch tensor; "
            r"use linreg_src\.loss for torch tensors, or convert with t\.detach\(\)\.numpy\(\)"
        ),
    ):
        require_backend("numpy", "loss", l=torch.zeros(1))


def test_require_backend_does_not_name_a_twin_that_does_not_exist():
    with pytest.raises(TypeError, match=r"there is no linreg_src\.data_np for NumPy arrays"):
        require_backend("torch", "data", w=np.zeros(1))


@pytest.mark.parametrize("ndim", [2, (1, 2)])
def test_check_float_array_rank_message(ndim):
    with pytest.raises(ValueError, match=r"X must be .*2-D, got 3-D with shape \(1, 1, 1\)"):
        check_float_array("X", torch.zeros(1, 1, 1), ndim=ndim)


def test_check_float_array_counts_non_finite_values():
    a = np.array([[np.nan, 1.0], [np.inf, -np.inf]])
    with pytest.raises(
        ValueError, match=r"a contains 3 NaN or infinite value\(s\) \(shape \(2, 2\)\)"
    ):
        check_float_array("a", a, ndim=2)


def test_check_float_array_accepts_scalars_and_grad_tensors():
    check_float_array("b", torch.tensor(1.0), ndim=0)
    check_float_array("w", torch.ones(2, 1, requires_grad=True), ndim=2)


def test_check_linreg_args_returns_n_and_d_and_refuses_bad_bias_and_dtypes():
    assert check_linreg_args(np.ones((4, 3)), np.ones((3, 1)), np.array(0.0)) == (4, 3)
    with pytest.raises(ValueError, match=r"b must be a single number of shape \(1,\) or \(\)"):
        check_linreg_args(np.ones((4, 3)), np.ones((3, 1)), np.zeros(2))
    with pytest.raises(TypeError, match=r"X, w and b must share one dtype.*b float32"):
        check_linreg_args(np.ones((4, 3)), np.ones((3, 1)), np.zeros(1, dtype=np.float32))


def test_check_column_pair_variants():
    assert check_column_pair(np.zeros((5, 1)), np.zeros((5, 1))) == 5
    with pytest.raises(ValueError, match=r"pred has shape \(5,\) but obs has shape \(5, 1\)"):
        check_column_pair(np.zeros(5), np.zeros((5, 1)), names=("pred", "obs"))
    with pytest.raises(
        TypeError, match=r"y_hat and y must share one dtype, got float32 and float64"
    ):
        check_column_pair(np.zeros((5, 1), dtype=np.float32), np.zeros((5, 1)))
    with pytest.raises(
        ValueError, match=r"must both have shape \(N, 1\), got \(5, 2\) and \(5, 2\)"
    ):
        check_column_pair(np.zeros((5, 2)), np.zeros((5, 2)))


def test_check_positive_real_and_integer():
    assert check_positive("lr", 0.03) == 0.03
    assert check_positive("batch_size", np.int64(10), integer=True) == 10
    assert type(check_positive("batch_size", np.int64(10), integer=True)) is int
    with pytest.raises(ValueError, match=r"lr must be positive, got -1\.0"):
        check_positive("lr", -1)
    with pytest.raises(TypeError, match=r"batch_size must be a whole number, got float 1\.5"):
        check_positive("batch_size", 1.5, integer=True)


def test_check_delta_matches():
    assert check_delta_matches(torch.ones(3, 2), torch.ones(3, 1)) == (3, 2)
    with pytest.raises(TypeError, match=r"arguments mix PyTorch and NumPy"):
        check_delta_matches(torch.ones(3, 2), np.ones((3, 1)))


def test_check_generator():
    g = torch.Generator()
    assert check_generator(g) is g
    with pytest.raises(TypeError, match=r"generator must be a torch\.Generator .*got NoneType"):
        check_generator(None)


@pytest.mark.parametrize(
    "make", [np.full, lambda shape, v: torch.full(shape, v, dtype=torch.float64)]
)
def test_huge_finite_values_whose_sum_overflows_are_not_called_non_finite(make):
    from linreg_src._validate import check_float_array

    big = make((4, 1), 1e308)  # finite, but the sum overflows to inf
    check_float_array("X", big, ndim=2)
    with_nan = make((4, 1), 1e308)
    with_nan[2, 0] = float("nan")
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite value"):
        check_float_array("X", with_nan, ndim=2)


def test_check_count_names_the_accepted_range():
    from linreg_src._validate import check_count

    assert check_count("num_epochs", 0, minimum=0) == 0
    with pytest.raises(
        ValueError, match=r"num_epochs must be a whole number in \[0, 2\*\*63 - 1\]"
    ):
        check_count("num_epochs", 10**30, minimum=0)
    with pytest.raises(TypeError, match=r"num_epochs must be a whole number, got float"):
        check_count("num_epochs", 1.0)


def test_describe_a_class_and_a_huge_number():
    assert describe(np.float32) == "the class numpy.float32"
    assert describe(10**100).startswith("int 10000000000000000000...")


def test_check_delta_matches_refuses_another_dtype():
    with pytest.raises(TypeError, match=r"X and delta must share one dtype"):
        check_delta_matches(torch.ones(3, 2), torch.ones(3, 1, dtype=torch.float64))
