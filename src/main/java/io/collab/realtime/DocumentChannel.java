package io.collab.realtime;

import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.documents.DocumentEvents;
import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The editing protocol of one socket ({@code doc_*} events, docs/realtime.md "Editing files"), whichever transport
 * carries it: the files the socket has open, what it has been sent of each, and the handling of its doc events. The
 * raw socket ({@link Session}) and the SockJS bridge ({@link BridgeEndpoint}) feed it the client's events and the
 * hub's document messages, and give it the one way to write to the client.
 *
 * <p>Outbound, every open file keeps the version the next update sent to the client must apply to. Document
 * messages arrive unsequenced over Redis pub/sub, possibly late, twice or out of order across instances; this class
 * turns them into one gap-free run per file, filling gaps with {@code DOCS_PULL}. Confined to one event loop.
 */
final class DocumentChannel {

  private static final Set<String> EVENTS = Set.of(Protocol.DOC_OPEN, Protocol.DOC_CLOSE, Protocol.DOC_PUSH,
      Protocol.DOC_PULL);

  /**
   * How long a gap may stay open before it is pulled. Two instances publish accepted updates independently, so a
   * neighbour's update often arrives a moment after the next one: waiting this long closes most gaps without a pull.
   */
  static final long GAP_GRACE_MS = 20;

  /**
   * The longest pause between two tries of a gap fill the document service could not answer. The file stays open
   * meanwhile (its updates wait), so a database hiccup costs the client a delay, not a reload that would drop its
   * unconfirmed edits; the pause doubles from {@link #GAP_GRACE_MS} up to this.
   */
  static final long GAP_RETRY_MAX_MS = 2_000;

  /** The bus requests this class makes ({@link io.collab.common.BusClient#request}). */
  @FunctionalInterface
  interface Requests {
    Future<JsonObject> request(String address, JsonObject body);
  }

  /**
   * A document message from the workspace's channel, parsed once per hub for all its sockets. {@code version} and
   * {@code updates} are only set for {@code doc_updates}; {@code text} is the message as published.
   */
  record Incoming(String type, long fileId, long version, JsonArray updates, String text) {

    /** Null for anything that is not a well-formed document message. */
    static Incoming parse(String text) {
      try {
        JsonObject json = new JsonObject(text);
        String type = json.getString("type");
        Long fileId = json.getLong("file_id");
        if (type == null || fileId == null) {
          return null;
        }
        if (Protocol.DOC_UPDATES.equals(type)) {
          Long version = json.getLong("version");
          JsonArray updates = json.getJsonArray("updates");
          return version == null || updates == null ? null : new Incoming(type, fileId, version, updates, text);
        }
        return new Incoming(type, fileId, -1, null, text);
      } catch (RuntimeException e) {
        return null;
      }
    }

    /** The version after the last update. */
    long end() {
      return version + updates.size();
    }
  }

  /** One file open on this socket. */
  private static final class OpenFile {
    final long fileId;
    /** The version the next update sent to the client applies to; -1 until doc_state is sent. */
    long next = -1;
    /** Updates that cannot be sent yet: the file is still opening, a pull is in flight, or they are past a gap. */
    final List<Incoming> waiting = new ArrayList<>();
    boolean pulling;
    long gapTimer = -1;
    /** Pause before the next try of a gap fill that failed {@code unavailable}; 0 while none failed. */
    long retryDelay;

    OpenFile(long fileId) {
      this.fileId = fileId;
    }

    boolean ready() {
      return next >= 0 && !pulling;
    }
  }

  private final Vertx vertx;
  private final Requests bus;
  private final DocumentEvents events;
  private final long workspaceId;
  private final long actor;
  private final Supplier<String> role;
  private final Consumer<String> client;
  private final Map<Long, OpenFile> open = new HashMap<>();
  /** One socket's pushes reach persistence one after another, so a later push never overtakes an earlier one. */
  private Future<?> lastPush = Future.succeededFuture();
  private boolean closed;

  /**
   * @param role the socket's current role key ({@code owner}, {@code collaborator}, {@code viewer}): it changes with
   *     {@code role_changed}
   * @param client writes one server message to the client
   */
  DocumentChannel(Vertx vertx, Requests bus, DocumentEvents events, long workspaceId, long actor,
                  Supplier<String> role, Consumer<String> client) {
    this.vertx = vertx;
    this.bus = bus;
    this.events = events;
    this.workspaceId = workspaceId;
    this.actor = actor;
    this.role = role;
    this.client = client;
  }

  // ---- inbound ------------------------------------------------------------------------------------------------

  /** Every {@code doc_*} event is this class's, known or not: none is ever relayed as a broadcast. */
  static boolean handles(String event) {
    return event.startsWith("doc_");
  }

  /** A client event that {@link #handles}; its reply or error carries {@code ref}. */
  void onEvent(String event, Object payload, Object ref) {
    if (closed) {
      return;  // a bridge registration that went away while the event waited its turn
    }
    if (!EVENTS.contains(event)) {
      client.accept(Protocol.error("bad_message", event + " is not an event of the editing protocol", ref));
      return;
    }
    if (!(payload instanceof JsonObject p)) {
      client.accept(Protocol.error("bad_message", event + " needs a payload object", ref));
      return;
    }
    Long fileId = positive(p.getValue("file_id"));
    if (fileId == null) {
      client.accept(Protocol.error("bad_message", "file_id must be a positive integer", ref));
      return;
    }
    switch (event) {
      case Protocol.DOC_OPEN -> open(fileId, ref);
      case Protocol.DOC_CLOSE -> closeFile(fileId);
      case Protocol.DOC_PUSH -> push(fileId, p, ref);
      default -> pull(fileId, p, ref);
    }
  }

  /**
   * Opens (or re-opens) the file. Updates that arrive while the state is read wait: once its version is known, those
   * it already contains are dropped and the rest sent, by the same rules as any later update.
   */
  private void open(long fileId, Object ref) {
    OpenFile file = new OpenFile(fileId);
    stopGapTimer(open.put(fileId, file));
    bus.request(Bus.DOCS_OPEN, request(fileId)).onComplete(result -> {
      if (closed || open.get(fileId) != file) {
        return;  // closed or re-opened meanwhile: this answer is stale
      }
      if (result.failed()) {
        open.remove(fileId);
        client.accept(error(result.cause(), ref));
        return;
      }
      JsonObject state = result.result();
      client.accept(Protocol.docState(ref, fileId, state.getString("path"), state.getLong("version"),
          state.getString("content")));
      file.next = state.getLong("version");
      drain(file);
    });
  }

  private void closeFile(long fileId) {
    stopGapTimer(open.remove(fileId));
  }

  /**
   * A viewer's push is refused here, before any bus call; persistence checks the role again. The ack is the reply;
   * the accepted updates reach every editor of the file, this one included, through the workspace's channel.
   */
  private void push(long fileId, JsonObject payload, Object ref) {
    if (!Access.mayWriteFiles(WorkspaceRole.of(role.get()))) {
      client.accept(Protocol.error("forbidden", "viewers may open and pull files but not push", ref));
      return;
    }
    Long version = nonNegative(payload.getValue("version"));
    if (version == null) {
      client.accept(Protocol.error("bad_message", "version must be a non-negative integer", ref));
      return;
    }
    if (!(payload.getValue("updates") instanceof JsonArray updates) || updates.isEmpty()
        || !updates.stream().allMatch(JsonObject.class::isInstance)) {
      client.accept(Protocol.error("bad_message", "updates must be a non-empty array of {clientID, changes}", ref));
      return;
    }
    JsonObject body = request(fileId).put("version", version).put("updates", updates);
    lastPush = lastPush.transform(previous -> bus.request(Bus.DOCS_PUSH, body)
        .onSuccess(accepted -> {
          client.accept(Protocol.docAck(ref, fileId, accepted.getLong("version")));
          publish(fileId, accepted);
        })
        .onFailure(err -> client.accept(error(err, ref))));
  }

  /** Accepted updates go to every socket with the file open, on every instance; nothing to send when all were re-sent. */
  private void publish(long fileId, JsonObject accepted) {
    JsonArray updates = accepted.getJsonArray("updates");
    if (updates != null && !updates.isEmpty()) {
      events.publish(workspaceId, Protocol.liveDocUpdates(fileId, accepted.getLong("from"), updates));
    }
  }

  /** A client's own catch-up; it does not touch what the socket is sent of an open file. */
  private void pull(long fileId, JsonObject payload, Object ref) {
    Long version = nonNegative(payload.getValue("version"));
    if (version == null) {
      client.accept(Protocol.error("bad_message", "version must be a non-negative integer", ref));
      return;
    }
    bus.request(Bus.DOCS_PULL, request(fileId).put("version", version)).onComplete(result -> {
      if (result.succeeded()) {
        client.accept(Protocol.docUpdates(ref, fileId, version, result.result().getJsonArray("updates")));
      } else {
        client.accept(error(result.cause(), ref));
      }
    });
  }

  // ---- outbound -----------------------------------------------------------------------------------------------

  /** A document message of this socket's workspace, from the hub. */
  void deliver(Incoming message) {
    OpenFile file = closed ? null : open.get(message.fileId());
    if (file == null) {
      return;
    }
    switch (message.type()) {
      case Protocol.DOC_UPDATES -> {
        file.waiting.add(message);
        drain(file);
      }
      case Protocol.DOC_RENAMED -> client.accept(message.text());
      case Protocol.DOC_DELETED -> {
        // The file is gone for everyone: the socket stops following it (a push now fails not_found).
        closeFile(file.fileId);
        client.accept(message.text());
      }
      default -> { }
    }
  }

  /**
   * Sends what can be sent of the waiting updates, in version order: the next one in sequence goes out, an old
   * one is dropped (it was in doc_state, a pull, or came twice), an overlapping one goes out from where the client
   * is. Anything past a gap waits, and the gap is pulled if it does not close by itself within {@link #GAP_GRACE_MS}.
   */
  private void drain(OpenFile file) {
    if (!file.ready()) {
      return;
    }
    file.waiting.sort(Comparator.comparingLong(Incoming::version));
    while (!file.waiting.isEmpty() && file.waiting.get(0).version() <= file.next) {
      Incoming message = file.waiting.remove(0);
      if (message.end() > file.next) {
        send(file, message);
      }
    }
    if (!file.waiting.isEmpty() && file.gapTimer < 0) {
      file.gapTimer = vertx.setTimer(GAP_GRACE_MS, t -> {
        file.gapTimer = -1;
        if (!file.waiting.isEmpty() && file.ready() && open.get(file.fileId) == file) {
          fillGap(file);
        }
      });
    }
  }

  /**
   * Sends the updates of {@code message} from the client's version on, and moves that version to its end. Each
   * update goes in a doc_updates message of its own: {@code receiveUpdates} maps an editor's pending changes over
   * each message it is given as one composed change, and the server rebases a stale push over the accepted updates
   * one at a time ({@link io.collab.documents.Authority}); only one update per message makes both map alike.
   */
  private void send(OpenFile file, Incoming message) {
    List<Object> updates = message.updates().getList();
    if (message.version() == file.next && updates.size() == 1) {
      client.accept(message.text());
    } else {
      for (int i = (int) (file.next - message.version()); i < updates.size(); i++) {
        client.accept(Protocol.docUpdates(null, file.fileId, message.version() + i,
            new JsonArray(List.of(updates.get(i)))));
      }
    }
    file.next = message.end();
  }

  /**
   * An update never reached this instance (or is later than the grace): fetch everything after the client's version,
   * send it, then what waited. One pull per file at a time; updates arriving meanwhile wait for it.
   */
  private void fillGap(OpenFile file) {
    file.pulling = true;
    long from = file.next;
    bus.request(Bus.DOCS_PULL, request(file.fileId).put("version", from)).onComplete(result -> {
      file.pulling = false;
      if (closed || open.get(file.fileId) != file) {
        return;
      }
      if (result.succeeded()) {
        file.retryDelay = 0;
        JsonArray updates = result.result().getJsonArray("updates");
        if (!updates.isEmpty()) {
          file.waiting.add(new Incoming(Protocol.DOC_UPDATES, file.fileId, from, updates,
              Protocol.docUpdates(null, file.fileId, from, updates)));
        }
        drain(file);
        return;
      }
      Refusal refusal = Refusal.of(result.cause());
      if (refusal.retriable()) {
        retryGap(file);
        return;
      }
      // The client can no longer be brought up to date here (doc_reload, not_found...): it has to open the file again.
      closeFile(file.fileId);
      client.accept(Protocol.fileError(refusal.code(), refusal.detail(), file.fileId));
    });
  }

  /** Pulls the gap again after a pause that doubles with each failure; updates that arrive meanwhile wait. */
  private void retryGap(OpenFile file) {
    file.retryDelay = Math.min(GAP_RETRY_MAX_MS, file.retryDelay == 0 ? GAP_GRACE_MS : file.retryDelay * 2);
    file.pulling = true;  // keeps drain from starting another pull before this one
    file.gapTimer = vertx.setTimer(file.retryDelay, t -> {
      file.gapTimer = -1;
      file.pulling = false;
      if (!closed && open.get(file.fileId) == file) {
        fillGap(file);
      }
    });
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  /** The socket closed: nothing more is sent, and late answers are ignored. */
  void close() {
    closed = true;
    open.values().forEach(this::stopGapTimer);
    open.clear();
  }

  private void stopGapTimer(OpenFile file) {
    if (file != null && file.gapTimer >= 0) {
      vertx.cancelTimer(file.gapTimer);
      file.gapTimer = -1;
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private JsonObject request(long fileId) {
    return new JsonObject().put("actor", actor).put("workspace_id", workspaceId).put("file_id", fileId);
  }

  private static String error(Throwable cause, Object ref) {
    Refusal refusal = Refusal.of(cause);
    return Protocol.error(refusal.code(), refusal.detail(), ref);
  }

  /**
   * A bus failure as an error of docs/realtime.md's table. The document service's own refusals (4xx: forbidden,
   * not_found, doc_invalid_change, doc_too_large, doc_reload, ...) pass through by code, so the client learns what
   * to do; anything else means the service could not answer, and the client retries.
   */
  private record Refusal(String code, String detail) {

    static Refusal of(Throwable cause) {
      BusFailure failure = BusFailure.from(cause);
      if (failure.status() >= 500) {
        return new Refusal(UNAVAILABLE, "the document service did not answer; retry");
      }
      return new Refusal(failure.code().equals("validation_failed") ? "bad_message" : failure.code(),
          failure.getMessage());
    }

    /** The service could not answer (rather than refusing): asking again later may succeed. */
    boolean retriable() {
      return UNAVAILABLE.equals(code);
    }
  }

  private static final String UNAVAILABLE = "unavailable";

  /** A JSON integer above zero, or null (a fraction, a string or a number out of range is not one). */
  private static Long positive(Object value) {
    Long n = integer(value);
    return n != null && n > 0 ? n : null;
  }

  private static Long nonNegative(Object value) {
    Long n = integer(value);
    return n != null && n >= 0 ? n : null;
  }

  private static Long integer(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger big && big.bitLength() < 64) {
      return big.longValue();
    }
    return null;
  }
}
