package io.collab.realtime;

import io.collab.support.ClusterNodes;
import io.collab.support.TestServices;
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

  private final ClusterNodes nodes = new ClusterNodes();
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
    Vertx client = nodes.start(a).vertx();
    nodes.start(b);
    web = WebClient.create(client);
    sockets = client.createWebSocketClient();
  }

  @AfterAll
  void stop() {
    nodes.close();
  }

  @Test
  @DisplayName("a SockJS client on one instance and a WebSocket client on the other see the same events in the same order")
  void sockJsAndWebSocketAgree() throws Exception {
    Team team = team();
    try (Connection raw = collaboratorJoinsB(team, "/");
         Connection bridge = connect(portA, "/eventbus/websocket?token=" + team.owner().getString("access"))) {
      bridge.socket().writeTextMessage(new JsonObject().put("type", "register")
          .put("address", "workspace." + team.workspace()).encode()).await();
      awaitType(bridge.inbox(), "presence_state", true);

      for (int i = 0; i < 5; i++) {
        bridge.socket().writeTextMessage(new JsonObject().put("type", "send")
            .put("address", "workspace." + team.workspace() + ".send")
            .put("body", new JsonObject().put("event", "file_change")
                .put("payload", new JsonObject().put("n", "sockjs-" + i)))
            .encode()).await();
        raw.socket().writeTextMessage(new JsonObject().put("event", "file_change")
            .put("payload", new JsonObject().put("n", "ws-" + i)).encode()).await();
      }

      List<String> seenOnB = fileChanges(raw.inbox(), 10, false);
      List<String> seenOnA = fileChanges(bridge.inbox(), 10, true);
      assertThat(seenOnA).hasSize(10).isEqualTo(seenOnB);
      assertThat(seenOnB).anyMatch(s -> s.contains("sockjs-4")).anyMatch(s -> s.contains("ws-4"));
    }
  }

  @Test
  @DisplayName("a member removed through the API on one instance is closed with 4003 on the other within a second")
  void removalReachesOtherInstance() throws Exception {
    Team team = team();
    try (Connection onB = collaboratorJoinsB(team, "")) {
      long removedAt = System.nanoTime();
      HttpResponse<Buffer> removed = web.delete(portA, "127.0.0.1",
              "/api/projects/workspaces/" + team.workspace() + "/members/" + team.collaborator().getLong("id") + "/")
          .bearerTokenAuthentication(team.owner().getString("access")).send().await();
      assertThat(removed.statusCode()).isEqualTo(204);
      assertThat(onB.closed().get(1, TimeUnit.SECONDS)).isEqualTo((short) 4003);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - removedAt)).isLessThan(1000);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** A new owner's workspace, made through both instances, with a new collaborator in it. */
  private record Team(JsonObject owner, JsonObject collaborator, long workspace) {}

  private Team team() {
    JsonObject owner = user();
    JsonObject collaborator = user();
    return new Team(owner, collaborator, workspaceWith(owner, collaborator));
  }

  /** A socket, what it received (text and binary frames alike, as JSON) and the status it was closed with. */
  private record Connection(WebSocket socket, LinkedBlockingQueue<JsonObject> inbox, CompletableFuture<Short> closed)
      implements AutoCloseable {

    @Override
    public void close() {
      if (!closed.isDone()) {
        socket.close().await();
      }
    }
  }

  /**
   * The collaborator's socket on instance B, at {@code /ws/workspaces/{id}<slash>?token=...}, once its presence_state
   * has arrived.
   */
  private Connection collaboratorJoinsB(Team team, String slash) throws InterruptedException {
    Connection joined = connect(portB, "/ws/workspaces/" + team.workspace() + slash + "?token="
        + team.collaborator().getString("access"));
    awaitType(joined.inbox(), "presence_state", false);
    return joined;
  }

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

  private Connection connect(int port, String uri) {
    WebSocket ws = sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)).await();
    Connection connection = new Connection(ws, new LinkedBlockingQueue<>(), new CompletableFuture<>());
    // text and binary (SockJS) frames alike
    ws.handler(data -> connection.inbox().add(new JsonObject(data.toString())));
    ws.closeHandler(v -> connection.closed().complete(ws.closeStatusCode()));
    return connection;
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
