package io.collab.realtime;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.SocketTeam;
import io.collab.support.SocketTeam.Role;
import io.collab.support.Sockets;
import io.collab.support.SocketsOfOneUser;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.Closed;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Roles on a workspace socket, checked on every message and following membership changes")
class SocketRolesTest {

  private TestApp app;
  private Actors actors;
  private Redis redis;

  @ParameterizedTest(name = "the {0} may send {2}, relayed to the {1}")
  @CsvSource({
      "OWNER, VIEWER, edit", "OWNER, VIEWER, file.save", "OWNER, VIEWER, run", "OWNER, VIEWER, ping",
      "OWNER, VIEWER, cursor",
      "COLLABORATOR, OWNER, edit", "COLLABORATOR, OWNER, file.save", "COLLABORATOR, OWNER, run",
      "COLLABORATOR, OWNER, ping", "COLLABORATOR, OWNER, cursor"})
  @DisplayName("owners and collaborators may send any event")
  void editorsSendAnything(Role sender, Role watcher, String event) {
    try (SocketTeam on = SocketTeam.create(actors).join(app, sender, watcher)) {
      on.socket(sender).send(event, new JsonObject().put("k", "v"), "r");

      assertThat(on.socket(sender).await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("r");
      assertThat(on.socket(watcher).awaitEvent(event).getString("user")).isEqualTo(on.member(sender).email());
    }
  }

  @ParameterizedTest(name = "a viewer may send {0}")
  @ValueSource(strings = {"ping", "cursor", "presence"})
  @DisplayName("viewers may send ping, cursor and presence, relayed to every member")
  void viewerSendsPresenceEvents(String event) {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER, OWNER)) {
      on.viewer().send(event, new JsonObject().put("line", 7), "r");

      assertThat(on.viewer().await("the ack", Sockets.type("ack").or(Sockets.type("error"))).getString("type"))
          .isEqualTo("ack");
      JsonObject relayed = on.owner().awaitEvent(event);
      assertThat(relayed.getString("user")).isEqualTo(on.team().viewer().email());
      assertThat(relayed.getJsonObject("payload").getInteger("line")).isEqualTo(7);
    }
  }

  @ParameterizedTest(name = "a viewer may not send {0}")
  @ValueSource(strings = {"edit", "file.save", "run", "chat"})
  @DisplayName("viewers get {type: error, error: forbidden, ref} for any other event, which is not relayed")
  void viewerForbidden(String event) {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER, OWNER)) {
      Client viewer = on.viewer();
      viewer.send(event, new JsonObject().put("text", "sneaky"), "v-1");

      JsonObject error = viewer.await("the refusal", Sockets.type("error").or(Sockets.type("ack")));
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("error")).isEqualTo("forbidden");
      assertThat(error.getValue("ref")).isEqualTo("v-1");

      viewer.send("cursor", new JsonObject().put("marker", true));
      List<JsonObject> seen = on.owner().upTo("the viewer's cursor", Sockets.event("cursor"));
      assertThat(seen).noneMatch(Sockets.event(event));
      List<JsonObject> ownSeen = viewer.upTo("the viewer's own cursor", Sockets.event("cursor"));
      assertThat(ownSeen).noneMatch(Sockets.event(event));
    }
  }

  @Test
  @DisplayName("a forbidden event leaves the viewer's socket open")
  void viewerStaysOpen() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER)) {
      on.viewer().send("edit", new JsonObject(), 1);

      assertThat(on.viewer().refusalThenServed().getString("error")).isEqualTo("forbidden");
    }
  }

  @Test
  @DisplayName("a member removed through the REST API is closed with 4003 within one second")
  void removedMemberClosed() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, OWNER)) {
      Team team = on.team();
      assertThat(actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()))
          .statusCode()).isEqualTo(204);

      Closed closed = on.collaborator().awaitClose(Duration.ofSeconds(1));

      assertThat(closed.status()).isEqualTo((short) 4003);
      assertThat(on.owner().isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("every socket of a removed member is closed with 4003, and they are announced gone with user_leave")
  void removedMemberAllSockets() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR)) {
      Client second = on.another(app, COLLABORATOR);
      Team team = on.join(app, OWNER).team();
      actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()));

      assertThat(on.collaborator().awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
      assertThat(second.awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
      assertThat(on.owner().awaitEvent("user_leave").getString("user")).isEqualTo(team.collaborator().email());
    }
  }

  @Test
  @DisplayName("a removed member cannot connect again: 403")
  void removedMemberRefused() {
    Team team = Teams.create(actors);
    actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()));

    assertThat(Sockets.refusal(app, Sockets.path(team.workspaceId(), team.collaborator().access())).getStatus())
        .isEqualTo(403);
  }

  @Test
  @DisplayName("a member who leaves of their own accord through the REST API is closed with 4003 too")
  void memberLeaves() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER)) {
      Team team = on.team();
      assertThat(actors.delete(team.viewer(), Actors.member(team.workspaceId(), team.viewer().id())).statusCode())
          .isEqualTo(204);

      assertThat(on.viewer().awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
    }
  }

  @Test
  @DisplayName("a demoted member receives {type: role_changed, role: viewer} and is then refused non-presence events")
  void demoted() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, OWNER)) {
      Team team = on.team();
      Client collaborator = on.collaborator();
      collaborator.send("edit", new JsonObject(), "before");
      assertThat(collaborator.await("ack", Sockets.type("ack").or(Sockets.type("error"))).getString("type"))
          .isEqualTo("ack");

      assertThat(actors.patch(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()),
          new JsonObject().put("role", "viewer")).statusCode()).isEqualTo(200);
      JsonObject changed = collaborator.awaitType("role_changed");
      collaborator.send("edit", new JsonObject().put("text", "after demotion"), "after");
      JsonObject refusal = collaborator.await("the refusal", Sockets.type("error").or(Sockets.type("ack")));
      collaborator.send("cursor", new JsonObject(), "cursor");

      assertThat(changed.getString("role")).isEqualTo("viewer");
      assertThat(refusal.getString("error")).isEqualTo("forbidden");
      assertThat(refusal.getValue("ref")).isEqualTo("after");
      assertThat(collaborator.await("the cursor ack", Sockets.type("ack")).getValue("ref")).isEqualTo("cursor");
      assertThat(on.owner().upTo("the cursor", Sockets.event("cursor")))
          .noneMatch(Sockets.event("edit").and(m -> m.getJsonObject("payload").containsKey("text")));
    }
  }

  @Test
  @DisplayName("a promoted viewer receives role_changed and may then send any event")
  void promoted() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER)) {
      Team team = on.team();
      Client viewer = on.viewer();
      assertThat(actors.patch(team.owner(), Actors.member(team.workspaceId(), team.viewer().id()),
          new JsonObject().put("role", "collaborator")).statusCode()).isEqualTo(200);

      assertThat(viewer.awaitType("role_changed").getString("role")).isEqualTo("collaborator");
      viewer.send("edit", new JsonObject(), "r");
      assertThat(viewer.await("the ack", Sockets.type("ack").or(Sockets.type("error"))).getString("type"))
          .isEqualTo("ack");
    }
  }

  @Test
  @DisplayName("deleting the workspace closes every socket on it with 4004 and removes its keys from Redis")
  void workspaceDeleted() throws InterruptedException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR, VIEWER)) {
      Team team = on.team();
      assertThat(workspaceKeys(team.workspaceId())).as("sequence, history, presence").isEqualTo(4);

      assertThat(actors.delete(team.owner(), Actors.workspace(team.workspaceId())).statusCode()).isEqualTo(204);

      for (Client client : on.joined()) {
        assertThat(client.awaitClose(Duration.ofSeconds(2)).status()).isEqualTo((short) 4004);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (workspaceKeys(team.workspaceId()) > 0 && System.nanoTime() < deadline) {
        Pause.sleep(50);
      }
      Pause.sleep(200); // nothing recreates them once the sockets have gone
      assertThat(workspaceKeys(team.workspaceId())).isZero();
    }
  }

  private long workspaceKeys(long workspaceId) {
    String tag = CollabConfig.from(app.config).redis().key("{ws:" + workspaceId + "}");
    return redis.send(Request.cmd(Command.EXISTS).arg(tag + ":seq").arg(tag + ":history").arg(tag + ":presence")
        .arg(tag + ":who")).await().toLong();
  }

  @Test
  @DisplayName("deleting the project closes the sockets of its workspaces with 4004")
  void projectDeleted() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, VIEWER)) {
      assertThat(actors.delete(on.team().owner(), Actors.project(on.team().projectId())).statusCode()).isEqualTo(204);

      for (Client client : on.joined()) {
        assertThat(client.awaitClose(Duration.ofSeconds(2)).status()).isEqualTo((short) 4004);
      }
    }
  }

  @Test
  @DisplayName("deleting one workspace leaves the sockets of another open")
  void otherWorkspaceUntouched() {
    try (SocketsOfOneUser user = SocketsOfOneUser.join(app, actors)) {
      actors.delete(user.user(), Actors.workspace(user.firstWorkspace()));
      user.first().awaitClose(Duration.ofSeconds(2));

      user.second().send("edit", new JsonObject(), "still");

      assertThat(user.second().awaitType("ack").getValue("ref")).isEqualTo("still");
      assertThat(user.second().isClosed()).isFalse();
    }
  }
}
