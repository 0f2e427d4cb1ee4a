"""Provides the one percentile definition: nearest rank, used by the timing core's statistics and every benchmark.

The p-th percentile of n sorted samples is the sample at rank ⌈p·n⌉ (ranks count from 1): the smallest sample
with at least p·n samples at or below it. No interpolation, so every figure is a value that was measured: with
2,000 samples p99.9 has two samples above it, with 1,000 one, with 999 or fewer it is the largest. The console's
timing health, `showcall bench` and the post-show report all call this, so a p99 means the same thing wherever it
is printed. Pure and dependency-free: the product and the benchmarks both import it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Summary", "percentile", "summarize"]

Number = TypeVar("Number", int, float)


def percentile(sorted_values: Sequence[Number], fraction: float) -> Number:
    """The nearest-rank percentile of already sorted values (`fraction` 0.5 for p50, 0.999 for p99.9, 1 the max).

    Raises ValueError without values or for a fraction outside 0..1 (0 gives the smallest value).
    """
    if not sorted_values:
        raise ValueError("no values to take a percentile of")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in range 0..1, got {fraction}")
    # Rounded first so binary fractions land where decimal ones would: 0.7 * 10 is 7.000000000000001,
    # whose ceiling would skip a rank.
    rank = math.ceil(round(fraction * len(sorted_values), 6))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


@dataclass(frozen=True, slots=True)
class Summary:
    """How n samples spread: nearest-rank percentiles, the extremes, in the samples' own unit."""

    n: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    min: float

    def scaled(self, divisor: float) -> Summary:
        """The same summary in another unit: every figure divided by `divisor` (1000 for ns to µs)."""
        return Summary(
            self.n,
            self.p50 / divisor,
            self.p90 / divisor,
            self.p99 / divisor,
            self.p999 / divisor,
            self.max / divisor,
            self.min / divisor,
        )


def summarize(values: Iterable[float]) -> Summary | None:
    """The summary of `values` (in any order), or None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return Summary(
        n=len(ordered),
        p50=percentile(ordered, 0.5),
        p90=percentile(ordered, 0.9),
        p99=percentile(ordered, 0.99),
        p999=percentile(ordered, 0.999),
        max=ordered[-1],
        min=ordered[0],
    )
