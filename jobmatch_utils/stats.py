"""Uncertainty over queries: bootstrap confidence intervals and paired comparisons.

Queries are the sampling unit (a different sample of queries would give a different mean),
so intervals resample queries with replacement. Comparisons of two rankings of the same
queries are paired: they resample (or sign-flip) the per-query *differences*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Interval", "PairedComparison", "bootstrap_ci", "paired_comparison"]


@dataclass(frozen=True)
class Interval:
    """A mean with its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    level: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:.4f} [{self.low:.4f}, {self.high:.4f}] ({self.level:.0%} CI, n={self.n})"


@dataclass(frozen=True)
class PairedComparison:
    """B minus A on the same queries: mean difference, its interval, and a two-sided p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    n: int
    improved: int
    worsened: int
    test: str

    def __str__(self) -> str:
        return (f"Δ = {self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}], p = {self.p_value:.4f} "
                f"({self.test}, n={self.n}; {self.improved} better, {self.worsened} worse)")


def bootstrap_ci(values: Sequence[float] | np.ndarray, *, level: float = 0.95, resamples: int = 10_000,
                 seed: int = 42) -> Interval:
    """Percentile bootstrap interval of the mean over queries.

    Example:
        >>> interval = bootstrap_ci([0.0, 1.0] * 50, resamples=2000)
        >>> round(interval.mean, 2), interval.low < 0.5 < interval.high
        (0.5, True)
    """
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), level, 0)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, 1000):  # chunks keep memory flat for large query sets
        stop = min(start + 1000, resamples)
        means[start:stop] = data[rng.integers(0, data.size, size=(stop - start, data.size))].mean(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(data.mean()), float(low), float(high), level, int(data.size))


def paired_comparison(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, *, level: float = 0.95,
                      resamples: int = 10_000, seed: int = 42) -> PairedComparison:
    """Compare per-query scores of B against A (same queries, same order).

    The interval is a paired bootstrap of the mean difference; the p-value is a two-sided
    paired randomisation (sign-flip) test: under "no difference" each query's difference is
    as likely positive as negative.

    Example:
        >>> r = paired_comparison([0.2] * 30, [0.3] * 30, resamples=2000)
        >>> round(r.difference, 2), r.p_value < 0.01
        (0.1, True)
    """
    first, second = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if first.shape != second.shape:
        raise ValueError(f"paired scores need the same queries: {first.shape} vs {second.shape}")
    diff = second - first
    interval = bootstrap_ci(diff, level=level, resamples=resamples, seed=seed)
    rng = np.random.default_rng(seed + 1)
    observed = abs(diff.mean()) if diff.size else 0.0
    extreme = 0
    for start in range(0, resamples, 1000):
        stop = min(start + 1000, resamples)
        signs = rng.choice((-1.0, 1.0), size=(stop - start, diff.size))
        extreme += int((np.abs((signs * diff).mean(axis=1)) >= observed - 1e-15).sum())
    p_value = (extreme + 1) / (resamples + 1)
    return PairedComparison(interval.mean, interval.low, interval.high, float(p_value), int(diff.size),
                            int((diff > 0).sum()), int((diff < 0).sum()), "paired randomisation test")
