package io.collab.persistence;

import io.collab.common.BusFailure;
import io.collab.jobs.JobStatus;
import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Jobs: every statement about them. State changes are guarded in SQL ({@code WHERE status IN (...)}), so a
 * redelivered stream entry or a second worker can never record a second final result.
 */
final class JobStore {

  static final String COLUMNS = """
      j.id, j.user_id, j.workspace_id, j.kind, j.language, j.status, j.attempts, j.max_attempts, j.exit_code,
      j.stdout, j.stderr, j.truncated, j.error, j.created_at, j.started_at, j.finished_at, j.file_id, j.file_version""";
  /** The role of $2 in the job's workspace (NULL: none, or no workspace). */
  static final String ROLE_OF = Access.effectiveRoleSql("j.workspace_id", "$2");
  /** $2 may read the job: its submitter, or anyone with a role in its workspace. */
  static final String VISIBLE_TO = "(j.user_id = $2 OR " + ROLE_OF + " IS NOT NULL)";
  /** The submitter's role in the job's workspace ($1), before a job is created there. */
  static final String SUBMITTER_ROLE = "SELECT " + Access.effectiveRoleSql("$1", "$2") + " AS role";
  /** One round trip: per-user lock, idempotency lookup, quota, insert (V4__create_job_function.sql says why). */
  static final String CREATE = """
      SELECT outcome, job_id FROM create_job($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""";
  static final String DISCARD = "DELETE FROM jobs WHERE id = $1 AND status = 'queued' AND attempts = 0";
  static final String GET = "SELECT " + COLUMNS + " FROM jobs j WHERE j.id = $1 AND " + VISIBLE_TO;
  static final String LIST = "SELECT " + COLUMNS + """
       FROM jobs j
      WHERE j.user_id = $1 AND ($2::text IS NULL OR j.status = $2) AND ($3::bigint IS NULL OR j.workspace_id = $3)
      ORDER BY j.created_at DESC, j.id LIMIT $4""";
  static final String LOCK_FOR_CANCEL = "SELECT " + COLUMNS + ", " + ROLE_OF + " AS role FROM jobs j WHERE j.id = $1 AND "
      + VISIBLE_TO + " FOR UPDATE OF j";
  static final String CANCEL_QUEUED = """
      UPDATE jobs AS j SET status = 'cancelled', finished_at = now(), error = 'cancelled before it ran'
      WHERE id = $1 AND status IN ('queued', 'retrying') RETURNING\s""" + COLUMNS;
  static final String FLAG_CANCEL = "UPDATE jobs AS j SET cancel_requested = true WHERE id = $1 RETURNING " + COLUMNS;
  static final String START = """
      UPDATE jobs AS j SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
      WHERE id = $1 AND status IN ('queued', 'retrying', 'running') AND NOT cancel_requested
      RETURNING\s""" + COLUMNS + ", j.code, j.stdin, j.timeout_ms, j.file_path, j.files";
  static final String CANCEL_FLAGGED = """
      UPDATE jobs AS j SET status = 'cancelled', finished_at = now(), error = 'cancelled'
      WHERE id = $1 AND cancel_requested AND status NOT IN ('succeeded', 'failed', 'cancelled')""";
  static final String RETRYING = """
      UPDATE jobs SET status = 'retrying', error = $2 WHERE id = $1 AND status = 'running'""";
  static final String FINISH = """
      UPDATE jobs AS j SET status = CASE WHEN cancel_requested THEN 'cancelled' ELSE $2 END,
             exit_code = $3, stdout = $4, stderr = $5, truncated = $6,
             error = CASE WHEN cancel_requested THEN 'cancelled' ELSE $7 END, finished_at = now()
      WHERE id = $1 AND status NOT IN ('succeeded', 'failed', 'cancelled')
      RETURNING\s""" + COLUMNS;
  static final String FIND = "SELECT " + COLUMNS + " FROM jobs j WHERE j.id = $1";

  private final Pool pool;

  JobStore(Pool pool) {
    this.pool = pool;
  }

  /** A job in a workspace needs a role there that may run jobs ({@link Access#mayRunJobs}). */
  Future<JsonObject> create(JsonObject r) {
    Long workspaceId = r.getLong("workspace_id");
    if (workspaceId == null) {
      return insert(r);
    }
    return pool.preparedQuery(SUBMITTER_ROLE).execute(Tuple.of(workspaceId, r.getLong("user_id"))).compose(rows -> {
      WorkspaceRole role = WorkspaceRole.of(rows.iterator().next().getString("role"));
      if (!Access.mayRead(role)) {
        return Future.failedFuture(Rows.notFound("workspace"));
      }
      return Access.mayRunJobs(role) ? insert(r) : Future.failedFuture(Rows.forbidden("viewers may not run jobs"));
    });
  }

  private Future<JsonObject> insert(JsonObject r) {
    int maxActive = r.getInteger("max_active");
    return pool.preparedQuery(CREATE).execute(Tuple.tuple()
            .addUUID(UUID.randomUUID()).addLong(r.getLong("user_id")).addLong(r.getLong("workspace_id"))
            .addString(r.getString("kind")).addString(r.getString("language")).addString(r.getString("code"))
            .addString(r.getString("stdin")).addInteger(r.getInteger("timeout_ms"))
            .addInteger(r.getInteger("max_attempts")).addString(r.getString("idempotency_key"))
            .addInteger(maxActive).addLong(r.getLong("file_id")).addLong(r.getLong("file_version"))
            .addString(r.getString("file_path")).addValue(r.getJsonArray("files")))
        .compose(rows -> {
          Row row = rows.iterator().next();
          return switch (row.getString("outcome")) {
            case "created" -> Future.succeededFuture(created(row, true));
            case "existing" -> Future.succeededFuture(created(row, false));
            default -> Future.failedFuture(new BusFailure(429, "quota_exceeded",
                "at most " + maxActive + " jobs may be queued or running at once"));
          };
        });
  }

  private static JsonObject created(Row row, boolean created) {
    return new JsonObject().put("id", row.getUUID("job_id").toString()).put("created", created);
  }

  Future<JsonObject> discard(JsonObject r) {
    return pool.preparedQuery(DISCARD).execute(Tuple.of(UUID.fromString(r.getString("id")))).map(rows -> new JsonObject());
  }

  Future<JsonObject> get(JsonObject r) {
    return pool.preparedQuery(GET).execute(Tuple.of(uuid(r.getString("id")), r.getLong("actor")))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(Rows.notFound("job"))
            : Future.succeededFuture(job(rows.iterator().next())));
  }

  Future<JsonObject> list(JsonObject r) {
    return pool.preparedQuery(LIST).execute(Tuple.tuple().addLong(r.getLong("actor")).addString(r.getString("status"))
            .addLong(r.getLong("workspace_id")).addInteger(r.getInteger("limit", 100)))
        .map(rows -> {
          JsonArray items = new JsonArray();
          rows.forEach(row -> items.add(job(row)));
          return new JsonObject().put("items", items);
        });
  }

  Future<JsonObject> cancel(JsonObject r) {
    UUID id = uuid(r.getString("id"));
    long actor = r.getLong("actor");
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_FOR_CANCEL).execute(Tuple.of(id, actor))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(Rows.notFound("job"));
          }
          Row row = rows.iterator().next();
          WorkspaceRole role = WorkspaceRole.of(row.getString("role"));
          if (!Access.mayCancelJob(role, row.getLong("user_id") == actor)) {
            return Future.failedFuture(Rows.forbidden("only the submitter or a workspace writer may cancel it"));
          }
          String status = row.getString("status");
          if (JobStatus.of(status).isFinal()) {
            return Future.failedFuture(new BusFailure(409, "already_finished", "the job already ended " + status));
          }
          boolean running = JobStatus.of(status) == JobStatus.RUNNING;
          return conn.preparedQuery(running ? FLAG_CANCEL : CANCEL_QUEUED).execute(Tuple.of(id))
              .map(updated -> new JsonObject().put("job", job(updated.iterator().next())).put("was_running", running));
        }));
  }

  Future<JsonObject> start(JsonObject r) {
    UUID id = uuid(r.getString("id"));
    return pool.withTransaction(conn -> conn.preparedQuery(START).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() > 0) {
        Row row = rows.iterator().next();
        return Future.succeededFuture(new JsonObject().put("proceed", true).put("job", job(row)
            .put("code", row.getString("code")).put("stdin", row.getString("stdin"))
            .put("timeout_ms", row.getInteger("timeout_ms")).put("kind", row.getString("kind"))
            .put("file_path", row.getString("file_path")).put("files", row.getJsonArray("files"))));
      }
      // finished already, or cancelled while it waited: settle a pending cancellation and skip it
      return conn.preparedQuery(CANCEL_FLAGGED).execute(Tuple.of(id))
          .compose(v -> conn.preparedQuery(FIND).execute(Tuple.of(id)))
          .map(found -> new JsonObject().put("proceed", false)
              .put("job", found.size() == 0 ? null : job(found.iterator().next())));
    }));
  }

  Future<JsonObject> retrying(JsonObject r) {
    return pool.preparedQuery(RETRYING).execute(Tuple.of(uuid(r.getString("id")), r.getString("error")))
        .map(rows -> new JsonObject());
  }

  Future<JsonObject> finish(JsonObject r) {
    UUID id = uuid(r.getString("id"));
    return pool.preparedQuery(FINISH).execute(Tuple.tuple().addUUID(id).addString(r.getString("status"))
            .addInteger(r.getInteger("exit_code")).addString(r.getString("stdout")).addString(r.getString("stderr"))
            .addBoolean(r.getBoolean("truncated", false)).addString(r.getString("error")))
        .compose(rows -> rows.size() > 0
            ? Future.succeededFuture(new JsonObject().put("recorded", true).put("job", job(rows.iterator().next())))
            : pool.preparedQuery(FIND).execute(Tuple.of(id)).map(found -> new JsonObject().put("recorded", false)
                .put("job", found.size() == 0 ? null : job(found.iterator().next()))));
  }

  static JsonObject job(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("status", row.getString("status"))
        .put("language", row.getString("language"))
        .put("attempts", row.getInteger("attempts"))
        .put("max_attempts", row.getInteger("max_attempts"))
        .put("exit_code", row.getInteger("exit_code"))
        .put("stdout", row.getString("stdout"))
        .put("stderr", row.getString("stderr"))
        .put("truncated", row.getBoolean("truncated"))
        .put("error", row.getString("error"))
        .put("created_at", time(row.getOffsetDateTime("created_at")))
        .put("started_at", time(row.getOffsetDateTime("started_at")))
        .put("finished_at", time(row.getOffsetDateTime("finished_at")))
        .put("workspace_id", row.getLong("workspace_id"))
        .put("file_id", row.getLong("file_id"))
        .put("file_version", row.getLong("file_version"))
        .put("user_id", row.getLong("user_id"));
  }

  private static String time(OffsetDateTime value) {
    return value == null ? null : Rows.timestamp(value);
  }

  private static UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw Rows.notFound("job");
    }
  }
}
