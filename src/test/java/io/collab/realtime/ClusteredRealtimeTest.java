package io.collab.realtime;

import io.collab.app.ClusterSetup;
import io.collab.config.CollabConfig;
import io.collab.app.MainVerticle;
import io.collab.support.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Realtime across two clustered instances")
class ClusteredRealtimeTest {

  private final List<ClusterSetup.Node> nodes = new ArrayList<>();
  private int portA;
  private int portB;
  private WebClient web;
  private WebSocketClient sockets;

  @BeforeAll
  void startTwoNodes() {
    JsonObject a = TestServices.config();
    JsonObject b = a.copy();
    b.getJsonObject("http").put("port", TestServices.freePort());
    portA = a.getJsonObject("http").getInteger("port");
    portB = b.getJsonObject("http").getInteger("port");
    for (JsonObject config : List.of(a, b)) {
      ClusterSetup.Node node = ClusterSetup.start(CollabConfig.from(config)).await();
      nodes.add(node);
      node.vertx().deployVerticle(MainVerticle.class, new DeploymentOptions().setConfig(config)).await();
    }
    Vertx client = nodes.get(0).vertx();
    web = WebClient.create(client);
    sockets = client.createWebSocketClient();
  }

  @AfterAll
  void stop() {
    for (ClusterSetup.Node node : nodes) {
      node.vertx().close().await();
    }
  }

  @Test
  @DisplayName("a SockJS client on one instance and a WebSocket client on the other see the same events in the same order")
  void sockJsAndWebSocketAgree() throws Exception {
    JsonObject owner = user();
    JsonObject collaborator = user();
    long workspace = workspaceWith(owner, collaborator);

    LinkedBlockingQueue<JsonObject> onB = new LinkedBlockingQueue<>();
    WebSocket raw = connect(portB, "/ws/workspaces/" + workspace + "/?token=" + collaborator.getString("access"), onB);
    awaitType(onB, "presence_state", false);

    LinkedBlockingQueue<JsonObject> onA = new LinkedBlockingQueue<>();
    WebSocket bridge = connect(portA, "/eventbus/websocket?token=" + owner.getString("access"), onA);
    bridge.writeTextMessage(new JsonObject().put("type", "register").put("address", "workspace." + workspace).encode()).await();
    awaitType(onA, "presence_state", true);

    for (int i = 0; i < 5; i++) {
      bridge.writeTextMessage(new JsonObject().put("type", "send").put("address", "workspace." + workspace + ".send")
          .put("body", new JsonObject().put("event", "file_change").put("payload", new JsonObject().put("n", "sockjs-" + i)))
          .encode()).await();
      raw.writeTextMessage(new JsonObject().put("event", "file_change")
          .put("payload", new JsonObject().put("n", "ws-" + i)).encode()).await();
    }

    List<String> seenOnB = fileChanges(onB, 10, false);
    List<String> seenOnA = fileChanges(onA, 10, true);
    assertThat(seenOnA).hasSize(10).isEqualTo(seenOnB);
    assertThat(seenOnB).anyMatch(s -> s.contains("sockjs-4")).anyMatch(s -> s.contains("ws-4"));
    raw.close().await();
    bridge.close().await();
  }

  @Test
  @DisplayName("a member removed through the API on one instance is closed with 4003 on the other within a second")
  void removalReachesOtherInstance() throws Exception {
    JsonObject owner = user();
    JsonObject collaborator = user();
    long workspace = workspaceWith(owner, collaborator);
    LinkedBlockingQueue<JsonObject> onB = new LinkedBlockingQueue<>();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    WebSocket socket = connect(portB, "/ws/workspaces/" + workspace + "?token=" + collaborator.getString("access"), onB);
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
    awaitType(onB, "presence_state", false);

    long removedAt = System.nanoTime();
    HttpResponse<Buffer> removed = web.delete(portA, "127.0.0.1",
            "/api/projects/workspaces/" + workspace + "/members/" + collaborator.getLong("id") + "/")
        .bearerTokenAuthentication(owner.getString("access")).send().await();
    assertThat(removed.statusCode()).isEqualTo(204);
    assertThat(closed.get(1, TimeUnit.SECONDS)).isEqualTo((short) 4003);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - removedAt)).isLessThan(1000);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private JsonObject user() {
    String name = "rt-" + UUID.randomUUID().toString().substring(0, 12);
    JsonObject body = new JsonObject().put("email", name + "@example.test").put("username", name)
        .put("password", "correct horse battery");
    JsonObject created = web.post(portA, "127.0.0.1", "/api/auth/register/").sendJsonObject(body).await().bodyAsJsonObject();
    String access = web.post(portB, "127.0.0.1", "/api/auth/login/").sendJsonObject(body).await()
        .bodyAsJsonObject().getString("access");
    return created.put("access", access);
  }

  private long workspaceWith(JsonObject owner, JsonObject collaborator) {
    String token = owner.getString("access");
    long project = web.post(portA, "127.0.0.1", "/api/projects/projects/").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("name", "p")).await().bodyAsJsonObject().getLong("id");
    long workspace = web.post(portB, "127.0.0.1", "/api/projects/workspaces/").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("project", project).put("name", "w")).await().bodyAsJsonObject().getLong("id");
    int added = web.post(portA, "127.0.0.1", "/api/projects/workspaces/" + workspace + "/members/")
        .bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("user_id", collaborator.getLong("id")).put("role", "collaborator"))
        .await().statusCode();
    assertThat(added).isEqualTo(201);
    return workspace;
  }

  private WebSocket connect(int port, String uri, LinkedBlockingQueue<JsonObject> inbox) {
    WebSocket ws = sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)).await();
    ws.handler(data -> inbox.add(new JsonObject(data.toString())));  // text and binary (SockJS) frames alike
    return ws;
  }

  /** Waits for a message of {@code type}: on a plain socket, or ({@code bridged}) inside a SockJS bridge frame. */
  private static void awaitType(LinkedBlockingQueue<JsonObject> inbox, String type, boolean bridged)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject message = messageOf(inbox.poll(100, TimeUnit.MILLISECONDS), bridged);
      if (message != null && type.equals(message.getString("type"))) {
        return;
      }
    }
    throw new AssertionError("no " + (bridged ? "bridged " : "") + type + " message");
  }

  /** The message a frame carries: the frame itself, or the {@code body} a bridge frame wraps; null for none. */
  private static JsonObject messageOf(JsonObject frame, boolean bridged) {
    if (frame == null || !bridged) {
      return frame;
    }
    return frame.getValue("body") instanceof JsonObject body ? body : null;
  }

  /** "seq:payload" of the next {@code count} file_change broadcasts, in arrival order. */
  private static List<String> fileChanges(LinkedBlockingQueue<JsonObject> inbox, int count, boolean bridged)
      throws InterruptedException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen.size() < count && System.nanoTime() < deadline) {
      JsonObject message = messageOf(inbox.poll(100, TimeUnit.MILLISECONDS), bridged);
      if (message != null && "file_change".equals(message.getString("event"))) {
        seen.add(message.getLong("seq") + ":" + message.getJsonObject("payload").getString("n"));
      }
    }
    return seen;
  }
}
