package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Actors.Actor;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.Closed;
import io.collab.support.Sockets.RawSocket;
import io.collab.support.Sockets.RawSocket.Frame;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6455 protocol errors on a workspace socket, sent by clients that speak the wire format by hand: text that is
 * not UTF-8 (§8.1: close 1007) and close frames with a code no endpoint may send (§7.4: close 1002).
 */
@CollabTest
@DisplayName("WebSocket protocol errors: invalid UTF-8 closes with 1007, an invalid close code with 1002")
class WebSocketProtocolErrorsTest {

  /** The first fragment of an edit whose payload is a string, up to the string's first character. */
  private static final String EDIT_OF_A_STRING = "{\"event\":\"edit\",\"payload\":\"";

  private TestApp app;
  private Actors actors;

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "ff",          // never valid in UTF-8
      "c0af",        // overlong encoding of '/'
      "eda080",      // a UTF-16 surrogate (U+D800)
      "f4908080",    // above U+10FFFF
      "e282"})       // truncated: the message ends inside a character
  @DisplayName("a text frame that is not valid UTF-8 closes the socket with 1007, and nothing is relayed")
  void invalidUtf8(String badHex) throws IOException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR)) {
      RawSocket raw = on.raw(app, OWNER);
      raw.sendFrame(Frame.TEXT, json("edit", HexFormat.of().parseHex(badHex)));

      assertThat(closeStatus(raw)).isEqualTo(1007);
      assertNothingRelayed(on.collaborator(), "edit");
    }
  }

  @Test
  @DisplayName("valid multi-byte UTF-8 in one text frame is relayed unchanged")
  void validUtf8() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR)) {
      on.raw(app, OWNER).sendFrame(Frame.TEXT, json("edit", "é€😀".getBytes(StandardCharsets.UTF_8)));

      assertThat(on.collaborator().awaitEvent("edit").getString("payload")).isEqualTo("é€😀");
    }
  }

  @Test
  @DisplayName("a character split across the fragments of a message is valid: the message is relayed")
  void characterSplitAcrossFragments() {
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);

    assertThat(relayedPayload(WebSocketFrame.textFrame(EDIT_OF_A_STRING, false),
        WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {euro[0]}), false),
        WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {euro[1], euro[2]}).appendString("\"}"), true)))
        .isEqualTo("€");
  }

  @Test
  @DisplayName("a ping between the fragments of a text message does not disturb the check: the message is relayed")
  void pingBetweenFragments() {
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);

    assertThat(relayedPayload(WebSocketFrame.textFrame(EDIT_OF_A_STRING, false),
        WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {euro[0], euro[1]}), false),
        WebSocketFrame.pingFrame(Buffer.buffer("between")),
        WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {euro[2]}).appendString("\"}"), true)))
        .isEqualTo("€");
  }

  /** The payload of the edit the collaborator receives once the owner sent {@code frames}, the owner still open. */
  private String relayedPayload(WebSocketFrame... frames) {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      for (WebSocketFrame frame : frames) {
        on.owner().sendFrame(frame);
      }
      String payload = on.collaborator().awaitEvent("edit").getString("payload");
      assertThat(on.owner().isClosed()).isFalse();
      return payload;
    }
  }

  @Test
  @DisplayName("invalid UTF-8 in a continuation frame closes the socket with 1007, and nothing is relayed")
  void invalidUtf8InContinuation() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().sendFrame(WebSocketFrame.textFrame(EDIT_OF_A_STRING, false));
      on.owner().sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xFF}), false));
      on.owner().sendFrameUnlessClosed(WebSocketFrame.continuationFrame(Buffer.buffer("\"}"), true));

      assertThat(on.owner().awaitClose(Sockets.WAIT).status()).isEqualTo((short) 1007);
      assertNothingRelayed(on.collaborator(), "edit");
    }
  }

  @Test
  @DisplayName("a message whose last fragment ends inside a character closes the socket with 1007")
  void messageEndsInsideCharacter() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      Closed closed = on.owner().closedAfter(
          WebSocketFrame.textFrame("{\"event\":\"edit\",\"payload\":\"x\"}", false),
          WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xE2, (byte) 0x82}), true));

      assertThat(closed.status()).isEqualTo((short) 1007);
    }
  }

  @Test
  @DisplayName("binary frames are not checked for UTF-8: bad bytes get bad_message and the socket stays open")
  void binaryIsNotText() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      on.owner().sendBinary(Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xC0}));

      assertThat(on.owner().refusalThenServed().getString("error")).isEqualTo("bad_message");
    }
  }

  @Test
  @DisplayName("with permessage-deflate the check sees the inflated text: valid text is relayed, invalid closes 1007")
  void compressed() {
    TestApp compressing = TestApp.start(config -> config.getJsonObject("realtime").put("compression", true));
    WebSocketClient client = compressing.vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true));
    try {
      Actor user = new Actors(compressing).register("deflate");
      long workspace = Teams.workspace(new Actors(compressing), user);
      BlockingQueue<String> received = new LinkedBlockingQueue<>();
      CompletableFuture<Short> closed = new CompletableFuture<>();
      WebSocket socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(compressing.port).setURI(Sockets.path(workspace, user.access()))).await();
      socket.textMessageHandler(received::add);
      socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
      assertThat(socket.headers().get("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");

      socket.writeTextMessage("{\"event\":\"edit\",\"payload\":\"€\",\"ref\":\"ok\"}").await();
      assertThat(pollUntil(received, text -> text.contains("\"ack\""))).contains("\"ok\"");
      socket.writeFrame(WebSocketFrame.textFrame(EDIT_OF_A_STRING, false)).await();
      socket.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xFF}), true)).await();

      assertThat(closed).succeedsWithin(Sockets.WAIT).isEqualTo((short) 1007);
    } finally {
      client.close().await();
      compressing.stop();
    }
  }

  private static String pollUntil(BlockingQueue<String> received, Predicate<String> match) {
    long deadline = System.nanoTime() + Sockets.WAIT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        String text = received.poll(100, TimeUnit.MILLISECONDS);
        if (text != null && match.test(text)) {
          return text;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("no matching message within " + Sockets.WAIT);
  }

  @ParameterizedTest(name = "[{index}] close code {0}")
  @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 32768, 65535})
  @DisplayName("a client close frame with a code RFC 6455 §7.4 does not allow is answered with close 1002")
  void invalidCloseCode(int code) throws IOException {
    assertThat(answerTo(Frame.CLOSE, new byte[] {(byte) (code >>> 8), (byte) code})).isEqualTo(1002);
  }

  @ParameterizedTest(name = "[{index}] close code {0}")
  @ValueSource(ints = {1000, 1001, 1003, 1011, 1014, 3000, 4000, 4999})
  @DisplayName("a client close frame with a valid code is echoed, as RFC 6455 §5.5.1 asks")
  void validCloseCode(int code) throws IOException {
    assertThat(answerTo(Frame.CLOSE, new byte[] {(byte) (code >>> 8), (byte) code})).isEqualTo(code);
  }

  @Test
  @DisplayName("a frame with a reserved opcode is a protocol error: close 1002")
  void reservedOpcode() throws IOException {
    assertThat(answerTo(0x3, "{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(1002);
  }

  /** The status of the close frame the server answers one frame on a new owner's socket with. */
  private int answerTo(int opcode, byte[] payload) throws IOException {
    try (SocketTeam on = SocketTeam.create(actors)) {
      RawSocket raw = on.raw(app, OWNER);
      raw.sendFrame(opcode, payload);
      return closeStatus(raw);
    }
  }

  /** {@code {"event": <event>, "payload": "<raw bytes>"}}, the bytes copied as they are. */
  private static byte[] json(String event, byte[] payloadBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("{\"event\":\"" + event + "\",\"payload\":\"").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(payloadBytes);
    out.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** The status of the server's close frame, skipping the messages before it; fails if none comes in time. */
  private static int closeStatus(RawSocket raw) throws IOException {
    List<String> before = new ArrayList<>();
    long deadline = System.nanoTime() + Sockets.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Frame frame = raw.readFrame(Sockets.WAIT);
      if (frame == null || frame.eof()) {
        break;
      }
      if (frame.opcode() == Frame.CLOSE) {
        return frame.closeStatus();
      }
      before.add(frame.text());
    }
    throw new AssertionError("no close frame from the server; received before: " + before);
  }

  /** Another member's next marker broadcast comes with no broadcast of {@code event} before it. */
  private void assertNothingRelayed(Client other, String event) {
    assertThat(other.upToMarkerFrom(other)).noneMatch(Sockets.event(event));
  }
}
