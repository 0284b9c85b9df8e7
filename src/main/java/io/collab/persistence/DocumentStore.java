package io.collab.persistence;

import io.collab.common.BusFailure;
import io.collab.config.CollabConfig;
import io.collab.documents.Authority;
import io.collab.documents.ChangeSet;
import io.collab.documents.DocumentText;
import io.collab.documents.InvalidChangeException;
import io.collab.documents.Update;
import io.collab.realtime.Protocol;
import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The editing protocol's side of the files (DOCS_OPEN, DOCS_PULL, DOCS_PUSH): the document state an editor starts
 * from, the log it catches up from, and the authority step that accepts pushes.
 *
 * <p><b>Pushes are committed in batches.</b> A push is one small edit, and thousands arrive per second; one
 * transaction each (lock, read the log, append, store the text, commit) made PostgreSQL the bottleneck. Instead this
 * node's pushes queue up while its previous batch commits, and the next batch handles all of them (up to
 * {@code files.pushBatchSize}) in one transaction: it locks every file the batch touches, reads once the log the
 * stale pushes are rebased over, runs {@link Authority#push} for each push in arrival order (a later push of the same
 * file sees the earlier one's updates), and appends every accepted update and stores each file's final text in one
 * statement. Replies go out after the commit, so nothing is acknowledged that is not durable. A push refused on its
 * own (not found, forbidden, a change that does not fit, too large, a version the log no longer reaches) is refused
 * alone; a database failure fails the whole batch, and its editors push again.
 *
 * <p>A file's text only changes under its row lock, in the transaction that appends the updates leading to it, so
 * its versions form one sequence with no gap and no fork, whichever node commits. Files are locked in id order, so
 * two nodes' batches wait for each other but never deadlock.
 */
final class DocumentStore {

  /** Parameters: $1 workspace id, $2 the actor, $3 the file id; $4 the version to pull from. */
  static final String PULL = "SELECT " + FileStore.ROLE + ", f.version, f.log_start, u.client_id, u.changes"
      + " FROM files f LEFT JOIN file_updates u ON u.file_id = f.id AND u.version > $4"
      + " AND $4 >= f.log_start AND $4 <= f.version"
      + " WHERE f.id = $3 AND f.workspace_id = $1 ORDER BY u.version";
  /** The files of one batch, locked in id order. */
  static final String LOCK_FILES = "SELECT f.id, f.workspace_id, f.version, f.log_start, f.content FROM files f"
      + " WHERE f.id = ANY($1::bigint[]) ORDER BY f.id FOR UPDATE OF f";
  /** The effective role of each (workspace, actor) pair of one batch. */
  static final String ROLES = "SELECT p.workspace_id, p.actor, "
      + Access.effectiveRoleSql("p.workspace_id", "p.actor") + " AS role"
      + " FROM unnest($1::bigint[], $2::bigint[]) AS p(workspace_id, actor)";
  /**
   * The log of each file after a version, in order. LATERAL with OFFSET 0 keeps it one index range scan per file:
   * as a plain join, the cached generic plan (which cannot see how short the arrays are) hashed the whole
   * file_updates table on every batch, most of PostgreSQL's CPU in the editing benchmark.
   */
  static final String LOGS = "SELECT s.file_id, u.version, u.client_id, u.changes"
      + " FROM unnest($1::bigint[], $2::bigint[]) AS s(file_id, after)"
      + " CROSS JOIN LATERAL (SELECT version, client_id, changes FROM file_updates"
      + " WHERE file_id = s.file_id AND version > s.after ORDER BY version OFFSET 0) AS u"
      + " ORDER BY s.file_id, u.version";
  /** Appends a batch's updates (every file's) and moves each file to the text they lead to, in one statement. */
  static final String APPEND = "WITH logged AS ("
      + "INSERT INTO file_updates (file_id, version, client_id, changes, user_id)"
      + " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]))"
      + " UPDATE files AS f SET content = m.content, size = m.size, version = m.version, updated_at = now(),"
      + " updated_by = m.actor FROM unnest($6::bigint[], $7::text[], $8::int[], $9::bigint[], $10::bigint[])"
      + " AS m(id, content, size, version, actor) WHERE f.id = m.id";
  /** Cuts one file's log back to the versions after $2 (one statement per file: an index range each). */
  static final String TRIM = "WITH gone AS (DELETE FROM file_updates WHERE file_id = $1 AND version <= $2)"
      + " UPDATE files SET log_start = $2 WHERE id = $1";

  private static final Logger log = LoggerFactory.getLogger(DocumentStore.class);

  private final Pool pool;
  private final CollabConfig.Files limits;
  private final long requestTimeoutNanos;
  /** Pushes waiting for the next batch, oldest first; only touched on this verticle's event loop. */
  private final Queue<Push> waiting = new ArrayDeque<>();
  private boolean committing;

  /**
   * @param requestTimeoutMs how long a caller waits for a bus reply ({@code busRequestTimeoutMs}): a push that waited
   *     longer for its batch is dropped unapplied, since nobody is waiting for its outcome any more
   */
  DocumentStore(Pool pool, CollabConfig.Files limits, long requestTimeoutMs) {
    this.pool = pool;
    this.limits = limits;
    this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs);
  }

  // ---- open and pull ------------------------------------------------------------------------------------------

  Future<JsonObject> open(JsonObject request) {
    return pool.preparedQuery(FileStore.FIND).execute(docKey(request)).compose(FileStore::readable)
        .map(row -> new JsonObject()
            .put("file_id", row.getLong("id"))
            .put("path", row.getString("path"))
            .put("version", row.getLong("version"))
            .put("content", row.getString("content")));
  }

  /** Every update after {@code version}, as a {@code doc_updates} from that version. */
  Future<JsonObject> pull(JsonObject request) {
    long version;
    try {
      version = version(request);
    } catch (InvalidChangeException e) {
      return Future.failedFuture(invalidChange(e.getMessage()));
    }
    return pool.preparedQuery(PULL).execute(docKey(request).addLong(version)).compose(rows -> {
      Row first = rows.size() == 0 ? null : rows.iterator().next();
      if (first == null || !Access.mayRead(FileStore.role(first))) {
        return Future.failedFuture(Rows.notFound("file"));
      }
      BusFailure unreachable = unreachable(version, first.getLong("version"), first.getLong("log_start"));
      if (unreachable != null) {
        return Future.failedFuture(unreachable);
      }
      JsonArray updates = new JsonArray();
      for (Row row : rows) {
        if (row.getString("client_id") != null) {
          updates.add(new JsonObject().put("clientID", row.getString("client_id"))
              .put("changes", new JsonArray(row.getString("changes"))));
        }
      }
      return Future.succeededFuture(new JsonObject().put("file_id", request.getLong("file_id"))
          .put("version", version).put("updates", updates));
    });
  }

  // ---- push ---------------------------------------------------------------------------------------------------

  /**
   * Queues a push for the next batch. The pushed JSON is parsed first: a malformed push never waits for a batch.
   * Replies {@code {"file_id", "from", "version", "updates"}}: the updates accepted (rebased, re-sent ones dropped),
   * {@code from} the version the first of them applies to, {@code version} the document's after them.
   */
  Future<JsonObject> push(JsonObject request) {
    Push push;
    try {
      push = new Push(request.getLong("workspace_id", 0L), request.getLong("actor"), request.getLong("file_id", 0L),
          version(request), updates(request), System.nanoTime(), Promise.promise());
    } catch (InvalidChangeException e) {
      return Future.failedFuture(invalidChange(e.getMessage()));
    }
    dropExpired();
    waiting.add(push);
    if (!committing) {
      commitNext();
    }
    return push.reply().future();
  }

  /** Commits the pushes waiting now as one batch, then the ones that arrived meanwhile, until none wait. */
  private void commitNext() {
    dropExpired();
    if (waiting.isEmpty()) {
      committing = false;
      return;
    }
    committing = true;
    List<Push> pushes = new ArrayList<>();
    while (!waiting.isEmpty() && pushes.size() < limits.pushBatchSize()) {
      pushes.add(waiting.poll());
    }
    Batch batch = new Batch(pushes);
    pool.withTransaction(batch::run).onComplete(committed -> {
      batch.reply(committed.cause());
      commitNext();
    });
  }

  /**
   * While PostgreSQL is slow or gone, pushes would pile up behind the batch in flight; those whose caller has given
   * up waiting are answered 503 and forgotten, unapplied, which bounds the queue. Their editors push them again.
   */
  private void dropExpired() {
    long now = System.nanoTime();
    while (!waiting.isEmpty() && now - waiting.peek().queuedAt() > requestTimeoutNanos) {
      waiting.poll().reply().fail(new BusFailure(503, "service_unavailable",
          "the document service is busy; push again"));
    }
  }

  private record Push(long workspaceId, long actor, long fileId, long version, List<Update> updates, long queuedAt,
                      Promise<JsonObject> reply) {}

  /**
   * A file locked in a transaction (by a batch of pushes, or a REST replace): its state as the updates accepted in
   * that transaction move it, and what they appended.
   */
  static final class LockedFile {
    final long id;
    final long workspaceId;
    final long logStart;
    final long lockedVersion;
    long version;
    String text;
    int bytes;
    /** The log after {@link #logFrom} up to {@link #version}: what was read, then what this batch appended. */
    long logFrom;
    final List<Update> log = new ArrayList<>();
    /** Who pushed each update this batch appended. */
    final List<Long> authors = new ArrayList<>();
    /** The log could not be read back (our bug): every push of this file is refused with 500. */
    boolean broken;

    LockedFile(Row row) {
      id = row.getLong("id");
      workspaceId = row.getLong("workspace_id");
      logStart = row.getLong("log_start");
      lockedVersion = row.getLong("version");
      version = lockedVersion;
      logFrom = lockedVersion;
      text = row.getString("content");
    }

    boolean changed() {
      return version > lockedVersion;
    }

    /** {@code updates}, pushed by {@code actor}, were accepted and lead to {@code text} of {@code bytes} bytes. */
    void advance(List<Update> updates, long actor, String text, long bytes) {
      this.text = text;
      this.bytes = (int) bytes;
      log.addAll(updates);
      updates.forEach(update -> authors.add(actor));
      version += updates.size();
    }

    List<Update> appended() {
      return log.subList((int) (lockedVersion - logFrom), log.size());
    }
  }

  /** One batch's transaction and, after it, its replies. */
  private final class Batch {
    final List<Push> pushes;
    final Map<Long, LockedFile> files = new HashMap<>();
    final Map<List<Long>, WorkspaceRole> roles = new HashMap<>();
    /** Each push's outcome (a reply or a refusal), decided inside the transaction and sent once it is over. */
    final Object[] outcomes;

    Batch(List<Push> pushes) {
      this.pushes = pushes;
      this.outcomes = new Object[pushes.size()];
    }

    /**
     * Three statements in one round trip (the connection pipelines them, and they run in order): lock the files,
     * read the roles, read each file's log after the oldest version a push of it was made at. The log is read under
     * the lock, so it is the one the pushes are rebased over.
     */
    Future<Void> run(SqlConnection conn) {
      Map<Long, Long> oldest = new TreeMap<>();
      Set<List<Long>> pairs = new LinkedHashSet<>();  // (workspace, actor)
      pushes.forEach(push -> {
        oldest.merge(push.fileId(), push.version(), Math::min);
        pairs.add(List.of(push.workspaceId(), push.actor()));
      });
      Long[] ids = oldest.keySet().toArray(Long[]::new);
      Long[] workspaces = pairs.stream().map(pair -> pair.get(0)).toArray(Long[]::new);
      Long[] actors = pairs.stream().map(pair -> pair.get(1)).toArray(Long[]::new);
      Future<RowSet<Row>> locked = conn.preparedQuery(LOCK_FILES).execute(Tuple.tuple().addArrayOfLong(ids));
      Future<RowSet<Row>> roleRows = conn.preparedQuery(ROLES)
          .execute(Tuple.tuple().addArrayOfLong(workspaces).addArrayOfLong(actors));
      Future<RowSet<Row>> logRows = conn.preparedQuery(LOGS)
          .execute(Tuple.tuple().addArrayOfLong(ids).addArrayOfLong(oldest.values().toArray(Long[]::new)));
      return Future.all(locked, roleRows, logRows).compose(read -> {
        locked.result().forEach(row -> files.put(row.getLong("id"), new LockedFile(row)));
        roleRows.result().forEach(row -> roles.put(List.of(row.getLong("workspace_id"), row.getLong("actor")),
            WorkspaceRole.of(row.getString("role"))));
        files.values().forEach(file ->
            file.logFrom = Math.min(Math.max(oldest.get(file.id), file.logStart), file.lockedVersion));
        logRows.result().forEach(this::addToLog);
        for (int i = 0; i < pushes.size(); i++) {
          outcomes[i] = decide(pushes.get(i));
        }
        return store(conn, List.copyOf(files.values()), limits.historyLength());
      });
    }

    /** A log row read back; one that does not parse, or leaves a hole, is our bug and stops the file's pushes. */
    private void addToLog(Row row) {
      LockedFile file = files.get(row.getLong("file_id"));
      if (file == null || file.broken) {
        return;  // deleted before the lock was taken: its pushes are refused not_found
      }
      long expected = file.logFrom + file.log.size() + 1;
      try {
        if (row.getLong("version") != expected) {
          throw new IllegalStateException("version " + row.getLong("version") + " where " + expected + " belongs");
        }
        file.log.add(new Update(row.getString("client_id"),
            ChangeSet.fromJson(new JsonArray(row.getString("changes")))));
      } catch (RuntimeException e) {
        log.error("file {}: the logged update {} does not fit the log", file.id, expected, e);
        file.broken = true;
      }
    }

    /** The authority step for one push against its file as the batch left it: a reply, or the refusal. */
    private Object decide(Push push) {
      LockedFile file = files.get(push.fileId());
      WorkspaceRole role = roles.get(List.of(push.workspaceId(), push.actor()));
      if (file == null || file.workspaceId != push.workspaceId() || !Access.mayRead(role)) {
        return Rows.notFound("file");
      }
      if (!Access.mayWriteFiles(role)) {
        return Rows.forbidden("viewers may not change files");
      }
      if (file.broken) {
        return inconsistent();
      }
      BusFailure unreachable = unreachable(push.version(), file.version, file.logStart);
      if (unreachable != null) {
        return unreachable;
      }
      long from = file.version;
      List<Update> over = file.log.subList((int) (push.version() - file.logFrom), file.log.size());
      Authority.Accepted accepted;
      try {
        accepted = Authority.push(file.text, over, push.updates());
      } catch (InvalidChangeException e) {
        return invalidChange(e.getMessage());
      } catch (IllegalStateException e) {
        log.error("file {}: the log after version {} does not fit the text", file.id, push.version(), e);
        return inconsistent();
      }
      JsonObject reply = new JsonObject().put("file_id", file.id).put("from", from);
      if (accepted.updates().isEmpty()) {
        return reply.put("version", from).put("updates", new JsonArray());
      }
      String refusal = DocumentText.unstorable(accepted.text());
      if (refusal != null) {
        return invalidChange(refusal);
      }
      long bytes = DocumentText.utf8Bytes(accepted.text());
      if (bytes > limits.maxBytes()) {
        return new BusFailure(413, Protocol.DOC_TOO_LARGE, "the file would hold " + bytes + " bytes; at most "
            + limits.maxBytes() + " are allowed");
      }
      file.advance(accepted.updates(), push.actor(), accepted.text(), bytes);
      JsonArray updates = new JsonArray();
      accepted.updates().forEach(update -> updates.add(update.toJson()));
      return reply.put("version", file.version).put("updates", updates);
    }

    /** After the transaction: each push's reply, or for all of them the failure that rolled it back. */
    void reply(Throwable failure) {
      for (int i = 0; i < pushes.size(); i++) {
        Push push = pushes.get(i);
        Object outcome = outcomes[i];
        if (failure != null) {
          push.reply().fail(failure);
        } else if (outcome instanceof JsonObject reply) {
          push.reply().complete(reply);
        } else {
          push.reply().fail((Throwable) outcome);
        }
      }
    }
  }

  // ---- the log ----------------------------------------------------------------------------------------------

  /**
   * Appends the updates each changed file took in this transaction and stores its final text, every file in one
   * statement, then trims the logs that grew past their slack.
   */
  static Future<Void> store(SqlConnection conn, List<LockedFile> files, int historyLength) {
    List<LockedFile> changed = files.stream().filter(LockedFile::changed).toList();
    if (changed.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Long> updateFiles = new ArrayList<>();
    List<Long> versions = new ArrayList<>();
    List<String> clients = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    List<Long> users = new ArrayList<>();
    for (LockedFile file : changed) {
      List<Update> appended = file.appended();
      for (int i = 0; i < appended.size(); i++) {
        updateFiles.add(file.id);
        versions.add(file.lockedVersion + i + 1);
        clients.add(appended.get(i).clientId());
        changes.add(appended.get(i).changes().toJson().encode());
        users.add(file.authors.get(i));
      }
    }
    Tuple statement = Tuple.tuple()
        .addArrayOfLong(updateFiles.toArray(Long[]::new)).addArrayOfLong(versions.toArray(Long[]::new))
        .addArrayOfString(clients.toArray(String[]::new)).addArrayOfString(changes.toArray(String[]::new))
        .addArrayOfLong(users.toArray(Long[]::new))
        .addArrayOfLong(changed.stream().map(file -> file.id).toArray(Long[]::new))
        .addArrayOfString(changed.stream().map(file -> file.text).toArray(String[]::new))
        .addArrayOfInteger(changed.stream().map(file -> file.bytes).toArray(Integer[]::new))
        .addArrayOfLong(changed.stream().map(file -> file.version).toArray(Long[]::new))
        .addArrayOfLong(changed.stream().map(file -> file.authors.get(file.authors.size() - 1)).toArray(Long[]::new));
    // pipelined with the trim: the transaction's last statements go out in one round trip
    return Future.all(conn.preparedQuery(APPEND).execute(statement), trim(conn, changed, historyLength)).mapEmpty();
  }

  /**
   * Keeps the newest {@code files.historyLength} updates. The log may grow by a slack of an eighth of the history
   * (at least one update) and is then cut back, so a DELETE runs once per slack updates of a file, and the log never
   * holds fewer than {@code historyLength} updates (or all of them, for a younger file).
   */
  private static Future<Void> trim(SqlConnection conn, List<LockedFile> changed, int keep) {
    int slack = Math.max(1, keep / 8);
    List<LockedFile> due = changed.stream().filter(file -> file.version - file.logStart > keep + slack).toList();
    if (due.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(TRIM)
        .executeBatch(due.stream().map(file -> Tuple.of(file.id, file.version - keep)).toList()).mapEmpty();
  }

  // ---- rules and shapes ---------------------------------------------------------------------------------------

  /** A version the client may pull from or push at: not ahead of the document, not before the retained log. */
  private static BusFailure unreachable(long version, long current, long logStart) {
    if (version > current) {
      return invalidChange("version " + version + " is ahead of the document's " + current);
    }
    if (version < logStart) {
      return new BusFailure(409, Protocol.DOC_RELOAD,
          "the log no longer reaches back to version " + version + "; open the file again");
    }
    return null;
  }

  /** The stored log does not lead to the stored text: our bug, not the database's absence (which serve says 503). */
  private static BusFailure inconsistent() {
    return new BusFailure(500, "internal_error", "the document's log is inconsistent");
  }

  private static BusFailure invalidChange(String why) {
    return new BusFailure(400, Protocol.DOC_INVALID_CHANGE, why);
  }

  private static Tuple docKey(JsonObject request) {
    return Tuple.of(request.getLong("workspace_id", 0L), request.getLong("actor"), request.getLong("file_id", 0L));
  }

  private static long version(JsonObject request) {
    Object value = request.getValue("version");
    if (!(value instanceof Number number) || number.doubleValue() != number.longValue() || number.longValue() < 0) {
      throw new InvalidChangeException("version must be a non-negative integer");
    }
    return number.longValue();
  }

  private static List<Update> updates(JsonObject request) {
    if (!(request.getValue("updates") instanceof JsonArray array)) {
      throw new InvalidChangeException("updates must be an array of {clientID, changes}");
    }
    List<Update> updates = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject update)) {
        throw new InvalidChangeException("update " + i + " must be an object {clientID, changes}");
      }
      updates.add(Update.fromJson(update));
    }
    return updates;
  }
}
