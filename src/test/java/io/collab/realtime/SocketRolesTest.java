package io.collab.realtime;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.Sockets;
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
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Roles on a workspace socket, checked on every message and following membership changes")
class SocketRolesTest {

  private TestApp app;
  private Actors actors;
  private Redis redis;

  @ParameterizedTest(name = "the owner may send {0}")
  @ValueSource(strings = {"edit", "file.save", "run", "ping", "cursor"})
  @DisplayName("owners may send any event")
  void ownerSendsAnything(String event) {
    Team team = Teams.create(actors);
    try (Client owner = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      owner.send(event, new JsonObject().put("k", "v"), "r");

      assertThat(owner.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("r");
      assertThat(viewer.awaitEvent(event).getString("user")).isEqualTo(team.owner().email());
    }
  }

  @ParameterizedTest(name = "a collaborator may send {0}")
  @ValueSource(strings = {"edit", "file.save", "run", "ping", "cursor"})
  @DisplayName("collaborators may send any event")
  void collaboratorSendsAnything(String event) {
    Team team = Teams.create(actors);
    try (Client collaborator = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      collaborator.send(event, new JsonObject().put("k", "v"), "r");

      assertThat(collaborator.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("r");
      assertThat(owner.awaitEvent(event).getString("user")).isEqualTo(team.collaborator().email());
    }
  }

  @ParameterizedTest(name = "a viewer may send {0}")
  @ValueSource(strings = {"ping", "cursor", "presence"})
  @DisplayName("viewers may send ping, cursor and presence, relayed to every member")
  void viewerSendsPresenceEvents(String event) {
    Team team = Teams.create(actors);
    try (Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      viewer.send(event, new JsonObject().put("line", 7), "r");

      assertThat(viewer.await("the ack", Sockets.type("ack").or(Sockets.type("error"))).getString("type"))
          .isEqualTo("ack");
      JsonObject relayed = owner.awaitEvent(event);
      assertThat(relayed.getString("user")).isEqualTo(team.viewer().email());
      assertThat(relayed.getJsonObject("payload").getInteger("line")).isEqualTo(7);
    }
  }

  @ParameterizedTest(name = "a viewer may not send {0}")
  @ValueSource(strings = {"edit", "file.save", "run", "chat"})
  @DisplayName("viewers get {type: error, error: forbidden, ref} for any other event, which is not relayed")
  void viewerForbidden(String event) {
    Team team = Teams.create(actors);
    try (Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      viewer.send(event, new JsonObject().put("text", "sneaky"), "v-1");

      JsonObject error = viewer.await("the refusal", Sockets.type("error").or(Sockets.type("ack")));
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("error")).isEqualTo("forbidden");
      assertThat(error.getValue("ref")).isEqualTo("v-1");

      viewer.send("cursor", new JsonObject().put("marker", true));
      List<JsonObject> seen = owner.upTo("the viewer's cursor", Sockets.event("cursor"));
      assertThat(seen).noneMatch(Sockets.event(event));
      List<JsonObject> ownSeen = viewer.upTo("the viewer's own cursor", Sockets.event("cursor"));
      assertThat(ownSeen).noneMatch(Sockets.event(event));
    }
  }

  @Test
  @DisplayName("a forbidden event leaves the viewer's socket open")
  void viewerStaysOpen() {
    Team team = Teams.create(actors);
    try (Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      viewer.send("edit", new JsonObject(), 1);
      viewer.awaitType("error");

      viewer.send("ping", new JsonObject(), 2);

      assertThat(viewer.awaitType("ack").getValue("ref")).isEqualTo(2);
      assertThat(viewer.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a member removed through the REST API is closed with 4003 within one second")
  void removedMemberClosed() {
    Team team = Teams.create(actors);
    try (Client collaborator = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      assertThat(actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()))
          .statusCode()).isEqualTo(204);

      Closed closed = collaborator.awaitClose(Duration.ofSeconds(1));

      assertThat(closed.status()).isEqualTo((short) 4003);
      assertThat(owner.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("every socket of a removed member is closed with 4003, and they are announced gone with user_leave")
  void removedMemberAllSockets() {
    Team team = Teams.create(actors);
    try (Client first = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client second = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()));

      assertThat(first.awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
      assertThat(second.awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
      assertThat(owner.awaitEvent("user_leave").getString("user")).isEqualTo(team.collaborator().email());
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
    Team team = Teams.create(actors);
    try (Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      assertThat(actors.delete(team.viewer(), Actors.member(team.workspaceId(), team.viewer().id())).statusCode())
          .isEqualTo(204);

      assertThat(viewer.awaitClose(Duration.ofSeconds(1)).status()).isEqualTo((short) 4003);
    }
  }

  @Test
  @DisplayName("a demoted member receives {type: role_changed, role: viewer} and is then refused non-presence events")
  void demoted() {
    Team team = Teams.create(actors);
    try (Client collaborator = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client owner = Sockets.join(app, team.workspaceId(), team.owner().access())) {
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
      assertThat(owner.upTo("the cursor", Sockets.event("cursor")))
          .noneMatch(Sockets.event("edit").and(m -> m.getJsonObject("payload").containsKey("text")));
    }
  }

  @Test
  @DisplayName("a promoted viewer receives role_changed and may then send any event")
  void promoted() {
    Team team = Teams.create(actors);
    try (Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
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
    Team team = Teams.create(actors);
    try (Client owner = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client collaborator = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      assertThat(workspaceKeys(team.workspaceId())).as("sequence, history, presence").isEqualTo(4);

      assertThat(actors.delete(team.owner(), Actors.workspace(team.workspaceId())).statusCode()).isEqualTo(204);

      for (Client client : List.of(owner, collaborator, viewer)) {
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
    Team team = Teams.create(actors);
    try (Client owner = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      assertThat(actors.delete(team.owner(), Actors.project(team.projectId())).statusCode()).isEqualTo(204);

      assertThat(owner.awaitClose(Duration.ofSeconds(2)).status()).isEqualTo((short) 4004);
      assertThat(viewer.awaitClose(Duration.ofSeconds(2)).status()).isEqualTo((short) 4004);
    }
  }

  @Test
  @DisplayName("deleting one workspace leaves the sockets of another open")
  void otherWorkspaceUntouched() {
    Actor owner = actors.register("user");
    long doomed = Teams.workspace(actors, owner);
    long kept = Teams.workspace(actors, owner);
    try (Client onDoomed = Sockets.join(app, doomed, owner.access());
         Client onKept = Sockets.join(app, kept, owner.access())) {
      actors.delete(owner, Actors.workspace(doomed));
      onDoomed.awaitClose(Duration.ofSeconds(2));

      onKept.send("edit", new JsonObject(), "still");

      assertThat(onKept.awaitType("ack").getValue("ref")).isEqualTo("still");
      assertThat(onKept.isClosed()).isFalse();
    }
  }
}
