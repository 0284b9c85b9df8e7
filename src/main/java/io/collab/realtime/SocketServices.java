package io.collab.realtime;

import io.collab.auth.Authenticator;
import io.collab.common.BusClient;
import io.collab.config.CollabConfig;
import io.vertx.core.Vertx;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What both socket transports ({@link SocketEndpoint} with its {@link Session}s, and {@link BridgeEndpoint}) use on
 * one HTTP verticle instance: built once there, so the two transports cannot drift apart in what they talk to.
 *
 * @param tokens checks the access token a socket opens with, and every token it sends later
 * @param bus requests to the persistence verticles (workspace access, documents)
 * @param broker sequences and publishes workspace messages across instances
 * @param hub this instance's sockets, by workspace and user
 */
public record SocketServices(Vertx vertx, CollabConfig.Realtime settings, Authenticator tokens, BusClient bus,
                             Broker broker, SocketHub hub) {

  /** The document half of one socket's membership in a workspace (see {@link DocumentChannel}). */
  DocumentChannel documents(long workspaceId, long userId, Supplier<String> role, Consumer<String> out) {
    return new DocumentChannel(vertx, bus::request, broker, workspaceId, userId, role, out);
  }

  /** The sequenced half: broadcasts in order, gaps refilled from history (see {@link Delivery}). */
  Delivery delivery(long workspaceId, Consumer<String> out, Runnable historyUnavailable, BooleanSupplier ended) {
    return new Delivery(broker, workspaceId, settings, out, historyUnavailable, ended);
  }
}
