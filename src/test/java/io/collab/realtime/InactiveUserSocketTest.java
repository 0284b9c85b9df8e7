package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Closed;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"realtime.userCheckSeconds=1"})
@DisplayName("Sockets of a user deactivated or deleted since they opened close with 4001 token_invalid")
class InactiveUserSocketTest {

  private TestApp app;
  private Actors actors;

  private void sql(String statement, Object... params) {
    try (Database db = Database.of(app)) {
      db.query(statement, params);
    }
  }

  @Test
  @DisplayName("a deactivated user's socket closes within realtime.userCheckSeconds; the others' stay open")
  void deactivated() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      sql("UPDATE users SET is_active = false WHERE id = $1", on.team().collaborator().id());

      Closed closed = on.collaborator().awaitClose(Duration.ofSeconds(3));
      assertThat(closed.status()).isEqualTo((short) 4001);
      assertThat(closed.reason()).isEqualTo("token_invalid");
      on.owner().send("edit", new JsonObject().put("n", 1), "still-open");
      assertThat(on.owner().await("the owner's own edit", Sockets.event("edit")).getLong("seq")).isPositive();
    }
  }

  @Test
  @DisplayName("a deleted user's socket closes too")
  void deleted() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, VIEWER)) {
      sql("DELETE FROM users WHERE id = $1", on.team().viewer().id());

      Closed closed = on.viewer().awaitClose(Duration.ofSeconds(3));
      assertThat(closed.status()).isEqualTo((short) 4001);
      assertThat(closed.reason()).isEqualTo("token_invalid");
    }
  }
}
