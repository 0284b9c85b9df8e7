package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pub/sub channels are not per Redis database. Two deployments on one Redis server, each on its own database and
 * its own PostgreSQL, number their workspaces alike: workspace 1 of one must never hear workspace 1 of the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Two deployments on different databases of one Redis server do not hear each other")
class RedisDatabaseIsolationTest {

  private TestApp one;
  private TestApp other;

  @BeforeAll
  void deploy() {
    one = TestApp.start();
    other = TestApp.start(); // the next Redis database, a database of its own in PostgreSQL
  }

  @AfterAll
  void undeploy() {
    other.stop();
    one.stop();
  }

  @Test
  @DisplayName("a broadcast in workspace N of one deployment reaches its own sockets only, not workspace N of the other")
  void sameWorkspaceIdDifferentDatabases() {
    assertThat(one.config.getJsonObject("redis").getString("url"))
        .isNotEqualTo(other.config.getJsonObject("redis").getString("url"));
    Team here = Teams.create(new Actors(one));
    Team there = Teams.create(new Actors(other));
    assertThat(there.workspaceId()).as("both fresh databases number their first workspace alike")
        .isEqualTo(here.workspaceId());

    // One socket per side, so both workspaces' sequences stand at 1 and a leaked edit (seq 2 on its own side) would
    // be exactly the next seq the stranger expects, and be delivered rather than held back as a gap.
    try (Client sender = Sockets.join(one, here.workspaceId(), here.owner().access());
         Client stranger = Sockets.join(other, there.workspaceId(), there.owner().access())) {
      sender.await("its own user_join", Sockets.event("user_join"));
      stranger.await("its own user_join", Sockets.event("user_join"));
      sender.send("edit", new JsonObject().put("secret", "for this deployment only"), "r1");

      assertThat(sender.await("its own edit", Sockets.event("edit")).getLong("seq")).isEqualTo(2L);
      JsonObject heard = stranger.poll(Duration.ofMillis(1000));
      assertThat(heard).as("what the other deployment's socket received").isNull();
    }
  }
}
