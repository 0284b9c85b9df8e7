package io.collab.bench.common;

import java.util.Map;

/** CPU, run-queue waits, load average and client GC over a measured window: sampled at its start and its end. */
public final class WindowStats {

  private final Map<String, Long> watch;
  private CpuSample cpuStart;
  private CpuSample cpuEnd;
  private String loadStart;
  private String loadEnd;
  private long gcCount;
  private long gcMillis;

  /** @param watch the processes to sample besides this JVM and the machine ({@link CpuSample#take}) */
  public WindowStats(Map<String, Long> watch) {
    this.watch = watch;
  }

  public void start() {
    cpuStart = CpuSample.take(watch);
    loadStart = Machine.loadavg();
    gcCount = -Machine.gcCount();
    gcMillis = -Machine.gcMillis();
  }

  public void end() {
    cpuEnd = CpuSample.take(watch);
    loadEnd = Machine.loadavg();
    gcCount += Machine.gcCount();
    gcMillis += Machine.gcMillis();
  }

  /** GC pauses of this JVM in the window. */
  public long gcCount() {
    return gcCount;
  }

  /** Their total time, ms. */
  public long gcMillis() {
    return gcMillis;
  }

  /** The report's {@code cpu (window)}, {@code run-queue waits} and {@code loadavg} rows. */
  public void rows(StringBuilder b, double windowSeconds) {
    if (cpuStart != null && cpuEnd != null) {
      Machine.row(b, "cpu (window)", cpuEnd.describe(cpuStart, windowSeconds));
      String waits = cpuEnd.describeWaits(cpuStart);
      if (!waits.isEmpty()) {
        Machine.row(b, "run-queue waits", waits);
      }
    }
    Machine.row(b, "loadavg", "start of window " + loadStart + " | end " + loadEnd);
  }
}
