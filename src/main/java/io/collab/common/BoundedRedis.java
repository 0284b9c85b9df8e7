package io.collab.common;

import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Redis client whose every command answers within {@code redis.commandTimeoutMs}, whatever Redis does. The client
 * itself waits forever for a server that accepted the connection and then stopped answering (frozen, swapping, a
 * network partition without resets); callers then hang as long as Redis does. Bounded, they fail fast with
 * {@link CommandTimeout} and answer 503 (or fail open where the caller chose to), and work again as soon as Redis
 * does, with no restart.
 *
 * <p>Connections handed out by {@link #connect()} (subscriptions, blocking stream reads) are their owners' to bound.
 */
public final class BoundedRedis implements Redis {

  /** Redis did not answer a command in time. No stack trace: it is an outage, not a bug. */
  public static final class CommandTimeout extends VertxException {
    CommandTimeout(long millis) {
      super("Redis did not answer within " + millis + " ms", true);
    }
  }

  private final Redis delegate;
  private final long timeoutMs;

  public BoundedRedis(Redis delegate, long timeoutMs) {
    this.delegate = delegate;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<Response> send(Request command) {
    return bounded(delegate.send(command));
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return bounded(delegate.batch(commands));
  }

  @Override
  public Future<RedisConnection> connect() {
    return bounded(delegate.connect());
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }

  /** {@code reply}, or a {@link CommandTimeout} once the bound passed. */
  public <T> Future<T> bounded(Future<T> reply) {
    return reply.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(err instanceof TimeoutException ? new CommandTimeout(timeoutMs) : err));
  }
}
