package io.collab.bench.common;

import java.util.concurrent.TimeUnit;

/**
 * The load loops' timing: each client sends at a mean rate R with every gap uniform in [0.5, 1.5] / R (so that
 * clients do not fall into step), and the main thread sleeps to deadlines.
 */
public final class Pacing {

  private Pacing() {}

  /** The mean gap of {@code ratePerSecond}, ns. */
  public static long periodNanos(double ratePerSecond) {
    return (long) (1e9 / ratePerSecond);
  }

  /** The delay before a client's first send, ms: uniform in [0, 1] periods, given {@code uniform} in [0, 1). */
  public static long firstDelayMillis(long periodNanos, double uniform) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis((long) (periodNanos * uniform)));
  }

  /** The gap to a client's next send, ms: uniform in [0.5, 1.5] periods, given {@code uniform} in [0, 1). */
  public static long gapMillis(long periodNanos, double uniform) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis((long) (periodNanos * (0.5 + uniform))));
  }

  public static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }

  public static double secondsSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1e9;
  }
}
