package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The Redis side of the job queue: one stream of job ids read by one consumer group, a dead-letter stream, and a
 * sorted set of live workers. Everything else about a job lives in PostgreSQL.
 *
 * <p>The keys start with the deployment's key prefix ({@code <prefix>:jobs}, {@code <prefix>:jobs:dead},
 * {@code <prefix>:jobs:workers}). A consumer group belongs to its stream, so the group keeps its plain name: the
 * workers of two deployments sharing a Redis database read two different streams.
 */
public final class JobQueue {

  public static final String GROUP = "workers";

  /** One delivered stream entry. */
  public record Entry(String id, String jobId) {}

  private final Redis redis;
  private final long maxLength;
  private final String stream;
  private final String deadLetters;
  private final String liveWorkers;

  public JobQueue(Redis redis, CollabConfig.RedisSettings keys, long maxLength) {
    this.redis = redis;
    this.maxLength = maxLength;
    this.stream = keys.key("jobs");
    this.deadLetters = keys.key("jobs:dead");
    this.liveWorkers = keys.key("jobs:workers");
  }

  /** The stream of job ids the workers' group reads. */
  public String stream() {
    return stream;
  }

  /** The stream of jobs that failed on the platform for good. */
  public String deadLetters() {
    return deadLetters;
  }

  public Future<String> enqueue(String jobId) {
    return redis.send(Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(maxLength).arg("*")
        .arg("job_id").arg(jobId)).map(Response::toString);
  }

  /** Creates the consumer group (and the stream) once; a group that exists already is fine. */
  Future<Void> ensureGroup() {
    return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(GROUP).arg("0").arg("MKSTREAM"))
        .<Void>mapEmpty()
        .recover(err -> String.valueOf(err.getMessage()).startsWith("BUSYGROUP")
            ? Future.succeededFuture() : Future.failedFuture(err));
  }

  Future<Void> ack(String entryId) {
    return redis.send(Request.cmd(Command.XACK).arg(stream).arg(GROUP).arg(entryId)).mapEmpty();
  }

  Future<Void> deadLetter(String jobId, String reason) {
    return redis.send(Request.cmd(Command.XADD).arg(deadLetters).arg("MAXLEN").arg("~").arg(maxLength).arg("*")
        .arg("job_id").arg(jobId).arg("reason").arg(reason)).mapEmpty();
  }

  /** Entries whose worker stopped renewing them for {@code leaseMs}, now owned by {@code consumer}. */
  Future<List<Entry>> reclaim(String consumer, long leaseMs, int count) {
    return redis.send(Request.cmd(Command.XAUTOCLAIM).arg(stream).arg(GROUP).arg(consumer).arg(leaseMs).arg("0-0")
            .arg("COUNT").arg(count))
        .map(reply -> reply == null || reply.size() < 2 ? List.of() : entries(reply.get(1)));
  }

  /** Keeps the entries of jobs still running owned by {@code consumer}, so they are not reclaimed under it. */
  Future<Void> renew(String consumer, List<String> entryIds) {
    if (entryIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Request claim = Request.cmd(Command.XCLAIM).arg(stream).arg(GROUP).arg(consumer).arg(0);
    entryIds.forEach(claim::arg);
    return redis.send(claim.arg("JUSTID")).mapEmpty();
  }

  Future<Void> heartbeat(String worker, long ttlMs) {
    return redis.send(Request.cmd(Command.ZADD).arg(liveWorkers).arg(System.currentTimeMillis() + ttlMs).arg(worker))
        .mapEmpty();
  }

  Future<Void> retire(String worker) {
    return redis.send(Request.cmd(Command.ZREM).arg(liveWorkers).arg(worker)).mapEmpty();
  }

  /**
   * {@code {"workers_alive", "pending", "queued", "oldest_pending_age_ms"}}. Before any worker has started, there
   * is no consumer group yet: nothing is pending and every entry of the stream is queued.
   */
  public Future<JsonObject> health() {
    long now = System.currentTimeMillis();
    Future<Response> workers = redis.send(Request.cmd(Command.ZCOUNT).arg(liveWorkers).arg(now).arg("+inf"));
    Future<Response> oldest = withoutGroup(
        redis.send(Request.cmd(Command.XPENDING).arg(stream).arg(GROUP).arg("-").arg("+").arg(1)));
    Future<Response> summary = withoutGroup(redis.send(Request.cmd(Command.XPENDING).arg(stream).arg(GROUP)));
    Future<Response> groups = withoutGroup(redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream)));
    Future<Response> length = redis.send(Request.cmd(Command.XLEN).arg(stream));
    return Future.all(workers, oldest, summary, groups, length).map(all -> {
      long pending = summary.result() == null ? 0 : summary.result().get(0).toLong();
      long age = oldest.result() == null || oldest.result().size() == 0 ? 0 : oldest.result().get(0).get(2).toLong();
      boolean grouped = groups.result() != null && groups.result().size() > 0;
      return new JsonObject()
          .put("workers_alive", workers.result().toLong())
          .put("pending", pending)
          .put("queued", grouped ? undelivered(groups.result()) : length.result().toLong())
          .put("oldest_pending_age_ms", age);
    });
  }

  /** No stream or no group yet (no worker ever started): an empty answer rather than an error. */
  private static Future<Response> withoutGroup(Future<Response> reply) {
    return reply.recover(err -> {
      String message = String.valueOf(err.getMessage());
      return message.startsWith("NOGROUP") || message.startsWith("ERR no such key")
          ? Future.succeededFuture(null) : Future.failedFuture(err);
    });
  }

  /** The group's lag (entries not yet delivered), as Redis 7 reports it; 0 where the server does not. */
  private static long undelivered(Response groups) {
    if (groups == null) {
      return 0;
    }
    try {
      for (Response group : groups) {
        Response name = group.get("name");
        if (name != null && GROUP.equals(name.toString()) && group.get("lag") != null) {
          return group.get("lag").toLong();
        }
      }
    } catch (RuntimeException shapeNotUnderstood) {
      // RESP2 replies, or a server without "lag": the number is informative only
    }
    return 0;
  }

  /** Stream entries ({@code [[id, [field, value, ...]], ...]}) as job ids. */
  static List<Entry> entries(Response list) {
    List<Entry> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    for (Response entry : list) {
      Response fields = entry.get(1);
      String jobId = null;
      for (int i = 0; fields != null && i + 1 < fields.size(); i += 2) {
        if ("job_id".equals(fields.get(i).toString())) {
          jobId = fields.get(i + 1).toString();
        }
      }
      out.add(new Entry(entry.get(0).toString(), jobId));
    }
    return out;
  }
}
