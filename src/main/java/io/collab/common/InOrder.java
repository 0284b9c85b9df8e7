package io.collab.common;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Asynchronous calls that run one after another per key: a call starts when the previous call for the same key has
 * completed, whether it succeeded or not; calls for different keys do not wait for each other. Used where order
 * matters and a connection pool would not keep it (two publishes sent at once may reach Redis in either order).
 * Confined to one event loop, like the verticle that owns it.
 */
public final class InOrder<K> {

  private final Map<K, Future<?>> last = new HashMap<>();

  public <T> Future<T> run(K key, Supplier<Future<T>> call) {
    Future<?> previous = last.getOrDefault(key, Future.succeededFuture());
    Future<T> next = previous.transform(done -> call.get());
    last.put(key, next);
    next.onComplete(done -> last.remove(key, next));
    return next;
  }
}
