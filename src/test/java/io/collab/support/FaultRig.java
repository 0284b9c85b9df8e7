package io.collab.support;

import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The service deployed on a {@link FaultRedis}, for a test of what collab does when that Redis fails. Jobs run
 * unconfined ({@code jobs.sandbox=none}): the faults under test are Redis's, not the sandbox's. Closing stops the
 * service, then the Redis.
 */
public final class FaultRig<R extends FaultRedis> implements AutoCloseable {

  public final R redis;
  public final TestApp app;
  public final Actors actors;

  private FaultRig(R redis, TestApp app) {
    this.redis = redis;
    this.app = app;
    this.actors = new Actors(app);
  }

  /**
   * Starts the Redis, then the service on it, which waits at most {@code commandTimeoutMs} for any Redis answer;
   * {@code tweak} may change the other settings.
   */
  public static <R extends FaultRedis> FaultRig<R> start(Supplier<R> redisStart, long commandTimeoutMs,
      Consumer<JsonObject> tweak) {
    R redis = redisStart.get();
    try {
      return new FaultRig<>(redis, TestApp.start(config -> {
        config.getJsonObject("redis").put("url", redis.url()).put("commandTimeoutMs", commandTimeoutMs);
        config.getJsonObject("jobs").put("sandbox", "none");
        tweak.accept(config);
      }));
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
  }

  public static <R extends FaultRedis> FaultRig<R> start(Supplier<R> redisStart, long commandTimeoutMs) {
    return start(redisStart, commandTimeoutMs, config -> { });
  }

  @Override
  public void close() {
    try {
      app.stop();
    } finally {
      redis.close();
    }
  }
}
