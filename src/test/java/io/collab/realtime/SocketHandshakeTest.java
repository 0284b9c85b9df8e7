package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Actors.Actor;
import io.collab.support.Jwt;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("The socket handshake on /ws/workspaces/{id}/?token=<access JWT>")
class SocketHandshakeTest {

  private TestApp app;
  private Actors actors;
  private Actor owner;
  private long workspaceId;

  @BeforeAll
  void createWorkspace() {
    workspaceId = Teams.workspace(actors, owner);
  }

  @Test
  @DisplayName("a member with a valid access token is admitted, and the first message is presence_state listing them")
  void memberIsAdmitted() {
    try (Client client = Sockets.connect(app, Sockets.path(workspaceId, owner.access()))) {
      JsonObject first = client.next();

      assertThat(first.getString("type")).isEqualTo("presence_state");
      JsonArray users = first.getJsonArray("users");
      assertThat(users).hasSize(1);
      assertThat(users.getJsonObject(0).getLong("user_id")).isEqualTo(owner.id());
      assertThat(users.getJsonObject(0).getString("email")).isEqualTo(owner.email());
      assertThat(users.getJsonObject(0).getString("username")).isEqualTo(owner.username());
    }
  }

  @Test
  @DisplayName("the path without the trailing slash is admitted too")
  void withoutTrailingSlash() {
    try (Client client = Sockets.connect(app, "/ws/workspaces/" + workspaceId + "?token=" + owner.access())) {
      assertThat(client.next().getString("type")).isEqualTo("presence_state");
    }
  }

  @Test
  @DisplayName("an empty since counts as absent")
  void emptySince() {
    try (Client client = Sockets.connect(app, Sockets.path(workspaceId, owner.access()) + "&since=")) {
      assertThat(client.next().getString("type")).isEqualTo("presence_state");
    }
  }

  @Test
  @DisplayName("a since that is not a non-negative integer: refused with 400")
  void badSince() {
    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, owner.access()) + "&since=-1").getStatus())
        .isEqualTo(400);
    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, owner.access()) + "&since=abc").getStatus())
        .isEqualTo(400);
  }

  @Test
  @DisplayName("no token: refused with 401")
  void missingToken() {
    assertThat(Sockets.refusal(app, "/ws/workspaces/" + workspaceId + "/").getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("an empty token: refused with 401")
  void emptyToken() {
    assertThat(Sockets.refusal(app, "/ws/workspaces/" + workspaceId + "/?token=").getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("a malformed token: refused with 401")
  void malformedToken() {
    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, "abc")).getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("a token signed with another key: refused with 401")
  void wrongKey() {
    String forged = Jwt.signHs256(app.vertx, "another-secret-" + UUID.randomUUID() + UUID.randomUUID(),
        Jwt.payload(owner.access()));

    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, forged)).getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("a refresh token: refused with 401")
  void refreshToken() {
    String refresh = actors.login(owner)
        .refresh();

    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, refresh)).getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("an expired token: refused with 401")
  void expiredToken() {
    long now = Instant.now().getEpochSecond();
    String stale = Jwt.signHs256(app.vertx, app.config.getJsonObject("jwt").getString("secret"),
        Jwt.payload(owner.access()).put("iat", now - 3600).put("exp", now - 60));

    assertThat(Sockets.refusal(app, Sockets.path(workspaceId, stale)).getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("a valid token of a user who is not a member: refused with 403")
  void nonMember() {
    Actor stranger = actors.register("user");

    UpgradeRejectedException refusal = Sockets.refusal(app, Sockets.path(workspaceId, stranger.access()));

    assertThat(refusal.getStatus()).isEqualTo(403);
  }

  @Test
  @DisplayName("a workspace that does not exist: refused with 403, the same answer as for a non-member")
  void unknownWorkspace() {
    Actor stranger = actors.register("user");
    UpgradeRejectedException notMember = Sockets.refusal(app, Sockets.path(workspaceId, stranger.access()));

    UpgradeRejectedException missing = Sockets.refusal(app, Sockets.path(999_999_999L, stranger.access()));

    assertThat(missing.getStatus()).isEqualTo(403);
    assertThat(missing.getBody().toJsonObject().getString("error"))
        .isEqualTo(notMember.getBody().toJsonObject().getString("error"));
  }

  @Test
  @DisplayName("an invalid token on a workspace that does not exist: 401 (authentication comes first)")
  void invalidTokenOnUnknownWorkspace() {
    assertThat(Sockets.refusal(app, Sockets.path(999_999_999L, "abc")).getStatus()).isEqualTo(401);
  }

  @Test
  @DisplayName("a deleted workspace: refused with 403")
  void deletedWorkspace() {
    long doomed = Teams.workspace(actors, owner);
    assertThat(actors.delete(owner, Actors.workspace(doomed)).statusCode()).isEqualTo(204);

    assertThat(Sockets.refusal(app, Sockets.path(doomed, owner.access())).getStatus()).isEqualTo(403);
  }

  @Test
  @DisplayName("permessage-deflate offered by the client is declined by default (realtime.compression false)")
  void compressionDeclinedByDefault() {
    assertThat(extensionsAnswered(app)).isNull();
  }

  @Test
  @DisplayName("with realtime.compression true, permessage-deflate offered by the client is accepted")
  void compressionWhenEnabled() {
    TestApp compressing = TestApp.start(config -> config.getJsonObject("realtime").put("compression", true));
    try {
      assertThat(extensionsAnswered(compressing)).startsWith("permessage-deflate");
    } finally {
      compressing.stop();
    }
  }

  /** The handshake answer's Sec-WebSocket-Extensions to a client offering permessage-deflate, as browsers do. */
  private static String extensionsAnswered(TestApp target) {
    Actor user = new Actors(target).register("deflate");
    long workspace = Teams.workspace(new Actors(target), user);
    WebSocketClient client = target.vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true));
    try {
      WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(target.port)
          .setURI(Sockets.path(workspace, user.access()))).await();
      String extensions = socket.headers().get("Sec-WebSocket-Extensions");
      socket.close().await();
      return extensions;
    } finally {
      client.close().await();
    }
  }
}
