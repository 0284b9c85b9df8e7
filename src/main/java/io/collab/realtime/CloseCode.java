package io.collab.realtime;

/**
 * Every code the server closes a socket with, why, and whether the client should reconnect. The protocol document
 * ({@code docs/realtime.md}) lists the same table.
 */
public enum CloseCode {
  /** The client neither answered pings nor sent anything for {@code realtime.idleTimeoutSeconds}. Reconnect. */
  IDLE(4000, "idle_timeout", true),
  /** The access token expired and no {@code auth} message renewed it. Reconnect with a fresh token. */
  TOKEN_EXPIRED(4001, "token_expired", true),
  /** The token's user was deactivated or deleted since the socket opened. Do not reconnect with it. */
  USER_INACTIVE(4001, "token_invalid", false),
  /** The user was removed from the workspace. Do not reconnect. */
  FORBIDDEN(4003, "forbidden", false),
  /** The workspace (or its project) was deleted. Do not reconnect. */
  WORKSPACE_DELETED(4004, "workspace_deleted", false),
  /** The client did not read fast enough: its outbound queue overflowed. Reconnect with {@code since}. */
  TOO_SLOW(4008, "too_slow", true),
  /** The client kept sending over the rate limit. Reconnect later, slower. */
  RATE_LIMITED(4029, "rate_limited", true),
  /** A frame or message exceeded {@code realtime.maxFrameBytes} (standard code). */
  MESSAGE_TOO_BIG(1009, "message_too_big", true),
  /** A text message was not valid UTF-8 (standard code). Reconnect after fixing the client; resending closes again. */
  INVALID_PAYLOAD(1007, "invalid_payload", true),
  /**
   * The client broke RFC 6455: a malformed frame, or a close frame with a code no endpoint may send (standard code).
   * Reconnect after fixing the client.
   */
  PROTOCOL_ERROR(1002, "protocol_error", true),
  /** The server is shutting down (standard code). Reconnect, possibly to another instance. */
  GOING_AWAY(1001, "going_away", true);

  public final short code;
  public final String reason;
  public final boolean reconnect;

  CloseCode(int code, String reason, boolean reconnect) {
    this.code = (short) code;
    this.reason = reason;
    this.reconnect = reconnect;
  }

  /**
   * How to close a socket whose inbound frame Netty's decoder found corrupt, given the status it named: too big, not
   * UTF-8 (a close frame's reason), or else a protocol error (unmasked, reserved bits or opcode, a bad close code).
   */
  static CloseCode forCorruptFrame(int status) {
    if (status == MESSAGE_TOO_BIG.code) {
      return MESSAGE_TOO_BIG;
    }
    return status == INVALID_PAYLOAD.code ? INVALID_PAYLOAD : PROTOCOL_ERROR;
  }
}
