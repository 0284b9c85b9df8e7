package io.collab.common;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Requests to the persistence verticles. On a node that runs persistence itself the request goes to the node-local
 * address ({@link Bus#local}); elsewhere it crosses the cluster. Failures come back as {@link BusFailure}s.
 */
public final class BusClient {

  private final Vertx vertx;
  private final boolean persistenceHere;
  private final DeliveryOptions options;

  public BusClient(Vertx vertx, boolean persistenceHere, long timeoutMs) {
    this.vertx = vertx;
    this.persistenceHere = persistenceHere;
    this.options = Bus.timeout(timeoutMs);
  }

  public Future<JsonObject> request(String address, JsonObject body) {
    String target = persistenceHere ? Bus.local(address) : address;
    return vertx.eventBus().<JsonObject>request(target, body, options)
        .map(Message::body)
        .recover(err -> Future.failedFuture(BusFailure.from(err)));
  }
}
