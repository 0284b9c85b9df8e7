package io.collab.bench.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Option values the load generators share: run ids and the processes to watch. */
public final class BenchOptions {

  private BenchOptions() {}

  /** A fresh run id (base 36 time and a random tail): every run registers users of its own. */
  public static String randomRunId() {
    return Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
  }

  /** Run ids end up in emails and user names. */
  public static void requireRunId(String runId) {
    if (!runId.matches("[A-Za-z0-9]{1,40}")) {
      throw new IllegalArgumentException("--run-id must be 1 to 40 letters or digits");
    }
  }

  /** {@code NAME=PID,...} as {@code --watch} takes it (see {@link CpuSample#take}), in order. */
  public static Map<String, Long> watch(String value) {
    Map<String, Long> watch = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        String[] kv = part.split("=", 2);
        watch.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
      }
    }
    return watch;
  }
}
