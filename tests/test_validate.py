"""Argument checks: messages name the argument, the expectation and what arrived."""

import numpy as np
import pytest
import torch

from linreg_src._validate import check_real_scalar, describe


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
