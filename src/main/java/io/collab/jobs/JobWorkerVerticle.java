package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.config.NodeRole;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.ClusterEvents;
import io.collab.common.InOrder;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.circuitbreaker.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Takes jobs from the Redis {@code jobs} stream (one consumer group shared by every worker), runs each in the
 * sandbox, records every state change through persistence and streams progress to the job's workspace.
 *
 * <p>At least once, never twice at the same time: a run is handed out by PostgreSQL under a lease ({@link
 * Bus#JOBS_START}), which this worker renews while the job runs, and only the lease's holder records the result. A
 * worker that cannot renew in time, or learns that another took the job over, stops its run and records nothing. An
 * entry is acknowledged only after the job's final state is stored; entries of a worker that died are reclaimed after
 * {@code jobs.leaseMs} ({@code XAUTOCLAIM}), and jobs Redis lost are queued again by the {@link JobReconciler}.
 *
 * <p>Platform failures (the sandbox could not start, PostgreSQL or Redis errors while recording) are retried through
 * the circuit breaker's retry policy with exponential backoff and jitter; what the program does (non-zero exit,
 * timeout, out of memory) is a result, never retried. While the breaker is open the worker takes no new jobs.
 */
public class JobWorkerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JobWorkerVerticle.class);

  /** How long one XREADGROUP waits for new entries before the worker asks again. */
  private static final long READ_BLOCK_MS = 1000;
  /** How often a stopping worker looks whether the processes it killed have ended. */
  private static final long STOP_POLL_MS = 20;
  /** Backoff between failed reads (Redis down): doubling from the first to the last, so the reader is back soon. */
  private static final long READ_RETRY_FIRST_MS = 100;
  private static final long READ_RETRY_MAX_MS = 1000;

  private final String consumer = "worker-" + UUID.randomUUID();
  private final Map<String, Run> runs = new HashMap<>();  // entry id -> the run this worker has of it
  private final InOrder<String> announcements = new InOrder<>();  // per job id
  private final JobEvents.Factory eventsFactory;
  private CollabConfig.Jobs settings;
  private Redis redis;
  private JobQueue queue;
  private JobQueue.Reader reader;
  private JobReconciler reconciler;
  private BusClient bus;
  private JobEvents events;
  private Sandbox sandbox;
  private JobMetrics metrics;
  private CircuitBreaker breaker;
  private boolean sandboxReady;
  private boolean polling;
  private long readRetryMs;  // 0 while reads succeed
  private final Outage reading = new Outage(log, "reading the job stream");
  private final Outage reclaiming = new Outage(log, "reclaiming the entries of dead workers");
  private final Outage renewing = new Outage(log, "renewing the leases of running jobs");
  private boolean stopping;
  /** The latest read of the stream; a stopping worker waits for it, so that no entry reaches it afterwards. */
  private Future<List<JobQueue.Entry>> lastRead = Future.succeededFuture(List.of());
  /** Entries delivered to this worker as it stopped: never run, put back on the queue (stop). */
  private final List<JobQueue.Entry> unstarted = new ArrayList<>();

  /** @param events how job events reach workspaces (the launcher ties it to the realtime layer) */
  public JobWorkerVerticle(JobEvents.Factory events) {
    this.eventsFactory = events;
  }

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    settings = config.jobs();
    metrics = new JobMetrics(config.metricsRegistry());
    redis = config.redis().client(vertx);
    queue = new JobQueue(redis, config.redis(), settings.streamMaxLength());
    reader = queue.reader(vertx, consumer, READ_BLOCK_MS, config.redis().commandTimeoutMs());
    bus = new BusClient(vertx, config.has(NodeRole.PERSISTENCE), config.busRequestTimeoutMs());
    reconciler = new JobReconciler(vertx, bus, queue, metrics, settings.reconcileSeconds(),
        config.redis().commandTimeoutMs());
    events = eventsFactory.create(redis, config);
    sandbox = new Sandbox(settings);
    breaker = CircuitBreaker.create("jobs-" + consumer, vertx, new CircuitBreakerOptions()
            .setMaxFailures(settings.breakerMaxFailures())
            .setMaxRetries(settings.maxAttempts() - 1)
            .setResetTimeout(settings.breakerResetMs())
            .setTimeout(-1))
        .retryPolicy(RetryPolicy.exponentialDelayWithJitter(settings.retryInitialDelayMs(), settings.retryMaxDelayMs()))
        .openHandler(v -> stateChanged("OPEN"))
        .halfOpenHandler(v -> stateChanged("HALF_OPEN"))
        .closeHandler(v -> stateChanged("CLOSED"));
    new ClusterEvents(vertx.eventBus(), config.deployment().id())
        .consumer(Bus.JOBS_KILL, message -> sandbox.cancel(message.body().getString("job_id")));
    return queue.ensureGroup()
        .onSuccess(v -> reconciler.start())  // also where the sandbox is missing: it queues for every worker
        .compose(v -> sandbox.available(vertx))
        .compose(available -> {
          sandboxReady = available;
          publishState();
          if (!available) {
            log.error("the job sandbox ({}) is not available: this worker refuses jobs until it is", settings.sandbox());
            return Future.succeededFuture();
          }
          if (settings.sandbox().equals("none")) {
            log.warn("jobs.sandbox is 'none': job code runs unconfined. For development only");
          }
          heartbeat();
          vertx.setPeriodic(heartbeatMs(), t -> heartbeat());
          vertx.setPeriodic(Math.max(1000, settings.leaseMs() / 2), t -> reclaim());
          poll();
          log.info("job worker {} taking jobs ({} at a time, sandbox {})", consumer, settings.concurrency(),
              settings.sandbox());
          return Future.succeededFuture();
        });
  }

  /** Leases are renewed four times per lease: a late renewal or two does not cost a run. */
  private long heartbeatMs() {
    return Math.max(250, settings.leaseMs() / 4);
  }

  /**
   * The runs killed now did not end: nothing is recorded. Once their processes are gone and the last read is back,
   * their jobs are given back (leases and entries), with any the last read brought, so that other workers run them at
   * once. Should a process outlive {@code jobs.stopGraceMs}, nothing is given back: the jobs come back after their
   * lease, as after a crash, so that a job never runs twice at the same time.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    reconciler.stop();
    List<Run> killed = List.copyOf(runs.values());
    killed.forEach(run -> run.lost = true);
    sandbox.close();
    Future<Boolean> ended = sandboxEnded(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.stopGraceMs()));
    Future<?> readBack = reader.interrupt().transform(v -> lastRead);
    return Future.join(ended, readBack)
        .transform(v -> Boolean.TRUE.equals(ended.result()) ? giveBack(killed) : Future.succeededFuture())
        .transform(v -> queue.retire(consumer)).transform(v -> reader.close()).transform(v -> redis.close());
  }

  /** Completes with true once every process of the sandbox has ended, with false if one still runs at the deadline. */
  private Future<Boolean> sandboxEnded(long deadlineNanos) {
    if (sandbox.terminated() || System.nanoTime() - deadlineNanos >= 0) {
      return Future.succeededFuture(sandbox.terminated());
    }
    Promise<Boolean> ended = Promise.promise();
    vertx.setTimer(STOP_POLL_MS, t -> sandboxEnded(deadlineNanos).onComplete(ended));
    return ended.future();
  }

  /**
   * Ends the leases of the killed runs ({@link Bus#JOBS_RELEASE}), then puts back on the queue their entries and those
   * of runs that never started. Never fails: what cannot be given back comes back after its lease.
   */
  private Future<Void> giveBack(List<Run> killed) {
    JsonArray leases = new JsonArray();
    killed.stream().filter(run -> run.token != null)
        .forEach(run -> leases.add(new JsonObject().put("id", run.jobId()).put("token", run.token)));
    Future<List<Object>> released = leases.isEmpty() ? Future.succeededFuture(List.of())
        : bus.request(Bus.JOBS_RELEASE, new JsonObject().put("leases", leases))
            .map(reply -> reply.getJsonArray("released").getList());
    return released
        .recover(err -> {
          log.warn("job worker {} could not end the leases of {} running job(s); they run again after their lease: {}",
              consumer, leases.size(), err.getMessage());
          return Future.succeededFuture(List.of());
        })
        .compose(ended -> {
          List<JobQueue.Entry> back = new ArrayList<>(unstarted);
          killed.stream().filter(run -> run.token == null || ended.contains(run.jobId()))
              .forEach(run -> back.add(run.entry));
          return back.isEmpty() ? Future.succeededFuture() : queue.requeue(back)
              .onSuccess(v -> log.info("job worker {} stops; {} job(s) given back to the queue", consumer, back.size()));
        })
        .recover(err -> {
          log.warn("job worker {} could not put its jobs back on the queue; they run again after their lease: {}",
              consumer, err.getMessage());
          return Future.succeededFuture();
        });
  }

  // ---- taking jobs --------------------------------------------------------------------------------------------

  private void poll() {
    int free = settings.concurrency() - runs.size();
    if (stopping || polling || free <= 0) {
      return;
    }
    if (breaker.state() == CircuitBreakerState.OPEN) {
      vertx.setTimer(Math.max(100, settings.breakerResetMs() / 4), t -> poll());
      return;
    }
    polling = true;
    lastRead = reader.read(free).onComplete(result -> {
      polling = false;
      if (stopping) {  // delivered to this worker as it stops: given back with its killed runs (stop)
        if (result.succeeded()) {
          result.result().stream().filter(entry -> entry.jobId() != null && !runs.containsKey(entry.id()))
              .forEach(unstarted::add);
        }
        return;
      }
      if (result.succeeded()) {
        readsWork();
        result.result().stream().filter(entry -> !runs.containsKey(entry.id())).forEach(this::process);
        poll();
      } else {
        readFailed(result.cause());
        vertx.setTimer(readRetryMs, t -> poll());
      }
    });
  }

  private void readFailed(Throwable err) {
    reading.failed(err);
    readRetryMs = readRetryMs == 0 ? READ_RETRY_FIRST_MS : Math.min(READ_RETRY_MAX_MS, readRetryMs * 2);
  }

  private void readsWork() {
    reading.works();
    readRetryMs = 0;
  }

  /** Takes over entries of workers that stopped renewing them. */
  private void reclaim() {
    int free = settings.concurrency() - runs.size();
    if (stopping || free <= 0 || breaker.state() == CircuitBreakerState.OPEN) {
      return;
    }
    queue.reclaim(consumer, settings.leaseMs(), free)
        .onSuccess(entries -> {
          reclaiming.works();
          entries.stream().filter(e -> !runs.containsKey(e.id())).forEach(this::process);
        })
        .onFailure(reclaiming::failed);
  }

  // ---- leases -------------------------------------------------------------------------------------------------

  /**
   * Says this worker lives, renews the leases of its runs in PostgreSQL, stops the runs it no longer holds, and then
   * keeps the stream entries of the rest owned by it, so they are not reclaimed under it.
   */
  private void heartbeat() {
    queue.heartbeat(consumer, settings.leaseMs());
    stopOverdueRuns();
    List<Run> leased = runs.values().stream().filter(run -> run.token != null && !run.lost).toList();
    Future<JsonObject> renewed = leased.isEmpty() ? Future.succeededFuture(new JsonObject().put("held", new JsonArray()))
        : renew(leased);
    renewed.onComplete(done -> queue.renew(consumer, runs.values().stream().filter(run -> !run.lost)
        .map(run -> run.entry.id()).toList()));
  }

  private Future<JsonObject> renew(List<Run> leased) {
    long sentAt = System.nanoTime();
    Map<Run, String> tokens = new HashMap<>();
    JsonArray leases = new JsonArray();
    leased.forEach(run -> {
      tokens.put(run, run.token);
      leases.add(new JsonObject().put("id", run.jobId()).put("token", run.token));
    });
    return bus.request(Bus.JOBS_RENEW, new JsonObject().put("leases", leases).put("lease_ms", settings.leaseMs()))
        .onSuccess(reply -> {
          renewing.works();
          List<Object> held = reply.getJsonArray("held").getList();
          tokens.forEach((run, token) -> {
            if (!token.equals(run.token)) {
              return;  // started again since (its own retry): the new lease is younger than this renewal
            }
            if (held.contains(token)) {
              run.leaseUntilNanos = sentAt + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs());
            } else {
              lose(run, "another worker took it over");
            }
          });
        })
        .onFailure(renewing::failed);
  }

  /**
   * A run whose lease passes without a renewal may then start elsewhere: it stops here at the last heartbeat before
   * its lease ends (measured from when this worker asked, so never later than PostgreSQL's end of it).
   */
  private void stopOverdueRuns() {
    long nextHeartbeat = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(heartbeatMs());
    runs.values().stream().filter(run -> run.token != null && !run.lost && nextHeartbeat - run.leaseUntilNanos > 0)
        .toList().forEach(run -> lose(run, "its lease could not be renewed in time"));
  }

  /** Stops a run that is not this worker's any more; its result is not recorded and its entry not acknowledged. */
  private void lose(Run run, String why) {
    log.warn("job {} stops on this worker: {}", run.jobId(), why);
    run.lost = true;
    metrics.leaseLost();
    sandbox.cancel(run.jobId());
  }

  // ---- running one job ----------------------------------------------------------------------------------------

  /** What this worker has of one delivered entry: the lease token of its current run, and what became of it. */
  private static final class Run {
    final JobQueue.Entry entry;
    String token;  // null until a start succeeded
    long leaseUntilNanos;
    int attempts;
    String lastError;
    boolean held;  // another worker's live run holds the job
    boolean lost;  // this worker's lease passed to another or expired unrenewed, or the worker stops

    Run(JobQueue.Entry entry) {
      this.entry = entry;
    }

    String jobId() {
      return entry.jobId();
    }
  }

  private void process(JobQueue.Entry entry) {
    if (entry.jobId() == null) {  // trimmed from the stream while pending: nothing to run
      acknowledge(entry);
      return;
    }
    execute(new Run(entry));
  }

  private void execute(Run run) {
    runs.put(run.entry.id(), run);
    breaker.<JsonObject>execute(() -> attempt(run))
        .compose(outcome -> settle(run, outcome))
        .recover(err -> platformFailure(run, err))
        .onComplete(done -> {
          runs.remove(run.entry.id());
          poll();
        });
  }

  /**
   * One attempt: start a run of the job (counting the attempt), run it, and return its final fields; null when
   * there is nothing to record (the job is settled, or another worker holds it). Fails only for platform failures,
   * which the breaker retries.
   */
  private Future<JsonObject> attempt(Run run) {
    if (stopping) {  // a retry after stop: the run was given up (see stop)
      return Future.succeededFuture(null);
    }
    Future<?> before = Future.succeededFuture();
    if (run.attempts++ > 0) {
      metrics.retried();
      before = run.token == null ? before : bus.request(Bus.JOBS_RETRYING,
          new JsonObject().put("id", run.jobId()).put("token", run.token).put("error", run.lastError));
    }
    return before.compose(v -> start(run)).compose(job -> {
      if (job == null) {
        return Future.succeededFuture(null);
      }
      announce(job, new JsonObject().put("status", JobStatus.RUNNING.key()).put("attempt", job.getInteger("attempts")));
      if ("diagnostic".equals(job.getString("kind"))) {
        return Future.succeededFuture(new JsonObject().put("status", JobStatus.SUCCEEDED.key()).put("exit_code", 0)
            .put("stdout", "pong from " + consumer + "\n").put("stderr", "").put("truncated", false));
      }
      return run(run.jobId(), job)
          .compose(result -> {
            metrics.sandboxRun(job.getString("language"), result);
            if (result.error() != null) {
              run.lastError = "sandbox could not run the job: " + result.error();
              return Future.failedFuture(run.lastError);
            }
            return Future.succeededFuture(outcome(result));
          }, err -> {
            if (err instanceof WorkspaceCopy.Refused) {  // the stored files themselves: no attempt would do better
              return Future.succeededFuture(new JsonObject().put("status", JobStatus.FAILED.key()).put("error", err.getMessage())
                  .put("truncated", false));
            }
            run.lastError = "the workspace could not be written: " + err.getMessage();
            return Future.failedFuture(run.lastError);
          });
    });
  }

  /**
   * Asks PostgreSQL for a run of the job under a fresh lease (presenting the token of this worker's previous
   * attempt, if any). Completes with the job to run, or null when it must not run here.
   */
  private Future<JsonObject> start(Run run) {
    long sentAt = System.nanoTime();
    return bus.request(Bus.JOBS_START, new JsonObject().put("id", run.jobId()).put("token", run.token)
            .put("lease_ms", settings.leaseMs()))
        .map(started -> {
          JsonObject job = started.getJsonObject("job");
          if (started.getBoolean("proceed")) {
            run.token = started.getString("token");
            run.leaseUntilNanos = sentAt + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs());
            if (stopping) {  // started as this worker stops: not run, its lease is given back with the killed runs
              return null;
            }
            run.lost = false;
            return job;
          }
          run.held = started.getBoolean("held", false);
          if (job != null && JobStatus.CANCELLED.key().equals(job.getString("status"))) {
            announce(job, new JsonObject().put("status", JobStatus.CANCELLED.key()));
          }
          return null;
        });
  }

  /**
   * Runs the job's code, or its workspace file amid a copy of the files stored with the job (written and removed on
   * a worker thread). Fails with {@link WorkspaceCopy.Refused} when the stored files cannot be laid out.
   */
  private Future<SandboxResult> run(String jobId, JsonObject job) {
    String language = job.getString("language");
    SandboxLimits limits = limits(job.getInteger("timeout_ms"));
    JsonArray files = job.getJsonArray("files");
    if (files == null) {
      return sandbox.run(vertx, jobId, language, job.getString("code"), job.getString("stdin"), limits,
          liveOutput(job));
    }
    return vertx.executeBlocking(() -> WorkspaceCopy.write(files, job.getString("file_path"),
            settings.workspaceBytes(), sandbox.hostUid()), false)
        .compose(copy -> sandbox.run(vertx, jobId, language, copy, job.getString("stdin"), limits, liveOutput(job))
            .andThen(done -> vertx.executeBlocking(() -> {
              copy.close();
              return null;
            }, false)));
  }

  /**
   * After the attempts: record the outcome and acknowledge the entry. A run this worker does not hold (any more)
   * records nothing and leaves its entry pending: should the holder die too, the entry is reclaimed after the lease.
   */
  private Future<Void> settle(Run run, JsonObject outcome) {
    if (run.held || run.lost) {
      return Future.succeededFuture();
    }
    Future<?> recorded = outcome == null ? Future.succeededFuture() : breaker.execute(() -> finish(run, outcome));
    return recorded.compose(v -> acknowledge(run.entry));
  }

  /** The one way a job ends here: recorded (only by its run's holder), counted, and told to its workspace. */
  private Future<JsonObject> finish(Run run, JsonObject outcome) {
    return bus.request(Bus.JOBS_FINISH, outcome.copy().put("id", run.jobId()).put("token", run.token))
        .onSuccess(recorded -> {
          JsonObject job = recorded.getJsonObject("job");
          if (recorded.getBoolean("recorded", false) && job != null) {
            metrics.finished(job);
            announce(job, new JsonObject().put("status", job.getString("status"))
                .put("exit_code", job.getInteger("exit_code")).put("error", job.getString("error")));
          }
        });
  }

  /** Never fails: an entry left unacknowledged comes back and is acknowledged then, its job being settled. */
  private Future<Void> acknowledge(JobQueue.Entry entry) {
    return queue.ack(entry).recover(err -> {
      log.warn("job {} finished but its entry {} stays pending: {}", entry.jobId(), entry.id(), err.getMessage());
      return Future.succeededFuture();
    });
  }

  /**
   * Retries are exhausted, or the breaker was open before the job could start. The latter keeps the run and
   * tries again after the breaker's reset timeout. Otherwise the job fails for good and goes to the dead-letter
   * stream.
   */
  private Future<Void> platformFailure(Run run, Throwable err) {
    if (err instanceof OpenCircuitException) {
      // Not started: the entry stays pending with this worker and is tried again once the breaker half-opens.
      log.warn("job {} waits: circuit breaker open", run.jobId());
      vertx.setTimer(settings.breakerResetMs(), t -> {
        if (!stopping && !runs.containsKey(run.entry.id())) {
          execute(run);
        }
      });
      return Future.succeededFuture();
    }
    String reason = String.valueOf(err.getMessage());
    log.error("job {} failed on the platform after retries: {}", run.jobId(), reason);
    if (run.held || run.lost) {
      return Future.succeededFuture();
    }
    return finish(run, new JsonObject().put("status", JobStatus.FAILED.key())
            .put("error", "platform failure: " + reason).put("truncated", false))
        .compose(recorded -> !recorded.getBoolean("recorded", false) ? Future.succeededFuture()
            : queue.deadLetter(run.jobId(), reason).onSuccess(dead -> metrics.deadLettered()))
        .compose(dead -> acknowledge(run.entry))
        .recover(again -> {
          log.error("job {} stays pending: {}", run.jobId(), again.getMessage());
          return Future.succeededFuture();
        });
  }

  private SandboxLimits limits(int timeoutMs) {
    return new SandboxLimits(timeoutMs, settings.cpuSeconds(), settings.memoryBytes(), settings.maxProcesses(),
        settings.maxOutputBytes());
  }

  private static JsonObject outcome(SandboxResult result) {
    String error = result.cancelled() ? "cancelled" : result.timedOut() ? "timeout"
        : result.outOfMemory() ? "out_of_memory" : null;
    return new JsonObject()
        .put("status", (result.cancelled() ? JobStatus.CANCELLED : result.succeeded() ? JobStatus.SUCCEEDED
            : JobStatus.FAILED).key())
        .put("exit_code", result.exitCode())
        .put("stdout", result.stdout())
        .put("stderr", result.stderr())
        .put("truncated", result.truncated())
        .put("error", error);
  }

  // ---- live progress ------------------------------------------------------------------------------------------

  /**
   * Sends a job event to the job's workspace, sequenced with everything else there. A job's events are published
   * one after another, so members see them in the order they happened.
   */
  private void announce(JsonObject job, JsonObject event) {
    Long workspaceId = job.getLong("workspace_id");
    if (workspaceId == null) {
      return;
    }
    String jobId = job.getString("id");
    announcements.run(jobId, () -> events.publish(workspaceId, jobId, event))
        .onFailure(err -> log.warn("job {} progress not delivered: {}", jobId, err.getMessage()));
  }

  /**
   * Streams output to the workspace while the program writes it: chunks numbered from 0 per job, in the order
   * written per stream. Output past {@code maxOutputBytes} is not sent (the stored result says truncated).
   */
  private Sandbox.OutputListener liveOutput(JsonObject job) {
    if (job.getLong("workspace_id") == null) {
      return null;
    }
    int[] chunk = {0};
    return (stream, text) -> context.runOnContext(v -> announce(job, new JsonObject()
        .put("stream", stream).put("chunk", chunk[0]++).put("data", text)));
  }

  private void stateChanged(String state) {
    log.warn("job circuit breaker {}", state);
    publishState();
  }

  private void publishState() {
    vertx.sharedData().getLocalMap(Bus.JOBS_STATE_MAP).put("breaker", breaker.state().name());
    vertx.sharedData().getLocalMap(Bus.JOBS_STATE_MAP).put("sandbox", sandboxReady);
  }
}
