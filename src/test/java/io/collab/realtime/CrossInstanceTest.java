package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Two instances sharing PostgreSQL and Redis serve one workspace as one")
class CrossInstanceTest {

  private TestApp first;
  /** Another instance of the same deployment. */
  private TestApp second;
  /** Users of the first instance. */
  private Actors actors;

  @Test
  @DisplayName("sockets on both instances see the same broadcasts, with the same seqs, in the same order")
  void sameEventsSameOrder() {
    Team team = Teams.create(actors);
    try (Client onFirst = Sockets.join(first, team.workspaceId(), team.owner().access());
         Client onSecond = Sockets.join(second, team.workspaceId(), team.collaborator().access())) {
      onFirst.await("user_join of the collaborator, from the other instance", Sockets.event("user_join")
          .and(m -> team.collaborator().email().equals(m.getString("user"))));
      onSecond.await("own user_join", Sockets.event("user_join"));

      for (int i = 0; i < 20; i++) {
        Client sender = i % 2 == 0 ? onFirst : onSecond;
        sender.send("edit", new JsonObject().put("n", i), "r" + i);
      }
      List<JsonObject> a = broadcastsUntilAllEdits(onFirst, 20);
      List<JsonObject> b = broadcastsUntilAllEdits(onSecond, 20);

      assertThat(a).hasSize(20);
      assertThat(b).containsExactlyElementsOf(a);
      for (int i = 1; i < a.size(); i++) {
        assertThat(a.get(i).getLong("seq")).isEqualTo(a.get(i - 1).getLong("seq") + 1);
      }
      assertThat(a.stream().filter(Sockets.event("edit")).map(m -> m.getString("user")).distinct())
          .containsExactlyInAnyOrder(team.owner().email(), team.collaborator().email());
    }
  }

  @Test
  @DisplayName("presence_state on the second instance lists the user connected to the first")
  void presenceAcrossInstances() {
    Team team = Teams.create(actors);
    try (Client onFirst = Sockets.join(first, team.workspaceId(), team.owner().access());
         Client onSecond = Sockets.join(second, team.workspaceId(), team.viewer().access())) {
      assertThat(onSecond.presence.getJsonArray("users").stream().map(u -> ((JsonObject) u).getLong("user_id")))
          .containsExactlyInAnyOrder(team.owner().id(), team.viewer().id());
      JsonObject owner = onSecond.presence.getJsonArray("users").stream().map(JsonObject.class::cast)
          .filter(u -> u.getLong("user_id") == team.owner().id()).findFirst().orElseThrow();
      assertThat(owner.getString("email")).isEqualTo(team.owner().email());
      assertThat(owner.getString("username")).isEqualTo(team.owner().username());
    }
  }

  @Test
  @DisplayName("one user on both instances joins once and leaves once, when their last socket anywhere closes")
  void oneJoinOneLeaveAcrossInstances() {
    Team team = Teams.create(actors);
    try (Client watcher = Sockets.join(first, team.workspaceId(), team.owner().access())) {
      Client here = Sockets.join(first, team.workspaceId(), team.collaborator().access());
      watcher.await("user_join of the collaborator", Sockets.event("user_join")
          .and(m -> team.collaborator().email().equals(m.getString("user"))));
      Client there = Sockets.join(second, team.workspaceId(), team.collaborator().access());
      assertThat(there.presence.getJsonArray("users")).hasSize(2);

      there.send("marker", new JsonObject().put("n", 1));
      List<JsonObject> afterSecondSocket = watcher.upTo("marker 1", Sockets.event("marker", "n", 1));
      here.close();
      there.send("marker", new JsonObject().put("n", 2));
      List<JsonObject> afterFirstClosed = watcher.upTo("marker 2", Sockets.event("marker", "n", 2));
      there.close();
      JsonObject leave = watcher.await("user_leave of the collaborator", Sockets.event("user_leave"));

      assertThat(afterSecondSocket).noneMatch(Sockets.event("user_join"));
      assertThat(afterFirstClosed).noneMatch(Sockets.event("user_leave"));
      assertThat(leave.getString("user")).isEqualTo(team.collaborator().email());
    }
  }

  @Test
  @DisplayName("a socket that reconnects to the other instance with since gets the missed broadcasts")
  void recoveryOnTheOtherInstance() {
    Team team = Teams.create(actors);
    try (Client sender = Sockets.join(first, team.workspaceId(), team.owner().access())) {
      Client reader = Sockets.join(first, team.workspaceId(), team.collaborator().access());
      sender.send("edit", new JsonObject().put("n", 0), "r0");
      long s = reader.awaitEvent("edit").getLong("seq");
      reader.close();
      sender.awaitEvent("user_leave");
      for (int i = 1; i <= 3; i++) {
        sender.send("edit", new JsonObject().put("n", i), "r" + i);
        sender.awaitType("ack");
      }

      try (Client again = Sockets.connect(second,
          Sockets.path(team.workspaceId(), team.collaborator().access(), s))) {
        assertThat(again.next().getString("type")).isEqualTo("presence_state");
        List<JsonObject> replayed = again.upTo("the third edit", Sockets.event("edit", "n", 3));

        assertThat(replayed.stream().map(m -> m.getLong("seq")))
            .containsExactly(s + 1, s + 2, s + 3, s + 4);
        assertThat(replayed.stream().filter(Sockets.event("edit")).map(m -> m.getJsonObject("payload").getInteger("n")))
            .containsExactly(1, 2, 3);
      }
    }
  }

  /** Broadcasts until {@code edits} edits have arrived, acks left out. */
  private static List<JsonObject> broadcastsUntilAllEdits(Client client, int edits) {
    List<JsonObject> out = new ArrayList<>();
    int seen = 0;
    while (seen < edits) {
      JsonObject message = client.next();
      if ("broadcast".equals(message.getString("type"))) {
        out.add(message);
        if ("edit".equals(message.getString("event"))) {
          seen++;
        }
      }
    }
    return out;
  }
}
