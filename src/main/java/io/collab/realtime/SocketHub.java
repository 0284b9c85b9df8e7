package io.collab.realtime;

import io.collab.config.CollabConfig;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.collab.common.ClusterEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The sockets of one HTTP verticle instance (one event loop), grouped by workspace. A workspace's first socket here
 * makes the hub listen for its deliveries and ask the node's {@link RealtimeVerticle} to subscribe; a user's first
 * socket here marks them present; membership changes published by persistence close or downgrade sockets.
 */
public final class SocketHub {

  private static final Logger log = LoggerFactory.getLogger(SocketHub.class);

  /** The sockets of one workspace on this hub, and how many each user has. */
  private final class Room {
    final long workspaceId;
    final Set<Member> sessions = new LinkedHashSet<>();
    final Map<Long, Integer> perUser = new HashMap<>();
    final MessageConsumer<String> deliveries;
    final MessageConsumer<String> documents;
    final Future<Void> subscribed;
    /** The workspace was deleted: its sockets leave without presence updates, its Redis keys are removed. */
    boolean deleted;

    Room(long workspaceId) {
      this.workspaceId = workspaceId;
      this.deliveries = vertx.eventBus().localConsumer(Bus.realtimeDelivery(workspaceId), this::deliver);
      this.documents = vertx.eventBus().localConsumer(Bus.documentDelivery(workspaceId), this::deliverDocument);
      this.subscribed = vertx.eventBus().request(Bus.REALTIME_JOIN, new JsonObject().put("workspace_id", workspaceId))
          .mapEmpty();
    }

    void deliver(Message<String> message) {
      long seq = Long.parseLong(message.headers().get("seq"));
      String epoch = message.headers().get("epoch");
      for (Member session : new ArrayList<>(sessions)) {
        try {
          session.deliver(epoch, seq, message.body());
        } catch (RuntimeException e) {
          // one broken connection must not cost the others this message
          log.debug("delivery to a closing connection failed: {}", e.getMessage());
        }
      }
    }

    /** Parsed once here for all the room's sockets; each sends it only if it has the file open. */
    void deliverDocument(Message<String> message) {
      DocumentChannel.Incoming incoming = DocumentChannel.Incoming.parse(message.body());
      if (incoming == null) {
        log.warn("ignored a malformed document message on workspace {}", workspaceId);
        return;
      }
      for (Member session : new ArrayList<>(sessions)) {
        try {
          session.deliverDocument(incoming);
        } catch (RuntimeException e) {
          log.debug("document delivery to a closing connection failed: {}", e.getMessage());
        }
      }
    }
  }

  /** How often a hub looks for users whose instance died: they leave within presenceTtlSeconds plus this. */
  static final long EXPIRY_CHECK_MS = 2_000;

  /** Identifies this hub's presence entries; a hub that dies stops renewing them. */
  final String id = UUID.randomUUID().toString();

  private final Vertx vertx;
  private final Broker broker;
  private final Presence presence;
  private final BusClient bus;
  private final Map<Long, Room> rooms = new HashMap<>();
  private final long heartbeatTimer;
  private final long expiryTimer;
  private final long userCheckTimer;
  private final MessageConsumer<JsonObject> membershipEvents;

  public SocketHub(Vertx vertx, Broker broker, Presence presence, BusClient bus, CollabConfig.Realtime settings,
                   ClusterEvents events) {
    this.vertx = vertx;
    this.broker = broker;
    this.presence = presence;
    this.bus = bus;
    this.heartbeatTimer = vertx.setPeriodic(Math.max(1000, settings.presenceTtlSeconds() * 1000L / 3),
        t -> heartbeat());
    this.expiryTimer = vertx.setPeriodic(EXPIRY_CHECK_MS, t -> expirePresence());
    this.userCheckTimer = vertx.setPeriodic(settings.userCheckSeconds() * 1000L, t -> closeInactiveUsers());
    this.membershipEvents = events.consumer(Bus.WORKSPACE_EVENTS, this::onMembershipEvent);
  }

  /**
   * Registers the session; completes, once its workspace's deliveries flow and its user is marked present, with who
   * is online in the workspace and the epoch of its sequence (for {@code presence_state}).
   */
  Future<Presence.Online> join(Member session) {
    Room room = rooms.computeIfAbsent(session.workspaceId(), Room::new);
    room.sessions.add(session);
    int connections = room.perUser.merge(session.user().id(), 1, Integer::sum);
    return room.subscribed.compose(v -> connections > 1 ? Future.succeededFuture()
        : presence.join(session.workspaceId(), id, identity(session))
            .compose(elsewhere -> elsewhere > 0 ? Future.succeededFuture()
                : broker.publish(session.workspaceId(),
                    Protocol.unsequenced(Protocol.USER_JOIN, new JsonObject(), session.user().email())).mapEmpty()))
        .compose(v -> presence.online(session.workspaceId()));
  }

  void leave(Member session) {
    Room room = rooms.get(session.workspaceId());
    if (room == null || !room.sessions.remove(session)) {
      return;
    }
    Integer left = room.perUser.computeIfPresent(session.user().id(), (user, n) -> n > 1 ? n - 1 : null);
    if (left == null && !room.deleted) {
      presence.leave(session.workspaceId(), id, session.user().id())
          .compose(elsewhere -> elsewhere > 0 ? Future.succeededFuture()
              : broker.publish(session.workspaceId(),
                  Protocol.unsequenced(Protocol.USER_LEAVE, new JsonObject(), session.user().email())).mapEmpty());
    }
    if (room.sessions.isEmpty()) {
      rooms.remove(session.workspaceId());
      room.deliveries.unregister();
      room.documents.unregister();
      vertx.eventBus().request(Bus.REALTIME_LEAVE, new JsonObject().put("workspace_id", session.workspaceId()));
    }
  }

  /** Closes every socket, as the server goes away. */
  public Future<Void> close() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(expiryTimer);
    vertx.cancelTimer(userCheckTimer);
    List<Member> all = new ArrayList<>();
    rooms.values().forEach(room -> all.addAll(room.sessions));
    all.forEach(session -> session.close(CloseCode.GOING_AWAY));
    return membershipEvents.unregister();
  }

  /** Presence and events as the SockJS bridge needs them. */
  Broker broker() {
    return broker;
  }

  private void heartbeat() {
    rooms.values().forEach(room -> {
      Map<Long, JsonObject> users = new HashMap<>();
      room.sessions.forEach(session -> users.computeIfAbsent(session.user().id(), user -> identity(session)));
      presence.heartbeat(room.workspaceId, id, users.values());
    });
  }

  /**
   * Users whose instance died leave presence when their entries expire; the hub that removes them tells the
   * workspace with {@code user_leave}, as their own instance would have.
   */
  private void expirePresence() {
    rooms.values().forEach(room -> presence.expire(room.workspaceId).onSuccess(gone -> gone.forEach(user ->
        broker.publish(room.workspaceId, Protocol.unsequenced(Protocol.USER_LEAVE, new JsonObject(),
            user.getString("email"))))));
  }

  /**
   * A socket's token was checked when it opened (and at each {@code auth}); its user may be deactivated or deleted
   * since. Asks, for all users with sockets here at once, which are still active, and closes the others' sockets.
   * When PostgreSQL does not answer, nobody is closed: an outage must not drop every socket.
   */
  private void closeInactiveUsers() {
    Set<Long> connected = new HashSet<>();
    rooms.values().forEach(room -> connected.addAll(room.perUser.keySet()));
    if (connected.isEmpty()) {
      return;
    }
    bus.request(Bus.USERS_ACTIVE, new JsonObject().put("ids", new JsonArray(new ArrayList<>(connected))))
        .onSuccess(reply -> {
          Set<Long> active = new HashSet<>();
          reply.getJsonArray("active").forEach(id -> active.add(((Number) id).longValue()));
          List<Member> gone = new ArrayList<>();
          // only users that were asked about: one whose first socket here opened while the query ran is not in
          // the reply because nobody asked, not because it went inactive
          rooms.values().forEach(room -> room.sessions.stream()
              .filter(session -> connected.contains(session.user().id()) && !active.contains(session.user().id()))
              .forEach(gone::add));
          gone.forEach(session -> session.close(CloseCode.USER_INACTIVE));
        });
  }

  /** Removed members are closed, demoted ones downgraded, everyone in a deleted workspace closed. */
  private void onMembershipEvent(Message<JsonObject> message) {
    JsonObject event = message.body();
    long workspaceId = event.getLong("workspace_id");
    Room room = rooms.get(workspaceId);
    if (Bus.WORKSPACE_DELETED.equals(event.getString("type"))) {
      // Every hub of every instance gets the event and removes the keys: idempotent, and deletions are rare.
      if (room != null) {
        room.deleted = true;
        new ArrayList<>(room.sessions).forEach(session -> session.close(CloseCode.WORKSPACE_DELETED));
      }
      broker.forget(workspaceId);
      presence.forget(workspaceId);
      return;
    }
    if (room == null) {
      return;
    }
    Long userId = event.getLong("user_id");
    if (userId == null || !room.perUser.containsKey(userId)) {
      return;
    }
    // The membership row is not the whole story (a project owner owns every workspace): ask for the effective role.
    bus.request(Bus.WORKSPACE_ACCESS, new JsonObject().put("user_id", userId).put("workspace_id", room.workspaceId))
        .onComplete(access -> {
          for (Member session : new ArrayList<>(room.sessions)) {
            if (session.user().id() != userId) {
              continue;
            }
            if (access.succeeded()) {
              session.roleChanged(access.result().getString("role"));
            } else if (BusFailure.from(access.cause()).status() == 404) {
              session.close(CloseCode.FORBIDDEN);
            } else {
              // the role could not be confirmed: fail closed, the client reconnects and is checked afresh
              session.close(CloseCode.GOING_AWAY);
            }
          }
        });
  }

  private static JsonObject identity(Member session) {
    return new JsonObject()
        .put("user_id", session.user().id())
        .put("email", session.user().email())
        .put("username", session.user().username());
  }
}
