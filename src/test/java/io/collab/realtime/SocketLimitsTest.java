package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Closed;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
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
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      String text = message("edit", "x".repeat(MAX_FRAME + 1000));

      assertThat(on.owner().closedAfter(WebSocketFrame.textFrame(text, true)).status()).isEqualTo((short) 1009);
    }
  }

  @Test
  @DisplayName("a binary frame over maxFrameBytes closes the socket with 1009")
  void binaryFrameTooBig() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      WebSocketFrame frame = WebSocketFrame.binaryFrame(Buffer.buffer(new byte[MAX_FRAME + 1]), true);

      assertThat(on.owner().closedAfter(frame).status()).isEqualTo((short) 1009);
    }
  }

  @Test
  @DisplayName("an oversized frame is not relayed, and the other members' sockets stay open")
  void frameTooBigNotRelayed() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().sendFrame(WebSocketFrame.textFrame(message("huge", "x".repeat(MAX_FRAME + 1000)), true));
      on.owner().awaitClose(Sockets.WAIT);

      on.join(app, VIEWER).viewer().send("cursor", new JsonObject());
      List<JsonObject> seen = on.collaborator().upTo("the cursor", Sockets.event("cursor"));

      assertThat(seen).noneMatch(Sockets.event("huge"));
      assertThat(on.collaborator().isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a message just under maxFrameBytes is relayed")
  void frameJustUnderLimit() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      String content = "y".repeat(MAX_FRAME - 200);
      String text = message("edit", content);
      assertThat(text.length()).isLessThanOrEqualTo(MAX_FRAME);

      on.owner().sendFrame(WebSocketFrame.textFrame(text, true));

      assertThat(on.collaborator().awaitEvent("edit").getJsonObject("payload").getString("text")).isEqualTo(content);
      assertThat(on.owner().isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a message over maxFrameBytes sent as several small frames closes the socket too")
  void fragmentedMessageTooBig() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      String text = message("huge", "z".repeat(MAX_FRAME + 1000));
      int third = text.length() / 3;

      Closed closed = on.owner().closedAfter(WebSocketFrame.textFrame(text.substring(0, third), false),
          WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(third, 2 * third)), false),
          WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(2 * third)), true));

      // docs/realtime.md: 1009 for one frame; a message of several frames over the limit is closed with 1001
      assertThat(closed.status()).isIn((short) 1009, (short) 1001);
      assertThat(on.collaborator().upToMarkerFrom(on.collaborator())).noneMatch(Sockets.event("huge"));
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
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      on.owner().sendText(text);

      assertThat(on.owner().refusalThenServed().getString("error")).isEqualTo("bad_message");
    }
  }

  @Test
  @DisplayName("a binary frame gets bad_message, is not relayed, and the socket stays open")
  void binaryFrame() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().sendBinary(Buffer.buffer(message("edit", "binary").getBytes(StandardCharsets.UTF_8)));

      assertThat(on.owner().refusalThenServed().getString("error")).isEqualTo("bad_message");
      assertThat(on.collaborator().upToMarkerFrom(on.owner())).noneMatch(Sockets.event("edit"));
    }
  }

  @Test
  @DisplayName("malformed text is not relayed to other members")
  void malformedNotRelayed() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().sendText("{\"event\": \"edit\", \"payload\": {");
      on.owner().await("the refusal", Sockets.type("error"));

      List<JsonObject> seen = on.collaborator().upToMarkerFrom(on.owner());

      assertThat(seen).noneMatch(Sockets.event("edit"));
      assertThat(seen).noneMatch(Sockets.type("error"));
    }
  }

  @Test
  @DisplayName("a client may not impersonate the server's user_join: bad_message")
  void reservedEvent() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      on.owner().send("user_join", new JsonObject(), "fake");

      JsonObject error = on.owner().await("the refusal", Sockets.type("error").or(Sockets.type("ack")));

      assertThat(error.getString("error")).isEqualTo("bad_message");
      assertThat(error.getValue("ref")).isEqualTo("fake");
    }
  }

  private static String message(String event, String text) {
    return new JsonObject().put("event", event).put("payload", new JsonObject().put("text", text)).encode();
  }
}
