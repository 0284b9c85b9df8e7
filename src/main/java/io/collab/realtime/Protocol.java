package io.collab.realtime;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The message types of the socket protocol and their shapes, in one place. Clients send
 * {@code {"event", "payload", "ref"?}}; the server sends objects with a {@code type}.
 */
public final class Protocol {

  /**
   * An event relayed to every member, the sender included: {@code {type, event, payload, user, ts, epoch, seq}}.
   * {@code epoch} and {@code seq} are the message's position in the workspace's sequence (see {@link Broker}).
   */
  public static final String BROADCAST = "broadcast";
  /** The sender's event was accepted and sequenced: {@code {type, ref, seq, epoch}}. */
  public static final String ACK = "ack";
  /** A message was refused; the socket stays open: {@code {type, error, detail, ref?}}. */
  public static final String ERROR = "error";
  /**
   * Sent once on join: who is online in the workspace, across instances, and the epoch of the workspace's sequence:
   * {@code {type, users: [...], epoch}}.
   */
  public static final String PRESENCE_STATE = "presence_state";
  /**
   * What the socket missed cannot be replayed: the history no longer reaches back to {@code since}, or the
   * workspace's sequence was reset (Redis lost it) and {@code since} belongs to an older epoch. Re-fetch state.
   * {@code {type, since, epoch, seq}}: the broadcasts that follow are those after {@code seq} in {@code epoch}, and
   * a reconnect may resume from there.
   */
  public static final String RECOVERY_FAILED = "recovery_failed";
  /** An {@code auth} message renewed the socket's token: {@code {type, exp}}. */
  public static final String AUTH_OK = "auth_ok";
  /** The user's role in the workspace changed: {@code {type, role}}. */
  public static final String ROLE_CHANGED = "role_changed";

  /**
   * Progress of a job run in the workspace, sequenced like a broadcast (it has an {@code epoch} and a {@code seq}, is
   * kept in the history and replayed with {@code since}, so a socket that reconnects misses no output):
   * {@code {type, job_id, ..., epoch, seq}} with either {@code status} ({@code running} + {@code attempt};
   * {@code succeeded}/{@code failed}/{@code cancelled} + {@code exit_code}, {@code error}) or live output
   * {@code stream} ({@code stdout}/{@code stderr}), {@code chunk} (from 0 per job) and {@code data}.
   */
  public static final String JOB = "job";

  /** Client event that renews the token instead of being relayed. */
  public static final String AUTH_EVENT = "auth";
  /** Broadcast events the server itself emits. */
  public static final String USER_JOIN = "user_join";
  public static final String USER_LEAVE = "user_leave";

  // ---- collaborative editing of workspace files (docs/realtime.md, "Editing files") ----------------------------
  // Client events; their replies and errors carry the event's ref. doc_* events are never relayed as broadcasts.

  /** {@code {file_id}} → {@link #DOC_STATE}; the socket then receives {@link #DOC_UPDATES} for the file. */
  public static final String DOC_OPEN = "doc_open";
  /** {@code {file_id}}: stop receiving the file's updates. */
  public static final String DOC_CLOSE = "doc_close";
  /** {@code {file_id, version, updates: [{clientID, changes}]}} → {@link #DOC_ACK} (writers only). */
  public static final String DOC_PUSH = "doc_push";
  /** {@code {file_id, version}} → {@link #DOC_UPDATES} with every update after version, or error doc_reload. */
  public static final String DOC_PULL = "doc_pull";

  /** {@code {type, ref, file_id, path, version, content}}. */
  public static final String DOC_STATE = "doc_state";
  /** {@code {type, ref, file_id, version}}: the document's version after the push. */
  public static final String DOC_ACK = "doc_ack";
  /**
   * {@code {type, file_id, version, updates: [{clientID, changes}]}} (plus {@code ref} when it answers a pull):
   * update i yields version + i + 1. Every socket with the file open gets every update once, in order, gap-free,
   * one update per live message (editors then map their pending changes as the server rebases stale pushes).
   */
  public static final String DOC_UPDATES = "doc_updates";
  /** {@code {type, file_id, path}}: the file was renamed. */
  public static final String DOC_RENAMED = "doc_renamed";
  /** {@code {type, file_id}}: the file was deleted; it is closed on this socket. */
  public static final String DOC_DELETED = "doc_deleted";

  /**
   * Error codes of the editing protocol (besides bad_message, forbidden, not_found, rate_limited and unavailable).
   * An error with a {@code file_id} and no {@code ref} ({@link #fileError}) means the file was closed on the socket.
   */
  public static final String DOC_INVALID_CHANGE = "doc_invalid_change";
  public static final String DOC_TOO_LARGE = "doc_too_large";
  /** The retained log no longer reaches back to the client's version: open the file again. */
  public static final String DOC_RELOAD = "doc_reload";

  /** The clientID of updates made through the REST API (a PUT replacing the whole text). */
  public static final String REST_CLIENT_ID = "rest";

  private Protocol() {}

  /**
   * A broadcast without its {@code epoch} and {@code seq}: the sequencer appends them atomically with the history
   * entry, so the text must end with the closing brace of the object.
   */
  public static String unsequenced(String event, Object payload, String user) {
    return new JsonObject()
        .put("type", BROADCAST)
        .put("event", event)
        .put("payload", payload == null ? new JsonObject() : payload)
        .put("user", user)
        .put("ts", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
        .encode();
  }

  /** A job message without {@code epoch} and {@code seq}: the sequencer appends them (see {@link #unsequenced}). */
  public static String job(String jobId, JsonObject event) {
    return new JsonObject().put("type", JOB).put("job_id", jobId).mergeIn(event).encode();
  }

  public static String error(String error, String detail, Object ref) {
    JsonObject message = new JsonObject().put("type", ERROR).put("error", error).put("detail", detail);
    if (ref != null) {
      message.put("ref", ref);
    }
    return message.encode();
  }

  public static String ack(Object ref, Broker.Position position) {
    return new JsonObject().put("type", ACK).put("ref", ref).put("seq", position.seq()).put("epoch", position.epoch())
        .encode();
  }

  public static String presenceState(Presence.Online online) {
    return new JsonObject().put("type", PRESENCE_STATE).put("users", online.users()).put("epoch", online.epoch())
        .encode();
  }

  /** {@code since}: what the socket had (0 if nothing); {@code resumeAt}: where the broadcasts that follow start. */
  public static String recoveryFailed(long since, Broker.Position resumeAt) {
    return new JsonObject().put("type", RECOVERY_FAILED).put("since", since).put("epoch", resumeAt.epoch())
        .put("seq", resumeAt.seq()).encode();
  }

  public static String authOk(long exp, Object ref) {
    JsonObject message = new JsonObject().put("type", AUTH_OK).put("exp", exp);
    if (ref != null) {
      message.put("ref", ref);
    }
    return message.encode();
  }

  public static String docState(Object ref, long fileId, String path, long version, String content) {
    return withRef(new JsonObject().put("type", DOC_STATE), ref).put("file_id", fileId).put("path", path)
        .put("version", version).put("content", content).encode();
  }

  public static String docAck(Object ref, long fileId, long version) {
    return withRef(new JsonObject().put("type", DOC_ACK), ref).put("file_id", fileId).put("version", version).encode();
  }

  /** A pull's answer: the updates after {@code version}, with the pull's {@code ref}. */
  public static String docUpdates(Object ref, long fileId, long version, JsonArray updates) {
    return withRef(liveDocUpdates(fileId, version, updates), ref).encode();
  }

  /**
   * Accepted updates, published to every socket with the file open on any instance (no {@code ref}): as a JSON
   * object, because the document service publishes it through Redis and each socket filters it by its open files.
   */
  public static JsonObject liveDocUpdates(long fileId, long version, JsonArray updates) {
    return new JsonObject().put("type", DOC_UPDATES).put("file_id", fileId).put("version", version)
        .put("updates", updates);
  }

  /** A file got a new path (REST PATCH), published like {@link #liveDocUpdates}. */
  public static JsonObject docRenamed(long fileId, String path) {
    return new JsonObject().put("type", DOC_RENAMED).put("file_id", fileId).put("path", path);
  }

  /** A file was deleted (REST DELETE), published like {@link #liveDocUpdates}. */
  public static JsonObject docDeleted(long fileId) {
    return new JsonObject().put("type", DOC_DELETED).put("file_id", fileId);
  }

  /**
   * An error about an open file that answers no message of the client (no {@code ref}): the file was closed on
   * this socket, and the client opens it again.
   */
  public static String fileError(String error, String detail, long fileId) {
    return new JsonObject().put("type", ERROR).put("error", error).put("detail", detail).put("file_id", fileId)
        .encode();
  }

  private static JsonObject withRef(JsonObject message, Object ref) {
    return ref == null ? message : message.put("ref", ref);
  }

  public static String roleChanged(String role) {
    return new JsonObject().put("type", ROLE_CHANGED).put("role", role).encode();
  }
}
