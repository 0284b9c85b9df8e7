package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.Pause;
import io.collab.support.RedisProcess;
import io.collab.support.SocketTeam;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Redis restarted empty (it keeps nothing on disk, as many deployments run it) loses every workspace's sequence:
 * seqs start again at 1 in a new epoch. Sockets open through the reset are told ({@code recovery_failed} with the new
 * epoch) and keep receiving, on both instances and both transports; a reconnect from a position of the old epoch is
 * told too, never replayed the new epoch's messages as if they followed its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Sockets through a Redis restart that lost everything")
class RedisResetTest {

  /** The apps reconnect to the restarted Redis by themselves, with backoff: a generous bound on a loaded machine. */
  private static final Duration RECOVERY = Duration.ofSeconds(30);
  /** Hubs renew presence every TTL/3 s: here every 2 s. */
  private static final int PRESENCE_TTL_SECONDS = 6;

  private RedisProcess redis;
  private TestApp first;
  private TestApp second;
  private Actors actors;
  private int attempts;

  @BeforeAll
  void deploy() {
    redis = RedisProcess.start();
    first = TestApp.start(config -> {
      config.getJsonObject("redis").put("url", redis.url());
      realtime(config);
    });
    second = TestApp.startAlongside(first, RedisResetTest::realtime);
    actors = new Actors(first);
  }

  /** Both instances: a rate limit out of the way of the tests' bursts, and presence renewed every 2 s. */
  private static void realtime(JsonObject config) {
    config.getJsonObject("realtime").put("messagesPerSecond", 1000).put("maxDroppedBeforeClose", 1000)
        .put("presenceTtlSeconds", PRESENCE_TTL_SECONDS);
  }

  @AfterAll
  void undeploy() {
    second.stop();
    first.stop();
    redis.close();
  }

  @Test
  @DisplayName("open sockets on both instances and the SockJS bridge get recovery_failed with the new epoch, then "
      + "every broadcast of that epoch, once")
  void openSocketsAreToldAndKeepReceiving() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, COLLABORATOR);
         BridgeClient c = BridgeClient.join(first, on.team().viewer().access(), on.team().workspaceId())) {
      Client a = on.owner();
      Client b = on.collaborator();
      for (int i = 0; i < 20; i++) {
        a.send("before", new JsonObject().put("n", i));
      }
      String oldEpoch = a.await("the last event before the reset", Sockets.event("before", "n", 19))
          .getString("epoch");
      b.await("the last event before the reset", Sockets.event("before", "n", 19));
      c.upTo(Sockets.event("before", "n", 19));

      redis.restartEmpty();
      List<Integer> acked = new ArrayList<>();
      long deadline = System.nanoTime() + RECOVERY.toNanos();
      while (!received(a, Sockets.event("after")) || !received(b, Sockets.event("after"))) {
        if (System.nanoTime() > deadline) {
          fail("after the reset, within " + RECOVERY + ", the sockets stayed silent: first instance: "
              + a.received() + "; second instance: " + b.received());
        }
        int n = ++attempts;
        if (attempt(a, "after", n)) {
          acked.add(n);
        }
        Pause.sleep(100);
      }
      int last = ++attempts;
      assertThat(attempt(a, "after", last)).as("an event once both instances receive again").isTrue();
      acked.add(last);
      awaitReceived(a, Sockets.event("after", "n", last));
      awaitReceived(b, Sockets.event("after", "n", last));

      assertToldThenComplete("first instance", after(parse(a.received()), Sockets.event("before", "n", 19)),
          oldEpoch, acked);
      assertToldThenComplete("second instance", after(parse(b.received()), Sockets.event("before", "n", 19)),
          oldEpoch, acked);
      assertToldThenComplete("SockJS bridge", c.upTo(Sockets.event("after", "n", last)), oldEpoch, acked);
    }
  }

  @Test
  @DisplayName("a reconnect with since from the old epoch gets recovery_failed; with a position of the new one, "
      + "the replay")
  void reconnectFromTheOldEpoch() {
    Team team = Teams.create(actors);
    long since;
    String oldEpoch;
    try (Client a = Sockets.join(first, team.workspaceId(), team.collaborator().access())) {
      a.send("edit", new JsonObject());
      JsonObject edit = a.awaitEvent("edit");
      since = edit.getLong("seq");
      oldEpoch = edit.getString("epoch");
    }

    redis.restartEmpty();
    try (Client b = joinOnceRedisAnswers(second, team.workspaceId(), team.owner().access())) {
      // the new epoch outgrows the old position: a replay by seq alone would look complete, and be the wrong events
      long current = 0;
      for (int i = 0; i <= since + 5; i++) {
        current = sendAcked(b, "fresh", i).getLong("seq");
      }
      assertThat(current).isGreaterThan(since);

      try (Client again = Sockets.connect(first,
          Sockets.path(team.workspaceId(), team.collaborator().access(), since, oldEpoch))) {
        JsonObject presence = again.next();
        JsonObject told = again.next();
        b.send("live", new JsonObject());
        List<JsonObject> rest = again.upTo("the live event", Sockets.event("live"));

        assertThat(presence.getString("type")).isEqualTo("presence_state");
        assertThat(told.getString("type")).as("after presence_state: %s", told).isEqualTo("recovery_failed");
        String newEpoch = presence.getString("epoch");
        assertThat(newEpoch).isNotNull().isNotEqualTo(oldEpoch);
        assertThat(told.getLong("since")).isEqualTo(since);
        assertThat(told.getString("epoch")).isEqualTo(newEpoch);
        assertThat(told.getLong("seq")).isGreaterThanOrEqualTo(current);
        List<JsonObject> broadcasts = rest.stream().filter(Sockets.type("broadcast")).toList();
        assertThat(broadcasts).noneMatch(Sockets.event("fresh"));
        assertConsecutive(broadcasts, told.getLong("seq") + 1, newEpoch);
      }

      String newEpoch = b.presence.getString("epoch");
      try (Client resumed = Sockets.connect(first,
          Sockets.path(team.workspaceId(), team.collaborator().access(), since, newEpoch))) {
        assertThat(resumed.next().getString("type")).isEqualTo("presence_state");
        List<JsonObject> replayed = resumed.upTo("the last fresh event",
            Sockets.event("fresh", "n", (int) since + 5));

        assertThat(replayed).noneMatch(Sockets.type("recovery_failed"));
        assertConsecutive(replayed, since + 1, newEpoch);
      }
    }
  }

  @Test
  @DisplayName("users whose sockets stayed open through the reset are back in presence_state within a heartbeat")
  void presenceComesBack() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, COLLABORATOR)) {
      Team team = on.team();
      on.owner().await("the collaborator's user_join", Sockets.event("user_join", team.collaborator()));

      redis.restartEmpty();
      long deadline = System.nanoTime() + Duration.ofSeconds(PRESENCE_TTL_SECONDS * 3L).toNanos();
      List<Long> online = List.of();
      while (!online.containsAll(List.of(team.owner().id(), team.collaborator().id()))
          && System.nanoTime() < deadline) {
        Pause.sleep(500);
        try (Client late = joinOnceRedisAnswers(first, team.workspaceId(), team.viewer().access())) {
          online = late.presentUserIds();
        }
      }

      assertThat(online).as("online after the reset").contains(team.owner().id(), team.collaborator().id());
    }
  }

  /**
   * Of what a socket received after its last event before the reset: one {@code recovery_failed} first, naming a new
   * epoch; then that epoch's broadcasts with consecutive seqs from the one it names, each acked event exactly once.
   */
  private static void assertToldThenComplete(String where, List<JsonObject> received, String oldEpoch,
                                             List<Integer> acked) {
    List<JsonObject> sequenced = received.stream()
        .filter(Sockets.type("broadcast").or(Sockets.type("recovery_failed"))).toList();
    assertThat(sequenced).as("%s received after the reset", where).isNotEmpty();
    JsonObject told = sequenced.get(0);
    assertThat(told.getString("type")).as("%s: first after the reset of %s", where, sequenced)
        .isEqualTo("recovery_failed");
    assertThat(told.getString("epoch")).as(where).isNotNull().isNotEqualTo(oldEpoch);
    List<JsonObject> broadcasts = sequenced.subList(1, sequenced.size());
    assertThat(broadcasts).as("%s: told once", where).allMatch(Sockets.type("broadcast"));
    assertConsecutive(broadcasts, told.getLong("seq") + 1, told.getString("epoch"));
    List<Integer> afters = broadcasts.stream().filter(Sockets.event("after"))
        .map(m -> m.getJsonObject("payload").getInteger("n")).toList();
    assertThat(afters).as(where).doesNotHaveDuplicates().containsAll(acked);
  }

  /** Broadcasts of {@code epoch} with seqs {@code first, first+1, ...}. */
  private static void assertConsecutive(List<JsonObject> broadcasts, long first, String epoch) {
    assertThat(broadcasts).allMatch(Sockets.type("broadcast"));
    assertThat(broadcasts).allMatch(m -> epoch.equals(m.getString("epoch")), "of epoch " + epoch);
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < broadcasts.size(); i++) {
      expected.add(first + i);
    }
    assertThat(broadcasts.stream().map(m -> m.getLong("seq")).toList()).as("seqs of %s", broadcasts)
        .containsExactlyElementsOf(expected);
  }

  /** Sends {@code event} with {@code {n}} and a ref; whether it was acked (it may be refused while Redis is away). */
  private static boolean attempt(Client sender, String event, int n) {
    String ref = event + "-" + n;
    sender.send(event, new JsonObject().put("n", n), ref);
    return "ack".equals(sender.await("the answer to " + ref, m -> ref.equals(m.getValue("ref"))).getString("type"));
  }

  /** Sends until acked; the ack. */
  private JsonObject sendAcked(Client sender, String event, int n) {
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    while (System.nanoTime() < deadline) {
      String ref = event + "-" + n + "-" + ++attempts;
      sender.send(event, new JsonObject().put("n", n), ref);
      JsonObject answer = sender.await("the answer to " + ref, m -> ref.equals(m.getValue("ref")));
      if ("ack".equals(answer.getString("type"))) {
        return answer;
      }
      Pause.sleep(100);
    }
    throw new AssertionError(event + " " + n + " was not acked within " + RECOVERY);
  }

  /** A handshake may be refused (503) until the app's Redis connections are back. */
  private static Client joinOnceRedisAnswers(TestApp app, long workspaceId, String token) {
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    while (true) {
      try {
        return Sockets.join(app, workspaceId, token);
      } catch (AssertionError | RuntimeException refused) {
        if (System.nanoTime() > deadline) {
          throw refused;
        }
        Pause.sleep(200);
      }
    }
  }

  private static boolean received(Client client, Predicate<JsonObject> match) {
    return parse(client.received()).stream().anyMatch(match);
  }

  private static void awaitReceived(Client client, Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + Sockets.WAIT.toNanos();
    while (!received(client, match)) {
      if (System.nanoTime() > deadline) {
        fail("not received within " + Sockets.WAIT + ": " + client.received());
      }
      Pause.sleep(50);
    }
  }

  private static List<JsonObject> parse(List<String> texts) {
    return texts.stream().map(JsonObject::new).toList();
  }

  /** What came after the first message that matches. */
  private static List<JsonObject> after(List<JsonObject> messages, Predicate<JsonObject> match) {
    for (int i = 0; i < messages.size(); i++) {
      if (match.test(messages.get(i))) {
        return messages.subList(i + 1, messages.size());
      }
    }
    throw new AssertionError("none matched in " + messages);
  }
}
