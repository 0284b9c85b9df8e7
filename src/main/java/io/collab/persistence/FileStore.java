package io.collab.persistence;

import io.collab.common.BusFailure;
import io.collab.config.CollabConfig;
import io.collab.documents.ChangeSet;
import io.collab.documents.DocumentText;
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
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Workspace files over REST (FILES_*): every statement about them except the editing protocol's
 * ({@link DocumentStore}). The caller's effective role ({@link Access}) decides: none → 404 for everything, a
 * reader that writes → 403.
 *
 * <p>A replace changes the text as a push does: as one logged update from client {@code rest}, under the file's row
 * lock, stored by {@link DocumentStore#store}.
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
  static final String RENAME = "UPDATE files AS f SET path = $2, updated_at = now(), updated_by = $3 WHERE f.id = $1"
      + " RETURNING " + COLUMNS;
  static final String DELETE = "DELETE FROM files WHERE id = $1";
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
          DocumentStore.LockedFile file = new DocumentStore.LockedFile(row);
          long from = file.version;
          file.advance(List.of(update), actor(request), after, bytes);
          return DocumentStore.store(conn, List.of(file), limits.historyLength())
              .compose(stored -> conn.preparedQuery(FIND).execute(fileKey(request)))
              .map(rows -> new JsonObject()
                  .put("file", fileWithContent(rows.iterator().next()))
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

  // ---- access and shapes --------------------------------------------------------------------------------------

  static Future<Row> readable(RowSet<Row> rows) {
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

  static WorkspaceRole role(Row row) {
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

  /** The API checks content first; this keeps text PostgreSQL would refuse (a 500) from any other caller. */
  private static BusFailure invalidContent(String why) {
    return new BusFailure(400, "validation_failed", why);
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
