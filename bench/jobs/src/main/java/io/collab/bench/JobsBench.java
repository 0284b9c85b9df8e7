package io.collab.bench;

import io.collab.bench.common.Percentiles;
import io.vertx.core.Vertx;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Load generator for collab's background jobs, against a running cluster (loopback only).
 *
 * <p>Phase 1, enqueue rate: registers and logs in {@code --users} users, then submits {@code --jobs} trivial jobs
 * ({@code {"code":"print(1)","language":"python"}}, no workspace) as fast as the server takes them with
 * {@code --concurrency} requests in flight, spread round-robin over the users (the server serialises one user's
 * submits and has a per-user active-job quota). Reports 202s per second, errors by status and the submit response
 * time. Then waits (bounded by {@code --drain-timeout}) until the workers have drained the queue
 * ({@code GET /api/jobs/health/}: {@code pending} and {@code queued} 0), so that phase 2 does not measure the backlog;
 * jobs still queued at the bound are cancelled and the wait is reported.
 *
 * <p>Phase 2, end-to-end latency: one more user owns a project and a workspace and listens on one WebSocket
 * {@code /ws/workspaces/<id>/?token=}; it submits trivial python jobs with {@code workspace_id}, {@code
 * --latency-inflight} at a time, and measures from sending the submit to receiving
 * {@code {"type":"job","job_id":...,"status":"succeeded"}} on the socket. The {@code running} event splits that into
 * "until running" (HTTP submit, queue pickup, start transaction, announce) and "running to succeeded" (sandbox,
 * finish transaction, announce).
 *
 * <p>All waits are bounded; the process exits 0 when it completed (targets met or not), 1 on a setup failure.
 *
 * <p>Files: {@link JobsOptions}, {@link JobsApi} (the HTTP calls), {@link EnqueuePhase} (baseline, warm-up, phase 1,
 * drain) with {@link WrkSubmits}, {@link LatencyPhase}.
 */
public final class JobsBench {

  private final JobsOptions o;
  private final JobsApi api;
  private final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

  private JobsBench(Vertx vertx, JobsOptions o) {
    this.o = o;
    this.api = new JobsApi(vertx, o);
  }

  public static void main(String[] args) {
    JobsOptions o;
    try {
      o = JobsOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("JobsBench: " + e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    int code;
    try {
      new JobsBench(vertx, o).run();
      code = 0;
    } catch (Exception e) {
      System.out.println("JobsBench FAILED: " + e);
      code = 1;
    } finally {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }
    System.exit(code);
  }

  private void run() throws Exception {
    say("JobsBench: host %s:%d, run id %s, %d cores visible to the client JVM", o.host, o.port, runId,
        Runtime.getRuntime().availableProcessors());
    if (o.enqueue) {
      EnqueuePhase enqueue = new EnqueuePhase(o, api, runId);
      say("setup: registering and logging in %d users", o.users);
      long t0 = System.nanoTime();
      List<String> tokens = api.onLoop(() -> api.accounts("jb" + runId + "u", o.users), 600, "user setup");
      say("setup: %d users ready in %.1f s", tokens.size(), (System.nanoTime() - t0) / 1e9);
      if (o.baseline) {
        enqueue.baseline("GET /health/live (no auth)", "/health/live", null);
        enqueue.baseline("GET /api/auth/me/ (JWT, user lookup, rate limit)", "/api/auth/me/", tokens);
      }
      if (o.warmupRounds > 0) {
        enqueue.warmup(tokens);
      }
      long phaseStart = System.nanoTime();
      int accepted = enqueue.submitRound(tokens, "phase 1 (enqueue)", o.code);
      if (o.latency && o.latencyJobs > 0) {
        enqueue.drain(tokens.get(0), tokens, accepted, phaseStart);
      }
    }
    if (o.latency && o.latencyJobs > 0) {
      new LatencyPhase(o, api, runId).run();
    }
    say("JobsBench: done");
  }

  static void say(String format, Object... args) {
    System.out.printf(Locale.ROOT, format + "%n", args);
    System.out.flush();
  }

  /** One line of nearest-rank percentiles of nanosecond samples, in ms. */
  static String dist(long[] nanos) {
    long[] sorted = Percentiles.sorted(nanos);
    if (sorted.length == 0) {
      return "(no samples)";
    }
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
    return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  max %.1f  mean %.1f ms (n=%d)",
        Percentiles.millis(sorted, 50), Percentiles.millis(sorted, 90), Percentiles.millis(sorted, 95),
        Percentiles.millis(sorted, 99), Percentiles.millis(sorted, 100), mean, sorted.length);
  }
}
