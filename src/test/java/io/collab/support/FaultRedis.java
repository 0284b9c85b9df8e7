package io.collab.support;

/**
 * A Redis of a fault test's own, which the test freezes, kills or restarts without touching the one other tests
 * share: a {@link RedisProcess} or a {@link RedisSentinelTopology}.
 */
public interface FaultRedis extends AutoCloseable {

  /** What {@code redis.url} names to reach it. */
  String url();

  /** Stops every process it started. */
  @Override
  void close();
}
