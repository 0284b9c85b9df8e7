package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.ServiceProcess;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.collab.support.TestServices;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Presence when an instance dies")
class DeadInstancePresenceTest {

  private TestApp survivor;

  @AfterEach
  void stop() {
    if (survivor != null) {
      survivor.stop();
    }
  }

  @Test
  @DisplayName("users of an instance killed without warning leave presence, with a user_leave, within realtime.presenceTtlSeconds + 5 s")
  void killedInstanceUsersExpire() throws Exception {
    survivor = TestApp.start(config -> config.getJsonObject("realtime").put("presenceTtlSeconds", 3));
    Actors actors = new Actors(survivor);
    Teams.Team team = Teams.create(actors);
    int port = TestServices.freePort();
    JsonObject config = survivor.config;
    try (ServiceProcess doomed = ServiceProcess.start(Map.of(
        "COLLAB_PG_URL", config.getJsonObject("pg").getString("url"),
        "COLLAB_REDIS_URL", config.getJsonObject("redis").getString("url"),
        "COLLAB_JWT_SECRET", config.getJsonObject("jwt").getString("secret"),
        "COLLAB_HTTP_PORT", String.valueOf(port),
        "COLLAB_HTTP_INSTANCES", "1",
        "COLLAB_ROLES", "api,realtime,persistence",
        "COLLAB_REALTIME_PRESENCE_TTL_SECONDS", "3",
        "COLLAB_CLUSTER_NAME", "collab-test-" + UUID.randomUUID(),
        "COLLAB_LOG_FORMAT", "text"), "start")) {
      assertThat(doomed.awaitLine("collab ready: ", Duration.ofSeconds(60))).as("%s", doomed.stderr()).isPresent();

      LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
      WebSocket collaborator = survivor.vertx.createWebSocketClient().connect(new WebSocketConnectOptions()
              .setHost("127.0.0.1").setPort(port)
              .setURI("/ws/workspaces/" + team.workspaceId() + "/?token=" + team.collaborator().access()))
          .await();
      collaborator.textMessageHandler(text -> inbox.add(new JsonObject(text)));
      JsonObject first = inbox.poll(10, TimeUnit.SECONDS);
      assertThat(first.getString("type")).isEqualTo("presence_state");

      try (Sockets.Client owner = Sockets.join(survivor, team.workspaceId(), team.owner().access())) {
        assertThat(ids(owner.presence)).contains(team.collaborator().id());
        doomed.kill();
        long killed = System.nanoTime();
        JsonObject leave = owner.await("user_leave of the dead instance's user",
            Sockets.event("user_leave").and(m -> team.collaborator().email().equals(m.getString("user"))));
        // presenceTtlSeconds (3) + 5 s, as documented
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(8));
        assertThat(leave.getLong("seq")).isPositive();
      }
      try (Sockets.Client owner = Sockets.join(survivor, team.workspaceId(), team.owner().access())) {
        assertThat(ids(owner.presence)).containsExactly(team.owner().id());
      }
    }
  }

  private static List<Long> ids(JsonObject presence) {
    JsonArray users = presence.getJsonArray("users");
    return users.stream().map(u -> ((JsonObject) u).getLong("user_id")).toList();
  }
}
