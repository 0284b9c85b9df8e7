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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Workspace files and the log of their edits: every statement about them, for the REST operations (FILES_*) and the
 * editing protocol (DOCS_*). The caller's effective role ({@link Access}) decides: none → 404 for everything, a
 * reader that writes → 403.
 *
 * <p>A file's text only changes under its row lock ({@code FOR UPDATE}), in the transaction that appends the updates
 * that lead to it, so its versions form one sequence with no gap and no fork, whichever instance runs the push.
 */
final class FileStore {

  // Parameters everywhere: $1 workspace id, $2 the actor, $3 the file id (where there is one).
  static final String ROLE = Access.effectiveRoleSql("$1", "$2") + " AS role";
  static final String COLUMNS =
      "f.id, f.workspace_id, f.path, f.size, f.version, f.created_at, f.updated_at, f.updated_by";
  /** Byte order ("C"), not the database's locale (which skips punctuation at first): one order on every server. */
  static final String LIST = "WITH r AS (SELECT " + ROLE + ") SELECT r.role, " + COLUMNS
      + " FROM r LEFT JOIN files f ON f.workspace_id = $1 AND r.role IS NOT NULL ORDER BY f.path COLLATE \"C\"";
  static final String FIND = "SELECT " + ROLE + ", " + COLUMNS + ", f.content, f.log_start"
      + " FROM files f WHERE f.id = $3 AND f.workspace_id = $1";
  static final String LOCK = FIND + " FOR UPDATE OF f";
  /** For changes that do not touch the text (rename, delete): a large file's content is not read for them. */
  static final String LOCK_ROW = "SELECT " + ROLE + ", " + COLUMNS
      + " FROM files f WHERE f.id = $3 AND f.workspace_id = $1 FOR UPDATE OF f";
  /**
   * Serialises creates in one workspace, so the count below cannot be passed by two at once. NO KEY UPDATE, not
   * UPDATE: it does not block the key-share locks that inserts referencing the workspace (members, jobs) take.
   */
  static final String LOCK_WORKSPACE = "SELECT " + ROLE + " FROM workspaces w WHERE w.id = $1 FOR NO KEY UPDATE OF w";
  /** Inserts nothing when the workspace is full; runs after LOCK_WORKSPACE, so its count sees all committed creates. */
  static final String INSERT = "INSERT INTO files AS f (workspace_id, path, content, size, updated_by)"
      + " SELECT $1, $3, $4, $5, $2 WHERE (SELECT count(*) FROM files WHERE workspace_id = $1) < $6"
      + " RETURNING " + COLUMNS + ", f.content";
  /** Appends updates (versions, client ids, changes as JSON text) and moves the file to the text they lead to. */
  static final String APPEND = "WITH logged AS ("
      + "INSERT INTO file_updates (file_id, version, client_id, changes, user_id)"
      + " SELECT $1, u.version, u.client_id, u.changes, $2"
      + " FROM unnest($3::bigint[], $4::text[], $5::text[]) AS u(version, client_id, changes))"
      + " UPDATE files AS f SET content = $6, size = $7, version = $8, updated_at = now(), updated_by = $2"
      + " WHERE f.id = $1 RETURNING " + COLUMNS + ", f.content";
  static final String TRIM = "WITH gone AS (DELETE FROM file_updates WHERE file_id = $1 AND version <= $2)"
      + " UPDATE files SET log_start = $2 WHERE id = $1";
  static final String SINCE = "SELECT client_id, changes FROM file_updates WHERE file_id = $1 AND version > $2"
      + " ORDER BY version";
  /** One statement, so the version, log start and updates agree; the updates only when the log reaches back. */
  static final String PULL = "SELECT " + ROLE + ", f.version, f.log_start, u.client_id, u.changes"
      + " FROM files f LEFT JOIN file_updates u ON u.file_id = f.id AND u.version > $4"
      + " AND $4 >= f.log_start AND $4 <= f.version"
      + " WHERE f.id = $3 AND f.workspace_id = $1 ORDER BY u.version";
  static final String RENAME = "UPDATE files AS f SET path = $2, updated_at = now(), updated_by = $3 WHERE f.id = $1"
      + " RETURNING " + COLUMNS;
  static final String DELETE = "DELETE FROM files WHERE id = $1";
  /** Every file of the workspace in one snapshot; their content only when they fit in $3 bytes together. */
  static final String SNAPSHOT = "WITH r AS (SELECT " + ROLE + "),"
      + " t AS (SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE workspace_id = $1)"
      + " SELECT r.role, t.bytes, f.id, f.path, f.version, CASE WHEN t.bytes <= $3 THEN f.content END AS content"
      + " FROM r CROSS JOIN t LEFT JOIN files f ON f.workspace_id = $1 AND r.role IS NOT NULL"
      + " ORDER BY f.path COLLATE \"C\"";

  private static final String UNIQUE_VIOLATION = "23505";
  private static final Logger log = LoggerFactory.getLogger(FileStore.class);

  private final Pool pool;
  private final CollabConfig.Files limits;

  FileStore(Pool pool, CollabConfig.Files limits) {
    this.pool = pool;
    this.limits = limits;
  }

  // ---- REST: FILES_* ----------------------------------------------------------------------------------------------

  Future<JsonObject> list(JsonObject request) {
    return pool.preparedQuery(LIST).execute(Tuple.of(workspace(request), actor(request))).compose(rows -> {
      Row first = rows.iterator().next();
      if (!Access.mayRead(role(first))) {
        return Future.failedFuture(Rows.notFound("workspace"));
      }
      JsonArray items = new JsonArray();
      for (Row row : rows) {
        if (row.getLong("id") != null) {
          items.add(file(row));
        }
      }
      return Future.succeededFuture(new JsonObject().put("items", items));
    });
  }

  Future<JsonObject> create(JsonObject request) {
    String content = DocumentText.normalized(request.getString("content", ""));
    String refusal = DocumentText.unstorable(content);
    if (refusal != null) {
      return Future.failedFuture(invalidContent(refusal));
    }
    Tuple key = Tuple.of(workspace(request), actor(request));
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_WORKSPACE).execute(key).compose(rows -> {
          WorkspaceRole role = rows.size() == 0 ? null : role(rows.iterator().next());
          long bytes = DocumentText.utf8Bytes(content);
          if (!Access.mayRead(role)) {
            return Future.failedFuture(Rows.notFound("workspace"));
          }
          if (!Access.mayWriteFiles(role)) {
            return Future.failedFuture(Rows.forbidden("viewers may not create files"));
          }
          if (bytes > limits.maxBytes()) {
            return Future.failedFuture(tooLarge("payload_too_large", bytes));
          }
          return conn.preparedQuery(INSERT).execute(Tuple.of(workspace(request), actor(request),
              request.getString("path"), content, (int) bytes, (long) limits.maxPerWorkspace()));
        }).compose(inserted -> inserted.size() == 0
            ? Future.failedFuture(new BusFailure(409, "too_many_files",
                "a workspace holds at most " + limits.maxPerWorkspace() + " files"))
            : Future.succeededFuture(fileWithContent(inserted.iterator().next()))))
        .recover(FileStore::pathTaken);
  }

  Future<JsonObject> get(JsonObject request) {
    return pool.preparedQuery(FIND).execute(fileKey(request)).compose(rows -> readable(rows))
        .map(FileStore::fileWithContent);
  }

  /**
   * Replaces the whole text as one logged update from client {@code rest}; the caller publishes it to editors. The
   * text is normalized first (line breaks), as the editors will hold it.
   */
  Future<JsonObject> replace(JsonObject request) {
    String wanted = request.getString("content", "");
    String refusal = DocumentText.unstorable(wanted);
    if (refusal != null) {
      return Future.failedFuture(invalidContent(refusal));
    }
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(fileKey(request))
        .compose(rows -> writable(rows, request))
        .compose(row -> {
          String before = row.getString("content");
          Update update = new Update(Protocol.REST_CLIENT_ID, ChangeSet.replaceAll(before.length(), wanted));
          String after = update.changes().apply(before);
          long bytes = DocumentText.utf8Bytes(after);
          if (bytes > limits.maxBytes()) {
            return Future.failedFuture(tooLarge("payload_too_large", bytes));
          }
          long from = row.getLong("version");
          return append(conn, row, actor(request), List.of(update), after, bytes).map(file -> new JsonObject()
              .put("file", file)
              .put("update", update.toJson().put("version", from)));
        }));
  }

  Future<JsonObject> rename(JsonObject request) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ROW).execute(fileKey(request))
            .compose(rows -> writable(rows, request))
            .compose(row -> conn.preparedQuery(RENAME)
                .execute(Tuple.of(row.getLong("id"), request.getString("path"), actor(request))))
            .map(rows -> file(rows.iterator().next())))
        .recover(FileStore::pathTaken);
  }

  /** Deletes the file; its update log goes with it (ON DELETE CASCADE). */
  Future<JsonObject> delete(JsonObject request) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ROW).execute(fileKey(request))
        .compose(rows -> writable(rows, request))
        .compose(row -> conn.preparedQuery(DELETE).execute(Tuple.of(row.getLong("id"))))
        .map(deleted -> new JsonObject()));
  }

  /** Every file of the workspace at its current version, for a job that runs one of them. */
  Future<JsonObject> snapshot(JsonObject request) {
    long maxBytes = request.getLong("max_bytes", Long.MAX_VALUE);
    long fileId = request.getLong("file_id", 0L);
    return pool.preparedQuery(SNAPSHOT).execute(Tuple.of(workspace(request), actor(request), maxBytes))
        .compose(rows -> {
          Row first = rows.iterator().next();
          WorkspaceRole role = role(first);
          JsonObject target = null;
          for (Row row : rows) {
            if (row.getLong("id") != null && row.getLong("id") == fileId) {
              target = new JsonObject().put("id", fileId).put("path", row.getString("path"))
                  .put("version", row.getLong("version"));
            }
          }
          if (!Access.mayRead(role) || target == null) {
            return Future.failedFuture(Rows.notFound("file"));
          }
          if (!Access.mayRunJobs(role)) {
            return Future.failedFuture(Rows.forbidden("viewers may not run workspace files"));
          }
          long bytes = first.getLong("bytes");
          if (bytes > maxBytes) {
            return Future.failedFuture(new BusFailure(413, "payload_too_large",
                "the workspace's files hold " + bytes + " bytes; a job copies at most " + maxBytes));
          }
          JsonArray files = new JsonArray();
          rows.forEach(row -> files.add(new JsonObject().put("path", row.getString("path"))
              .put("content", row.getString("content"))));
          return Future.succeededFuture(new JsonObject().put("file", target).put("files", files).put("bytes", bytes));
        });
  }

  // ---- editing protocol: DOCS_* -------------------------------------------------------------------------------

  Future<JsonObject> open(JsonObject request) {
    return pool.preparedQuery(FIND).execute(docKey(request)).compose(rows -> readable(rows))
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
      if (first == null || !Access.mayRead(role(first))) {
        return Future.failedFuture(Rows.notFound("file"));
      }
      Future<Void> fits = reaches(version, first.getLong("version"), first.getLong("log_start"));
      if (fits.failed()) {
        return Future.failedFuture(fits.cause());
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

  /**
   * The authority step: under the file's row lock, rebases the pushed updates over those accepted since their
   * version, dropping the ones the log already holds (re-sent after a lost reply), appends the rest and stores the
   * text, all in one transaction ({@link Authority#push}). The pushed JSON is parsed before the lock is taken: a
   * malformed push never holds a row.
   */
  Future<JsonObject> push(JsonObject request) {
    long version;
    List<Update> pushed;
    try {
      version = version(request);
      pushed = updates(request);
    } catch (InvalidChangeException e) {
      return Future.failedFuture(invalidChange(e.getMessage()));
    }
    long actor = actor(request);
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(docKey(request))
        .compose(rows -> writable(rows, request))
        .compose(row -> {
          long current = row.getLong("version");
          Future<Void> fits = reaches(version, current, row.getLong("log_start"));
          if (fits.failed()) {
            return Future.failedFuture(fits.cause());
          }
          Future<List<Update>> over = version == current
              ? Future.succeededFuture(List.of()) : since(conn, row.getLong("id"), version);
          return over.compose(since -> accept(conn, row, actor, since, pushed));
        }));
  }

  private Future<JsonObject> accept(SqlConnection conn, Row row, long actor, List<Update> over, List<Update> pushed) {
    long from = row.getLong("version");
    JsonObject reply = new JsonObject().put("file_id", row.getLong("id")).put("from", from);
    Authority.Accepted accepted;
    try {
      accepted = Authority.push(row.getString("content"), over, pushed);
    } catch (InvalidChangeException e) {
      return Future.failedFuture(invalidChange(e.getMessage()));
    } catch (IllegalStateException e) {
      // the stored log does not lead to the stored text: our bug, not the database's absence (which serve says 503)
      log.error("file {}: the log after version {} does not fit the text", row.getLong("id"), from, e);
      return Future.failedFuture(new BusFailure(500, "internal_error", "the document's log is inconsistent"));
    }
    if (accepted.updates().isEmpty()) {
      return Future.succeededFuture(reply.put("version", from).put("updates", new JsonArray()));
    }
    String refusal = DocumentText.unstorable(accepted.text());
    if (refusal != null) {
      return Future.failedFuture(invalidChange(refusal));
    }
    long bytes = DocumentText.utf8Bytes(accepted.text());
    if (bytes > limits.maxBytes()) {
      return Future.failedFuture(tooLarge(Protocol.DOC_TOO_LARGE, bytes));
    }
    JsonArray updates = new JsonArray();
    accepted.updates().forEach(update -> updates.add(update.toJson()));
    return append(conn, row, actor, accepted.updates(), accepted.text(), bytes)
        .map(file -> reply.put("version", file.getLong("version")).put("updates", updates));
  }

  // ---- the log ------------------------------------------------------------------------------------------------

  /**
   * Appends {@code updates} after the locked file's version in one statement, stores {@code text}, then trims the
   * log. Replies the file with its content.
   */
  private Future<JsonObject> append(SqlConnection conn, Row locked, long actor, List<Update> updates, String text,
                                    long bytes) {
    long id = locked.getLong("id");
    long from = locked.getLong("version");
    Long[] versions = new Long[updates.size()];
    String[] clients = new String[updates.size()];
    String[] changes = new String[updates.size()];
    for (int i = 0; i < updates.size(); i++) {
      versions[i] = from + i + 1;
      clients[i] = updates.get(i).clientId();
      changes[i] = updates.get(i).changes().toJson().encode();
    }
    long to = from + updates.size();
    return conn.preparedQuery(APPEND).execute(Tuple.tuple().addLong(id).addLong(actor)
            .addArrayOfLong(versions).addArrayOfString(clients).addArrayOfString(changes)
            .addString(text).addInteger((int) bytes).addLong(to))
        .compose(rows -> trim(conn, id, to, locked.getLong("log_start")).map(fileWithContent(rows.iterator().next())));
  }

  /**
   * Keeps the newest {@code files.historyLength} updates. Trimming on every push would cost a DELETE per push on the
   * hottest path; instead the log may grow by a slack of an eighth of the history (at least one update) and is then
   * cut back in one statement, so a DELETE runs once per slack pushes and the log never holds fewer than
   * {@code historyLength} updates (or all of them, for a younger file).
   */
  private Future<Void> trim(SqlConnection conn, long fileId, long version, long logStart) {
    int keep = limits.historyLength();
    int slack = Math.max(1, keep / 8);
    if (version - logStart <= keep + slack) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(TRIM).execute(Tuple.of(fileId, version - keep)).mapEmpty();
  }

  /** The log after {@code version}; an entry that no longer parses is our bug (500), not an outage (serve's 503). */
  private static Future<List<Update>> since(SqlConnection conn, long fileId, long version) {
    return conn.preparedQuery(SINCE).execute(Tuple.of(fileId, version)).compose(rows -> {
      List<Update> updates = new ArrayList<>(rows.size());
      try {
        for (Row row : rows) {
          ChangeSet changes = ChangeSet.fromJson(new JsonArray(row.getString("changes")));
          updates.add(new Update(row.getString("client_id"), changes));
        }
      } catch (RuntimeException e) {
        log.error("file {}: a logged update after version {} does not parse", fileId, version, e);
        return Future.failedFuture(new BusFailure(500, "internal_error", "the document's log is inconsistent"));
      }
      return Future.succeededFuture(updates);
    });
  }

  /** A version the client may pull from or push at: not ahead of the document, not before the retained log. */
  private static Future<Void> reaches(long version, long current, long logStart) {
    if (version > current) {
      return Future.failedFuture(invalidChange("version " + version + " is ahead of the document's " + current));
    }
    if (version < logStart) {
      return Future.failedFuture(new BusFailure(409, Protocol.DOC_RELOAD,
          "the log no longer reaches back to version " + version + "; open the file again"));
    }
    return Future.succeededFuture();
  }

  // ---- access and shapes --------------------------------------------------------------------------------------

  private static Future<Row> readable(RowSet<Row> rows) {
    Row row = rows.size() == 0 ? null : rows.iterator().next();
    return row == null || !Access.mayRead(role(row))
        ? Future.failedFuture(Rows.notFound("file")) : Future.succeededFuture(row);
  }

  /** 404 when missing or invisible, 403 for readers, 412 when {@code if_match} names another version. */
  private static Future<Row> writable(RowSet<Row> rows, JsonObject request) {
    return readable(rows).compose(row -> {
      if (!Access.mayWriteFiles(role(row))) {
        return Future.failedFuture(Rows.forbidden("viewers may not change files"));
      }
      if (Rows.staleVersion(request, row.getLong("version"))) {
        return Future.failedFuture(Rows.stale());
      }
      return Future.succeededFuture(row);
    });
  }

  private static WorkspaceRole role(Row row) {
    return WorkspaceRole.of(row.getString("role"));
  }

  private static long workspace(JsonObject request) {
    return request.getLong("workspace_id", 0L);
  }

  private static long actor(JsonObject request) {
    return request.getLong("actor");
  }

  private static Tuple fileKey(JsonObject request) {
    return Tuple.of(workspace(request), actor(request), request.getLong("id", 0L));
  }

  private static Tuple docKey(JsonObject request) {
    return Tuple.of(workspace(request), actor(request), request.getLong("file_id", 0L));
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

  /** The API checks content first; this keeps text PostgreSQL would refuse (a 500) from any other caller. */
  private static BusFailure invalidContent(String why) {
    return new BusFailure(400, "validation_failed", why);
  }

  private static BusFailure invalidChange(String why) {
    return new BusFailure(400, Protocol.DOC_INVALID_CHANGE, why);
  }

  private BusFailure tooLarge(String code, long bytes) {
    return new BusFailure(413, code, "the file would hold " + bytes + " bytes; at most " + limits.maxBytes()
        + " are allowed");
  }

  /** The unique (workspace, path) constraint: checked by the insert itself, so two racing creates cannot both win. */
  private static <T> Future<T> pathTaken(Throwable err) {
    if (err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(new BusFailure(409, "path_taken", "another file of the workspace has this path"));
    }
    return Future.failedFuture(err);
  }

  static JsonObject file(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("workspace_id", row.getLong("workspace_id"))
        .put("path", row.getString("path"))
        .put("size", row.getInteger("size"))
        .put("version", row.getLong("version"))
        .put("created_at", Rows.timestamp(row.getOffsetDateTime("created_at")))
        .put("updated_at", Rows.timestamp(row.getOffsetDateTime("updated_at")))
        .put("updated_by", row.getLong("updated_by"));
  }

  static JsonObject fileWithContent(Row row) {
    return file(row).put("content", row.getString("content"));
  }
}
