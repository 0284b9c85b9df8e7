package io.collab.realtime;

import io.collab.common.BusFailure;
import io.collab.common.RedisScript;
import io.collab.common.ThrottledWarning;
import io.collab.config.CollabConfig;
import io.collab.documents.DocumentEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the realtime layer keeps in Redis for a workspace's messages: the sequence counter, its epoch, the bounded
 * history stream (entry id = {@code <seq>-0}) and the pub/sub channel ({@link Presence} keeps who is online). Each
 * operation is one script, so it is atomic: a message is sequenced, recorded and published in one step, and every
 * subscriber sees seq order.
 *
 * <p>A position in a workspace's sequence is an epoch and a seq (as Centrifugo's epoch and offset). The epoch names
 * one life of the counter: when Redis loses the counter (restarted empty, a failover to a replica that had not got
 * it, an eviction) the next script to find it missing starts a new epoch, and every seq of the old one is
 * meaningless in it. Sockets compare epochs, so a reset is announced ({@code recovery_failed}), never a silent gap.
 *
 * <p>Keys share a hash tag per workspace ({@code {ws:42}}) so they stay on one slot of a Redis Cluster; they start
 * with the deployment's key prefix ({@code redis.keyPrefix}), which holds no braces.
 */
public final class Broker implements DocumentEvents {

  /** One history entry: its sequence number, the message as sent, and when it was recorded. */
  public record Entry(long seq, String message, long recordedAtMillis) {}

  /** What the history holds after a given seq, and the workspace's current position. */
  public record History(String epoch, long currentSeq, List<Entry> entries) {}

  /** Where a message was sequenced: its epoch and seq. */
  public record Position(String epoch, long seq) {}

  /** The keys after the workspace's tag: the counter, the name of its current epoch, and the history stream. */
  static final String SEQ_KEY = ":seq";
  static final String EPOCH_KEY = ":epoch";
  static final String HISTORY_KEY = ":history";

  /**
   * A Lua function for every script that reads or moves a workspace's sequence: the current epoch, after starting a
   * new one (named {@code candidate}, the counter kept or started at 0, the history emptied) if the counter or its
   * epoch is missing. Missing means Redis lost them, or the workspace never had a message; either way no client holds
   * a position in the new epoch, and no entry of an older one may be replayed in it.
   */
  static final String CURRENT_EPOCH = """
      local function current_epoch(seq_key, epoch_key, history_key, candidate)
        local epoch = redis.call('GET', epoch_key)
        if epoch and redis.call('EXISTS', seq_key) == 1 then return epoch end
        redis.call('SET', seq_key, 0, 'NX')
        redis.call('SET', epoch_key, candidate)
        redis.call('DEL', history_key)
        return candidate
      end
      """;

  // The epoch goes just before the seq, which stays the last field: RealtimeVerticle reads both without parsing.
  private static final RedisScript PUBLISH = new RedisScript(CURRENT_EPOCH + """
      local epoch = current_epoch(KEYS[1], KEYS[3], KEYS[2], ARGV[6])
      local seq = redis.call('INCR', KEYS[1])
      local msg = string.sub(ARGV[1], 1, -2) .. ',"epoch":"' .. epoch .. '","seq":' .. seq .. '}'
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'm', msg, 't', ARGV[3])
      redis.call('EXPIRE', KEYS[2], ARGV[4])
      redis.call('PUBLISH', ARGV[5], msg)
      return {epoch, seq}""");

  private static final RedisScript HISTORY = new RedisScript(CURRENT_EPOCH + """
      local epoch = current_epoch(KEYS[1], KEYS[3], KEYS[2], ARGV[3])
      local current = tonumber(redis.call('GET', KEYS[1]))
      local out = {epoch, current}
      for _, e in ipairs(redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])) do
        local fields = e[2]
        local m, t
        for i = 1, #fields, 2 do
          if fields[i] == 'm' then m = fields[i + 1] elseif fields[i] == 't' then t = fields[i + 1] end
        end
        table.insert(out, e[1]); table.insert(out, m); table.insert(out, t)
      end
      return out""");

  private static final Logger log = LoggerFactory.getLogger(Broker.class);

  private final Redis redis;
  private final Channels channels;
  private final CollabConfig.RedisSettings keys;
  private final CollabConfig.Realtime settings;
  /**
   * A refused publish reaches its sender only as {@code unavailable}; the cause (Redis down, the pool's wait queue
   * full under load) belongs in the log.
   */
  private final ThrottledWarning refused = new ThrottledWarning(log,
      "{} realtime event(s) could not be published since the last warning; senders got 'unavailable': {}");

  public Broker(Redis redis, CollabConfig.RedisSettings server, CollabConfig.Realtime settings) {
    this.redis = redis;
    this.channels = Channels.of(server);
    this.keys = server;
    this.settings = settings;
  }

  /** Sequences, records and publishes a broadcast; completes with its position. */
  public Future<Position> publish(long workspaceId, String unsequencedMessage) {
    String tag = tag(workspaceId);
    // The channel is an argument, not a key: channels live outside the keyspace (and outside cluster slots).
    return PUBLISH.send(redis, PUBLISH.call(3)
            .arg(tag + SEQ_KEY).arg(tag + HISTORY_KEY).arg(tag + EPOCH_KEY)
            .arg(unsequencedMessage).arg(settings.historyLength()).arg(System.currentTimeMillis())
            .arg(settings.historyMaxAgeSeconds()).arg(channels.of(workspaceId)).arg(newEpoch()))
        .map(reply -> new Position(reply.get(0).toString(), reply.get(1).toLong()))
        .onFailure(refused::happened);
  }

  /**
   * Publishes a document message on the workspace's channel as it is: no seq, no history (documents have their own
   * version sequence, kept in PostgreSQL). Hubs tell it from a broadcast by its {@code type}.
   */
  @Override
  public Future<Void> publish(long workspaceId, JsonObject message) {
    return redis.send(Request.cmd(Command.PUBLISH).arg(channels.of(workspaceId)).arg(message.encode()))
        .<Void>mapEmpty()
        .onFailure(refused::happened);
  }

  /**
   * Fails with 503 {@code service_unavailable} unless Redis answers a PING within the command timeout: a socket is
   * not opened on an instance that could neither sequence nor deliver its messages.
   */
  public Future<Void> reachable() {
    return redis.send(Request.cmd(Command.PING)).<Void>mapEmpty()
        .recover(err -> Future.failedFuture(new BusFailure(503, "service_unavailable", "Redis did not answer; retry")));
  }

  /** The current epoch, and the entries after {@code since} in it, oldest first, at most the history length. */
  public Future<History> after(long workspaceId, long since) {
    String tag = tag(workspaceId);
    return HISTORY.send(redis, HISTORY.call(3).arg(tag + SEQ_KEY).arg(tag + HISTORY_KEY).arg(tag + EPOCH_KEY)
            .arg((since + 1) + "-0").arg(settings.historyLength()).arg(newEpoch()))
        .map(reply -> {
          List<Entry> entries = new ArrayList<>();
          for (int i = 2; i + 2 < reply.size(); i += 3) {
            String id = reply.get(i).toString();
            entries.add(new Entry(Long.parseLong(id.substring(0, id.indexOf('-'))), reply.get(i + 1).toString(),
                reply.get(i + 2).toLong()));
          }
          return new History(reply.get(0).toString(), reply.get(1).toLong(), entries);
        });
  }

  /** Removes what is kept for a deleted workspace's messages: sequence, epoch and history ({@link Presence#forget}). */
  public Future<Void> forget(long workspaceId) {
    String tag = tag(workspaceId);
    return redis.send(Request.cmd(Command.UNLINK).arg(tag + SEQ_KEY).arg(tag + EPOCH_KEY).arg(tag + HISTORY_KEY))
        .mapEmpty();
  }

  /**
   * The name a new epoch gets if the script finds it needs one (it is then stored with {@code SET}, so every caller
   * afterwards reads the same): 64 random bits in base 36, letters and digits only, so it needs no escaping in JSON.
   */
  static String newEpoch() {
    return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), Character.MAX_RADIX);
  }

  private String tag(long workspaceId) {
    return tag(keys, workspaceId);
  }

  /**
   * What every key of a workspace starts with: its hash tag ({@code {ws:42}}) keeps them on one slot of a Redis
   * Cluster, so one script may touch them all.
   */
  static String tag(CollabConfig.RedisSettings keys, long workspaceId) {
    return keys.key("{ws:" + workspaceId + "}");
  }
}
