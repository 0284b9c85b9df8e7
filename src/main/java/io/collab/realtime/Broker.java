package io.collab.realtime;

import io.collab.config.CollabConfig;
import io.collab.common.BusFailure;
import io.collab.common.RedisScript;
import io.collab.documents.DocumentEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the realtime layer keeps in Redis, per workspace: the sequence counter, the bounded history stream
 * (entry id = {@code <seq>-0}), the pub/sub channel, and presence. Each operation is one script, so it is atomic:
 * a message is sequenced, recorded and published in one step, and every subscriber sees seq order.
 *
 * <p>Keys share a hash tag per workspace ({@code {ws:42}}) so they stay on one slot of a Redis Cluster; they start
 * with the deployment's key prefix ({@code redis.keyPrefix}), which holds no braces.
 */
public final class Broker implements DocumentEvents {

  /** One history entry: its sequence number, the message as sent, and when it was recorded. */
  public record Entry(long seq, String message, long recordedAtMillis) {}

  /** What the history holds after a given seq, and the newest seq of the workspace. */
  public record History(long currentSeq, List<Entry> entries) {}

  private static final RedisScript PUBLISH = new RedisScript("""
      local seq = redis.call('INCR', KEYS[1])
      local msg = string.sub(ARGV[1], 1, -2) .. ',"seq":' .. seq .. '}'
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'm', msg, 't', ARGV[3])
      redis.call('EXPIRE', KEYS[2], ARGV[4])
      redis.call('PUBLISH', ARGV[5], msg)
      return seq""");

  private static final RedisScript HISTORY = new RedisScript("""
      local current = tonumber(redis.call('GET', KEYS[1]) or '0')
      local out = {current}
      for _, e in ipairs(redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])) do
        local fields = e[2]
        local m, t
        for i = 1, #fields, 2 do
          if fields[i] == 'm' then m = fields[i + 1] elseif fields[i] == 't' then t = fields[i + 1] end
        end
        table.insert(out, e[1]); table.insert(out, m); table.insert(out, t)
      end
      return out""");

  private static final RedisScript PRESENCE_JOIN = new RedisScript("""
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
      local others = 0
      for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
        if m ~= ARGV[1] and string.sub(m, 1, #ARGV[4]) == ARGV[4] then others = others + 1 end
      end
      redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
      redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
      redis.call('EXPIRE', KEYS[1], ARGV[7]); redis.call('EXPIRE', KEYS[2], ARGV[7])
      return others""");

  private static final RedisScript PRESENCE_LEAVE = new RedisScript("""
      redis.call('ZREM', KEYS[1], ARGV[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
      local others = 0
      for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
        if string.sub(m, 1, #ARGV[3]) == ARGV[3] then others = others + 1 end
      end
      return others""");

  private static final RedisScript HEARTBEAT = new RedisScript("""
      for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
      redis.call('EXPIRE', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[2], ARGV[1])
      return 1""");

  private static final RedisScript PRESENCE_STATE = new RedisScript("""
      local seen = {}
      local out = {}
      for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
        local uid = string.match(m, '^(%d+)|')
        if uid and not seen[uid] then
          seen[uid] = true
          local info = redis.call('HGET', KEYS[2], uid)
          if info then table.insert(out, info) end
        end
      end
      return out""");

  private static final Logger log = LoggerFactory.getLogger(Broker.class);
  private static final long WARNING_INTERVAL_MS = 10_000;

  private final Redis redis;
  private final Channels channels;
  private final CollabConfig.RedisSettings keys;
  private final CollabConfig.Realtime settings;
  private long lastWarning;
  private long refusedSinceWarning;

  public Broker(Redis redis, CollabConfig.RedisSettings server, CollabConfig.Realtime settings) {
    this.redis = redis;
    this.channels = Channels.of(server);
    this.keys = server;
    this.settings = settings;
  }



  /** Sequences, records and publishes a broadcast; completes with its seq. */
  public Future<Long> publish(long workspaceId, String unsequencedMessage) {
    String tag = tag(workspaceId);
    // The channel is an argument, not a key: channels live outside the keyspace (and outside cluster slots).
    return PUBLISH.send(redis, PUBLISH.call(2)
            .arg(tag + ":seq").arg(tag + ":history")
            .arg(unsequencedMessage).arg(settings.historyLength()).arg(System.currentTimeMillis())
            .arg(settings.historyMaxAgeSeconds()).arg(channels.of(workspaceId)))
        .map(Response::toLong)
        .onFailure(this::warnRefused);
  }

  /**
   * A refused publish reaches its sender only as {@code unavailable}; the cause (Redis down, the pool's wait queue
   * full under load) belongs in the log, at most once per interval with the count in between.
   */
  private void warnRefused(Throwable err) {
    refusedSinceWarning++;
    long now = System.currentTimeMillis();
    if (now - lastWarning >= WARNING_INTERVAL_MS) {
      log.warn("{} realtime event(s) could not be published since the last warning; senders got 'unavailable': {}",
          refusedSinceWarning, err.toString());
      lastWarning = now;
      refusedSinceWarning = 0;
    }
  }

  /**
   * Publishes a document message on the workspace's channel as it is: no seq, no history (documents have their own
   * version sequence, kept in PostgreSQL). Hubs tell it from a broadcast by its {@code type}.
   */
  @Override
  public Future<Void> publish(long workspaceId, JsonObject message) {
    return redis.send(Request.cmd(Command.PUBLISH).arg(channels.of(workspaceId)).arg(message.encode()))
        .<Void>mapEmpty()
        .onFailure(this::warnRefused);
  }

  /**
   * Fails with 503 {@code service_unavailable} unless Redis answers a PING within the command timeout: a socket is
   * not opened on an instance that could neither sequence nor deliver its messages.
   */
  public Future<Void> reachable() {
    return redis.send(Request.cmd(Command.PING)).<Void>mapEmpty()
        .recover(err -> Future.failedFuture(new BusFailure(503, "service_unavailable", "Redis did not answer; retry")));
  }

  /** Entries after {@code since}, oldest first, at most the history length. */
  public Future<History> after(long workspaceId, long since) {
    String tag = tag(workspaceId);
    return HISTORY.send(redis, HISTORY.call(2).arg(tag + ":seq").arg(tag + ":history")
            .arg((since + 1) + "-0").arg(settings.historyLength()))
        .map(reply -> {
          List<Entry> entries = new ArrayList<>();
          for (int i = 1; i + 2 < reply.size(); i += 3) {
            String id = reply.get(i).toString();
            entries.add(new Entry(Long.parseLong(id.substring(0, id.indexOf('-'))), reply.get(i + 1).toString(),
                reply.get(i + 2).toLong()));
          }
          return new History(reply.get(0).toLong(), entries);
        });
  }

  /** Marks the user online on this hub; completes with how many other hubs already had them online. */
  public Future<Long> join(long workspaceId, String hubId, JsonObject user) {
    String tag = tag(workspaceId);
    long now = System.currentTimeMillis();
    long userId = user.getLong("user_id");
    return PRESENCE_JOIN.send(redis, PRESENCE_JOIN.call(2).arg(tag + ":presence").arg(tag + ":who")
            .arg(userId + "|" + hubId).arg(now + settings.presenceTtlSeconds() * 1000L).arg(now)
            .arg(userId + "|").arg(userId).arg(user.encode()).arg(presenceKeyTtl()))
        .map(Response::toLong);
  }

  /** Marks the user offline on this hub; completes with how many hubs still have them online. */
  public Future<Long> leave(long workspaceId, String hubId, long userId) {
    String tag = tag(workspaceId);
    return PRESENCE_LEAVE.send(redis, PRESENCE_LEAVE.call(1).arg(tag + ":presence")
            .arg(userId + "|" + hubId).arg(System.currentTimeMillis()).arg(userId + "|"))
        .map(Response::toLong);
  }

  /**
   * Renews this hub's presence entries (and the keys holding them), so a hub that dies drops out after
   * {@code presenceTtlSeconds} while a living one never does.
   */
  public Future<Void> heartbeat(long workspaceId, String hubId, Iterable<Long> userIds) {
    String tag = tag(workspaceId);
    Request renew = HEARTBEAT.call(2).arg(tag + ":presence").arg(tag + ":who")
        .arg(presenceKeyTtl());
    long expiry = System.currentTimeMillis() + settings.presenceTtlSeconds() * 1000L;
    boolean any = false;
    for (Long userId : userIds) {
      renew.arg(expiry).arg(userId + "|" + hubId);
      any = true;
    }
    return any ? HEARTBEAT.send(redis, renew).mapEmpty() : Future.succeededFuture();
  }

  /** Removes everything kept for a deleted workspace: sequence, history and presence. */
  public Future<Void> forget(long workspaceId) {
    String tag = tag(workspaceId);
    return redis.send(Request.cmd(Command.UNLINK).arg(tag + ":seq").arg(tag + ":history").arg(tag + ":presence")
        .arg(tag + ":who")).mapEmpty();
  }

    /** Presence keys outlive one heartbeat period comfortably, and vanish soon after the last hub stops renewing. */
  private long presenceKeyTtl() {
    return settings.presenceTtlSeconds() * 2L;
  }

  /** The users online in the workspace, one entry each, whichever hubs they are connected to. */
  public Future<JsonArray> online(long workspaceId) {
    String tag = tag(workspaceId);
    return PRESENCE_STATE.send(redis, PRESENCE_STATE.call(2).arg(tag + ":presence").arg(tag + ":who")
            .arg(System.currentTimeMillis()))
        .map(reply -> {
          JsonArray users = new JsonArray();
          for (Response info : reply) {
            users.add(new JsonObject(info.toString()));
          }
          return users;
        });
  }

  private String tag(long workspaceId) {
    return keys.key("{ws:" + workspaceId + "}");
  }
}
