package io.collab.realtime;

import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one check of a client message, for both transports (the raw WebSocket's {@link Session} and the SockJS
 * {@link BridgeEndpoint}): is it a well-formed {@code {"event", "payload", "ref"?}}, and, given the socket's role and
 * token expiry, is it relayed as a broadcast, handed to the socket's {@link DocumentChannel}, a token renewal, or
 * refused (with which error, or which close code). The order of the checks is the one {@code docs/realtime.md}
 * lists under "Client → server"; who may send what is {@link Access#maySend}.
 *
 * <p>Only the decision lives here; each transport carries it out its own way (an error message on a raw socket, the
 * bridge's {@code rejected} frame over SockJS) and keeps its own rate limit.
 */
final class Inbound {

  private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private Inbound() {}

  /** What reading a message gave: a well-formed {@link Envelope}, or a {@link Refuse}. */
  sealed interface Parsed permits Envelope, Refuse {}

  /** What to do with a message. */
  sealed interface Verdict permits Relay, Edit, Renew, Refuse, Close {}

  /** A well-formed client message: a valid event name and a {@code ref} that is absent, a string or a number. */
  record Envelope(String event, Object payload, Object ref) implements Parsed {}

  /** Sequence the event and relay it as a broadcast to every member, the sender included. */
  record Relay(Envelope envelope) implements Verdict {}

  /** A {@code doc_*} event: the socket's {@link DocumentChannel} answers it; it is never relayed. */
  record Edit(Envelope envelope) implements Verdict {}

  /** An {@code auth} message: renew the socket's token with {@code token} (null when the payload has none). */
  record Renew(String token, Object ref) implements Verdict {}

  /** Refused; the socket stays open. */
  record Refuse(String error, String detail, Object ref) implements Parsed, Verdict {

    /** The refusal as a raw socket sends it. */
    String message() {
      return Protocol.error(error, detail, ref);
    }
  }

  /** The socket must be closed with {@code code}. */
  record Close(CloseCode code) implements Verdict {}

  /** A text frame of a raw socket, checked: {@link #read} then {@link #decide}. */
  static Verdict check(String text, WorkspaceRole role, long tokenExpiresAt, Set<String> viewerEvents) {
    Parsed parsed = read(text);
    return parsed instanceof Envelope envelope ? decide(envelope, role, tokenExpiresAt, viewerEvents) : (Refuse) parsed;
  }

  /** A text frame as a client message. */
  static Parsed read(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new Refuse("bad_message", "send a JSON object {\"event\", \"payload\", \"ref\"?}", null);
    }
    return envelope(message);
  }

  /** A decoded JSON value (a raw socket's text, or the body of a bridge send) as a client message. */
  static Parsed envelope(Object body) {
    if (!(body instanceof JsonObject message)) {
      return new Refuse("bad_message", "send a JSON object {\"event\", \"payload\", \"ref\"?}", null);
    }
    Object ref = message.getValue("ref");
    Object event = message.getValue("event");
    if (!(event instanceof String name) || !EVENT_NAME.matcher(name).matches()) {
      return new Refuse("bad_message", "\"event\" must be 1 to 64 characters of [A-Za-z0-9_.:-]", ref);
    }
    if (ref != null && !(ref instanceof String || ref instanceof Number)) {
      return new Refuse("bad_message", "\"ref\" must be a string or a number", null);
    }
    return new Envelope(name, message.getValue("payload"), ref);
  }

  /**
   * What a socket whose user holds {@code role} (null: none) and whose token is valid until {@code tokenExpiresAt}
   * (epoch seconds) does with {@code message}.
   */
  static Verdict decide(Envelope message, WorkspaceRole role, long tokenExpiresAt, Set<String> viewerEvents) {
    String name = message.event();
    if (tokenExpired(tokenExpiresAt)) {
      // the expiry timer closes the socket too; a message that arrives first must not slip through
      return new Close(CloseCode.TOKEN_EXPIRED);
    }
    if (name.equals(Protocol.AUTH_EVENT)) {
      Object token = message.payload() instanceof JsonObject p ? p.getValue("token") : null;
      return new Renew(token instanceof String t ? t : null, message.ref());
    }
    if (name.equals(Protocol.USER_JOIN) || name.equals(Protocol.USER_LEAVE)) {
      return new Refuse("bad_message", name + " is sent by the server only", message.ref());
    }
    if (DocumentChannel.handles(name)) {
      return new Edit(message);
    }
    if (!Access.maySend(role, name, viewerEvents)) {
      return new Refuse("forbidden", "viewers may only send " + String.join(", ", viewerEvents), message.ref());
    }
    return new Relay(message);
  }

  /** Whether a token valid until {@code expiresAt} (epoch seconds) has expired. */
  static boolean tokenExpired(long expiresAt) {
    return expiresAt * 1000 <= System.currentTimeMillis();
  }
}
