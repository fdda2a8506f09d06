"""Small-cell suppression (analytics.suppression): every expected table is worked out by hand
in the docstring or comment beside it, with k = 5 unless a test says otherwise."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from analytics.suppression import (
    guard_difference,
    label,
    legend,
    min_cell,
    suppress_counts,
    suppress_filtered,
    suppress_rate,
)

H = "<5"  # hidden for being small
X = "x"  # hidden to protect a small one (secondary, differencing) and hidden rates
T = "合計"


def rows(frame: pd.DataFrame) -> list[list]:
    return frame.to_numpy().tolist()


def test_primary_hides_counts_from_one_to_k_minus_one_and_shows_zero():
    """Without totals only primary suppression runs: 3 and 1 are hidden, 0, 5, 7, 12 shown."""
    table = pd.DataFrame({"a": [3, 7], "b": [0, 1], "c": [12, 5]}, index=["x", "y"])

    result = suppress_counts(table, k=5, margins=False)

    assert rows(result.display()) == [[H, 0, 12], [7, H, 5]]
    assert rows(result.mask) == [[True, False, False], [False, True, False]]
    assert rows(result.values) == [[3, 0, 12], [7, 1, 5]]  # kept for rates
    chart = result.for_chart()
    assert math.isnan(chart.loc["x", "a"]) and chart.loc["x", "b"] == 0.0
    assert all(isinstance(v, int) for v in result.display().loc["y", ["a", "c"]])


def test_secondary_suppression_makes_a_hidden_cell_unrecoverable_from_its_row_total():
    """r1's 2 alone hidden would be 20 − 10 − 8 = 2 from the shown row total. The smallest
    other non-zero cells of r1 and r2 (8 and 7, column C) are hidden too; column A (2, 3) and
    column C (8, 7) then each have two hidden cells, and the shown totals fit more than one
    table: (2, 3, 8, 7) and (3, 2, 7, 8) alike."""
    table = pd.DataFrame({"A": [2, 3], "B": [10, 9], "C": [8, 7]}, index=["r1", "r2"])

    result = suppress_counts(table, k=5)

    assert rows(result.display()) == [
        [H, 10, X, 20],
        [H, 9, X, 19],
        [5, 19, 15, 39],
    ]
    assert list(result.display().index) == ["r1", "r2", T]
    assert list(result.display().columns) == ["A", "B", "C", T]
    for a1, a2, c1, c2 in [(2, 3, 8, 7), (3, 2, 7, 8)]:
        assert a1 + 10 + c1 == 20 and a2 + 9 + c2 == 19
        assert a1 + a2 == 5 and c1 + c2 == 15


def test_secondary_suppression_iterates_into_the_columns():
    """Row r1: 2 is hidden, so its smallest other cell 8 (C) is. Then column A has one hidden
    cell (2), so its smallest other, r3's 5, is hidden; column C likewise hides r3's 6. Row r3
    now has two hidden cells: done. Four unknowns, three independent equations."""
    table = pd.DataFrame(
        {"A": [2, 6, 5], "B": [10, 9, 11], "C": [8, 7, 6]}, index=["r1", "r2", "r3"]
    )

    result = suppress_counts(table, k=5)

    assert rows(result.display()) == [
        [H, 10, X, 20],
        [6, 9, 7, 22],
        [X, 11, X, 22],
        [13, 30, 21, 64],
    ]
    assert result.hidden_count == 4


def test_small_totals_are_hidden_and_protected_like_cells():
    """Hidden by size: 1, 2, r1's total 3 and column A's total 1. The totals row (1*, 11, 12)
    then hides 11, the totals column (3*, 9, 12) hides r2's total 9, and row r2 (0, 9, 9*)
    hides its 9; 0 stays shown and the grand total 12 is the only other figure left."""
    table = pd.DataFrame({"A": [1, 0], "B": [2, 9]}, index=["r1", "r2"])

    result = suppress_counts(table, k=5)

    assert rows(result.display()) == [[H, H, H], [0, X, X], [H, X, 12]]
    assert rows(result.mask) == [[True, True], [False, True]]


def test_a_series_gets_its_total_and_the_same_protection():
    """65-69: 3 is hidden; the list with its total (3*, 12, 0 | 15) would give it back, so the
    smallest other non-zero, 12, is hidden too. 0 is shown."""
    counts = pd.Series({"65-69": 3, "70s": 12, "80+": 0})

    shown = suppress_counts(counts, k=5).display()

    assert shown.to_dict() == {"65-69": H, "70s": X, "80+": 0, T: 15}


def test_zero_is_never_hidden():
    table = pd.DataFrame({"A": [0, 0], "B": [0, 7]})

    assert rows(suppress_counts(table, k=5).display()) == [[0, 0, 0], [0, 7, 7], [0, 7, 7]]


def test_differencing_across_two_filters():
    """The ward total 23 is shown on the ward's page; with a venue filter the same figure is
    20, and 23 − 20 = 3 would reveal the three people elsewhere, so 20 is hidden. 17 differs by
    6 and is shown; a ward total that is itself small is not shown, so it reveals nothing."""
    assert guard_difference(20, 23, k=5) is True
    assert suppress_filtered(20, 23, k=5) == X  # not small itself: "<5" would be false
    assert guard_difference(17, 23, k=5) is False
    assert suppress_filtered(17, 23, k=5) == 17
    assert guard_difference(23, 23, k=5) is False  # nothing left out
    assert guard_difference(1, 4, k=5) is False
    assert suppress_filtered(1, 4, k=5) == H  # small in itself
    assert suppress_filtered(3, k=5) == H
    assert suppress_filtered(0, 4, k=5) == 0


def test_differencing_of_a_table_against_the_wider_one_shown_elsewhere():
    """Ward: 65-69 12, 70s 8 (total 20). Venue: 10 and 8 (total 18). 12 − 10 = 2 and
    20 − 18 = 2: both the 10 and the total are hidden; 70s (difference 0) stays."""
    ward = pd.Series({"65-69": 12, "70s": 8})
    venue = pd.Series({"65-69": 10, "70s": 8})

    shown = suppress_counts(venue, k=5, wider=ward).display()

    assert shown.to_dict() == {"65-69": X, "70s": 8, T: X}
    plain = suppress_counts(venue, k=5).display()
    assert plain.to_dict() == {"65-69": 10, "70s": 8, T: 18}


def test_rates_are_hidden_where_either_side_is_and_absent_over_zero():
    """attended / booked: 3/8 (numerator hidden), 12/15 = 80.0%, 0/4 (denominator hidden),
    0/0 (nothing to divide by: "—")."""
    attended = pd.Series([3, 12, 0, 0])
    booked = pd.Series([8, 15, 4, 0])

    rates = suppress_rate(attended, booked, k=5)

    assert rates.display().tolist() == [X, "80.0%", X, "—"]  # a rate is never "<5"
    chart = rates.for_chart()
    assert chart[1] == 80.0
    assert all(math.isnan(chart[i]) for i in (0, 2, 3))


def test_rates_follow_the_masks_of_the_shown_tables():
    """attended (3*, 12*, 0 | 15) and booked (8*, 15, 4* | 27) after secondary suppression:
    each venue's rate has a hidden side; the 合計 rate 15/27 = 55.6% is shown."""
    index = ["x", "y", "z"]
    attended = suppress_counts(pd.Series([3, 12, 0], index=index), k=5)
    booked = suppress_counts(pd.Series([8, 15, 4], index=index), k=5)

    rates = suppress_rate(attended, booked, k=5)

    assert rates.display().to_dict() == {"x": X, "y": X, "z": X, T: "55.6%"}


def test_rates_with_explicit_masks_and_a_per_thousand_scale():
    """Reach: 6 participants of 1,200 residents = 5.0 per 1,000; the population side has no
    mask of its own, so only its small counts would be hidden."""
    participants = pd.Series({"池袋": 6, "目白": 30})
    population = pd.Series({"池袋": 1200, "目白": 2000})
    hidden = pd.Series({"池袋": False, "目白": True})

    rates = suppress_rate(participants, population, k=5, numerator_mask=hidden, scale=1000)

    assert rates.display(suffix="").to_dict() == {"池袋": "5.0", "目白": X}


def test_k_and_label_come_from_settings():
    with override_settings(ANALYTICS_MIN_CELL=10):
        assert min_cell() == 10
        assert label() == "<10"
        assert suppress_counts(pd.Series([7, 12]), margins=False).display().tolist() == ["<10", 12]
        assert suppress_filtered(30, 38) == X
        assert suppress_filtered(7, 38) == "<10"
    with override_settings(ANALYTICS_SUPPRESSED_LABEL="−", ANALYTICS_PROTECTED_LABEL="χ"):
        assert label() == "−"
        assert suppress_counts(pd.Series([2, 9]), margins=False).display().tolist() == ["−", 9]
        assert suppress_counts(pd.Series([2, 9])).display().tolist() == ["−", "χ", 11]
    assert min_cell() == 5
    assert label() == "<5"


def test_a_minimum_below_two_is_refused():
    with override_settings(ANALYTICS_MIN_CELL=1), pytest.raises(ImproperlyConfigured):
        min_cell()
    with pytest.raises(ValueError):
        suppress_counts(pd.Series([1]), k=1)


def test_what_is_not_a_count_is_refused():
    with pytest.raises(ValueError):
        suppress_counts(pd.Series([1.5]), k=5)
    with pytest.raises(ValueError):
        suppress_counts(pd.Series([-1]), k=5)


def test_missing_cells_of_a_pivot_count_as_zero():
    table = pd.DataFrame({"A": [7.0, None]})

    assert rows(suppress_counts(table, k=5, margins=False).display()) == [[7], [0]]


# --- property ------------------------------------------------------------------------------

tables = st.integers(1, 5).flatmap(
    lambda n_rows: st.integers(1, 5).flatmap(
        lambda n_cols: st.lists(
            st.lists(st.integers(0, 20), min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
)


@hypothesis_settings(max_examples=50, deadline=None, derandomize=True)
@given(cells=tables, k=st.integers(2, 6))
def test_no_line_of_the_shown_table_has_exactly_one_hidden_cell(cells, k):
    """With its totals, no row or column of a displayed table has exactly one hidden cell;
    every count 1..k−1 (totals too) is hidden, every 0 shown."""
    result = suppress_counts(pd.DataFrame(cells), k=k)
    shown = result.display()
    hidden = shown.map(lambda v: isinstance(v, str)).to_numpy()
    totals = result.totals.to_numpy()

    for line in itertools.chain(hidden, hidden.T):
        assert line.sum() != 1
    assert ((totals > 0) & (totals < k) <= hidden).all()
    assert not hidden[totals == 0].any()
    assert (hidden == result.totals_mask.to_numpy()).all()


@hypothesis_settings(max_examples=50, deadline=None, derandomize=True)
@given(cells=tables, k=st.integers(2, 6), data=st.data())
def test_a_filtered_table_never_differs_from_the_shown_wider_one_by_a_small_group(cells, k, data):
    """The wider table is the filtered one plus what the filter left out. Every cell or total
    that differs by 1..k−1 from a shown wider counterpart is hidden, and the protection of the
    lines still holds."""
    own = pd.DataFrame(cells)
    left_out = pd.DataFrame(
        [[data.draw(st.integers(0, 8)) for _ in row] for row in cells], columns=own.columns
    )
    wider = suppress_counts(own + left_out, k=k)
    result = suppress_counts(own, k=k, wider=wider)
    hidden = result.totals_mask.to_numpy()
    difference = (wider.totals - result.totals).to_numpy()
    wider_shown = ~wider.totals_mask.to_numpy()

    for line in itertools.chain(hidden, hidden.T):
        assert line.sum() != 1
    assert ((difference > 0) & (difference < k) & wider_shown <= hidden).all()


def test_the_legend_names_both_marks():
    text = legend(5)
    assert "「<5」は1〜4人" in text and "「x」" in text
