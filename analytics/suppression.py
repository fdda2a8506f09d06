"""Small-cell suppression: the one door every figure about residents passes through.

A count from 1 to k−1 (k = ``settings.ANALYTICS_MIN_CELL``, default 5) could point at a few
people in one 町名, age band or class, so it is never shown: charts get a gap, tables and files
get the label ("<5"). Hiding one cell is not enough when totals are shown, nor when the same
figure is shown under a wider filter elsewhere, so this module also does

* **secondary suppression** (``suppress_counts``): with the totals shown, a row or column with
  exactly one hidden cell gives it away (total minus the others), so another cell of that line
  is hidden too, until no line of the table with its totals has exactly one hidden cell;
* **differencing** (``guard_difference``, ``suppress_filtered``, ``suppress_counts(wider=...)``):
  a figure under a filter whose difference from the same figure under a wider filter shown
  elsewhere (the ward total, the year total) is 1..k−1 would reveal that small group;
* **rates** (``suppress_rate``): a rate whose numerator or denominator is hidden would let the
  hidden count be worked back, and a rate over nothing is not a number.

Zero is shown: "nobody" reveals nobody. Only aggregates come here (pandas, a few hundred cells
at most), so the plain loops below are fast enough and easy to check by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

Counts = pd.DataFrame | pd.Series

# The default of settings.ANALYTICS_SUPPRESSED_LABEL, translated when the ward keeps it.
DEFAULT_LABEL = "<{k}"
# Shown for a rate whose denominator is 0: there is nothing to divide by, which is not the
# same as a hidden figure.
NO_RATE = "—"


def min_cell() -> int:
    """Return k: the smallest count that is shown (``settings.ANALYTICS_MIN_CELL``)."""
    return _check_k(settings.ANALYTICS_MIN_CELL, ImproperlyConfigured)


def label(k: int | None = None) -> str:
    """Return the text shown instead of a hidden count, "<5" for k = 5.

    ``settings.ANALYTICS_SUPPRESSED_LABEL`` is the pattern ("{k}" stands for k); the default
    goes through gettext, a ward's own label ("−", "x") is shown as written.
    """
    k = _k(k)
    pattern = settings.ANALYTICS_SUPPRESSED_LABEL
    if pattern == DEFAULT_LABEL:
        pattern = gettext("<{k}")
    return pattern.replace("{k}", str(k))


def protected_label() -> str:
    """Return the text shown for a figure hidden although it is not small itself: a cell
    hidden so that a small one cannot be worked out from the totals (secondary suppression),
    a figure that differs from a wider one by a small group, and every hidden rate ("x", the
    秘匿 mark of Japanese official statistics; ``settings.ANALYTICS_PROTECTED_LABEL``).

    Showing "<5" there would be false: such a cell may hold 40.
    """
    return settings.ANALYTICS_PROTECTED_LABEL


def legend(k: int | None = None) -> str:
    """Return the sentence that explains both marks, for pages and files."""
    k = _k(k)
    return gettext(
        "「%(small)s」は1〜%(below)s人のため表示しない数、「%(protected)s」はほかの数や合計から"
        "少ない人数が分からないよう表示しない数（または割合）です。"
    ) % {"small": label(k), "below": k - 1, "protected": protected_label()}


def total_label() -> str:
    """Return the name of the totals row and column (合計)."""
    return gettext("合計")


def is_small(value: int, *, k: int | None = None) -> bool:
    """Return True for a count that is never shown on its own: 1..k−1."""
    return 0 < value < _k(k)


@dataclass(frozen=True, eq=False)  # holds frames, which do not compare to a bool
class Suppressed:
    """A table of counts with the cells that may not be shown.

    ``values`` and ``mask`` have the shape of the table that was given; ``totals`` and
    ``totals_mask`` add the 合計 row and column (a Series: the 合計 entry) when ``margins``,
    and are the same as ``values`` and ``mask`` otherwise. Keep ``values`` for computing rates
    (through ``suppress_rate``, with this object, so hidden cells hide their rates); show only
    what ``display()`` and ``for_chart()`` return.
    """

    values: Counts
    mask: Counts
    totals: Counts
    totals_mask: Counts
    k: int
    margins: bool

    def display(self) -> Counts:
        """Return the table to show and download: ints, "<k" in the cells hidden for being
        small, the protected mark ("x") in those hidden to protect them, and the 合計 row and
        column when ``margins``."""
        small = (self.totals > 0) & (self.totals < self.k)
        shown = self.totals.astype(object).where(~self.totals_mask, protected_label())
        shown = shown.mask(self.totals_mask & small, label(self.k))
        # map() infers dtypes again: an all-shown column would come back as int64.
        return shown.map(_plain).astype(object)

    def for_chart(self, *, totals: bool = False) -> Counts:
        """Return floats for a figure, NaN where hidden (plotly draws a gap, never a 0)."""
        values, mask = (self.totals, self.totals_mask) if totals else (self.values, self.mask)
        return values.astype(float).mask(mask)

    @property
    def hidden_count(self) -> int:
        """Return how many cells of the table with its totals are hidden (for notes)."""
        return int(np.asarray(self.totals_mask).sum())


def suppress_counts(
    frame: Counts,
    *,
    k: int | None = None,
    margins: bool = True,
    wider: Counts | Suppressed | None = None,
) -> Suppressed:
    """Hide the small counts of a table (DataFrame) or list (Series) of counts.

    Primary: counts 1..k−1 are hidden, totals included; 0 is shown. With ``margins`` the row
    and column totals (and, for a Series, its total) are shown with the table, so each row and
    each column, the totals row and column included, is a line whose cells add up to its total:
    a line with exactly one hidden cell would give it away, so its smallest other non-zero cell
    (a total only when no inner cell is as small) is hidden too, line by line, until no line has
    exactly one. Without ``margins`` no total is shown here and only primary suppression runs;
    a total shown elsewhere is the differencing guard's business.

    ``wider``: the same figure under a wider filter that is shown elsewhere (the table without
    the venue filter, the ward). A cell or total whose difference from its wider counterpart is
    1..k−1 is hidden (then protected as above), when that counterpart is itself shown.

    Missing cells (NaN, as from a pivot without ``fill_value``) count as 0. Raises ValueError
    for negative or fractional counts: they are not counts, and a mistake upstream.
    """
    k = _k(k)
    values = _as_counts(frame)
    is_series = isinstance(values, pd.Series)
    grid = _grid(values)
    extended = _with_margins(grid, is_series) if margins else grid
    hidden = (extended > 0) & (extended < k)
    if wider is not None:
        hidden |= _difference_mask(values, extended, wider, k=k, margins=margins)
    if margins:
        _protect(extended, hidden, is_series)
    rows, cols = grid.shape
    mask_grid = hidden[:rows, :cols]
    totals = _frame_like(values, extended, margins)
    totals_mask = _frame_like(values, hidden, margins)
    mask = _frame_like(values, mask_grid, False)
    return Suppressed(
        values=values,
        mask=mask,
        totals=totals,
        totals_mask=totals_mask,
        k=k,
        margins=margins,
    )


@dataclass(frozen=True, eq=False)  # holds frames, which do not compare to a bool
class Rates:
    """Rates with the ones that may not be shown.

    ``values`` holds the rates (already times ``scale``), NaN where hidden or undefined;
    ``hidden``: numerator or denominator hidden; ``undefined``: denominator 0.
    """

    values: Counts
    hidden: Counts
    undefined: Counts
    k: int

    def display(self, *, digits: int = 1, suffix: str = "%") -> Counts:
        """Return the rates as text ("12.5%"), the protected mark where hidden, "—" over
        nothing."""

        def text(value: float) -> str:
            return f"{value:,.{digits}f}{suffix}"

        shown = self.values.astype(object).map(lambda v: v if pd.isna(v) else text(v))
        shown = shown.mask(self.undefined, NO_RATE)
        # A hidden rate is marked as protected, never "<5": it is not a small count.
        return shown.mask(self.hidden, protected_label())

    def for_chart(self) -> Counts:
        """Return floats for a figure, NaN (a gap) where hidden or undefined."""
        return self.values


def suppress_rate(
    numerator: Counts | Suppressed,
    denominator: Counts | Suppressed,
    *,
    k: int | None = None,
    numerator_mask: Counts | None = None,
    denominator_mask: Counts | None = None,
    scale: float = 100.0,
) -> Rates:
    """Divide counts by counts, hiding every rate whose numerator or denominator is hidden.

    Pass the ``Suppressed`` tables the counts are shown in (their totals included, so the rate
    of the 合計 row is there too): a cell hidden by secondary suppression then hides its rate,
    which would otherwise give the count back (rate × denominator). For plain counts pass their
    masks; without one, that side's own counts 1..k−1 are hidden (a population figure of 3 is no
    more shown than a count of 3). A denominator of 0 gives no rate (NaN, shown as "—").
    ``scale``: 100 for percentages, 1000 for "per 1,000 residents".
    """
    k = _k(k)
    num, num_mask = _side(numerator, numerator_mask, k)
    den, den_mask = _side(denominator, denominator_mask, k)
    if type(num) is not type(den):
        raise TypeError("Numerator and denominator must both be tables or both be lists.")
    num, den = num.align(den, fill_value=0)
    num_mask, den_mask = _reindex(num_mask, num), _reindex(den_mask, den)
    undefined = den == 0
    hidden = (num_mask | den_mask) & ~undefined
    values = (num.astype(float) * scale / den.astype(float).where(~undefined)).mask(hidden)
    return Rates(values=values, hidden=hidden, undefined=undefined, k=k)


def guard_difference(value: int, whole: int, *, k: int | None = None) -> bool:
    """Return True when ``value`` must be hidden because ``whole`` is shown elsewhere.

    ``value`` is a figure under a filter (participants at one venue), ``whole`` the same figure
    under a wider filter that is shown elsewhere (the ward total, the year total). If they differ
    by 1..k−1, whole − value reveals that small group (the people not at this venue). A ``whole``
    that is itself small is never shown, so it reveals nothing.
    """
    k = _k(k)
    return not is_small(whole, k=k) and is_small(whole - value, k=k)


def suppress_filtered(value: int, whole: int | None = None, *, k: int | None = None) -> int | str:
    """Return a lone figure as it may be shown: "<k" when it is 1..k−1 itself, the protected
    mark when it differs from ``whole`` (shown elsewhere) by 1..k−1 (``guard_difference``),
    else the count.

    Dashboards call it for every single figure (a filtered total, a key number) with the
    unfiltered figure that is shown elsewhere: ``suppress_filtered(venue_total, ward_total)``.
    """
    k = _k(k)
    if is_small(value, k=k):
        return label(k)
    if whole is not None and guard_difference(value, whole, k=k):
        return protected_label()
    return int(value)


# --- steps ---------------------------------------------------------------------------------


def _k(k: int | None) -> int:
    return min_cell() if k is None else _check_k(k, ValueError)


def _check_k(k: Any, error: type[Exception]) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise error(f"The minimum cell size must be an integer of 2 or more, not {k!r}.")
    return k


def _as_counts(frame: Counts) -> Counts:
    """Return the counts as int64, NaN as 0; refuse what is not a count."""
    if not isinstance(frame, pd.DataFrame | pd.Series):
        raise TypeError("Counts must be a pandas DataFrame or Series.")
    filled = frame.fillna(0)
    numbers = filled.to_numpy(dtype=float) if filled.size else np.zeros(filled.shape)
    if (numbers < 0).any() or (numbers != np.floor(numbers)).any():
        raise ValueError("Counts must be whole numbers of 0 or more.")
    return filled.astype("int64")


def _grid(values: Counts) -> np.ndarray:
    """Return the counts as a 2-D array (a Series is one column)."""
    array = values.to_numpy(dtype="int64")
    return array[:, None] if isinstance(values, pd.Series) else array


def _reindex(mask: Counts, like: Counts) -> Counts:
    """Return ``mask`` on the labels of ``like``; a cell it does not know is not hidden."""
    if isinstance(like, pd.Series):
        return mask.reindex(like.index, fill_value=False).astype(bool)
    return mask.reindex(index=like.index, columns=like.columns, fill_value=False).astype(bool)


def _with_margins(grid: np.ndarray, is_series: bool) -> np.ndarray:
    """Append the totals row (and, for a table, the totals column) to a grid of counts."""
    with_row = np.vstack([grid, grid.sum(axis=0, keepdims=True)])
    if is_series:
        return with_row
    return np.hstack([with_row, with_row.sum(axis=1, keepdims=True)])


def _lines(shape: tuple[int, int], is_series: bool) -> Iterator[list[tuple[int, int]]]:
    """Yield each line of a grid with margins whose cells add up to its last cell."""
    rows, cols = shape
    if not is_series:
        for row in range(rows):
            yield [(row, col) for col in range(cols)]
    for col in range(cols):
        yield [(row, col) for row in range(rows)]


def _protect(extended: np.ndarray, hidden: np.ndarray, is_series: bool) -> None:
    """Secondary suppression on a grid with margins, in place.

    Each pass walks the rows, then the columns; a line with exactly one hidden cell gets its
    smallest other non-zero cell hidden (inner cells before totals at equal value, then the
    first). Every step hides one more cell, so the loop ends.
    """
    rows, cols = extended.shape

    def order(cell: tuple[int, int]) -> tuple[int, bool, tuple[int, int]]:
        is_total = cell[0] == rows - 1 or (not is_series and cell[1] == cols - 1)
        return (int(extended[cell]), is_total, cell)

    changed = True
    while changed:
        changed = False
        for line in _lines(extended.shape, is_series):
            if sum(hidden[cell] for cell in line) != 1:
                continue
            candidates = [c for c in line if not hidden[c] and extended[c] != 0]
            if not candidates:
                # Cannot happen with true totals (a hidden count > 0 makes its total > 0);
                # a zero hides nothing, so there is nothing else to protect.
                continue
            hidden[min(candidates, key=order)] = True
            changed = True


def _difference_mask(
    values: Counts,
    extended: np.ndarray,
    wider: Counts | Suppressed,
    *,
    k: int,
    margins: bool,
) -> np.ndarray:
    """Return the cells (and totals) that differ by 1..k−1 from their shown wider counterpart."""
    if isinstance(wider, Suppressed):
        wide, wide_mask = wider.totals, wider.totals_mask
        if not wider.margins and margins:
            raise ValueError("The wider table must have its totals when this one has.")
    else:
        wide_counts = _as_counts(wider)
        is_series = isinstance(wide_counts, pd.Series)
        wide_grid = _grid(wide_counts)
        wide_ext = _with_margins(wide_grid, is_series) if margins else wide_grid
        wide = _frame_like(wide_counts, wide_ext, margins)
        wide_mask = _frame_like(wide_counts, (wide_ext > 0) & (wide_ext < k), margins)
    own = _frame_like(values, extended, margins)
    wide = wide.reindex_like(own)
    wide_mask = wide_mask.reindex_like(own).fillna(True).astype(bool)
    difference = wide - own
    flagged = (difference > 0) & (difference < k) & ~wide_mask
    return flagged.to_numpy().reshape(extended.shape)


def _frame_like(values: Counts, grid: np.ndarray, margins: bool) -> Counts:
    """Wrap a grid in the labels of ``values``, with 合計 appended when ``margins``."""
    index = _append_total(values.index) if margins else values.index
    if isinstance(values, pd.Series):
        return pd.Series(grid[:, 0], index=index, name=values.name)
    columns = _append_total(values.columns) if margins else values.columns
    return pd.DataFrame(grid, index=index, columns=columns)


def _append_total(index: pd.Index) -> pd.Index:
    name = total_label()
    if isinstance(index, pd.MultiIndex):
        entry: Any = (name,) + ("",) * (index.nlevels - 1)
        return pd.MultiIndex.from_tuples([*index, entry], names=index.names)
    return pd.Index([*index, name], dtype=object, name=index.name)


def _side(counts: Counts | Suppressed, mask: Counts | None, k: int) -> tuple[Counts, Counts]:
    """Return the counts of one side of a rate and what of them is hidden."""
    if isinstance(counts, Suppressed):
        return counts.totals, counts.totals_mask if mask is None else mask
    values = _as_counts(counts)
    if mask is None:
        mask = (values > 0) & (values < k)
    return values, mask


def _plain(value: Any) -> Any:
    """Return numpy integers as Python ints, so templates and writers print them plainly."""
    return int(value) if isinstance(value, np.integer) else value
