package io.collab.bench;

import io.collab.bench.common.CpuSample;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

import static io.collab.bench.JobsBench.say;

/**
 * A round of submits sent by wrk with bench/jobs/submit.lua (a fraction of a JVM client's CPU per request, and the
 * client shares the cores), and the CPU each process spent per answered submit over the same window (/proc).
 */
final class WrkSubmits {

  private final JobsOptions o;
  private final String runId;
  /** The target verdict appended to a round's rate line. */
  private final BiFunction<String, Double, String> verdict;

  WrkSubmits(JobsOptions o, String runId, BiFunction<String, Double, String> verdict) {
    this.o = o;
    this.runId = runId;
    this.verdict = verdict;
  }

  /**
   * Phase 1 with wrk and bench/jobs/submit.lua: one wrk thread, {@code --concurrency} connections, stops once
   * {@code --jobs} answers have arrived. Returns the number of 202s.
   */
  int submit(List<String> tokens, String label, String code) throws Exception {
    Path tokenFile = Path.of(o.workDir, "jobs-bench-tokens-" + runId + ".txt");
    Files.write(tokenFile, tokens);
    Path script = Path.of(System.getProperty("bench.dir", "."), "submit.lua");
    List<String> command = List.of(o.wrk, "-t1", "-c" + o.concurrency, "-d" + Math.max(60, o.jobs / 10) + "s",
        "--timeout", "30s", "-s", script.toString(), "http://" + o.host + ":" + o.port);
    say("%s: %d jobs over %d users, %d connections, wrk: %s", label, o.jobs, tokens.size(), o.concurrency,
        String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(Map.of("TOKENS", tokenFile.toString(), "JOBS", Integer.toString(o.jobs),
        "BODY", new JsonObject().put("code", code).put("language", o.language).encode()));
    Map<String, Long> cpuBefore = cpuTicks(-1);
    Process wrk = builder.start();
    Map<String, Long> cpuAfter = new TreeMap<>();
    StringBuilder out = new StringBuilder();
    try (var lines = new BufferedReader(new InputStreamReader(wrk.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.append(line).append('\n');
        if (line.equals("wrk-done")) {
          cpuAfter.putAll(cpuTicks(wrk.pid()));
          interruptUntilExit(wrk);
        }
      }
    }
    wrk.waitFor();
    String output = out.toString();
    Files.deleteIfExists(tokenFile);
    String line = output.lines().filter(l -> l.startsWith("wrk-result ")).findFirst()
        .orElseThrow(() -> new IllegalStateException("wrk printed no result (exit " + wrk.exitValue() + "):\n" + output));
    JsonObject result = new JsonObject(line.substring("wrk-result ".length()));
    JsonObject statuses = result.getJsonObject("statuses");
    int accepted = statuses.getInteger("202", 0);
    long windowUs = result.getLong("window_us");
    if (windowUs <= 0) {
      throw new IllegalStateException("wrk stopped before " + o.jobs + " answers arrived:\n" + output);
    }
    double wallS = windowUs / 1e6;
    double rate = accepted / wallS;
    JsonObject lat = result.getJsonObject("latency_us");
    say("%s result: %d of %d submits answered 202 in %.3f s (from wrk's start to the last answer)",
        label, accepted, o.jobs, wallS);
    say("  enqueue rate: %.0f submits/s (202s only)%s", rate, verdict.apply(label, rate));
    say("  answers by status: %s; socket errors: %s", statuses.encode(), result.getJsonObject("errors").encode());
    say("  submit response time: p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  max %.1f ms", lat.getLong("p50") / 1e3,
        lat.getLong("p90") / 1e3, lat.getLong("p95") / 1e3, lat.getLong("p99") / 1e3, lat.getLong("max") / 1e3);
    if (!cpuAfter.isEmpty()) {
      int answered = statuses.fieldNames().stream().mapToInt(statuses::getInteger).sum();
      say("  CPU per answered submit, from /proc over the same window: %s",
          cpuPerRequest(cpuBefore, cpuAfter, answered, wallS));
    }
    return accepted;
  }

  /**
   * wrk sleeps until its -d has passed, unless interrupted: SIGINT (repeated, as the signal may reach a thread that
   * is still winding down rather than the sleeping one) ends the run, and wrk prints its statistics.
   */
  private static void interruptUntilExit(Process wrk) {
    Thread interrupter = new Thread(() -> {
      try {
        while (wrk.isAlive()) {
          Thread.sleep(200);
          new ProcessBuilder("kill", "-INT", Long.toString(wrk.pid())).start().waitFor();
        }
      } catch (Exception e) {
        wrk.destroy();
      }
    }, "wrk-interrupter");
    interrupter.setDaemon(true);
    interrupter.start();
  }

  /**
   * CPU time (utime + stime, clock ticks) of the processes named in {@code BENCH_WATCH} ("name=pid ..."), of all
   * PostgreSQL processes together, of wrk (when {@code wrkPid} > 0) and of the whole machine (/proc/stat).
   */
  private static Map<String, Long> cpuTicks(long wrkPid) {
    Map<String, Long> ticks = new TreeMap<>();
    for (String entry : System.getenv().getOrDefault("BENCH_WATCH", "").split(" ")) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        ticks.put(entry.substring(0, eq), Math.max(0, CpuSample.processTicks(Long.parseLong(entry.substring(eq + 1)))));
      }
    }
    ticks.put("postgres", CpuSample.ticksOfCommand("postgres"));
    if (wrkPid > 0) {
      ticks.put("wrk", Math.max(0, CpuSample.processTicks(wrkPid)));
    }
    long busy = CpuSample.machineTicks()[0];
    if (busy >= 0) {
      ticks.put("machine", busy);
    }
    return ticks;
  }

  /** "nodeA 0.17 ms (62% of a core), ..." per accepted request; clock ticks are 10 ms (USER_HZ 100). */
  private static String cpuPerRequest(Map<String, Long> before, Map<String, Long> after, int requests, double seconds) {
    List<String> parts = new ArrayList<>();
    after.forEach((name, ticks) -> {
      long spent = ticks - before.getOrDefault(name, 0L);
      parts.add(String.format(Locale.ROOT, "%s %.3f ms (%.0f%% of a core)", name, spent * 10.0 / requests,
          spent / (seconds * 100) * 100));
    });
    return String.join(", ", parts);
  }
}
