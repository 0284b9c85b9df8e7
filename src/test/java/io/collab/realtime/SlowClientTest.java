package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.RawSocket;
import io.collab.support.Sockets.RawSocket.Frame;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("A client that does not read (realtime.outboundQueueBytes = 1024) is dropped; the others are not held up")
class SlowClientTest {

  private static final String CHUNK = "s".repeat(16 * 1024);

  private TestApp app;
  private Actors actors;
  /** {@code realtime.outboundQueueBytes} = 64 MiB: a stalled client is kept, its unsent data queued. */
  private TestApp roomy;
  private Actors roomyActors;

  @BeforeAll
  void deploy() {
    app = TestApp.start(config -> config.getJsonObject("realtime")
        .put("outboundQueueBytes", 1024).put("messagesPerSecond", 100_000).put("maxDroppedBeforeClose", 100_000));
    actors = new Actors(app);
    roomy = TestApp.start(config -> config.getJsonObject("realtime")
        .put("outboundQueueBytes", 64 << 20).put("messagesPerSecond", 100_000).put("maxDroppedBeforeClose", 100_000));
    roomyActors = new Actors(roomy);
  }

  @AfterAll
  void undeploy() {
    app.stop();
    roomy.stop();
  }

  @Test
  @DisplayName("a stalled client is closed and leaves; the others get every event in order; the app stays ready")
  void slowClientDropped() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, OWNER)) {
      Team team = on.team();
      Client observer = on.collaborator();
      Client flooder = on.owner();
      RawSocket slow = on.raw(app, VIEWER, 4096);
      try (slow) {
        observer.await("user_join of the slow client", Sockets.event("user_join", team.viewer()));

        // flood until the slow client is announced gone, at most 10 s
        List<JsonObject> seen = new ArrayList<>();
        JsonObject leave = null;
        int sent = 0;
        long deadline = System.currentTimeMillis() + 10_000;
        while (leave == null && System.currentTimeMillis() < deadline) {
          flooder.send("edit", new JsonObject().put("n", sent).put("text", CHUNK), sent);
          flooder.await("the ack", Sockets.type("ack"));
          sent++;
          for (JsonObject m : observer.drain(Duration.ZERO)) {
            seen.add(m);
            if (Sockets.event("user_leave", team.viewer()).test(m)) {
              leave = m;
            }
          }
        }
        assertThat(leave).as("user_leave of the slow client after %s events of 16 KiB", sent).isNotNull();

        // the observer got every event, in order, with consecutive seqs
        flooder.send("last", new JsonObject());
        seen.addAll(observer.upTo("the last event", Sockets.event("last"), Duration.ofSeconds(10)));
        List<JsonObject> broadcasts = seen.stream().filter(Sockets.type("broadcast")).toList();
        List<Integer> edits = broadcasts.stream().filter(Sockets.event("edit"))
            .map(m -> m.getJsonObject("payload").getInteger("n")).toList();
        assertThat(edits).hasSize(sent);
        for (int i = 0; i < edits.size(); i++) {
          assertThat(edits.get(i)).isEqualTo(i);
        }
        for (int i = 1; i < broadcasts.size(); i++) {
          assertThat(broadcasts.get(i).getLong("seq")).isEqualTo(broadcasts.get(i - 1).getLong("seq") + 1);
        }
        assertThat(observer.isClosed()).isFalse();
        assertThat(flooder.isClosed()).isFalse();

        // the stalled connection ends with 4008 once it is read at last (or the server has already dropped it)
        Frame end = readToEnd(slow, Duration.ofSeconds(12));
        assertThat(end.eof() || end.closeStatus() == 4008).as("last frame: opcode %s status %s", end.opcode(),
            end.closeStatus()).isTrue();
      }

      assertThat(app.get("/health/ready").statusCode()).isEqualTo(200);
      assertThat(on.another(app, OWNER).presentUserIds()).doesNotContain(team.viewer().id());
    }
  }

  @Test
  @DisplayName("a stalled client that sends its close frame does not hold up live broadcasts to the others")
  void stalledClientClosing() throws IOException {
    try (SocketTeam on = SocketTeam.create(roomyActors)) {
      // joined first, so that the server hands each broadcast to it before the others
      RawSocket stalled = on.raw(roomy, VIEWER, 4096);
      Client observer = on.join(roomy, COLLABORATOR, OWNER).collaborator();
      Client sender = on.owner();
      // more than the kernel buffers hold: the rest waits in the server's queue for the stalled client
      for (int i = 0; i < 300; i++) {
        sender.send("edit", new JsonObject().put("n", i).put("text", CHUNK), i);
        sender.await("the ack", Sockets.type("ack"));
      }
      observer.upTo("the last edit", Sockets.event("edit", "n", 299));

      stalled.sendFrame(Frame.CLOSE, new byte[] {0x03, (byte) 0xE8});
      sender.send("probe", new JsonObject(), "probe");
      sender.await("the probe's ack", Sockets.type("ack"));

      List<JsonObject> seen = observer.upTo("the probe, live", Sockets.event("probe"), Duration.ofSeconds(3));
      assertThat(seen).noneMatch(Sockets.event("edit"));
    }
  }

  /** Reads everything the server wrote until a close frame or the end of the connection. */
  private static Frame readToEnd(RawSocket raw, Duration timeout) throws IOException {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      Frame frame = raw.readFrame(Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
      if (frame == null) {
        break;
      }
      if (frame.opcode() == Frame.CLOSE || frame.eof()) {
        return frame;
      }
    }
    throw new AssertionError("the stalled connection is still open after " + timeout);
  }
}
