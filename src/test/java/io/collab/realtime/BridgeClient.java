package io.collab.realtime;

import io.collab.support.Sockets;
import io.collab.support.TestApp;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A SockJS event-bus bridge client over the raw {@code /eventbus/websocket} transport, as
 * {@code @vertx/eventbus-bridge-client.js} speaks it: register, send, and the {@code rec} and {@code err} frames it
 * gets back (the transport carries JSON in binary frames).
 */
final class BridgeClient implements AutoCloseable {

  private final WebSocketClient owner;
  private final WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

  private BridgeClient(WebSocketClient owner, WebSocket ws) {
    this.owner = owner;
    this.ws = ws;
    ws.handler(data -> frames.add(new JsonObject(data.toString())));
  }

  static BridgeClient connect(TestApp app, String token) {
    WebSocketClient client = app.vertx.createWebSocketClient();
    WebSocket ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(app.port)
        .setURI("/eventbus/websocket?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))).await();
    return new BridgeClient(client, ws);
  }

  /** A client of {@code app} with {@code token}, registered to {@code workspace.<id>} ({@link #register}). */
  static BridgeClient join(TestApp app, String token, long workspaceId) {
    BridgeClient client = connect(app, token);
    try {
      client.register(workspaceId);
      return client;
    } catch (RuntimeException | Error failed) {
      client.close();
      throw failed;
    }
  }

  /** Registers to {@code workspace.<id>} and waits for its presence_state, which it returns. */
  JsonObject register(long workspaceId) {
    write(new JsonObject().put("type", "register").put("address", "workspace." + workspaceId));
    return await(Sockets.type("presence_state"));
  }

  /**
   * Sends {@code {event, payload, ref}} to {@code workspace.<id>.send} with a reply address, and returns the type
   * of the bridge's answer to it: {@code "rec"} (the reply) or {@code "err"} (refused).
   */
  String send(long workspaceId, String event, JsonObject payload, Object ref) {
    String replyAddress = "reply." + ref + "." + System.nanoTime();
    write(new JsonObject().put("type", "send").put("address", "workspace." + workspaceId + ".send")
        .put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("event", event).put("payload", payload).put("ref", ref)));
    JsonObject frame = frame(f -> "err".equals(f.getString("type")) || replyAddress.equals(f.getString("address")));
    return frame.getString("type");
  }

  /** Sends {@code {event, payload, ref}} as {@link #send} does; the workspace message that answers {@code ref}. */
  JsonObject request(long workspaceId, String event, JsonObject payload, Object ref) {
    send(workspaceId, event, payload, ref);
    return await(m -> ref.equals(m.getValue("ref")));
  }

  /** The next workspace message (the body of a {@code rec} frame) that matches, skipping others. */
  JsonObject await(Predicate<JsonObject> match) {
    return frame(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject body
        && match.test(body)).getJsonObject("body");
  }

  /** The workspace messages, in order, up to and including the first that matches. */
  List<JsonObject> upTo(Predicate<JsonObject> match) {
    List<JsonObject> bodies = new ArrayList<>();
    JsonObject body;
    do {
      body = await(any -> true);
      bodies.add(body);
    } while (!match.test(body));
    return bodies;
  }

  private final List<JsonObject> skipped = new ArrayList<>();

  /** Frames that did not match what was awaited so far, in order: later awaits look at them first. */
  private JsonObject frame(Predicate<JsonObject> match) {
    for (int i = 0; i < skipped.size(); i++) {
      if (match.test(skipped.get(i))) {
        return skipped.remove(i);
      }
    }
    long deadline = System.nanoTime() + Sockets.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject frame;
      try {
        frame = frames.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (frame != null && match.test(frame)) {
        return frame;
      }
      if (frame != null) {
        skipped.add(frame);
      }
    }
    throw new AssertionError("no matching bridge frame within " + Sockets.WAIT + "; not matched: " + skipped);
  }

  private void write(JsonObject frame) {
    ws.writeTextMessage(frame.encode()).await();
  }

  @Override
  public void close() {
    try {
      ws.close().await();
    } catch (RuntimeException ignored) {
      // already gone
    } finally {
      owner.close().await();
    }
  }
}
