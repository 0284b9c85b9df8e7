package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.TestApp;
import io.collab.support.Pause;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"realtime.messagesPerSecond=5", "realtime.maxDroppedBeforeClose=10"})
@DisplayName("Message rate on a workspace socket (realtime.messagesPerSecond = 5, maxDroppedBeforeClose = 10)")
class SocketRateLimitTest {

  private TestApp app;
  private Actors actors;

  @Test
  @DisplayName("messages over the rate get {type: error, error: rate_limited}, are dropped, and the socket stays open")
  void overTheRate() throws InterruptedException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, OWNER)) {
      Client sender = on.collaborator();
      sendEdits(sender, 8);

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
      List<JsonObject> relayed = on.owner().upTo("the marker", Sockets.event("marker")).stream()
          .filter(Sockets.event("edit")).toList();
      assertThat(relayed).hasSize((int) acks);
    }
  }

  @Test
  @DisplayName("a sustained flood (more than maxDroppedBeforeClose dropped within 10 s) is closed with 4029")
  void sustainedFlood() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, OWNER)) {
      sendEdits(on.collaborator(), 30);

      assertThat(on.collaborator().awaitClose(Sockets.WAIT).status()).isEqualTo((short) 4029);
      assertThat(on.owner().isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("up to maxDroppedBeforeClose dropped messages do not close the socket")
  void droppedWithinAllowance() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR)) {
      // a full bucket of 5, then 10 dropped: at the limit, not over it
      sendEdits(on.collaborator(), 15);

      List<JsonObject> limited = on.collaborator().drain(Duration.ofMillis(800)).stream()
          .filter(Sockets.type("error")).toList();

      assertThat(limited).isNotEmpty().allMatch(e -> "rate_limited".equals(e.getString("error")));
      assertThat(on.collaborator().isClosed()).isFalse();
    }
  }

  /** Sends {@code count} edits {@code {n: i}} with ref i as fast as it can; fewer if the server closes it first. */
  private static void sendEdits(Client sender, int count) {
    for (int i = 0; i < count && !sender.isClosed(); i++) {
      try {
        sender.send("edit", new JsonObject().put("n", i), i);
      } catch (RuntimeException closedMeanwhile) {
        break;
      }
    }
  }
}
