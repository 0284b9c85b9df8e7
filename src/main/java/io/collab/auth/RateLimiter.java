package io.collab.auth;

import io.collab.common.ApiError;
import io.collab.common.RedisScript;
import io.collab.common.ThrottledWarning;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Fixed-window counters in Redis, shared by every instance. One round trip per check: a script increments the
 * window's counter, starts its expiry on the first hit and returns the count with the time left.
 *
 * <p>When Redis cannot answer, requests are let through (and a warning logged): an outage of the limiter must not
 * become an outage of login.
 */
public final class RateLimiter {

  /**
   * The outcome of one check; {@code retryAfterSeconds} matters only when not allowed. {@code counted} is false when
   * Redis did not answer and the request was let through uncounted.
   */
  public record Decision(boolean allowed, int limit, int remaining, long retryAfterSeconds, boolean counted) {}

  /**
   * Marks a request whose rate-limit check found Redis silent. A step of it that needs Redis (queueing a job) answers
   * 503 at once: waiting {@code redis.commandTimeoutMs} a second time would only double the time to the same 503.
   */
  private static final String REDIS_SILENT = "collab.redis-silent";

  private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

  private static final RedisScript SCRIPT = new RedisScript("""
      local count = redis.call('INCR', KEYS[1])
      if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
      return {count, ttl}""");

  private final Redis redis;
  private final String keyPrefix;
  private final int windowSeconds;
  private final ThrottledWarning failingOpen = new ThrottledWarning(log,
      "rate limiting was off for {} request(s) since the last warning while Redis does not answer: {}");

  /** Counters are kept under {@code <keyPrefix>:rl:}, so deployments sharing a Redis database count apart. */
  public RateLimiter(Redis redis, String keyPrefix, int windowSeconds) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.windowSeconds = windowSeconds;
  }

  /** Counts one hit on {@code key} (e.g. {@code login:ip:1.2.3.4}) against {@code limit} per window. */
  public Future<Decision> hit(String key, int limit) {
    Request request = SCRIPT.call(1).arg(keyPrefix + ":rl:" + key).arg(windowSeconds * 1000L);
    return SCRIPT.send(redis, request)
        .map(reply -> decide(reply, limit))
        .recover(err -> {
          failingOpen.happened(err);
          return Future.succeededFuture(new Decision(true, limit, limit, 0, false));
        });
  }

  /** The strictest of several checks, all counted. */
  public Future<Decision> hitAll(List<String> keys, int limit) {
    List<Future<Decision>> checks = keys.stream().map(key -> hit(key, limit)).toList();
    return Future.all(checks).map(all -> {
      Decision strictest = null;
      for (Future<Decision> check : checks) {
        Decision d = check.result();
        if (strictest == null || (!d.allowed() && strictest.allowed()) || d.remaining() < strictest.remaining()) {
          strictest = d;
        }
      }
      return strictest;
    });
  }

  /** Sets the RateLimit headers; answers 429 and returns false when the decision refuses the request. */
  public static boolean admit(RoutingContext ctx, Decision decision) {
    if (!decision.counted()) {
      ctx.put(REDIS_SILENT, true);
    }
    ctx.response()
        .putHeader("RateLimit-Limit", String.valueOf(decision.limit()))
        .putHeader("RateLimit-Remaining", String.valueOf(decision.remaining()));
    if (decision.allowed()) {
      return true;
    }
    ctx.response().putHeader("Retry-After", String.valueOf(decision.retryAfterSeconds()));
    ApiError.send(ctx, 429, new JsonObject().put("error", "rate_limited")
        .put("detail", "too many requests; retry in " + decision.retryAfterSeconds() + " s"));
    return false;
  }

  /** True when this request's rate-limit check found Redis not answering ({@link #admit}). */
  public static boolean redisSilent(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(REDIS_SILENT));
  }

  private static Decision decide(Response reply, int limit) {
    long count = reply.get(0).toLong();
    long ttlMillis = reply.get(1).toLong();
    int remaining = (int) Math.max(0, limit - count);
    long retryAfter = Math.max(1, (ttlMillis + 999) / 1000);
    return new Decision(count <= limit, limit, remaining, retryAfter, true);
  }
}
