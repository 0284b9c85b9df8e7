package io.collab.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Set;

/**
 * What operators watch about jobs on {@code /metrics}, per worker: final results recorded by status and reason
 * ({@code collab_jobs_finished_total}), sandbox run times by language and outcome ({@code collab_jobs_sandbox_seconds}),
 * platform retries ({@code collab_jobs_retries_total}), dead letters ({@code collab_jobs_dead_lettered_total}), jobs put
 * back on the queue after Redis lost them ({@code collab_jobs_requeued_total}) and runs stopped because their lease
 * passed to another worker ({@code collab_jobs_leases_lost_total}).
 * Tags take a few fixed values only: a failing program must not mint a new time series.
 */
final class JobMetrics {

  private static final Set<String> REASONS = Set.of("timeout", "out_of_memory", "cancelled");

  private final MeterRegistry registry;

  JobMetrics(String registryName) {
    MeterRegistry shared = BackendRegistries.getNow(registryName);
    this.registry = shared != null ? shared : new SimpleMeterRegistry(); // metrics off: counted, not served
  }

  /** A final result this worker recorded: {@code {"status", "error"?}} as stored. */
  void finished(JsonObject job) {
    registry.counter("collab.jobs.finished", "status", String.valueOf(job.getString("status")),
        "reason", reason(job.getString("error"))).increment();
  }

  void sandboxRun(String language, SandboxResult result) {
    String outcome = result.error() != null ? "platform" : result.cancelled() ? "cancelled"
        : result.timedOut() ? "timeout" : result.outOfMemory() ? "out_of_memory"
        : result.exitCode() == 0 ? "exit_zero" : "exit_nonzero";
    Timer.builder("collab.jobs.sandbox").description("wall time of one sandboxed run, start-up included")
        .tags("language", String.valueOf(language), "outcome", outcome)
        .register(registry).record(Duration.ofMillis(result.durationMs()));
  }

  void retried() {
    registry.counter("collab.jobs.retries").increment();
  }

  void requeued(int jobs) {
    registry.counter("collab.jobs.requeued").increment(jobs);
  }

  void leaseLost() {
    registry.counter("collab.jobs.leases_lost").increment();
  }

  void deadLettered() {
    registry.counter("collab.jobs.dead_lettered").increment();
  }

  private static String reason(String error) {
    if (error == null) {
      return "none";
    }
    if (error.startsWith("platform failure")) {
      return "platform";
    }
    return REASONS.contains(error) ? error : "other";
  }
}
