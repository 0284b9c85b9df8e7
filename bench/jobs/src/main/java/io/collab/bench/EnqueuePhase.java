package io.collab.bench;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.Machine;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.collab.bench.JobsBench.dist;
import static io.collab.bench.JobsBench.say;

/**
 * Phase 1 and what surrounds it: the baseline GETs, the warm-up rounds, the measured round of submits (by wrk,
 * {@link WrkSubmits}, or by the Vert.x client), and the drain before phase 2.
 */
final class EnqueuePhase {

  private final JobsOptions o;
  private final JobsApi api;
  private final WrkSubmits wrk;

  EnqueuePhase(JobsOptions o, JobsApi api, String runId) {
    this.o = o;
    this.api = api;
    this.wrk = new WrkSubmits(o, runId, this::verdict);
  }

  /** {@code --jobs} GETs of {@code path} with {@code --concurrency} in flight (tokens round-robin, or none). */
  void baseline(String what, String path, List<String> tokens) throws Exception {
    int n = o.jobs;
    long[] latencies = new long[n];
    int[] oks = {0};
    Map<String, Integer> errors = new TreeMap<>();
    long[] window = new long[2];
    api.onLoop(() -> {
      window[0] = System.nanoTime();
      return BenchRuns.inLanes(n, o.concurrency, i -> {
        var request = api.http.get(path).timeout(30_000);
        if (tokens != null) {
          request.putHeader("Authorization", "Bearer " + tokens.get(i % tokens.size()));
        }
        long sent = System.nanoTime();
        return request.send().onComplete(ar -> {
          long now = System.nanoTime();
          latencies[i] = now - sent;
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            oks[0]++;
          } else {
            errors.merge(ar.succeeded() ? JobsApi.errorKey(ar.result()) : "exception", 1, Integer::sum);
          }
          window[1] = now;
        });
      });
    }, Math.max(120, n / 10), "baseline " + path);
    double wallS = (window[1] - window[0]) / 1e9;
    say("baseline %s: %d requests, %.0f/s (200s only), errors %s", what, n, oks[0] / wallS,
        errors.isEmpty() ? "none" : errors);
    say("  response time: %s", dist(latencies));
  }

  /** Completes with [token, job id] of every accepted job. */
  private List<String[]> withVertx(List<String> tokens, int n, String phase, String code) throws Exception {
    long[] latencies = new long[n];
    boolean[] ok = new boolean[n];
    String[][] accepted = new String[n][];
    Map<String, Integer> errors = new TreeMap<>();
    Buffer body = new JsonObject().put("code", code).put("language", o.language).toBuffer();
    long[] window = new long[2];
    say("%s: %d jobs over %d users, %d requests in flight, Vert.x client", phase, n, tokens.size(), o.concurrency);
    api.onLoop(() -> {
      window[0] = System.nanoTime();
      return BenchRuns.inLanes(n, o.concurrency, i -> {
        String token = tokens.get(i % tokens.size());
        long sent = System.nanoTime();
        return api.submit(token, body).onComplete(ar -> {
              long now = System.nanoTime();
              latencies[i] = now - sent;
              if (ar.succeeded() && ar.result().statusCode() == 202) {
                ok[i] = true;
                accepted[i] = new String[] {token, ar.result().bodyAsJsonObject().getString("job_id")};
              } else {
                String key = ar.succeeded() ? JobsApi.errorKey(ar.result())
                    : "exception " + ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage();
                errors.merge(key, 1, Integer::sum);
              }
              window[1] = now;
            });
      });
    }, Math.max(120, n / 10), phase);

    int accepts = 0;
    List<Long> okLatencies = new ArrayList<>();
    List<String[]> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (ok[i]) {
        accepts++;
        okLatencies.add(latencies[i]);
        jobs.add(accepted[i]);
      }
    }
    double wallS = (window[1] - window[0]) / 1e9;
    double rate = accepts / wallS;
    say("%s result: %d of %d submits answered 202 in %.3f s", phase, accepts, n, wallS);
    say("  enqueue rate: %.0f submits/s (202s only)%s", rate, verdict(phase, rate));
    say("  errors by status: %s", errors.isEmpty() ? "none" : errors);
    say("  submit response time (202s): %s", dist(okLatencies.stream().mapToLong(Long::longValue).toArray()));
    say("  submit response time (all):  %s", dist(latencies));
    return jobs;
  }

  /** Waits for pending and queued to reach 0; past the bound, cancels what is still queued and waits briefly. */
  void drain(String token, List<String> tokens, int submitted, long phaseStart) throws Exception {
    say("drain: waiting (at most %d s) for the workers to run the %d queued jobs", o.drainTimeoutS, submitted);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainTimeoutS);
    long lastReport = 0;
    while (true) {
      JsonObject health = api.health(token);
      long pending = health.getLong("pending", -1L);
      long queued = health.getLong("queued", -1L);
      long now = System.nanoTime();
      if (pending == 0 && queued == 0) {
        double s = (now - phaseStart) / 1e9;
        say("drain: queue empty %.1f s after phase 1 began: %d jobs run by the workers in that time, %.1f jobs/s "
            + "(workers_alive %d)", s, submitted, submitted / s, health.getLong("workers_alive", -1L));
        return;
      }
      if (now - lastReport > TimeUnit.SECONDS.toNanos(15)) {
        lastReport = now;
        say("drain: %.0f s: pending %d, queued %d, workers_alive %d", (now - phaseStart) / 1e9, pending, queued,
            health.getLong("workers_alive", -1L));
      }
      if (now > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    say("drain: NOT drained within %d s; cancelling the phase-1 jobs still queued so that phase 2 measures an idle "
        + "queue", o.drainTimeoutS);
    Map<String, Integer> outcomes = api.onLoop(() -> api.queuedJobs(tokens).compose(api::cancelAll), 600, "cancelling");
    say("drain: cancel answers %s", outcomes);
    long second = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < second) {
      JsonObject health = api.health(token);
      if (health.getLong("pending", -1L) == 0 && health.getLong("queued", -1L) == 0) {
        say("drain: queue empty after cancelling");
        return;
      }
      Thread.sleep(1000);
    }
    say("drain: queue still not empty; phase 2 will include queueing delay");
  }

  /** Ends the code of warm-up jobs, so that run.sh's summary can leave them out (a comment in python and bash). */
  static final String WARMUP_MARK = "  # warm-up";

  /**
   * {@code --warmup-rounds} rounds of {@code --jobs} submits exactly like phase 1's, each cancelled right after, then
   * a wait for the workers to skip them: a JVM needs tens of thousands of requests before its JIT has compiled the
   * submit path, and a benchmark of a long-running service should measure it compiled.
   */
  void warmup(List<String> tokens) throws Exception {
    for (int round = 1; round <= o.warmupRounds; round++) {
      submitRound(tokens, "warm-up " + round + "/" + o.warmupRounds, o.code + WARMUP_MARK);
      Map<String, Integer> outcomes = api.onLoop(() -> api.queuedJobs(tokens).compose(api::cancelAll), 600,
          "cancelling the warm-up jobs");
      say("  cancelled what was still queued: %s", outcomes);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      JsonObject health = api.health(tokens.get(0));
      if (health.getLong("pending", -1L) == 0 && health.getLong("queued", -1L) == 0) {
        say("warm-up: queue empty; load %s", Machine.loadavg());
        return;
      }
      if (health.getLong("workers_alive", -1L) == 0) {
        say("warm-up: no worker is alive, so the cancelled warm-up jobs stay in the stream; load %s",
            Machine.loadavg());
        return;
      }
      Thread.sleep(500);
    }
    say("warm-up: the queue still holds warm-up jobs after 300 s; phase 1 runs beside them");
  }

  /** {@code --jobs} submits of {@code code} with the {@code --client}; returns how many were accepted. */
  int submitRound(List<String> tokens, String label, String code) throws Exception {
    return o.client.equals("wrk") ? wrk.submit(tokens, label, code) : withVertx(tokens, o.jobs, label, code).size();
  }

  /** The target verdict for the measured phase; nothing for warm-up rounds. */
  String verdict(String label, double rate) {
    return !label.startsWith("phase") ? "" : String.format(Locale.ROOT, "  target >= %.0f/s: %s", o.targetRate,
        rate >= o.targetRate ? "MET" : "MISSED");
  }
}
