package io.collab.jobs;

import io.collab.common.BoundedRedis;
import io.collab.common.RedisScript;
import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis side of the job queue, and every command on it: one stream of job ids read by one consumer group, a hash
 * of the entry that carries each queued job, a dead-letter stream, and a sorted set of live workers. Everything else
 * about a job lives in PostgreSQL, the record of truth; Redis may lose all of this (a restart without persistence) and
 * the reconciler ({@link JobReconciler}) puts the jobs back.
 *
 * <p>The keys start with the deployment's key prefix ({@code <prefix>:jobs}, {@code <prefix>:jobs:entries},
 * {@code <prefix>:jobs:dead}, {@code <prefix>:jobs:workers}). A consumer group belongs to its stream, so the group
 * keeps its plain name: the workers of two deployments sharing a Redis database read two different streams.
 */
public final class JobQueue {

  public static final String GROUP = "workers";

  /**
   * Adds each job (ARGV[2..]) unless the stream still carries it: the entries hash names its entry and that entry
   * is still in the stream (not trimmed, not lost). Atomic, so enqueueing is idempotent however many callers (the
   * API, every worker's reconciler) race. Replies how many were added.
   */
  private static final RedisScript ENQUEUE = new RedisScript("""
      local added = 0
      for i = 2, #ARGV do
        local entry = redis.call('HGET', KEYS[2], ARGV[i])
        if not entry or #redis.call('XRANGE', KEYS[1], entry, entry) == 0 then
          entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'job_id', ARGV[i])
          redis.call('HSET', KEYS[2], ARGV[i], entry)
          added = added + 1
        end
      end
      return added""");

  /**
   * Acknowledges entry ARGV[2] of job ARGV[3] and forgets it as the job's entry (unless a newer one replaced it).
   * pcall: a group Redis lost with its data (NOGROUP) has nothing left to acknowledge.
   */
  private static final RedisScript ACK = new RedisScript("""
      redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[2])
      if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[2] then
        redis.call('HDEL', KEYS[2], ARGV[3])
      end
      return 1""");

  /**
   * Puts jobs back at the end of the stream in place of their entries: for each pair (ARGV[3..]: entry, job),
   * acknowledges the entry and adds a new one that the entries hash then names. pcall: as for ACK.
   */
  private static final RedisScript REQUEUE = new RedisScript("""
      for i = 3, #ARGV, 2 do
        redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[i])
        local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'job_id', ARGV[i + 1])
        redis.call('HSET', KEYS[2], ARGV[i + 1], entry)
      end
      return 1""");

  /** One delivered stream entry; {@code jobId} is null for an entry trimmed from the stream while it was pending. */
  public record Entry(String id, String jobId) {}

  private final Redis redis;
  private final CollabConfig.RedisSettings server;
  private final long maxLength;
  private final String stream;
  private final String entries;
  private final String deadLetters;
  private final String liveWorkers;

  public JobQueue(Redis redis, CollabConfig.RedisSettings server, long maxLength) {
    this.redis = redis;
    this.server = server;
    this.maxLength = maxLength;
    this.stream = server.key("jobs");
    this.entries = server.key("jobs:entries");
    this.deadLetters = server.key("jobs:dead");
    this.liveWorkers = server.key("jobs:workers");
  }

  /** The stream of job ids the workers' group reads. */
  public String stream() {
    return stream;
  }

  /** The stream of jobs that failed on the platform for good. */
  public String deadLetters() {
    return deadLetters;
  }

  /** Queues the job, unless the stream carries it already. */
  public Future<Void> enqueue(String jobId) {
    return enqueue(List.of(jobId)).mapEmpty();
  }

  /** Queues each job the stream does not carry (any more); completes with how many that were. */
  public Future<Integer> enqueue(List<String> jobIds) {
    if (jobIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Request call = ENQUEUE.call(2).arg(stream).arg(entries).arg(maxLength);
    jobIds.forEach(call::arg);
    return ENQUEUE.send(redis, call).map(Response::toInteger);
  }

  /** Creates the consumer group (and the stream) once; a group that exists already is fine. */
  Future<Void> ensureGroup() {
    return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(GROUP).arg("0").arg("MKSTREAM"))
        .<Void>mapEmpty()
        .recover(err -> String.valueOf(err.getMessage()).startsWith("BUSYGROUP")
            ? Future.succeededFuture() : Future.failedFuture(err));
  }

  Future<Void> ack(Entry entry) {
    if (entry.jobId() == null) {
      return redis.send(Request.cmd(Command.XACK).arg(stream).arg(GROUP).arg(entry.id())).mapEmpty();
    }
    return ACK.send(redis, ACK.call(2).arg(stream).arg(entries).arg(GROUP).arg(entry.id()).arg(entry.jobId()))
        .mapEmpty();
  }

  /**
   * Another worker reads each of these entries' jobs at once, rather than reclaiming the entries once they have been
   * idle for the lease: for a stopping worker, after it gave their leases back ({@code Bus#JOBS_RELEASE}).
   */
  Future<Void> requeue(List<Entry> given) {
    if (given.isEmpty()) {
      return Future.succeededFuture();
    }
    Request call = REQUEUE.call(2).arg(stream).arg(entries).arg(GROUP).arg(maxLength);
    given.forEach(entry -> call.arg(entry.id()).arg(entry.jobId()));
    return REQUEUE.send(redis, call).mapEmpty();
  }

  Future<Void> deadLetter(String jobId, String reason) {
    return redis.send(Request.cmd(Command.XADD).arg(deadLetters).arg("MAXLEN").arg("~").arg(maxLength).arg("*")
        .arg("job_id").arg(jobId).arg("reason").arg(reason)).mapEmpty();
  }

  /**
   * A reader of the group for {@code consumer}, on a connection of its own: a blocking read would hold a pooled
   * connection for its whole wait.
   */
  Reader reader(Vertx vertx, String consumer, long blockMs, long timeoutMs) {
    return new Reader(vertx, consumer, blockMs, timeoutMs);
  }

  /**
   * Reads the group for one consumer, one read at a time (its owner waits for each before the next). The connection
   * is made on the first read and again after it broke: at most one connection attempt at a time, the owner paces
   * them. Every read is bounded, so a frozen Redis fails it rather than holding the worker.
   */
  final class Reader {

    private static final int OWN_PENDING_MAX = 1000;

    private final Vertx vertx;
    private final String consumer;
    private final long blockMs;
    private final long timeoutMs;
    private Redis client;
    private RedisConnection connection;
    private long connectionId = -1;  // Redis's CLIENT ID of the connection, to interrupt its blocked read
    private boolean ownPendingFirst;

    private Reader(Vertx vertx, String consumer, long blockMs, long timeoutMs) {
      this.vertx = vertx;
      this.consumer = consumer;
      this.blockMs = blockMs;
      this.timeoutMs = timeoutMs;
    }

    /**
     * Up to {@code count} entries; none when nothing came within the block time. The first read on a new connection
     * returns instead this consumer's own pending entries (delivered, never acknowledged): a reply lost with the old
     * connection would otherwise leave its jobs waiting for their lease to expire. Those include the entries the
     * caller is running; it skips them. A group Redis lost with its data ({@code NOGROUP}) is created again.
     */
    Future<List<Entry>> read(int count) {
      return connection()
          .compose(conn -> {
            boolean ownPending = ownPendingFirst;
            ownPendingFirst = false;
            return readGroup(conn, count, ownPending).recover(err -> isNoGroup(err)
                ? ensureGroup().compose(v -> readGroup(conn, count, ownPending)) : Future.failedFuture(err));
          })
          .onFailure(err -> drop(connection));
    }

    Future<Void> close() {
      return client == null ? Future.succeededFuture() : client.close();
    }

    /**
     * Ends a blocked read now, with no entries, rather than after the block time: for a worker that stops reading.
     * Once that read is back, no entry can be delivered to this consumer any more.
     */
    Future<Void> interrupt() {
      return connection == null || connectionId < 0 ? Future.succeededFuture()
          : redis.send(Request.cmd(Command.CLIENT).arg("UNBLOCK").arg(connectionId)).mapEmpty();
    }

    private Future<List<Entry>> readGroup(RedisConnection conn, int count, boolean ownPending) {
      Request read = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(consumer);
      read = ownPending ? read.arg("COUNT").arg(OWN_PENDING_MAX)
          : read.arg("COUNT").arg(count).arg("BLOCK").arg(blockMs);
      return conn.send(read.arg("STREAMS").arg(stream).arg(ownPending ? "0" : ">"))
          .timeout(timeoutMs + (ownPending ? 0 : blockMs), TimeUnit.MILLISECONDS)
          .map(this::delivered);
    }

    /** XREADGROUP replies a map {stream: entries} under RESP3, a list [[stream, entries]] under RESP2, null if none. */
    private List<Entry> delivered(Response reply) {
      if (reply == null) {
        return List.of();
      }
      if (reply.isMap()) {
        return entries(reply.get(stream));
      }
      List<Entry> out = new ArrayList<>();
      for (Response perStream : reply) {
        out.addAll(entries(perStream.get(1)));
      }
      return out;
    }

    private Future<RedisConnection> connection() {
      if (connection != null) {
        return Future.succeededFuture(connection);
      }
      Redis fresh = Redis.createClient(vertx, server.options());
      client = fresh;
      return new BoundedRedis(fresh, timeoutMs).connect()
          .compose(conn -> conn.send(Request.cmd(Command.CLIENT).arg("ID"))
              .map(id -> {
                connectionId = id.toLong();
                return conn;
              })
              .onFailure(err -> conn.close()))
          .onSuccess(conn -> {
            connection = conn;
            ownPendingFirst = true;
            // handled here, so a broken connection is not also logged as an unhandled error per pending command
            conn.exceptionHandler(err -> drop(conn));
            conn.endHandler(ended -> drop(conn));
          })
          .onFailure(err -> fresh.close());
    }

    /** Forgets a broken (or unanswering) connection; the next read makes a new one. */
    private void drop(RedisConnection broken) {
      if (broken != null && broken == connection) {
        connection = null;
        connectionId = -1;
        client.close();
      }
    }
  }

  private static boolean isNoGroup(Throwable err) {
    return String.valueOf(err.getMessage()).startsWith("NOGROUP");
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
      return isNoGroup(err) || message.startsWith("ERR no such key")
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
