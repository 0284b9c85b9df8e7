package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.config.NodeRole;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.ClusterEvents;
import io.collab.common.InOrder;
import io.collab.realtime.Broker;
import io.collab.realtime.Protocol;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.circuitbreaker.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
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
 * <p>At least once: an entry is acknowledged only after the job's final state is stored; entries of a worker that
 * died are reclaimed after {@code jobs.leaseMs} ({@code XAUTOCLAIM}), while a living worker renews the entries of
 * the jobs it runs. State changes are guarded in SQL, so a job finishes once whatever the redeliveries.
 *
 * <p>Platform failures (the sandbox could not start, PostgreSQL or Redis errors while recording) are retried through
 * the circuit breaker's retry policy with exponential backoff and jitter; what the program does (non-zero exit,
 * timeout, out of memory) is a result, never retried. While the breaker is open the worker takes no new jobs.
 */
public class JobWorkerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JobWorkerVerticle.class);

  private final String consumer = "worker-" + UUID.randomUUID();
  private final Map<String, String> runningEntries = new HashMap<>();  // entry id -> job id
  /** How long one XREADGROUP waits for new entries before the worker asks again. */
  private static final long READ_BLOCK_MS = 1000;

  private final InOrder<String> announcements = new InOrder<>();  // per job id
  private CollabConfig.Jobs settings;
  private Redis redis;
  private Redis readerClient;
  private RedisConnection reader;
  private JobQueue queue;
  private BusClient bus;
  private Broker broker;
  private Sandbox sandbox;
  private JobMetrics metrics;
  private CircuitBreaker breaker;
  private boolean sandboxReady;
  private boolean polling;
  private long commandTimeoutMs;
  private boolean stopping;

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    settings = config.jobs();
    commandTimeoutMs = config.redis().commandTimeoutMs();
    metrics = new JobMetrics(config.metricsRegistry());
    redis = config.redis().client(vertx);
    readerClient = Redis.createClient(vertx, config.redis().options());
    queue = new JobQueue(redis, config.redis(), settings.streamMaxLength());
    bus = new BusClient(vertx, config.has(NodeRole.PERSISTENCE), config.busRequestTimeoutMs());
    broker = new Broker(redis, config.redis(), config.realtime());
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
          return readerClient.connect().map(conn -> {
            reader = conn;
            heartbeat();
            vertx.setPeriodic(Math.max(1000, settings.leaseMs() / 3), t -> heartbeat());
            vertx.setPeriodic(Math.max(1000, settings.leaseMs() / 2), t -> reclaim());
            poll();
            log.info("job worker {} taking jobs ({} at a time, sandbox {})", consumer, settings.concurrency(),
                settings.sandbox());
            return null;
          });
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    sandbox.cancelAll();
    return queue.retire(consumer).transform(v -> readerClient.close()).transform(v -> redis.close());
  }

  // ---- taking jobs --------------------------------------------------------------------------------------------

  private void poll() {
    int free = settings.concurrency() - runningEntries.size();
    if (stopping || polling || free <= 0) {
      return;
    }
    if (breaker.state() == CircuitBreakerState.OPEN) {
      vertx.setTimer(Math.max(100, settings.breakerResetMs() / 4), t -> poll());
      return;
    }
    polling = true;
    // Bounded like every other Redis call: a frozen Redis would otherwise hold this read, and the worker, forever
    reader.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(JobQueue.GROUP).arg(consumer)
            .arg("COUNT").arg(free).arg("BLOCK").arg(READ_BLOCK_MS).arg("STREAMS").arg(queue.stream()).arg(">"))
        .timeout(READ_BLOCK_MS + commandTimeoutMs, TimeUnit.MILLISECONDS)
        .onComplete(result -> {
          polling = false;
          if (result.succeeded()) {
            delivered(result.result()).forEach(this::process);
            poll();
          } else if (!stopping) {
            log.warn("reading the job stream failed: {}", result.cause().getMessage());
            // Redis may have restarted empty (it keeps nothing on disk here): recreate the group, then read again
            vertx.setTimer(500, t -> queue.ensureGroup().onComplete(v -> reconnectReader()));
          }
        });
  }

  private void reconnectReader() {
    readerClient.close();
    readerClient = Redis.createClient(vertx, CollabConfig.from(config()).redis().options());
    readerClient.connect()
        .onSuccess(conn -> {
          reader = conn;
          poll();
        })
        .onFailure(err -> vertx.setTimer(1000, t -> reconnectReader()));
  }

  /** XREADGROUP replies a map {stream: entries} under RESP3, a list [[stream, entries]] under RESP2, null on timeout. */
  private List<JobQueue.Entry> delivered(Response reply) {
    if (reply == null) {
      return List.of();
    }
    if (reply.isMap()) {
      return JobQueue.entries(reply.get(queue.stream()));
    }
    List<JobQueue.Entry> out = new ArrayList<>();
    for (Response stream : reply) {
      out.addAll(JobQueue.entries(stream.get(1)));
    }
    return out;
  }

  /** Takes over entries of workers that stopped renewing them. */
  private void reclaim() {
    int free = settings.concurrency() - runningEntries.size();
    if (stopping || free <= 0 || breaker.state() == CircuitBreakerState.OPEN) {
      return;
    }
    queue.reclaim(consumer, settings.leaseMs(), free)
        .onSuccess(entries -> entries.stream().filter(e -> !runningEntries.containsKey(e.id())).forEach(this::process))
        .onFailure(err -> log.warn("reclaiming stale jobs failed: {}", err.getMessage()));
  }

  private void heartbeat() {
    queue.heartbeat(consumer, settings.leaseMs());
    queue.renew(consumer, new ArrayList<>(runningEntries.keySet()));
  }

  // ---- running one job ----------------------------------------------------------------------------------------

  private void process(JobQueue.Entry entry) {
    if (entry.jobId() == null) {
      queue.ack(entry.id());
      return;
    }
    runningEntries.put(entry.id(), entry.jobId());
    Attempts attempts = new Attempts();
    breaker.<JsonObject>execute(() -> attempt(entry.jobId(), attempts))
        .compose(outcome -> outcome == null ? Future.succeededFuture() : record(entry.jobId(), outcome))
        .compose(recorded -> queue.ack(entry.id()))
        .onFailure(err -> platformFailure(entry, err))
        .onComplete(done -> {
          runningEntries.remove(entry.id());
          poll();
        });
  }

  /** Counts attempts across the breaker's retries. */
  private static final class Attempts {
    int made;
    String lastError;
  }

  /**
   * One attempt: start the job (counting the attempt), run it, and return its final fields; null when the job was
   * already final or cancelled (a redelivery). Fails only for platform failures, which the breaker retries.
   */
  private Future<JsonObject> attempt(String jobId, Attempts attempts) {
    Future<?> before = Future.succeededFuture();
    if (attempts.made++ > 0) {
      metrics.retried();
      before = bus.request(Bus.JOBS_RETRYING, new JsonObject().put("id", jobId).put("error", attempts.lastError));
    }
    return before.compose(v -> bus.request(Bus.JOBS_START, new JsonObject().put("id", jobId))).compose(started -> {
      JsonObject job = started.getJsonObject("job");
      if (!started.getBoolean("proceed")) {
        if (job != null && JobStatus.CANCELLED.key().equals(job.getString("status"))) {
          announce(job, new JsonObject().put("status", JobStatus.CANCELLED.key()));
        }
        return Future.succeededFuture(null);
      }
      announce(job, new JsonObject().put("status", JobStatus.RUNNING.key()).put("attempt", job.getInteger("attempts")));
      if ("diagnostic".equals(job.getString("kind"))) {
        return Future.succeededFuture(new JsonObject().put("status", JobStatus.SUCCEEDED.key()).put("exit_code", 0)
            .put("stdout", "pong from " + consumer + "\n").put("stderr", "").put("truncated", false));
      }
      return run(jobId, job)
          .compose(result -> {
            metrics.sandboxRun(job.getString("language"), result);
            if (result.error() != null) {
              attempts.lastError = "sandbox could not run the job: " + result.error();
              return Future.failedFuture(attempts.lastError);
            }
            return Future.succeededFuture(outcome(result));
          }, err -> {
            if (err instanceof WorkspaceCopy.Refused) {  // the stored files themselves: no attempt would do better
              return Future.succeededFuture(new JsonObject().put("status", JobStatus.FAILED.key()).put("error", err.getMessage())
                  .put("truncated", false));
            }
            attempts.lastError = "the workspace could not be written: " + err.getMessage();
            return Future.failedFuture(attempts.lastError);
          });
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

  private Future<JsonObject> record(String jobId, JsonObject outcome) {
    return breaker.<JsonObject>execute(() -> bus.request(Bus.JOBS_FINISH, outcome.copy().put("id", jobId)))
        .onSuccess(recorded -> {
          JsonObject job = recorded.getJsonObject("job");
          if (recorded.getBoolean("recorded") && job != null) {
            metrics.finished(job);
            announce(job, new JsonObject().put("status", job.getString("status"))
                .put("exit_code", job.getInteger("exit_code")).put("error", job.getString("error")));
          }
        });
  }

  /**
   * Retries are exhausted, or the breaker was open before the job could start. The latter keeps the entry and
   * tries again after the breaker's reset timeout. Otherwise the job fails for good and goes to the dead-letter
   * stream.
   */
  private void platformFailure(JobQueue.Entry entry, Throwable err) {
    String reason = String.valueOf(err.getMessage());
    if (err instanceof OpenCircuitException) {
      // Not started: the entry stays pending with this worker and is tried again once the breaker half-opens.
      log.warn("job {} waits: circuit breaker open", entry.jobId());
      vertx.setTimer(settings.breakerResetMs(), t -> {
        if (!stopping && !runningEntries.containsKey(entry.id())) {
          process(entry);
        }
      });
      return;
    }
    log.error("job {} failed on the platform after retries: {}", entry.jobId(), reason);
    bus.request(Bus.JOBS_FINISH, new JsonObject().put("id", entry.jobId()).put("status", JobStatus.FAILED.key())
            .put("error", "platform failure: " + reason).put("truncated", false))
        .onSuccess(recorded -> {
          if (recorded.getBoolean("recorded", false) && recorded.getJsonObject("job") != null) {
            metrics.finished(recorded.getJsonObject("job"));
          }
          if (recorded.getJsonObject("job") != null) {
            announce(recorded.getJsonObject("job"), new JsonObject().put("status", JobStatus.FAILED.key()).put("error", reason));
          }
        })
        .compose(recorded -> queue.deadLetter(entry.jobId(), reason).onSuccess(dead -> metrics.deadLettered()))
        .compose(dead -> queue.ack(entry.id()))
        .onFailure(again -> log.error("job {} stays pending: {}", entry.jobId(), again.getMessage()));
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
    String message = Protocol.job(jobId, event);
    announcements.run(jobId, () -> broker.publish(workspaceId, message))
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
