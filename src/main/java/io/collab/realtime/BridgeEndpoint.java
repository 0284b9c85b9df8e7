package io.collab.realtime;

import io.collab.auth.Principal;
import io.collab.common.Bus;
import io.collab.common.InOrder;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SockJS event-bus bridge at {@code /eventbus/*}, for {@code @vertx/eventbus-bridge-client.js}. A client
 * registers to {@code workspace.<id>} (members only) to receive the workspace's broadcasts, exactly as raw socket
 * clients get them (same {@code seq}), and sends {@code {"event", "payload"}} to {@code workspace.<id>.send} (write
 * roles; viewers only presence events). The access token comes with the connect URL ({@code ?token=}) or in the
 * {@code token} header of any message, and is checked on every message.
 *
 * <p>Accepted sends are re-addressed to this hub's own sink, stamped with who sent them (client headers are
 * discarded), so the sink can sequence them and answer a reply handler with {@code {"seq": n}}.
 */
public final class BridgeEndpoint {

  private static final Pattern RECEIVE = Pattern.compile("workspace\\.([0-9]{1,18})");
  private static final Pattern SEND = Pattern.compile("workspace\\.([0-9]{1,18})\\.send");

  /** What one SockJS socket is: whose, until when, and which workspaces it registered to. */
  private final class Client {
    Principal user;
    long expiresAt;
    long expiryTimer = -1;
    final Map<Long, Registration> registrations = new HashMap<>();
    /** Document events count against the same rate as on a raw socket. */
    final TokenBucket documentRate = new TokenBucket(services.settings().messagesPerSecond());
    /** The socket's document events are handled one after another, in the order it sent them. */
    Future<?> lastDocumentEvent = Future.succeededFuture();
  }

  /** One workspace registration of a socket, as a hub member. */
  private final class Registration implements Member {
    final SockJSSocket socket;
    final Client client;
    final long workspaceId;
    final DocumentChannel documents;
    final Delivery delivery;
    String role;

    Registration(SockJSSocket socket, Client client, long workspaceId, String role) {
      this.socket = socket;
      this.client = client;
      this.workspaceId = workspaceId;
      this.role = role;
      Consumer<String> out = message -> write(socket, workspaceId, message);
      this.documents = services.documents(workspaceId, client.user.id(), () -> this.role, out);
      this.delivery = services.delivery(workspaceId, out, () -> close(CloseCode.GOING_AWAY), this::left);
    }

    /** The socket closed, or unregistered from the workspace. */
    private boolean left() {
      return clients.get(socket) != client || client.registrations.get(workspaceId) != this;
    }

    @Override
    public Principal user() {
      return client.user;
    }

    @Override
    public long workspaceId() {
      return workspaceId;
    }

    @Override
    public void deliver(String epoch, long seq, String message) {
      delivery.deliver(epoch, seq, message);
    }

    @Override
    public void deliverDocument(DocumentChannel.Incoming message) {
      documents.deliver(message);
    }

    @Override
    public void roleChanged(String newRole) {
      if (!newRole.equals(role)) {
        role = newRole;
        write(socket, workspaceId, Protocol.roleChanged(newRole));
      }
    }

    @Override
    public void close(CloseCode code) {
      socket.close(code.code, code.reason);
    }
  }

  private final SocketServices services;
  private final String sink = "workspace.sink." + UUID.randomUUID();
  /** Where handled document events end up, so that a client's reply handler gets an empty reply. */
  private final String documentSink = "workspace.documents." + UUID.randomUUID();
  private final Map<SockJSSocket, Client> clients = new HashMap<>();
  private final InOrder<Long> publishes = new InOrder<>();  // per workspace
  private MessageConsumer<JsonObject> sinkConsumer;
  private MessageConsumer<JsonObject> documentSinkConsumer;

  public BridgeEndpoint(SocketServices services) {
    this.services = services;
  }

  public void mount(Router router) {
    sinkConsumer = services.vertx().eventBus().consumer(sink, this::sequence);
    documentSinkConsumer =
        services.vertx().eventBus().localConsumer(documentSink, message -> message.reply(new JsonObject()));
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddressRegex(SEND.pattern()))
        .addInboundPermitted(new PermittedOptions().setAddress(sink))
        .addInboundPermitted(new PermittedOptions().setAddress(documentSink))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(RECEIVE.pattern()))
        .setPingTimeout(services.settings().idleTimeoutSeconds() * 1000L)
        .setMaxHandlersPerSocket(100);
    SockJSHandler sockJS = SockJSHandler.create(services.vertx(), new SockJSHandlerOptions()
        .setHeartbeatInterval(services.settings().pingIntervalSeconds() * 1000L));
    router.route("/eventbus/*").subRouter(sockJS.bridge(options, this::onEvent));
  }

  public Future<Void> close() {
    return sinkConsumer == null ? Future.succeededFuture()
        : Future.all(sinkConsumer.unregister(), documentSinkConsumer.unregister()).mapEmpty();
  }

  private void onEvent(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    switch (event.type()) {
      case SOCKET_CREATED -> created(event, socket);
      case REGISTER -> register(event, socket);
      case UNREGISTER -> unregister(event, socket);
      case SEND, PUBLISH -> send(event, socket);
      case SOCKET_CLOSED -> closed(socket);
      default -> event.complete(true);
    }
  }

  private void created(BridgeEvent event, SockJSSocket socket) {
    Client client = new Client();
    clients.put(socket, client);
    String token = socket.routingContext() == null ? null : socket.routingContext().queryParams().get("token");
    if (token == null) {
      event.complete(true);  // the token may come in message headers instead
      return;
    }
    // The bridge reads the socket only once this event completes: hold its frames until then, or they are lost.
    socket.pause();
    authenticate(client, token).onComplete(result -> {
      event.complete(result.succeeded());
      socket.resume();
    });
  }

  private void register(BridgeEvent event, SockJSSocket socket) {
    Client client = clients.get(socket);
    Matcher address = RECEIVE.matcher(String.valueOf(event.getRawMessage().getString("address")));
    if (client == null || !address.matches()) {
      event.complete(false);
      return;
    }
    long workspaceId = Long.parseLong(address.group(1));
    authorize(client, event.getRawMessage())
        .compose(v -> unexpired(client))
        .compose(v -> services.bus().request(Bus.WORKSPACE_ACCESS, new JsonObject()
            .put("user_id", client.user.id()).put("workspace_id", workspaceId)))
        .onComplete(access -> {
          if (access.failed() || client.registrations.containsKey(workspaceId)) {
            event.complete(access.succeeded());
            return;
          }
          Registration registration = new Registration(socket, client, workspaceId, access.result().getString("role"));
          client.registrations.put(workspaceId, registration);
          event.complete(true);
          services.hub().join(registration)
              .onSuccess(online -> write(socket, workspaceId, Protocol.presenceState(online)))
              .onSuccess(online -> registration.delivery.start(online.epoch(), null, null))
              .onFailure(err -> registration.close(CloseCode.GOING_AWAY));
        });
  }

  private void unregister(BridgeEvent event, SockJSSocket socket) {
    Client client = clients.get(socket);
    Matcher address = RECEIVE.matcher(String.valueOf(event.getRawMessage().getString("address")));
    if (client != null && address.matches()) {
      Registration registration = client.registrations.remove(Long.parseLong(address.group(1)));
      if (registration != null) {
        registration.documents.close();
        services.hub().leave(registration);
      }
    }
    event.complete(true);
  }

  /**
   * Checks the message ({@link Inbound}, with the sender's role and token), stamps who sent it, and re-addresses it
   * to this hub's sink. Only a {@link Inbound.Relay} is accepted here: an {@code auth} message is refused (bridge
   * tokens come in headers), and so is any refusal or an expired token (its timer closes the socket).
   */
  private void send(BridgeEvent event, SockJSSocket socket) {
    Client client = clients.get(socket);
    JsonObject raw = event.getRawMessage();
    Matcher address = SEND.matcher(String.valueOf(raw.getString("address")));
    if (client == null || !address.matches()
        || !(Inbound.envelope(raw.getValue("body")) instanceof Inbound.Envelope envelope)) {
      event.complete(false);
      return;
    }
    long workspaceId = Long.parseLong(address.group(1));
    if (DocumentChannel.handles(envelope.event())) {
      sendDocumentEvent(event, client, workspaceId, envelope);
      return;
    }
    authorize(client, raw)
        .compose(v -> roleIn(client, workspaceId))
        .onComplete(role -> {
          boolean relayed = role.succeeded() && Inbound.decide(envelope, role.result(), client.expiresAt,
              services.settings().viewerEvents()) instanceof Inbound.Relay;
          if (relayed) {
            raw.put("address", sink);
            raw.put("headers", new JsonObject()
                .put("workspace_id", String.valueOf(workspaceId))
                .put("user", client.user.email()));
          }
          event.complete(relayed);
        });
  }

  /**
   * The sender's role in the workspace: the one its registration holds (kept current by membership events) when the
   * socket registered to the workspace, else asked of persistence (a sender need not listen to send).
   */
  private Future<WorkspaceRole> roleIn(Client client, long workspaceId) {
    Registration registration = client.registrations.get(workspaceId);
    if (registration != null) {
      return Future.succeededFuture(WorkspaceRole.of(registration.role));
    }
    return services.bus().request(Bus.WORKSPACE_ACCESS, new JsonObject()
            .put("user_id", client.user.id()).put("workspace_id", workspaceId))
        .map(access -> WorkspaceRole.of(access.getString("role")));
  }

  /**
   * A {@code doc_*} event goes to the socket's registration for the workspace, whose handler is the raw socket's;
   * replies, errors and updates come back on {@code workspace.<id>} as on a raw socket. Without a registration
   * there is nowhere to answer, so the send is refused. The role is the registration's, kept current by
   * membership events.
   */
  private void sendDocumentEvent(BridgeEvent event, Client client, long workspaceId, Inbound.Envelope message) {
    Registration registration = client.registrations.get(workspaceId);
    if (registration == null) {
      event.complete(false);
      return;
    }
    JsonObject raw = event.getRawMessage();
    client.lastDocumentEvent = client.lastDocumentEvent.transform(previous -> authorize(client, raw)
        .onComplete(authorized -> {
          if (authorized.failed() || !(Inbound.decide(message, WorkspaceRole.of(registration.role), client.expiresAt,
              services.settings().viewerEvents()) instanceof Inbound.Edit)) {
            event.complete(false);
            return;
          }
          if (client.documentRate.take()) {
            registration.documents.onEvent(message.event(), message.payload(), message.ref());
          } else {
            write(registration.socket, workspaceId, Protocol.error("rate_limited", "more than "
                + services.settings().messagesPerSecond() + " messages per second; this one was dropped", null));
          }
          raw.put("address", documentSink);
          raw.put("headers", new JsonObject());
          event.complete(true);
        }));
  }

  /**
   * Sequences an accepted bridge send, exactly like a raw socket event. Sends reach this sink in the order the
   * bridge accepted them; each workspace's are sequenced one after another so that order holds.
   */
  private void sequence(Message<JsonObject> message) {
    long workspaceId = Long.parseLong(message.headers().get("workspace_id"));
    JsonObject body = message.body();
    String unsequenced = Protocol.unsequenced(body.getString("event"), body.getValue("payload"),
        message.headers().get("user"));
    publishes.run(workspaceId, () -> services.broker().publish(workspaceId, unsequenced))
        .onSuccess(position -> message.reply(new JsonObject().put("seq", position.seq())
            .put("epoch", position.epoch())))
        .onFailure(err -> message.fail(503, "unavailable"));
  }

  private void closed(SockJSSocket socket) {
    Client client = clients.remove(socket);
    if (client != null) {
      if (client.expiryTimer >= 0) {
        services.vertx().cancelTimer(client.expiryTimer);
      }
      client.registrations.values().forEach(registration -> {
        registration.documents.close();
        services.hub().leave(registration);
      });
    }
  }

  /**
   * A {@code token} header re-authenticates (and may extend the socket's life); without one the socket must have had a
   * token. Whether that token has expired since is judged by {@link Inbound} for a send, by {@link #unexpired} for a
   * registration.
   */
  private Future<Void> authorize(Client client, JsonObject raw) {
    JsonObject headers = raw.getJsonObject("headers");
    String token = headers == null ? null : headers.getString("token");
    if (token != null) {
      return authenticate(client, token);
    }
    return client.user == null ? Future.failedFuture("no token") : Future.succeededFuture();
  }

  /** A registration is no message for {@link Inbound} to judge, but its token must not have expired either. */
  private static Future<Void> unexpired(Client client) {
    return Inbound.tokenExpired(client.expiresAt) ? Future.failedFuture("the token has expired")
        : Future.succeededFuture();
  }

  private Future<Void> authenticate(Client client, String token) {
    return services.tokens().authenticate(token).compose(who -> {
      if (client.user != null && client.user.id() != who.principal().id()) {
        return Future.failedFuture("a socket serves one user");
      }
      client.user = who.principal();
      client.expiresAt = who.expiresAt();
      if (client.expiryTimer >= 0) {
        services.vertx().cancelTimer(client.expiryTimer);
      }
      long delay = Math.max(1, who.expiresAt() * 1000 - System.currentTimeMillis());
      client.expiryTimer = services.vertx().setTimer(delay, t -> client.registrations.values().stream().findFirst()
          .ifPresent(registration -> registration.close(CloseCode.TOKEN_EXPIRED)));
      return Future.<Void>succeededFuture();
    });
  }

  /** A bridge frame, as the event-bus client expects it; the message is inlined, never re-encoded. */
  private static void write(SockJSSocket socket, long workspaceId, String message) {
    socket.write(Buffer.buffer("{\"type\":\"rec\",\"address\":\"workspace." + workspaceId + "\",\"body\":" + message + "}"));
  }
}
