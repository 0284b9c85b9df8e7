package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.collab.support.Pause;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"realtime.messagesPerSecond=5", "realtime.maxDroppedBeforeClose=10"})
@DisplayName("Message rate on a workspace socket (realtime.messagesPerSecond = 5, maxDroppedBeforeClose = 10)")
class SocketRateLimitTest {

  private TestApp app;
  private Actors actors;

  @Test
  @DisplayName("messages over the rate get {type: error, error: rate_limited}, are dropped, and the socket stays open")
  void overTheRate() throws InterruptedException {
    Team team = Teams.create(actors);
    try (Client sender = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client other = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      for (int i = 0; i < 8; i++) {
        sender.send("edit", new JsonObject().put("n", i), i);
      }

      List<JsonObject> answers = sender.drain(Duration.ofMillis(800)).stream()
          .filter(Sockets.type("ack").or(Sockets.type("error"))).toList();
      long acks = answers.stream().filter(Sockets.type("ack")).count();
      List<JsonObject> limited = answers.stream().filter(Sockets.type("error")).toList();

      assertThat(acks + limited.size()).as("%s", answers).isEqualTo(8);
      assertThat(acks).isBetween(5L, 6L);
      assertThat(limited).allMatch(e -> "rate_limited".equals(e.getString("error")));
      assertThat(sender.isClosed()).isFalse();

      Pause.sleep(1200);
      sender.send("marker", new JsonObject(), "later");
      assertThat(sender.await("the ack", Sockets.type("ack").or(Sockets.type("error"))).getValue("ref"))
          .isEqualTo("later");
      List<JsonObject> relayed = other.upTo("the marker", Sockets.event("marker")).stream()
          .filter(Sockets.event("edit")).toList();
      assertThat(relayed).hasSize((int) acks);
    }
  }

  @Test
  @DisplayName("a sustained flood (more than maxDroppedBeforeClose dropped within 10 s) is closed with 4029")
  void sustainedFlood() {
    Team team = Teams.create(actors);
    try (Client sender = Sockets.join(app, team.workspaceId(), team.collaborator().access());
         Client other = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      for (int i = 0; i < 30 && !sender.isClosed(); i++) {
        try {
          sender.send("edit", new JsonObject().put("n", i));
        } catch (RuntimeException closedMeanwhile) {
          break;
        }
      }

      assertThat(sender.awaitClose(Sockets.WAIT).status()).isEqualTo((short) 4029);
      assertThat(other.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("up to maxDroppedBeforeClose dropped messages do not close the socket")
  void droppedWithinAllowance() {
    Team team = Teams.create(actors);
    try (Client sender = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      // a full bucket of 5, then 10 dropped: at the limit, not over it
      for (int i = 0; i < 15; i++) {
        sender.send("edit", new JsonObject().put("n", i));
      }

      List<JsonObject> limited = sender.drain(Duration.ofMillis(800)).stream().filter(Sockets.type("error")).toList();

      assertThat(limited).isNotEmpty().allMatch(e -> "rate_limited".equals(e.getString("error")));
      assertThat(sender.isClosed()).isFalse();
    }
  }
}
