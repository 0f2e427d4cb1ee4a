"""The one percentile definition (showcall/stats.py): nearest rank, pinned by exact values on small lists."""

from __future__ import annotations

import pytest

from showcall.stats import Summary, percentile, summarize


def ranks(n: int) -> list[int]:
    """1..n, so a percentile's value is its rank."""
    return list(range(1, n + 1))


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 0.99, 0.999, 1.0])
def test_one_value_is_every_percentile(fraction: float) -> None:
    assert percentile([7], fraction) == 7


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.0, 10), (0.5, 10), (0.51, 20), (0.9, 20), (0.99, 20), (0.999, 20), (1.0, 20)],
)
def test_two_values_the_median_is_the_lower_no_mean_between_them(fraction: float, expected: int) -> None:
    assert percentile([10, 20], fraction) == expected


@pytest.mark.parametrize(
    ("n", "fraction", "rank"),
    [
        (100, 0.5, 50),
        (100, 0.9, 90),
        (100, 0.99, 99),  # one value above it, not the maximum
        (100, 0.999, 100),  # ⌈99.9⌉: the maximum
        (1000, 0.99, 990),
        (1000, 0.999, 999),  # one value above it
        (2000, 0.999, 1998),  # two above it
        (999, 0.999, 999),  # ⌈998.001⌉: the maximum
        (10, 0.7, 7),  # 0.7 × 10 is 7.000000000000001 in binary: still rank 7, not 8
        (100, 0.29, 29),  # 28.999999999999996: still rank 29
    ],
)
def test_nearest_rank_is_the_ceiling_of_fraction_times_n(n: int, fraction: float, rank: int) -> None:
    assert percentile(ranks(n), fraction) == rank


def test_values_are_returned_as_measured_never_interpolated() -> None:
    assert percentile([1.5, 2.25, 100.0], 0.5) == 2.25


def test_no_values_or_a_fraction_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="no values to take a percentile of"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match=r"fraction must be in range 0\.\.1, got 99"):
        percentile([1, 2], 99)


def test_summarize_sorts_and_reports_every_figure() -> None:
    values = list(reversed(ranks(1000)))
    assert summarize(values) == Summary(n=1000, p50=500, p90=900, p99=990, p999=999, max=1000, min=1)
    assert summarize([]) is None


def test_a_summary_converts_units() -> None:
    summary = summarize([1000, 2000, 3000])
    assert summary is not None
    assert summary.scaled(1000) == Summary(n=3, p50=2.0, p90=3.0, p99=3.0, p999=3.0, max=3.0, min=1.0)
