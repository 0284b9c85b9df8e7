package io.collab.common;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * The event-bus contract: every address collab uses and the shape of what travels on it. Bodies are always
 * {@link io.vertx.core.json.JsonObject}s so they cross the cluster without custom codecs.
 *
 * <p>Failures are replied with {@code message.fail(status, code)}: {@code status} is the HTTP status the API answers
 * with, {@code code} the stable error code, optionally followed by {@code ": "} and a human-readable detail. See
 * {@link BusFailure}.
 */
public final class Bus {

  private Bus() {}

  /**
   * Request {@code {}}; reply {@code {"ok": true, "deployment": "<persistence deployment id>"}} once PostgreSQL
   * answered {@code SELECT 1}; fails 503 {@code postgres_unavailable} otherwise.
   */
  public static final String PERSISTENCE_PING = "collab.persistence.ping";

  public static DeliveryOptions timeout(long millis) {
    return new DeliveryOptions().setSendTimeout(millis);
  }
}
