package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.Pair;
import io.collab.support.Sockets.Closed;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Frame size and malformed messages on a workspace socket (realtime.maxFrameBytes = 64 KiB)")
class SocketLimitsTest {

  private static final int MAX_FRAME = 65536;

  private TestApp app;
  private Actors actors;

  @BeforeAll
  void checkFrameLimit() {
    assertThat(app.config.getJsonObject("realtime").getInteger("maxFrameBytes")).isEqualTo(MAX_FRAME);
  }

  @Test
  @DisplayName("a text frame over maxFrameBytes closes the socket with 1009")
  void frameTooBig() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      String text = message("edit", "x".repeat(MAX_FRAME + 1000));

      client.sendFrame(WebSocketFrame.textFrame(text, true));

      assertThat(client.awaitClose(Sockets.WAIT).status()).isEqualTo((short) 1009);
    }
  }

  @Test
  @DisplayName("a binary frame over maxFrameBytes closes the socket with 1009")
  void binaryFrameTooBig() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      client.sendFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[MAX_FRAME + 1]), true));

      assertThat(client.awaitClose(Sockets.WAIT).status()).isEqualTo((short) 1009);
    }
  }

  @Test
  @DisplayName("an oversized frame is not relayed, and the other members' sockets stay open")
  void frameTooBigNotRelayed() {
    Team team = Teams.create(actors);
    try (Pair pair = Pair.join(app, team)) {
      pair.sender().sendFrame(WebSocketFrame.textFrame(message("huge", "x".repeat(MAX_FRAME + 1000)), true));
      pair.sender().awaitClose(Sockets.WAIT);

      try (Client third = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
        third.send("cursor", new JsonObject());
        List<JsonObject> seen = pair.other().upTo("the cursor", Sockets.event("cursor"));

        assertThat(seen).noneMatch(Sockets.event("huge"));
        assertThat(pair.other().isClosed()).isFalse();
      }
    }
  }

  @Test
  @DisplayName("a message just under maxFrameBytes is relayed")
  void frameJustUnderLimit() {
    try (Pair pair = Pair.join(app, Teams.create(actors))) {
      String content = "y".repeat(MAX_FRAME - 200);
      String text = message("edit", content);
      assertThat(text.length()).isLessThanOrEqualTo(MAX_FRAME);

      pair.sender().sendFrame(WebSocketFrame.textFrame(text, true));

      assertThat(pair.other().awaitEvent("edit").getJsonObject("payload").getString("text")).isEqualTo(content);
      assertThat(pair.sender().isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a message over maxFrameBytes sent as several small frames closes the socket too")
  void fragmentedMessageTooBig() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client other = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      String text = message("huge", "z".repeat(MAX_FRAME + 1000));
      int third = text.length() / 3;

      client.sendFrame(WebSocketFrame.textFrame(text.substring(0, third), false));
      client.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(third, 2 * third)), false));
      client.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(2 * third)), true));

      Closed closed = client.awaitClose(Sockets.WAIT);
      // docs/realtime.md: 1009 for one frame; a message of several frames over the limit is closed with 1001
      assertThat(closed.status()).isIn((short) 1009, (short) 1001);
      other.send("marker", new JsonObject());
      assertThat(other.upTo("the marker", Sockets.event("marker"))).noneMatch(Sockets.event("huge"));
    }
  }

  @ParameterizedTest(name = "[{index}] «{0}»")
  @ValueSource(strings = {"{", "{\"event\": ", "not json", "[1]", "\"x\"", "42", "true", "null", "[]", ""})
  @DisplayName("text that is not a JSON object gets {type: error, error: bad_message} and the socket stays open")
  void notAnObject(String text) {
    assertRefusedAndStillOpen(text);
  }

  @ParameterizedTest(name = "[{index}] «{0}»")
  @ValueSource(strings = {"{}", "{\"payload\": {}}", "{\"event\": 5}", "{\"event\": \"\"}", "{\"event\": null}",
      "{\"event\": \"has space\"}"})
  @DisplayName("an object without a valid event name gets bad_message and the socket stays open")
  void badEventName(String text) {
    assertRefusedAndStillOpen(text);
  }

  /** Sends {@code text}, expects {@code bad_message}, then an event that is still acknowledged on the same socket. */
  private void assertRefusedAndStillOpen(String text) {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      client.sendText(text);

      JsonObject error = client.await("the refusal", Sockets.type("error"));
      client.send("edit", new JsonObject(), "after");

      assertThat(error.getString("error")).isEqualTo("bad_message");
      assertThat(client.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("after");
      assertThat(client.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a binary frame gets bad_message, is not relayed, and the socket stays open")
  void binaryFrame() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client other = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      client.sendBinary(Buffer.buffer(message("edit", "binary").getBytes(java.nio.charset.StandardCharsets.UTF_8)));

      JsonObject error = client.await("the refusal", Sockets.type("error"));
      client.send("marker", new JsonObject(), "after");

      assertThat(error.getString("error")).isEqualTo("bad_message");
      assertThat(client.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("after");
      assertThat(other.upTo("the marker", Sockets.event("marker"))).noneMatch(Sockets.event("edit"));
    }
  }

  @Test
  @DisplayName("malformed text is not relayed to other members")
  void malformedNotRelayed() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access());
         Client other = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      client.sendText("{\"event\": \"edit\", \"payload\": {");
      client.await("the refusal", Sockets.type("error"));
      client.send("marker", new JsonObject());

      List<JsonObject> seen = other.upTo("the marker", Sockets.event("marker"));

      assertThat(seen).noneMatch(Sockets.event("edit"));
      assertThat(seen).noneMatch(Sockets.type("error"));
    }
  }

  @Test
  @DisplayName("a client may not impersonate the server's user_join: bad_message")
  void reservedEvent() {
    Team team = Teams.create(actors);
    try (Client client = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      client.send("user_join", new JsonObject(), "fake");

      JsonObject error = client.await("the refusal", Sockets.type("error").or(Sockets.type("ack")));

      assertThat(error.getString("error")).isEqualTo("bad_message");
      assertThat(error.getValue("ref")).isEqualTo("fake");
    }
  }

  private static String message(String event, String text) {
    return new JsonObject().put("event", event).put("payload", new JsonObject().put("text", text)).encode();
  }
}
