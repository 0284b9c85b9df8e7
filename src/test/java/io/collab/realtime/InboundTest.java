package io.collab.realtime;

import io.collab.workspace.WorkspaceRole;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbound check both transports share, on its own: which verdict each message gets, and that the checks run in
 * the order docs/realtime.md lists. The transports' tests (SocketLimitsTest, SocketRolesTest, TokenLifetimeTest,
 * DocumentSocketTest, MembershipEventsTest) cover how each carries a verdict out.
 */
@DisplayName("Inbound: the one check of a client message, for the raw socket and the SockJS bridge")
class InboundTest {

  private static final Set<String> VIEWER_EVENTS = Set.of("cursor");
  private static final long VALID = System.currentTimeMillis() / 1000 + 600;
  private static final long EXPIRED = System.currentTimeMillis() / 1000 - 1;

  private static Inbound.Verdict check(String text, WorkspaceRole role, long expiresAt) {
    return Inbound.check(text, role, expiresAt, VIEWER_EVENTS);
  }

  private static String message(String event, Object ref) {
    return new JsonObject().put("event", event).put("payload", new JsonObject().put("k", 1)).put("ref", ref).encode();
  }

  @ParameterizedTest(name = "[{index}] «{0}»")
  @ValueSource(strings = {"not json", "[1]", "42", "{}", "{\"event\": 5}", "{\"event\": \"has space\"}",
      "{\"event\": \"x\", \"ref\": {}}", "{\"event\": \"x\", \"ref\": true}"})
  @DisplayName("a malformed message is refused with bad_message, before the token or the role is looked at")
  void malformed(String text) {
    Inbound.Verdict verdict = check(text, null, EXPIRED);

    assertThat(verdict).isInstanceOfSatisfying(Inbound.Refuse.class,
        refuse -> assertThat(refuse.error()).isEqualTo("bad_message"));
  }

  @Test
  @DisplayName("an event of a writer is relayed, with its payload and ref")
  void relay() {
    Inbound.Verdict verdict = check(message("file_change", 7), WorkspaceRole.COLLABORATOR, VALID);

    assertThat(verdict).isEqualTo(new Inbound.Relay(
        new Inbound.Envelope("file_change", new JsonObject().put("k", 1), 7)));
  }

  @Test
  @DisplayName("a viewer's event outside viewerEvents is refused with forbidden; one inside is relayed")
  void viewer() {
    assertThat(check(message("file_change", "r"), WorkspaceRole.VIEWER, VALID))
        .isEqualTo(new Inbound.Refuse("forbidden", "viewers may only send cursor", "r"));
    assertThat(check(message("cursor", "r"), WorkspaceRole.VIEWER, VALID)).isInstanceOf(Inbound.Relay.class);
  }

  @Test
  @DisplayName("no role at all is refused with forbidden")
  void noRole() {
    assertThat(check(message("cursor", null), null, VALID)).isInstanceOf(Inbound.Refuse.class);
  }

  @Test
  @DisplayName("once the token has expired every well-formed message, auth included, closes the socket with 4001")
  void expired() {
    for (String event : new String[] {"file_change", "auth", "user_join", "doc_open"}) {
      assertThat(check(message(event, 1), WorkspaceRole.OWNER, EXPIRED))
          .isEqualTo(new Inbound.Close(CloseCode.TOKEN_EXPIRED));
    }
  }

  @Test
  @DisplayName("auth renews the token, whatever the role; a payload without a string token renews with none")
  void auth() {
    String renew = new JsonObject().put("event", "auth").put("payload", new JsonObject().put("token", "t"))
        .put("ref", "a").encode();
    String noToken = new JsonObject().put("event", "auth").put("payload", new JsonObject().put("token", 5)).encode();

    assertThat(check(renew, WorkspaceRole.VIEWER, VALID)).isEqualTo(new Inbound.Renew("t", "a"));
    assertThat(check(noToken, WorkspaceRole.VIEWER, VALID)).isEqualTo(new Inbound.Renew(null, null));
  }

  @Test
  @DisplayName("user_join and user_leave are the server's: bad_message with the ref, even from an owner")
  void reserved() {
    assertThat(check(message("user_leave", "x"), WorkspaceRole.OWNER, VALID))
        .isEqualTo(new Inbound.Refuse("bad_message", "user_leave is sent by the server only", "x"));
  }

  @Test
  @DisplayName("doc_* events go to the editing protocol before the role check (it has its own rules)")
  void documents() {
    assertThat(check(message("doc_push", 3), WorkspaceRole.VIEWER, VALID)).isInstanceOf(Inbound.Edit.class);
  }

  @Test
  @DisplayName("a bridge body that is not an object is refused")
  void bridgeBody() {
    assertThat(Inbound.envelope("text")).isInstanceOf(Inbound.Refuse.class);
    assertThat(Inbound.envelope(new JsonObject().put("event", "x"))).isInstanceOf(Inbound.Envelope.class);
  }
}
