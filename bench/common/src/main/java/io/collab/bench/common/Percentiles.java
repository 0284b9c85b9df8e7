package io.collab.bench.common;

import java.util.Arrays;

/** Nearest-rank percentiles over every sample (no histogram buckets), as every benchmark report gives them. */
public final class Percentiles {

  private Percentiles() {}

  /** A sorted copy. */
  public static long[] sorted(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted;
  }

  /** The nearest-rank {@code p}th percentile (100: the maximum) of sorted values; 0 when there are none. */
  public static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** {@link #pct} of sorted nanoseconds, in milliseconds; NaN when there are none. */
  public static double millis(long[] sortedNanos, double p) {
    return sortedNanos.length == 0 ? Double.NaN : pct(sortedNanos, p) / 1e6;
  }
}
