package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.RawSocket;
import io.collab.support.Sockets.RawSocket.Frame;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"realtime.pingIntervalSeconds=1", "realtime.idleTimeoutSeconds=2"})
@DisplayName("Idle sockets (realtime.pingIntervalSeconds = 1, idleTimeoutSeconds = 2)")
class IdleTimeoutTest {

  private TestApp app;
  private Actors actors;

  @Test
  @DisplayName("the server pings, and a client that neither answers nor sends is closed with 4000")
  void silentClientClosed() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors)) {
      long start = System.currentTimeMillis();
      RawSocket raw = on.raw(app, OWNER);
      List<Frame> frames = readUntilClosed(raw, Duration.ofSeconds(8));
      long elapsed = System.currentTimeMillis() - start;

      assertThat(frames).anyMatch(f -> f.opcode() == Frame.PING);
      Frame last = frames.get(frames.size() - 1);
      assertThat(last.opcode()).as("the last frame (%s)", describe(frames)).isEqualTo(Frame.CLOSE);
      assertThat(last.closeStatus()).isEqualTo(4000);
      assertThat(elapsed).as("closed after idleTimeout, within idleTimeout + pingInterval (+ slack)")
          .isBetween(1900L, 5000L);
    }
  }

  @Test
  @DisplayName("a client that answers pings with pongs stays open past the idle timeout")
  void pongKeepsOpen() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors)) {
      RawSocket raw = on.raw(app, OWNER);
      long until = System.currentTimeMillis() + 4000;
      int pings = 0;
      while (System.currentTimeMillis() < until) {
        Frame frame = raw.readFrame(Duration.ofMillis(Math.max(1, until - System.currentTimeMillis())));
        if (frame == null) {
          continue;
        }
        assertThat(frame.opcode()).as("no close or EOF while answering pings").isNotIn(Frame.CLOSE, -1);
        if (frame.opcode() == Frame.PING) {
          pings++;
          raw.sendFrame(Frame.PONG, frame.payload());
        }
      }

      raw.sendText(new JsonObject().put("event", "edit").put("ref", "alive").encode());
      assertThat(pings).isGreaterThanOrEqualTo(2);
      assertThat(awaitText(raw, "\"ack\"")).contains("\"alive\"");
    }
  }

  @Test
  @DisplayName("a Vert.x client, which answers pings by itself, stays open past the idle timeout")
  void vertxClientStaysOpen() throws InterruptedException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      Client client = on.owner();
      Pause.sleep(4000);

      assertThat(client.isClosed()).isFalse();
      client.send("edit", new JsonObject(), "alive");
      assertThat(client.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("alive");
    }
  }

  @Test
  @DisplayName("an idle client's departure is announced to the others with user_leave")
  void idleLeave() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      RawSocket raw = on.raw(app, VIEWER);
      on.owner().await("user_join of the viewer", Sockets.event("user_join", on.team().viewer()));
      readUntilClosed(raw, Duration.ofSeconds(8));

      JsonObject leave = on.owner().await("user_leave of the viewer", Sockets.event("user_leave"));

      assertThat(leave.getString("user")).isEqualTo(on.team().viewer().email());
      assertThat(on.owner().isClosed()).isFalse();
    }
  }

  /** Every frame until (and including) a close frame or the end of the connection, without answering pings. */
  private static List<Frame> readUntilClosed(RawSocket raw, Duration timeout) throws IOException {
    List<Frame> frames = new ArrayList<>();
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      Frame frame = raw.readFrame(Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
      if (frame == null) {
        break;
      }
      frames.add(frame);
      if (frame.opcode() == Frame.CLOSE || frame.eof()) {
        return frames;
      }
    }
    throw new AssertionError("still open after " + timeout + ": " + describe(frames));
  }

  private static String awaitText(RawSocket raw, String containing) throws IOException {
    long deadline = System.currentTimeMillis() + Sockets.WAIT.toMillis();
    while (System.currentTimeMillis() < deadline) {
      Frame frame = raw.readFrame(Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
      if (frame != null && frame.opcode() == Frame.TEXT && frame.text().contains(containing)) {
        return frame.text();
      }
      if (frame != null && frame.opcode() == Frame.PING) {
        raw.sendFrame(Frame.PONG, frame.payload());
      }
    }
    throw new AssertionError("no text frame with " + containing);
  }

  private static String describe(List<Frame> frames) {
    return frames.stream().map(f -> f.opcode() == Frame.TEXT ? f.text()
        : f.opcode() == Frame.CLOSE ? "close " + f.closeStatus() : "opcode " + f.opcode()).toList().toString();
  }
}
