package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Reconnecting with since=<seq>&epoch=<epoch>: replay without gap or duplicate, or recovery_failed")
class RecoveryTest {

  /** Default history; a generous rate limit so that a test can keep sending while another socket reconnects. */
  private TestApp app;
  /** {@code realtime.historyLength} = 3. */
  private TestApp shortHistory;
  private Actors actors;
  private Actors shortHistoryActors;

  @BeforeAll
  void deploy() {
    app = TestApp.start(config -> config.getJsonObject("realtime").put("messagesPerSecond", 1000)
        .put("maxDroppedBeforeClose", 1000));
    shortHistory = TestApp.start(config -> config.getJsonObject("realtime").put("historyLength", 3)
        .put("messagesPerSecond", 1000).put("maxDroppedBeforeClose", 1000));
    actors = new Actors(app);
    shortHistoryActors = new Actors(shortHistory);
  }

  @AfterAll
  void undeploy() {
    app.stop();
    shortHistory.stop();
  }

  @Test
  @DisplayName("the missed broadcasts are replayed in order with consecutive seqs, then live events follow")
  void replayThenLive() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      Client b = on.owner();
      on.collaborator().awaitEvent("user_join");
      for (int i = 0; i < 5; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      List<JsonObject> firstBatch = on.collaborator().broadcasts(5, Sockets.WAIT);
      long s = firstBatch.get(4).getLong("seq");
      String epoch = firstBatch.get(4).getString("epoch");
      on.collaborator().leaveSeenBy(b);
      for (int i = 5; i < 10; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      b.await("the tenth edit", Sockets.event("edit", "n", 9));

      Client again = on.resume(app, COLLABORATOR, s, epoch);
      assertThat(again.presence.getString("epoch")).as("the epoch of the sequence, unchanged").isEqualTo(epoch);
      List<JsonObject> replayed = again.upTo("the tenth edit", Sockets.event("edit", "n", 9));
      b.send("live", new JsonObject());
      List<JsonObject> rest = again.upTo("the live event", Sockets.event("live"));

      List<JsonObject> all = new ArrayList<>(replayed);
      all.addAll(rest);
      assertThat(all).allMatch(Sockets.type("broadcast"));
      assertConsecutiveFrom(all, s + 1);
      assertThat(all).allMatch(m -> epoch.equals(m.getString("epoch")));
      // (the order of one sender's events is BroadcastTest's subject; here: each missed one, once)
      assertThat(all.stream().filter(Sockets.event("edit")).map(m -> m.getJsonObject("payload").getInteger("n")))
          .containsExactlyInAnyOrder(5, 6, 7, 8, 9);
      // what was missed includes the departure of the reconnecting user's own first socket
      assertThat(Sockets.event("user_leave").test(replayed.get(0))).as("first replayed: %s", replayed.get(0))
          .isTrue();
      assertThat(replayed.get(0).getString("user")).isEqualTo(on.team().collaborator().email());
    }
  }

  @Test
  @DisplayName("replayed broadcasts are the very messages live members saw (same seq, event, payload, user, ts)")
  void replayIsIdentical() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      Client b = on.owner();
      JsonObject join = b.awaitEvent("user_join");
      b.send("edit", new JsonObject().put("text", "héllo"));
      b.send("cursor", new JsonObject().put("line", 2));
      List<JsonObject> live = b.broadcasts(2, Sockets.WAIT);

      List<JsonObject> replayed = on.resume(app, COLLABORATOR, join.getLong("seq"), join.getString("epoch"))
          .upTo("the cursor event", Sockets.event("cursor"));

      assertThat(replayed.subList(0, 2)).containsExactlyElementsOf(live);
    }
  }

  @Test
  @DisplayName("no gap and no duplicate while events keep flowing during the reconnection")
  void noGapUnderLoad() throws InterruptedException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.collaborator().awaitEvent("user_join");
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      Thread sender = new Thread(() -> {
        while (sending.get() && sent.get() < 2000) {
          on.owner().send("edit", new JsonObject().put("n", sent.getAndIncrement()));
          try {
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;  // the test is over: the sender stops
          }
        }
      }, "flow");
      sender.start();
      try {
        List<JsonObject> seen = on.collaborator().broadcasts(20, Sockets.WAIT);
        long s = seen.get(19).getLong("seq");
        on.collaborator().close();
        Client again = on.resume(app, COLLABORATOR, s, seen.get(19).getString("epoch"));
        List<JsonObject> after = again.broadcasts(60, Duration.ofSeconds(10));
        sending.set(false);
        sender.join(5000);
        on.owner().send("last", new JsonObject());
        List<JsonObject> all = new ArrayList<>(after);
        all.addAll(again.upTo("the last event", Sockets.event("last")));

        assertThat(all).allMatch(Sockets.type("broadcast"));
        assertConsecutiveFrom(all, s + 1);
        List<Integer> edits = all.stream().filter(Sockets.event("edit"))
            .map(m -> m.getJsonObject("payload").getInteger("n")).toList();
        assertThat(edits).doesNotHaveDuplicates();
        assertThat(edits).noneMatch(n -> seen.stream()
            .anyMatch(m -> m.getJsonObject("payload").getInteger("n", -1).equals(n)));
      } finally {
        sending.set(false);
        sender.join(5000);
      }
    }
  }

  @Test
  @DisplayName("since equal to the current seq replays nothing and is no failure: the next live event follows")
  void sinceIsCurrent() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      JsonObject ack = acked(on.owner());
      long current = ack.getLong("seq");

      Client a = on.resume(app, COLLABORATOR, current, ack.getString("epoch"));
      on.owner().send("live", new JsonObject());
      List<JsonObject> seen = a.upTo("the live event", Sockets.event("live"));

      assertThat(seen).noneMatch(Sockets.type("recovery_failed"));
      assertConsecutiveFrom(seen, current + 1);
    }
  }

  @Test
  @DisplayName("since greater than the current seq: recovery_failed, then live events")
  void sinceInTheFuture() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      JsonObject ack = acked(on.owner());

      Client a = on.resume(app, COLLABORATOR, ack.getLong("seq") + 100, ack.getString("epoch"));
      List<JsonObject> untilFailure = a.upTo("recovery_failed", Sockets.type("recovery_failed"));
      on.owner().send("live", new JsonObject().put("n", 1));

      assertThat(untilFailure).hasSize(1);
      assertThat(a.awaitEvent("live").getJsonObject("payload").getInteger("n")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("history shorter than what was missed (historyLength=3, 20 events, since=1): recovery_failed, then live")
  void historyTooShort() {
    try (SocketTeam on = SocketTeam.create(shortHistoryActors).join(shortHistory, OWNER)) {
      String epoch = edits(on.owner(), 20).getString("epoch");

      Client a = on.resume(shortHistory, COLLABORATOR, 1, epoch);
      JsonObject second = a.next();
      on.owner().send("live", new JsonObject().put("n", 1));

      assertThat(second.getString("type")).as("after presence_state: %s", second).isEqualTo("recovery_failed");
      List<JsonObject> rest = a.upTo("the live event", Sockets.event("live"));
      assertThat(rest).as("nothing older than the history is replayed after recovery_failed")
          .noneMatch(Sockets.event("edit"));
    }
  }

  @Test
  @DisplayName("history that still reaches back (historyLength=3, since = two events ago): replayed, no failure")
  void shortHistoryStillReaches() {
    try (SocketTeam on = SocketTeam.create(shortHistoryActors).join(shortHistory, OWNER)) {
      for (int i = 0; i < 5; i++) {
        on.owner().send("edit", new JsonObject().put("n", i), "r" + i);
      }
      List<JsonObject> edits = on.owner().broadcasts(6, Sockets.WAIT).stream().filter(Sockets.event("edit")).toList();
      long since = edits.get(2).getLong("seq");

      List<JsonObject> replayed = on.resume(shortHistory, COLLABORATOR, since, edits.get(2).getString("epoch"))
          .upTo("the last edit", Sockets.event("edit", "n", 4));

      assertThat(replayed).noneMatch(Sockets.type("recovery_failed"));
      assertConsecutiveFrom(replayed, since + 1);
    }
  }

  @Test
  @DisplayName("since with an epoch that is not the workspace's (Redis lost the sequence since): recovery_failed, "
      + "naming the current epoch and seq, then live events of that epoch")
  void sinceFromAnotherEpoch() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      String epoch = edits(on.owner(), 5).getString("epoch");

      Client a = on.resume(app, COLLABORATOR, 2, "lost0epoch");
      JsonObject told = a.next();
      on.owner().send("live", new JsonObject());
      List<JsonObject> rest = a.upTo("the live event", Sockets.event("live"));

      assertThat(told.getString("type")).as("after presence_state: %s", told).isEqualTo("recovery_failed");
      assertThat(told.getLong("since")).isEqualTo(2);
      assertThat(told.getString("epoch")).isEqualTo(epoch);
      assertThat(rest).noneMatch(Sockets.event("edit"));
      assertConsecutiveFrom(rest, told.getLong("seq") + 1);
      assertThat(rest).allMatch(m -> epoch.equals(m.getString("epoch")));
    }
  }

  @Test
  @DisplayName("since without an epoch (clients older than epochs) is taken to be of the current epoch: replayed")
  void sinceWithoutEpoch() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      long before = on.owner().awaitEvent("user_join").getLong("seq");
      on.owner().send("edit", new JsonObject().put("n", 1));
      on.owner().awaitEvent("edit");

      List<JsonObject> replayed = on.resume(app, COLLABORATOR, before).upTo("the edit", Sockets.event("edit"));

      assertConsecutiveFrom(replayed, before + 1);
    }
  }

  /** The ack of an edit {@code sender} sends now. */
  private static JsonObject acked(Client sender) {
    sender.send("edit", new JsonObject(), "r");
    return sender.awaitType("ack");
  }

  /** The last of {@code count} edits {@code {n}} that {@code sender} sends now, once it is broadcast back. */
  private static JsonObject edits(Client sender, int count) {
    for (int i = 0; i < count; i++) {
      sender.send("edit", new JsonObject().put("n", i));
    }
    return sender.await("edit " + (count - 1), Sockets.event("edit", "n", count - 1));
  }

  /** Every message is a broadcast and their seqs are {@code first, first+1, ...}. */
  private static void assertConsecutiveFrom(List<JsonObject> messages, long first) {
    List<Long> seqs = messages.stream().map(m -> m.getLong("seq")).toList();
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < seqs.size(); i++) {
      expected.add(first + i);
    }
    assertThat(seqs).as("seqs of %s", messages).containsExactlyElementsOf(expected);
  }
}
