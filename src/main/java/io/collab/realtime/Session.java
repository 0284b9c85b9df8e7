package io.collab.realtime;

import io.collab.auth.Authenticator;
import io.collab.auth.Principal;
import io.collab.common.BusFailure;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * One client's socket in one workspace: rate-limits each message and has {@link Inbound} check it, hands accepted
 * events to the broker, and writes what the hub delivers in seq order, without gaps or duplicates
 * ({@link Delivery}).
 */
final class Session implements Member {

  private final SocketServices services;
  private final ServerWebSocket ws;
  final Principal user;
  final long workspaceId;

  private String role;
  private long tokenExpiresAt;
  private long tokenTimer = -1;
  private long pingTimer = -1;
  private long lastSeen = System.currentTimeMillis();

  private final Delivery delivery;

  private final TokenBucket rate;
  private int dropped;
  private long droppedWindowStart = System.currentTimeMillis();
  private boolean closed;
  private Future<?> lastPublish = Future.succeededFuture();
  private final DocumentChannel documents;

  Session(SocketServices services, ServerWebSocket ws, Authenticator.Authenticated who, long workspaceId,
          String role) {
    this.services = services;
    this.ws = ws;
    this.user = who.principal();
    this.tokenExpiresAt = who.expiresAt();
    this.workspaceId = workspaceId;
    this.role = role;
    this.rate = new TokenBucket(services.settings().messagesPerSecond());
    this.documents = services.documents(workspaceId, user.id(), () -> this.role, this::send);
    this.delivery = services.delivery(workspaceId, this::send, () -> close(CloseCode.GOING_AWAY), () -> closed);
  }

  /** {@code since} and {@code sinceEpoch}: the client's last position, to resume from (both null when absent). */
  void start(Long since, String sinceEpoch) {
    ws.setWriteQueueMaxSize(services.settings().outboundQueueBytes());
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(this::onBinary);
    ws.pongHandler(pong -> lastSeen = System.currentTimeMillis());
    ws.closeHandler(v -> onClosed());
    ws.exceptionHandler(this::onFailure);
    watchToken();
    pingTimer = services.vertx().setPeriodic(services.settings().pingIntervalSeconds() * 1000L,
        t -> pingOrExpire());
    // Read nothing until the workspace's channel is subscribed: an event sent earlier would never come back.
    ws.pause();
    services.hub().join(this)
        .onSuccess(online -> send(Protocol.presenceState(online)))
        .onSuccess(online -> delivery.start(online.epoch(), since, sinceEpoch))
        .onSuccess(v -> ws.resume())
        .onFailure(err -> close(CloseCode.GOING_AWAY));
  }

  // ---- inbound ------------------------------------------------------------------------------------------------

  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    if (!withinRate()) {
      return;
    }
    Inbound.Verdict verdict =
        Inbound.check(text, WorkspaceRole.of(role), tokenExpiresAt, services.settings().viewerEvents());
    if (verdict instanceof Inbound.Relay relay) {
      relay(relay.envelope());
    } else if (verdict instanceof Inbound.Edit edit) {
      documents.onEvent(edit.envelope().event(), edit.envelope().payload(), edit.envelope().ref());
    } else if (verdict instanceof Inbound.Renew renew) {
      reauthenticate(renew.token(), renew.ref());
    } else if (verdict instanceof Inbound.Refuse refuse) {
      send(refuse.message());
    } else if (verdict instanceof Inbound.Close close) {
      close(close.code());
    }
  }

  private void relay(Inbound.Envelope message) {
    Object ref = message.ref();
    String unsequenced = Protocol.unsequenced(message.event(), message.payload(), user.email());
    // One socket's events keep their send order: each is sequenced after the previous one (the pool would not).
    lastPublish = lastPublish.transform(previous -> services.broker().publish(workspaceId, unsequenced)
        .onSuccess(position -> {
          if (ref != null) {
            send(Protocol.ack(ref, position));
          }
        })
        .onFailure(err -> send(Protocol.error("unavailable", "the event could not be relayed; retry", ref))));
  }

  private void onBinary(Buffer data) {
    lastSeen = System.currentTimeMillis();
    if (withinRate()) {
      send(Protocol.error("bad_message", "binary frames are not supported; send JSON text", null));
    }
  }

  /** A token bucket refilled at {@code messagesPerSecond}; persistent excess closes the socket. */
  private boolean withinRate() {
    if (rate.take()) {
      return true;
    }
    long nowMillis = System.currentTimeMillis();
    if (nowMillis - droppedWindowStart > 10_000) {
      droppedWindowStart = nowMillis;
      dropped = 0;
    }
    if (++dropped > services.settings().maxDroppedBeforeClose()) {
      close(CloseCode.RATE_LIMITED);
    } else {
      send(Protocol.error("rate_limited", "more than " + services.settings().messagesPerSecond()
          + " messages per second; this one was dropped", null));
    }
    return false;
  }

  private void reauthenticate(String token, Object ref) {
    services.tokens().authenticate(token).onComplete(result -> {
      if (result.failed()) {
        BusFailure failure = BusFailure.from(result.cause());
        send(Protocol.error(failure.code(), failure.getMessage(), ref));
      } else if (result.result().principal().id() != user.id()) {
        send(Protocol.error("token_invalid", "the token belongs to another user", ref));
      } else {
        tokenExpiresAt = result.result().expiresAt();
        watchToken();
        send(Protocol.authOk(tokenExpiresAt, ref));
      }
    });
  }

  private void watchToken() {
    if (tokenTimer >= 0) {
      services.vertx().cancelTimer(tokenTimer);
    }
    long delay = Math.max(1, tokenExpiresAt * 1000 - System.currentTimeMillis());
    tokenTimer = services.vertx().setTimer(delay, t -> close(CloseCode.TOKEN_EXPIRED));
  }

  private void pingOrExpire() {
    if (System.currentTimeMillis() - lastSeen > services.settings().idleTimeoutSeconds() * 1000L) {
      close(CloseCode.IDLE);
    } else if (!closed) {
      ws.writePing(Buffer.buffer("ping"));
    }
  }

  // ---- outbound -----------------------------------------------------------------------------------------------

  /** A document message from the hub: unsequenced, so it does not wait for a broadcast catch-up. */
  @Override
  public void deliverDocument(DocumentChannel.Incoming message) {
    documents.deliver(message);
  }

  /** A sequenced broadcast from the hub. */
  @Override
  public void deliver(String epoch, long seq, String message) {
    delivery.deliver(epoch, seq, message);
  }

  void send(String text) {
    if (closed) {
      return;
    }
    if (ws.isClosed()) {
      // the client's close frame arrived; the close handler follows when the connection ends
      onClosed();
      return;
    }
    if (ws.writeQueueFull()) {
      close(CloseCode.TOO_SLOW);
      return;
    }
    ws.writeTextMessage(text);
  }

  // ---- membership and lifecycle -------------------------------------------------------------------------------

  @Override
  public Principal user() {
    return user;
  }

  @Override
  public long workspaceId() {
    return workspaceId;
  }

  @Override
  public void roleChanged(String newRole) {
    if (!newRole.equals(role)) {
      role = newRole;
      send(Protocol.roleChanged(newRole));
    }
  }

  @Override
  public void close(CloseCode code) {
    if (closed) {
      return;
    }
    closed = true;
    cancelTimers();
    documents.close();
    ws.close(code.code, code.reason);
    services.hub().leave(this);
  }

  /**
   * A frame that breaks RFC 6455 or the size limit closes the socket with the code its check named (1002, 1007,
   * 1009); the connection is unusable after it anyway. Any other socket failure ends the session.
   */
  private void onFailure(Throwable err) {
    if (err instanceof CorruptedWebSocketFrameException corrupted) {
      close(CloseCode.forCorruptFrame(corrupted.closeStatus().code()));
    } else {
      close(CloseCode.GOING_AWAY);
    }
  }

  private void onClosed() {
    if (!closed) {
      closed = true;
      cancelTimers();
      documents.close();
      services.hub().leave(this);
    }
  }

  private void cancelTimers() {
    if (tokenTimer >= 0) {
      services.vertx().cancelTimer(tokenTimer);
    }
    if (pingTimer >= 0) {
      services.vertx().cancelTimer(pingTimer);
    }
  }
}
