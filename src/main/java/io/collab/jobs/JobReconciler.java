package io.collab.jobs;

import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Puts back on the queue the jobs Redis lost. PostgreSQL is the record of truth: every job nobody holds (queued, or
 * running or retrying with an expired lease) must be carried by the stream, and one the stream does not carry (Redis
 * restarted empty, failed over before replicating it, or trimmed it) is added again. A pass walks those jobs a page
 * at a time; it runs every half {@code jobs.reconcileSeconds}, so a lost job is back within that time of Redis
 * answering again.
 *
 * <p>Every worker runs one, rather than one per cluster under a Hazelcast lock: adding a job is idempotent (the
 * queue's script adds it only when the stream does not carry it, atomically, so racing reconcilers and the API add it
 * once), and starting a run is a compare-and-set in PostgreSQL, so not even a duplicate entry could run a job twice at
 * the same time. A lock would add a failure mode (a paused or partitioned holder keeps it, and nobody reconciles) to
 * save one indexed query and one script per worker and pass.
 */
final class JobReconciler {

  private static final Logger log = LoggerFactory.getLogger(JobReconciler.class);
  private static final int PAGE = 500;
  /** Beyond the API's own enqueue attempt (bounded by the Redis command timeout): scheduling, the bus hop. */
  private static final long SUBMIT_MARGIN_MS = 1000;

  private final Vertx vertx;
  private final BusClient bus;
  private final JobQueue queue;
  private final JobMetrics metrics;
  private final long periodMs;
  private final long graceMs;
  private long timer = -1;
  private final Outage reconciling = new Outage(log, "reconciling the job stream with PostgreSQL");
  private boolean passing;

  /**
   * @param commandTimeoutMs how long the API's enqueue of a new job may take: younger jobs are left to it, so a
   *     reconciler never queues a job the API is about to discard because its own enqueue failed
   */
  JobReconciler(Vertx vertx, BusClient bus, JobQueue queue, JobMetrics metrics, int reconcileSeconds,
                long commandTimeoutMs) {
    this.vertx = vertx;
    this.bus = bus;
    this.queue = queue;
    this.metrics = metrics;
    this.periodMs = reconcileSeconds * 1000L / 2;
    // at most one period: a job lost at once after its submit is then still back within two periods
    this.graceMs = Math.min(periodMs, commandTimeoutMs + SUBMIT_MARGIN_MS);
  }

  void start() {
    timer = vertx.setPeriodic(periodMs, t -> pass());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /** One pass over the unclaimed jobs; completes with how many were put back. A pass is never doubled. */
  Future<Integer> pass() {
    if (passing) {
      return Future.succeededFuture(0);
    }
    passing = true;
    return page(null, 0)
        .onComplete(done -> passing = false)
        .onSuccess(this::passed)
        .onFailure(reconciling::failed);
  }

  private Future<Integer> page(String after, int added) {
    return bus.request(Bus.JOBS_UNCLAIMED,
            new JsonObject().put("after", after).put("older_than_ms", graceMs).put("limit", PAGE))
        .compose(reply -> {
          List<String> ids = reply.getJsonArray("ids").stream().map(String.class::cast).toList();
          return queue.enqueue(ids).compose(n -> ids.size() < PAGE
              ? Future.succeededFuture(added + n) : page(ids.get(ids.size() - 1), added + n));
        });
  }

  private void passed(int added) {
    reconciling.works();
    if (added > 0) {
      metrics.requeued(added);
      log.warn("{} job(s) missing from the job stream (Redis lost them) were queued again", added);
    }
  }
}
