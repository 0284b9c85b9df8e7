package io.collab.bench.common;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The main thread's side of a timed run: a warm-up, then the measured window, with a progress line every 5 s and
 * the window's statistics sampled exactly at its start and end. Prints {@code BENCH-WINDOW <from ms> <to ms>}
 * (epoch) first: the run scripts cut the servers' GC logs and the Redis slowlog to it.
 */
public final class MeasuredWindow {

  /** A progress line: {@code intervalSeconds} since the last one, {@code measuring} once the window has begun. */
  @FunctionalInterface
  public interface Progress {
    void tick(double intervalSeconds, long elapsedSeconds, boolean measuring);
  }

  private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** System.nanoTime() of the start and end of the measured window. */
  public final long start;
  public final long end;
  /** Epoch ms of the window's start. */
  public final long startWallMillis;
  private final long begun;
  private final long begunWallMillis;
  private final int warmupSeconds;
  private final int durationSeconds;

  public MeasuredWindow(int warmupSeconds, int durationSeconds) {
    this.warmupSeconds = warmupSeconds;
    this.durationSeconds = durationSeconds;
    begun = System.nanoTime();
    begunWallMillis = System.currentTimeMillis();
    start = begun + TimeUnit.SECONDS.toNanos(warmupSeconds);
    end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
    startWallMillis = begunWallMillis + warmupSeconds * 1000L;
  }

  /** Prints the window line, then sleeps to the window's end: {@code stats} sampled at its start and end. */
  public void await(WindowStats stats, Progress progress) throws InterruptedException {
    System.out.printf(Locale.ROOT, "BENCH-WINDOW %d %d%n", startWallMillis,
        begunWallMillis + (warmupSeconds + (long) durationSeconds) * 1000L);
    long tick = begun;
    long lastTick = begun;
    boolean sampled = false;
    while (System.nanoTime() < end) {
      long wake = Math.min(tick + TICK_NANOS, end);
      if (!sampled && start < wake) {
        wake = start;
      }
      Pacing.sleepUntil(wake);
      if (!sampled && wake == start) {
        sampled = true;
        stats.start();
        continue;
      }
      tick = wake;
      double interval = (System.nanoTime() - lastTick) / 1e9;
      lastTick = System.nanoTime();
      progress.tick(interval, Math.round((System.nanoTime() - begun) / 1e9), System.nanoTime() > start);
    }
    stats.end();
  }
}
