package io.collab.bench.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * What every load generator's run needs: a bounded lifetime, an exit status, and bounded concurrency (setup calls,
 * handshakes, requests).
 */
public final class BenchRuns {

  private BenchRuns() {}

  /**
   * Runs {@code run} and exits with its status (1 if it threw), closing the generator's Vert.x first. A watchdog halts
   * the JVM with status 3 after {@code limitSeconds}, whatever happens: setup, connecting and the gates have their own
   * limits; this is the backstop.
   */
  public static void exitAfter(String name, long limitSeconds, Callable<Integer> run, Supplier<Vertx> vertx) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(limitSeconds * 1000);
        System.err.println(name + ": still running after " + limitSeconds + " s; giving up");
        Runtime.getRuntime().halt(3);
      } catch (InterruptedException ignored) {
        // normal end
      }
    }, "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    int code;
    try {
      code = run.call();
    } catch (Throwable e) {
      System.err.println(name + ": failed: " + e);
      e.printStackTrace();
      code = 1;
    }
    try {
      vertx.get().close().await(20, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
    System.exit(code);
  }

  /** Runs the tasks with at most {@code inFlight} at once; fails on the first failure. */
  public static void bounded(List<Supplier<Future<?>>> tasks, int inFlight, int timeoutSeconds) throws Exception {
    Semaphore permits = new Semaphore(inFlight);
    List<Future<?>> all = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (Supplier<Future<?>> task : tasks) {
      if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("setup did not finish within " + timeoutSeconds + " s");
      }
      Future<?> f = task.get();
      f.onComplete(r -> permits.release());
      all.add(f);
      for (Future<?> done : all) {
        if (done.failed()) {
          throw new IllegalStateException("setup failed: " + done.cause().getMessage(), done.cause());
        }
      }
    }
    Future.all(all).await(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())), TimeUnit.SECONDS);
  }

  /**
   * Starts {@code start(item)} for every item, at most {@code inFlight} unfinished at once, from the calling thread
   * (which blocks for permits); waits (bounded) until all have ended, and returns their futures in order. Unlike
   * {@link #bounded}, a failure does not stop the others: the caller counts them.
   */
  public static <T> List<Future<Void>> throttled(List<T> items, int inFlight, int timeoutSeconds,
                                                 Function<T, Future<Void>> start) throws Exception {
    Semaphore permits = new Semaphore(inFlight);
    List<Future<Void>> all = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (T item : items) {
      if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("not done within " + timeoutSeconds + " s");
      }
      Future<Void> f = start.apply(item);
      f.onComplete(r -> permits.release());
      all.add(f);
    }
    Future.join(all).await(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())), TimeUnit.SECONDS);
    return all;
  }

  /**
   * On an event loop: runs {@code task(0)} to {@code task(n - 1)}, at most {@code lanes} at once, each lane starting
   * its next task when the previous one ends; completes when all have ended (a task's own outcome is the task's
   * business).
   */
  public static Future<Void> inLanes(int n, int lanes, IntFunction<Future<?>> task) {
    if (n == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] finished = {0};
    Runnable[] lane = new Runnable[1];
    lane[0] = () -> {
      int i = next[0]++;
      if (i < n) {
        task.apply(i).onComplete(ended -> {
          if (++finished[0] == n) {
            done.complete();
          } else {
            lane[0].run();
          }
        });
      }
    };
    for (int l = 0; l < Math.min(lanes, n); l++) {
      lane[0].run();
    }
    return done.future();
  }
}
