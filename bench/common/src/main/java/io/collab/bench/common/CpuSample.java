package io.collab.bench.common;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** CPU ticks of this JVM, the watched processes and the whole machine (Linux /proc), at one instant. */
public final class CpuSample {
  final long wallNanos = System.nanoTime();
  final long selfCpuNanos = selfCpu();
  final Map<String, Long> ticks = new LinkedHashMap<>();
  /** name -> thread id -> {ns on a CPU, ns waiting on a run queue, times scheduled}, from /proc/PID/task/TID/schedstat. */
  final Map<String, Map<String, long[]>> sched = new LinkedHashMap<>();
  long machineBusy = -1;
  long machineTotal = -1;

  public static CpuSample take(Map<String, Long> watch) {
    CpuSample s = new CpuSample();
    s.sched.put("client", threadSched(ProcessHandle.current().pid()));
    watch.forEach((name, pid) -> {
      if (pid == 0) {
        // NAME=0: every process whose command is NAME, together (e.g. postgres: the server and all its backends)
        s.ticks.put(name, ticksOfCommand(name));
        return;
      }
      long t = processTicks(pid);
      if (t >= 0) {
        s.ticks.put(name, t);
      }
      s.sched.put(name, threadSched(pid));
    });
    long[] machine = machineTicks();
    s.machineBusy = machine[0];
    s.machineTotal = machine[1];
    return s;
  }

  /** {busy, total} clock ticks of the whole machine (/proc/stat; busy: all but idle and iowait), or {-1, -1}. */
  public static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
      return new long[] {total - idle, total};
    } catch (Exception ignored) {
      return new long[] {-1, -1}; // not Linux
    }
  }

  public String describe(CpuSample start, double windowSeconds) {
    double wall = (wallNanos - start.wallNanos) / 1e9;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "client %.0f%%", 100.0 * (selfCpuNanos - start.selfCpuNanos) / 1e9 / wall));
    ticks.forEach((name, t) -> {
      Long before = start.ticks.get(name);
      if (before != null) {
        b.append(String.format(Locale.ROOT, ", %s %.0f%%", name, 100.0 * (t - before) / 100.0 / wall));
      }
    });
    b.append(" (of one core)");
    if (machineTotal > 0 && start.machineTotal > 0) {
      b.append(String.format(Locale.ROOT, "; machine busy %.0f%% of %d cores",
          100.0 * (machineBusy - start.machineBusy) / Math.max(1, machineTotal - start.machineTotal),
          Runtime.getRuntime().availableProcessors()));
    }
    return b.toString();
  }

  /** How long each process's threads waited for a CPU while runnable, over the window (Linux schedstat). */
  public String describeWaits(CpuSample start) {
    StringBuilder b = new StringBuilder();
    sched.forEach((name, threads) -> {
      Map<String, long[]> before = start.sched.get(name);
      if (before == null || threads.isEmpty()) {
        return;
      }
      long run = 0;
      long wait = 0;
      long slices = 0;
      long loopWait = 0;
      long loopSlices = 0;
      for (Map.Entry<String, long[]> e : threads.entrySet()) {
        long[] was = before.getOrDefault(e.getKey(), new long[3]);
        long[] now = e.getValue();
        run += now[0] - was[0];
        wait += now[1] - was[1];
        slices += now[2] - was[2];
        if (e.getKey().startsWith("vert.x-eventloo")) {   // comm is cut to 15 characters
          loopWait += now[1] - was[1];
          loopSlices += now[2] - was[2];
        }
      }
      b.append(b.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
          "%s ran %.1f s, waited %.1f s (%.3f ms per wake-up%s)", name, run / 1e9, wait / 1e9,
          slices == 0 ? 0.0 : wait / 1e6 / slices,
          loopSlices == 0 ? "" : String.format(Locale.ROOT, ", event loops %.3f ms", loopWait / 1e6 / loopSlices)));
    });
    return b.toString();
  }

  static Map<String, long[]> threadSched(long pid) {
    Map<String, long[]> out = new java.util.HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tasks.forEach(task -> {
        try {
          String comm = Files.readString(task.resolve("comm")).trim();
          String[] f = Files.readString(task.resolve("schedstat")).trim().split("\\s+");
          out.put(comm + "/" + task.getFileName(), new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]),
              Long.parseLong(f[2])});
        } catch (Exception ignored) {
          // the thread ended meanwhile
        }
      });
    } catch (Exception ignored) {
      // not Linux, or the process is gone
    }
    return out;
  }

  /** utime + stime of every process whose command (comm) is {@code command}, in clock ticks. */
  public static long ticksOfCommand(String command) {
    long sum = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String pid = p.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (Files.readString(p.resolve("comm")).trim().equals(command)) {
            sum += Math.max(0, processTicks(Long.parseLong(pid)));
          }
        } catch (Exception ignored) {
          // gone meanwhile
        }
      }
    } catch (Exception ignored) {
      // not Linux
    }
    return sum;
  }

  /** utime + stime in clock ticks (USER_HZ, 100 on Linux), or -1. */
  public static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (Exception e) {
      return -1;
    }
  }

  static long selfCpu() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }
}
