package io.collab.bench;

import io.collab.bench.common.WindowStats;
import io.vertx.core.Promise;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.collab.bench.common.Machine.row;
import static io.collab.bench.common.Percentiles.pct;

/**
 * The report of a run: every loop's statistics gathered, the latencies sorted and cut by slice and by second, one
 * line per row (the rows docs/benchmarks.md explains).
 */
final class RealtimeReport {

  private final RealtimeOptions o;
  private final List<RealtimeLoop> loops;
  private final RedisSpy spy;
  private final long measureStart;
  private final long measureStartWallMillis;
  final WindowStats stats;
  int connected;
  double connectSeconds;
  double measuredSeconds;
  double drainSeconds;

  /** @param spy null without {@code --redis-spy} */
  RealtimeReport(RealtimeOptions o, List<RealtimeLoop> loops, RedisSpy spy, long measureStart,
                 long measureStartWallMillis) {
    this.o = o;
    this.loops = loops;
    this.spy = spy;
    this.measureStart = measureStart;
    this.measureStartWallMillis = measureStartWallMillis;
    this.stats = new WindowStats(o.watch);
  }

  /**
   * Gathers each loop's statistics on its own thread and prints the report.
   *
   * @param expected deliveries expected of the measured window
   */
  void print(long expected, long[] connect, Map<String, Long> connectFailures, AtomicIntegerArray readyPerWorkspace)
      throws Exception {
    // gather each loop's statistics on its own thread
    RealtimeLoop total = new RealtimeLoop(-1);
    for (RealtimeLoop loop : loops) {
      Promise<Void> done = Promise.promise();
      loop.context.runOnContext(v -> {
        synchronized (total) {
          total.latencies.addAll(loop.latencies);
          total.sentAt.addAll(loop.sentAt);
          total.ingress.addAll(loop.ingress);
          total.egress.addAll(loop.egress);
          total.sentMeasured += loop.sentMeasured;
          total.sentWarmup += loop.sentWarmup;
          total.deliveredMeasured += loop.deliveredMeasured;
          total.deliveredOther += loop.deliveredOther;
          total.otherBroadcasts += loop.otherBroadcasts;
          total.foreignBroadcasts += loop.foreignBroadcasts;
          total.seqGaps += loop.seqGaps;
          total.seqMissing += loop.seqMissing;
          total.seqBackwards += loop.seqBackwards;
          total.recoveryFailed += loop.recoveryFailed;
          total.writeQueueFull += loop.writeQueueFull;
          loop.errors.forEach((k, n) -> total.errors.merge(k, n, Long::sum));
          loop.closes.forEach((k, n) -> total.closes.merge(k, n, Long::sum));
        }
        done.complete();
      });
      done.future().await(20, TimeUnit.SECONDS);
    }
    long[] lat;
    long[] in;
    long[] out;
    int sliceSeconds = 10;
    int slices = (o.duration + sliceSeconds - 1) / sliceSeconds;
    long[][] bySlice = new long[slices][];
    synchronized (total) {
      int[] sizes = new int[slices];
      for (int i = 0; i < total.latencies.size(); i++) {
        sizes[slice(total.sentAt.get(i), sliceSeconds, slices)]++;
      }
      for (int k = 0; k < slices; k++) {
        bySlice[k] = new long[sizes[k]];
        sizes[k] = 0;
      }
      for (int i = 0; i < total.latencies.size(); i++) {
        int k = slice(total.sentAt.get(i), sliceSeconds, slices);
        bySlice[k][sizes[k]++] = total.latencies.get(i);
      }
      bucketMax = new long[o.duration];
      bucketCount = new long[o.duration];
      bucketSlow = new long[o.duration];
      for (int i = 0; i < total.latencies.size(); i++) {
        int k = (int) Math.max(0, Math.min(o.duration - 1, (total.sentAt.get(i) - measureStart) / 1_000_000_000L));
        bucketMax[k] = Math.max(bucketMax[k], total.latencies.get(i));
        bucketCount[k]++;
        if (total.latencies.get(i) > 50_000_000L) {
          bucketSlow[k]++;
        }
      }
      lat = total.latencies.toArray();
      in = total.ingress.toArray();
      out = total.egress.toArray();
    }
    Arrays.sort(lat);
    Arrays.sort(in);
    Arrays.sort(out);
    int minMembers = Integer.MAX_VALUE;
    int maxMembers = 0;
    for (int w = 0; w < o.workspaces; w++) {
      minMembers = Math.min(minMembers, readyPerWorkspace.get(w));
      maxMembers = Math.max(maxMembers, readyPerWorkspace.get(w));
    }

    StringBuilder b = new StringBuilder();
    b.append("\n== collab realtime benchmark, run ").append(o.runId).append(" ==\n");
    row(b, "scenario", o.idle ? "idle sockets" : "fan-out");
    row(b, "hosts", o.hosts.toString() + (o.compression ? ", permessage-deflate offered" : ""));
    row(b, "connections", String.format(Locale.ROOT, "%d of %d ready (presence_state received) in %.1f s; "
            + "handshake+presence p50 %.1f ms, p99 %.1f ms, max %.1f ms; failures %s", connected, o.sockets,
        connectSeconds, pct(connect, 50) / 1e6, pct(connect, 99) / 1e6, pct(connect, 100) / 1e6,
        connectFailures.isEmpty() ? "none" : connectFailures.toString()));
    row(b, "workspaces", String.format(Locale.ROOT, "%d, %d to %d sockets each, users per workspace %d", o.workspaces,
        minMembers, maxMembers, Math.min(o.users, (o.sockets + o.workspaces - 1) / o.workspaces)));
    if (!o.idle) {
      double secs = measuredSeconds;
      row(b, "rate", String.format(Locale.ROOT, "%.3g msg/s per sending socket, warmup %d s, measured %d s, "
          + "drain %.1f s", o.rate, o.warmup, o.duration, drainSeconds));
      row(b, "messages sent", String.format(Locale.ROOT, "%d in the measured window (%.1f/s); %d during warmup",
          total.sentMeasured, total.sentMeasured / secs, total.sentWarmup));
      row(b, "deliveries", String.format(Locale.ROOT, "%d of %d expected (sent x sockets of the sender's workspace, "
          + "sender included)", total.deliveredMeasured, expected));
      row(b, "delivery ratio", expected == 0 ? "n/a" : String.format(Locale.ROOT, "%.6f (missing %d)",
          total.deliveredMeasured / (double) expected, Math.max(0, expected - total.deliveredMeasured)));
      row(b, "deliveries/s", String.format(Locale.ROOT, "%.1f", total.deliveredMeasured / secs));
      row(b, "latency ms", String.format(Locale.ROOT, "p50 %.2f  p95 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)",
          pct(lat, 50) / 1e6, pct(lat, 95) / 1e6, pct(lat, 99) / 1e6, pct(lat, 99.9) / 1e6, pct(lat, 100) / 1e6,
          lat.length));
      row(b, "  split ms", String.format(Locale.ROOT, "client send -> server accept (\"ts\"): p50 %d  p99 %d  max %d; "
          + "server accept -> delivered: p50 %d  p99 %d  max %d (wall clock, 1 ms resolution)",
          pct(in, 50), pct(in, 99), pct(in, 100), pct(out, 50), pct(out, 99), pct(out, 100)));
      StringBuilder sliced = new StringBuilder();
      for (int k = 0; k < slices; k++) {
        Arrays.sort(bySlice[k]);
        sliced.append(k == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%d-%ds %.1f", k * sliceSeconds,
            Math.min(o.duration, (k + 1) * sliceSeconds), pct(bySlice[k], 99) / 1e6));
      }
      row(b, "  p99 by slice", sliced + " (ms; by send time within the measured window)");
      row(b, "  worst seconds", worstSeconds(lat.length, bySlice.length, sliceSeconds));
      if (spy != null) {
        Promise<long[]> spyLatencies = Promise.promise();
        long[] spyCounts = new long[2];
        String[] spyFailure = new String[1];
        spy.context.runOnContext(v -> {
          spyCounts[0] = spy.messages;
          spyCounts[1] = spy.seqGaps;
          spyFailure[0] = spy.failure;
          spyLatencies.complete(spy.latencies.toArray());
        });
        long[] pub = spyLatencies.future().await(20, TimeUnit.SECONDS);
        Arrays.sort(pub);
        row(b, "  redis spy ms", String.format(Locale.ROOT, "client send -> published by Redis (seen by a plain "
                + "subscriber): p50 %.2f  p95 %.2f  p99 %.2f  max %.2f (n=%d of %d sent; %d messages, %d seq gaps seen)",
            pct(pub, 50) / 1e6, pct(pub, 95) / 1e6, pct(pub, 99) / 1e6, pct(pub, 100) / 1e6, pub.length,
            total.sentMeasured, spyCounts[0], spyCounts[1])
            + (spyFailure[0] == null ? "" : "; spy connection: " + spyFailure[0]));
      }
    }
    row(b, "seq", String.format(Locale.ROOT, "%d gaps (%d seqs missing), %d duplicate/out-of-order, %d recovery_failed",
        total.seqGaps, total.seqMissing, total.seqBackwards, total.recoveryFailed));
    row(b, "other broadcasts", String.format(Locale.ROOT, "%d (user_join/user_leave), %d bench outside the window, "
        + "%d from other runs", total.otherBroadcasts, total.deliveredOther, total.foreignBroadcasts));
    row(b, "errors", total.errors.isEmpty() ? "none" : total.errors.toString());
    row(b, "close codes", total.closes.isEmpty() ? "none before the end of the run" : total.closes.toString());
    if (total.writeQueueFull > 0) {
      row(b, "client backpressure", total.writeQueueFull + " sends found the socket's write queue full");
    }
    double window = measuredSeconds;
    row(b, "client JVM", String.format(Locale.ROOT, "%d GC pauses, %d ms total during the window; heap used now %d MB",
        stats.gcCount(), stats.gcMillis(), (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20));
    stats.rows(b, window);
    System.out.print(b);
    System.out.flush();
  }

  /** The five one-second buckets (by send time) with the highest latency, with wall-clock times to compare with GC logs. */
  private long[] bucketMax;
  private long[] bucketCount;
  private long[] bucketSlow;

  private String worstSeconds(int n, int slices, int sliceSeconds) {
    if (bucketMax == null) {
      return "n/a";
    }
    Integer[] order = new Integer[bucketMax.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, c) -> Long.compare(bucketMax[c], bucketMax[a]));
    StringBuilder b = new StringBuilder();
    DateTimeFormatter hms = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    for (int i = 0; i < Math.min(5, order.length); i++) {
      int k = order[i];
      b.append(i == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%s max %.0f ms, %d of %d over 50 ms",
          hms.format(Instant.ofEpochMilli(measureStartWallMillis + k * 1000L)), bucketMax[k] / 1e6,
          bucketSlow[k], bucketCount[k]));
    }
    return b + " (UTC)";
  }

  private int slice(long sentAt, int sliceSeconds, int slices) {
    long k = (sentAt - measureStart) / TimeUnit.SECONDS.toNanos(sliceSeconds);
    return (int) Math.max(0, Math.min(slices - 1, k));
  }
}
