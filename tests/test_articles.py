"""The articles' records: immutable, in order, naming their files; numbers as tensors."""

import dataclasses

import pytest
import torch

from linreg_src.articles import (
    ARTICLE_000,
    ARTICLE_001,
    ARTICLE_003,
    ARTICLE_004,
    ARTICLES,
    as_tensor,
)

# -- the records -----------------------------------------------------------------------------------


def _deep_values(value):
    if isinstance(value, tuple):
        for item in value:
            yield from _deep_values(item)
    else:
        yield value


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.key)
def test_records_are_immutable(article):
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.key = "999"  # type: ignore[misc]
    with pytest.raises(TypeError):
        article.inputs["new"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        article.published["loss"] = 0.0  # type: ignore[index]
    for mapping in (article.inputs, article.published):
        for value in mapping.values():
            for leaf in _deep_values(value):
                assert isinstance(leaf, (int, float, str)), (article.key, value)


def test_records_are_in_order_and_name_their_files():
    assert [a.key for a in ARTICLES] == ["000", "001", "002", "003", "004"]
    for a in ARTICLES:
        assert a.file.startswith(a.key + "_") and a.file.endswith(".txt")
        assert a.title


def test_as_tensor_makes_columns_and_matrices():
    assert as_tensor((1.0, 2.0)).shape == (2, 1)
    assert as_tensor(((1.0, 2.0),)).shape == (1, 2)
    assert as_tensor(3.0).shape == ()
    assert as_tensor((1.0,), dtype=torch.float32).dtype == torch.float32


@pytest.mark.parametrize(
    ("values", "dtype"),
    [((1e39,), torch.float32), ((float("nan"),), torch.float64), ((1,), torch.int64)],
)
def test_as_tensor_refuses_what_the_dtype_cannot_hold_finitely(values, dtype):
    with pytest.raises(ValueError, match="values must be finite numbers"):
        as_tensor(values, dtype=dtype)


@pytest.mark.parametrize("values", ["abc", ((1.0, 2.0), (3.0,)), None])
def test_as_tensor_refuses_what_is_not_numbers(values):
    with pytest.raises(TypeError, match="values must be a number or"):
        as_tensor(values)


# -- Article.check: a page's claim "matches the article" fails the build when it stops being true


def test_check_passes_when_the_live_value_prints_as_the_article_printed():
    ARTICLE_003.check("loss", 4.0)
    ARTICLE_001.check("grad_b", -40.95671)  # shown as -40.9567 at the article's 4 decimals
    ARTICLE_004.check("grad_w_1d", torch.tensor([[-8.18649], [-16.37298], [-24.55947]]))


def test_check_names_the_article_the_number_and_both_values():
    with pytest.raises(
        ValueError, match=r"article 000 printed loss = 200.0; the book computes 128.0"
    ):
        ARTICLE_000.check("loss", 128.0)


def test_check_compares_every_element_and_the_count():
    with pytest.raises(ValueError, match="grad_w_2d"):
        ARTICLE_004.check("grad_w_2d", (-124.4671, -164.6226, -204.7783))
    with pytest.raises(ValueError, match="grad_w_2d"):
        ARTICLE_004.check("grad_w_2d", (-124.4671, -164.6226))


def test_check_refuses_a_name_the_article_never_printed():
    with pytest.raises(ValueError, match=r"article 003 printed no 'grad_b'"):
        ARTICLE_003.check("grad_b", 0.0)


def test_check_refuses_a_live_value_that_is_not_numbers():
    with pytest.raises(TypeError, match="live must be a number"):
        ARTICLE_003.check("loss", "four")
