package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
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
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, COLLABORATOR)) {
      Team team = on.team();
      Client onFirst = on.owner();
      Client onSecond = on.collaborator();
      onFirst.await("user_join of the collaborator, from the other instance",
          Sockets.event("user_join", team.collaborator()));
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
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, VIEWER)) {
      Team team = on.team();
      assertThat(on.viewer().presentUserIds()).containsExactlyInAnyOrder(team.owner().id(), team.viewer().id());
      JsonObject owner = on.viewer().presenceOf(team.owner());
      assertThat(owner.getString("email")).isEqualTo(team.owner().email());
      assertThat(owner.getString("username")).isEqualTo(team.owner().username());
    }
  }

  @Test
  @DisplayName("one user on both instances joins once and leaves once, when their last socket anywhere closes")
  void oneJoinOneLeaveAcrossInstances() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER, COLLABORATOR)) {
      Client watcher = on.owner();
      watcher.await("user_join of the collaborator", Sockets.event("user_join", on.team().collaborator()));
      Client there = on.another(second, COLLABORATOR);
      assertThat(there.presence.getJsonArray("users")).hasSize(2);

      List<JsonObject> afterSecondSocket = watcher.upToMarkerFrom(there);
      on.collaborator().close();
      List<JsonObject> afterFirstClosed = watcher.upToMarkerFrom(there);
      JsonObject leave = there.leaveSeenBy(watcher);

      assertThat(afterSecondSocket).noneMatch(Sockets.event("user_join"));
      assertThat(afterFirstClosed).noneMatch(Sockets.event("user_leave"));
      assertThat(leave.getString("user")).isEqualTo(on.team().collaborator().email());
    }
  }

  @Test
  @DisplayName("a socket that reconnects to the other instance with since gets the missed broadcasts")
  void recoveryOnTheOtherInstance() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER, COLLABORATOR)) {
      Client sender = on.owner();
      sender.send("edit", new JsonObject().put("n", 0), "r0");
      long s = on.collaborator().awaitEvent("edit").getLong("seq");
      on.collaborator().leaveSeenBy(sender);
      for (int i = 1; i <= 3; i++) {
        sender.send("edit", new JsonObject().put("n", i), "r" + i);
        sender.awaitType("ack");
      }

      List<JsonObject> replayed = on.resume(second, COLLABORATOR, s)
          .upTo("the third edit", Sockets.event("edit", "n", 3));

      assertThat(replayed.stream().map(m -> m.getLong("seq")))
          .containsExactly(s + 1, s + 2, s + 3, s + 4);
      assertThat(replayed.stream().filter(Sockets.event("edit")).map(m -> m.getJsonObject("payload").getInteger("n")))
          .containsExactly(1, 2, 3);
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
