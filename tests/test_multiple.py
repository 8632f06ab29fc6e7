"""Holm and Benjamini-Hochberg adjusted p-values against statsmodels' multipletests, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from eventstudy.stats.multiple import benjamini_hochberg, holm

P_VALUES = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.05, 0.5, 1e-300])), min_size=1, max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(p=P_VALUES)
def test_holm_equals_statsmodels(p: list[float]) -> None:
    a = np.array(p)
    np.testing.assert_array_equal(holm(a), multipletests(a, method="holm")[1])


@settings(max_examples=100, deadline=None)
@given(p=P_VALUES)
def test_benjamini_hochberg_equals_statsmodels(p: list[float]) -> None:
    a = np.array(p)
    np.testing.assert_array_equal(benjamini_hochberg(a), multipletests(a, method="fdr_bh")[1])


@pytest.mark.parametrize("p, expect_holm, expect_bh", [
    # Textbook cases: Holm multiplies the k-th smallest by (m - k + 1), keeping the order; BH
    # divides by k/m from the largest down, keeping the running minimum.
    ([0.01, 0.04, 0.03], [0.03, 0.06, 0.06], [0.03, 0.04, 0.04]),
    ([0.5, 0.9], [1.0, 1.0], [0.9, 0.9]),
    ([0.02], [0.02], [0.02]),
])
def test_textbook_values(p: list[float], expect_holm: list[float], expect_bh: list[float]) -> None:
    np.testing.assert_allclose(holm(np.array(p)), expect_holm, rtol=1e-15)
    np.testing.assert_allclose(benjamini_hochberg(np.array(p)), expect_bh, rtol=1e-15)
