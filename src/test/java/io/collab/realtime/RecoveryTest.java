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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      Client a = Sockets.join(app, team.workspaceId(), team.collaborator().access());
      a.awaitEvent("user_join");
      for (int i = 0; i < 5; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      List<JsonObject> firstBatch = a.broadcasts(5, Sockets.WAIT);
      long s = firstBatch.get(4).getLong("seq");
      String epoch = firstBatch.get(4).getString("epoch");
      a.close();
      b.await("the user_leave of the collaborator", Sockets.event("user_leave"));
      for (int i = 5; i < 10; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      b.await("the tenth edit", Sockets.event("edit", "n", 9));

      try (Client again = Sockets.connect(app, path(team.workspaceId(), team.collaborator().access(), s, epoch))) {
        JsonObject presence = again.next();
        assertThat(presence.getString("type")).isEqualTo("presence_state");
        assertThat(presence.getString("epoch")).as("the epoch of the sequence, unchanged").isEqualTo(epoch);
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
        assertThat(replayed.get(0).getString("user")).isEqualTo(team.collaborator().email());
      }
    }
  }

  @Test
  @DisplayName("replayed broadcasts are the very messages live members saw (same seq, event, payload, user, ts)")
  void replayIsIdentical() {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      JsonObject join = b.awaitEvent("user_join");
      long before = join.getLong("seq");
      b.send("edit", new JsonObject().put("text", "héllo"));
      b.send("cursor", new JsonObject().put("line", 2));
      List<JsonObject> live = b.broadcasts(2, Sockets.WAIT);

      try (Client late = Sockets.connect(app, path(team.workspaceId(), team.collaborator().access(), before,
          join.getString("epoch")))) {
        List<JsonObject> replayed = late.upTo("the cursor event", Sockets.event("cursor"));

        assertThat(replayed.subList(1, 3)).containsExactlyElementsOf(live);
      }
    }
  }

  @Test
  @DisplayName("no gap and no duplicate while events keep flowing during the reconnection")
  void noGapUnderLoad() throws InterruptedException {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      Client a = Sockets.join(app, team.workspaceId(), team.collaborator().access());
      a.awaitEvent("user_join");
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      Thread sender = new Thread(() -> {
        while (sending.get() && sent.get() < 2000) {
          b.send("edit", new JsonObject().put("n", sent.getAndIncrement()));
          try {
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;  // the test is over: the sender stops
          }
        }
      }, "flow");
      sender.start();
      try {
        List<JsonObject> seen = a.broadcasts(20, Sockets.WAIT);
        long s = seen.get(19).getLong("seq");
        a.close();
        Client again = Sockets.connect(app, path(team.workspaceId(), team.collaborator().access(), s,
            seen.get(19).getString("epoch")));
        try (again) {
          assertThat(again.next().getString("type")).isEqualTo("presence_state");
          List<JsonObject> after = again.broadcasts(60, Duration.ofSeconds(10));
          sending.set(false);
          sender.join(5000);
          b.send("last", new JsonObject());
          List<JsonObject> all = new ArrayList<>(after);
          all.addAll(again.upTo("the last event", Sockets.event("last")));

          assertThat(all).allMatch(Sockets.type("broadcast"));
          assertConsecutiveFrom(all, s + 1);
          List<Integer> edits = all.stream().filter(Sockets.event("edit"))
              .map(m -> m.getJsonObject("payload").getInteger("n")).toList();
          assertThat(edits).doesNotHaveDuplicates();
          assertThat(edits).noneMatch(n -> seen.stream()
              .anyMatch(m -> m.getJsonObject("payload").getInteger("n", -1).equals(n)));
        }
      } finally {
        sending.set(false);
        sender.join(5000);
      }
    }
  }

  @Test
  @DisplayName("since equal to the current seq replays nothing and is no failure: the next live event follows")
  void sinceIsCurrent() {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      b.send("edit", new JsonObject(), "r");
      JsonObject ack = b.awaitType("ack");
      long current = ack.getLong("seq");

      try (Client a = Sockets.connect(app, path(team.workspaceId(), team.collaborator().access(), current,
          ack.getString("epoch")))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        b.send("live", new JsonObject());
        List<JsonObject> seen = a.upTo("the live event", Sockets.event("live"));

        assertThat(seen).noneMatch(Sockets.type("recovery_failed"));
        assertConsecutiveFrom(seen, current + 1);
      }
    }
  }

  @Test
  @DisplayName("since greater than the current seq: recovery_failed, then live events")
  void sinceInTheFuture() {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      b.send("edit", new JsonObject(), "r");
      JsonObject ack = b.awaitType("ack");
      long current = ack.getLong("seq");

      try (Client a = Sockets.connect(app,
          path(team.workspaceId(), team.collaborator().access(), current + 100, ack.getString("epoch")))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        List<JsonObject> untilFailure = a.upTo("recovery_failed", Sockets.type("recovery_failed"));
        b.send("live", new JsonObject().put("n", 1));

        assertThat(untilFailure).hasSize(1);
        assertThat(a.awaitEvent("live").getJsonObject("payload").getInteger("n")).isEqualTo(1);
      }
    }
  }

  @Test
  @DisplayName("history shorter than what was missed (historyLength=3, 20 events, since=1): recovery_failed, then live")
  void historyTooShort() {
    Team team = Teams.create(shortHistoryActors);
    try (Client b = Sockets.join(shortHistory, team.workspaceId(), team.owner().access())) {
      for (int i = 0; i < 20; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      String epoch = b.await("the twentieth edit", Sockets.event("edit", "n", 19)).getString("epoch");

      try (Client a = Sockets.connect(shortHistory,
          path(team.workspaceId(), team.collaborator().access(), 1, epoch))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        JsonObject second = a.next();
        b.send("live", new JsonObject().put("n", 1));

        assertThat(second.getString("type")).as("after presence_state: %s", second).isEqualTo("recovery_failed");
        List<JsonObject> rest = a.upTo("the live event", Sockets.event("live"));
        assertThat(rest).as("nothing older than the history is replayed after recovery_failed")
            .noneMatch(Sockets.event("edit"));
      }
    }
  }

  @Test
  @DisplayName("history that still reaches back (historyLength=3, since = two events ago): replayed, no failure")
  void shortHistoryStillReaches() {
    Team team = Teams.create(shortHistoryActors);
    try (Client b = Sockets.join(shortHistory, team.workspaceId(), team.owner().access())) {
      for (int i = 0; i < 5; i++) {
        b.send("edit", new JsonObject().put("n", i), "r" + i);
      }
      List<JsonObject> edits = b.broadcasts(6, Sockets.WAIT).stream().filter(Sockets.event("edit")).toList();
      long since = edits.get(2).getLong("seq");

      try (Client a = Sockets.connect(shortHistory,
          path(team.workspaceId(), team.collaborator().access(), since, edits.get(2).getString("epoch")))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        List<JsonObject> replayed = a.upTo("the last edit", Sockets.event("edit", "n", 4));

        assertThat(replayed).noneMatch(Sockets.type("recovery_failed"));
        assertConsecutiveFrom(replayed, since + 1);
      }
    }
  }

  @Test
  @DisplayName("since with an epoch that is not the workspace's (Redis lost the sequence since): recovery_failed, "
      + "naming the current epoch and seq, then live events of that epoch")
  void sinceFromAnotherEpoch() {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      for (int i = 0; i < 5; i++) {
        b.send("edit", new JsonObject().put("n", i));
      }
      String epoch = b.await("the fifth edit", Sockets.event("edit", "n", 4)).getString("epoch");

      try (Client a = Sockets.connect(app, path(team.workspaceId(), team.collaborator().access(), 2, "lost0epoch"))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        JsonObject told = a.next();
        b.send("live", new JsonObject());
        List<JsonObject> rest = a.upTo("the live event", Sockets.event("live"));

        assertThat(told.getString("type")).as("after presence_state: %s", told).isEqualTo("recovery_failed");
        assertThat(told.getLong("since")).isEqualTo(2);
        assertThat(told.getString("epoch")).isEqualTo(epoch);
        assertThat(rest).noneMatch(Sockets.event("edit"));
        assertConsecutiveFrom(rest, told.getLong("seq") + 1);
        assertThat(rest).allMatch(m -> epoch.equals(m.getString("epoch")));
      }
    }
  }

  @Test
  @DisplayName("since without an epoch (clients older than epochs) is taken to be of the current epoch: replayed")
  void sinceWithoutEpoch() {
    Team team = Teams.create(actors);
    try (Client b = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      long before = b.awaitEvent("user_join").getLong("seq");
      b.send("edit", new JsonObject().put("n", 1));
      b.awaitEvent("edit");

      try (Client a = Sockets.connect(app, Sockets.path(team.workspaceId(), team.collaborator().access(), before))) {
        assertThat(a.next().getString("type")).isEqualTo("presence_state");
        List<JsonObject> replayed = a.upTo("the edit", Sockets.event("edit"));

        assertConsecutiveFrom(replayed, before + 1);
      }
    }
  }

  /** {@code /ws/workspaces/{id}/?token=<token>&since=<since>&epoch=<epoch>}. */
  private static String path(long workspaceId, String token, long since, String epoch) {
    return Sockets.path(workspaceId, token, since) + "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8);
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
