package io.collab.realtime;

import io.collab.common.RedisScript;
import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Who is online in a workspace, across instances: a sorted set of {@code <user id>|<hub id>} entries scored by
 * expiry, renewed by each hub's heartbeat, and a hash of what to show of each user. A hub that dies stops renewing,
 * so its users drop out after {@code realtime.presenceTtlSeconds}. Each operation is one script, so it is atomic.
 */
public final class Presence {

  // Expired entries (a dead hub's) are skipped here, not removed: EXPIRE removes them, and says who left with them.
  private static final RedisScript PRESENCE_JOIN = new RedisScript("""
      local others = 0
      for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], '+inf')) do
        if m ~= ARGV[1] and string.sub(m, 1, #ARGV[4]) == ARGV[4] then others = others + 1 end
      end
      redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
      redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
      redis.call('EXPIRE', KEYS[1], ARGV[7]); redis.call('EXPIRE', KEYS[2], ARGV[7])
      return others""");

  private static final RedisScript PRESENCE_LEAVE = new RedisScript("""
      redis.call('ZREM', KEYS[1], ARGV[1])
      local others = 0
      for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')) do
        if string.sub(m, 1, #ARGV[3]) == ARGV[3] then others = others + 1 end
      end
      return others""");

  // What is shown of each user is written again too: a Redis that restarted empty lost it, and the hubs still hold it.
  private static final RedisScript HEARTBEAT = new RedisScript("""
      for i = 2, #ARGV, 4 do
        redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
        redis.call('HSET', KEYS[2], ARGV[i + 2], ARGV[i + 3])
      end
      redis.call('EXPIRE', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[2], ARGV[1])
      return 1""");

  /**
   * A Lua function: appends to {@code out} what is shown of each distinct user among the presence entries (members
   * {@code <user id>|...} of KEYS[1], shown in the hash KEYS[2]), skipping the user ids in {@code skip}.
   */
  private static final String SHOWN = """
      local function shown(entries, skip, out)
        local seen = {}
        for _, m in ipairs(entries) do
          local uid = string.match(m, '^(%d+)|')
          if uid and not skip[uid] and not seen[uid] then
            seen[uid] = true
            local info = redis.call('HGET', KEYS[2], uid)
            if info then table.insert(out, info) end
          end
        end
        return out
      end
      """;

  /**
   * Removes the expired entries (their hub stopped renewing: it died) and returns what is shown of each user who thereby
   * left, having no live entry on another hub. Atomic, so of all the hubs that run it, one gets each user.
   */
  private static final RedisScript EXPIRE = new RedisScript(SHOWN + """
      local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
      if #expired == 0 then return {} end
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
      local live = {}
      for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
        local uid = string.match(m, '^(%d+)|')
        if uid then live[uid] = true end
      end
      return shown(expired, live, {})""");

  // presence_state carries the epoch of the sequence its broadcasts follow (Broker.CURRENT_EPOCH).
  private static final RedisScript PRESENCE_STATE = new RedisScript(Broker.CURRENT_EPOCH + SHOWN + """
      local out = {current_epoch(KEYS[3], KEYS[4], KEYS[5], ARGV[2])}
      return shown(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf'), {}, out)""");

  private final Redis redis;
  private final CollabConfig.RedisSettings keys;
  private final CollabConfig.Realtime settings;

  public Presence(Redis redis, CollabConfig.RedisSettings keys, CollabConfig.Realtime settings) {
    this.redis = redis;
    this.keys = keys;
    this.settings = settings;
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
   * Renews this hub's presence entries (and the keys holding them, and what is shown of each user), so a hub that
   * dies drops out after {@code presenceTtlSeconds} while a living one never does, even through a Redis that
   * restarted empty.
   */
  public Future<Void> heartbeat(long workspaceId, String hubId, Iterable<JsonObject> users) {
    String tag = tag(workspaceId);
    Request renew = HEARTBEAT.call(2).arg(tag + ":presence").arg(tag + ":who")
        .arg(presenceKeyTtl());
    long expiry = System.currentTimeMillis() + settings.presenceTtlSeconds() * 1000L;
    boolean any = false;
    for (JsonObject user : users) {
      long userId = user.getLong("user_id");
      renew.arg(expiry).arg(userId + "|" + hubId).arg(userId).arg(user.encode());
      any = true;
    }
    return any ? HEARTBEAT.send(redis, renew).mapEmpty() : Future.succeededFuture();
  }

  /**
   * Drops the entries whose hub stopped renewing them (it died without saying goodbye); completes with the users who
   * are thereby no longer online anywhere, each returned to one caller only, to be announced with {@code user_leave}.
   */
  public Future<List<JsonObject>> expire(long workspaceId) {
    String tag = tag(workspaceId);
    return EXPIRE.send(redis, EXPIRE.call(2).arg(tag + ":presence").arg(tag + ":who").arg(System.currentTimeMillis()))
        .map(reply -> {
          List<JsonObject> gone = new ArrayList<>();
          for (Response info : reply) {
            gone.add(new JsonObject(info.toString()));
          }
          return gone;
        });
  }

  /** Removes the presence of a deleted workspace. */
  public Future<Void> forget(long workspaceId) {
    String tag = tag(workspaceId);
    return redis.send(Request.cmd(Command.UNLINK).arg(tag + ":presence").arg(tag + ":who")).mapEmpty();
  }

  /** Presence keys outlive one heartbeat period comfortably, and vanish soon after the last hub stops renewing. */
  private long presenceKeyTtl() {
    return settings.presenceTtlSeconds() * 2L;
  }

  /** What {@code presence_state} tells a joining socket: who is online, and the epoch of the workspace's sequence. */
  public record Online(JsonArray users, String epoch) {}

  /** The users online in the workspace, one entry each, whichever hubs they are connected to, and the epoch. */
  public Future<Online> online(long workspaceId) {
    String tag = tag(workspaceId);
    return PRESENCE_STATE.send(redis, PRESENCE_STATE.call(5).arg(tag + ":presence").arg(tag + ":who")
            .arg(tag + Broker.SEQ_KEY).arg(tag + Broker.EPOCH_KEY).arg(tag + Broker.HISTORY_KEY)
            .arg(System.currentTimeMillis()).arg(Broker.newEpoch()))
        .map(reply -> {
          JsonArray users = new JsonArray();
          for (int i = 1; i < reply.size(); i++) {
            users.add(new JsonObject(reply.get(i).toString()));
          }
          return new Online(users, reply.get(0).toString());
        });
  }

  private String tag(long workspaceId) {
    return Broker.tag(keys, workspaceId);
  }
}
