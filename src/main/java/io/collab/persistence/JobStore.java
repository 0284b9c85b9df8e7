package io.collab.persistence;

import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.jobs.JobStatus;
import io.collab.jobs.Languages;
import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Jobs: every statement about them. State changes are guarded in SQL ({@code WHERE status IN (...)}) and runs by a
 * lease token ({@link #START}), so a redelivered or re-enqueued stream entry or a second worker can never run a job
 * while another runs it, nor record a second final result.
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
  /**
   * What decides whether a file job may be created: the submitter's role in the workspace ($1, user $2), the total
   * size of the workspace's files, and the path of the file to run ($3) when it is in the workspace.
   */
  static final String FILE_TO_RUN = "WITH r AS (SELECT " + Access.effectiveRoleSql("$1", "$2") + " AS role),"
      + " t AS (SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE workspace_id = $1)"
      + " SELECT r.role, t.bytes, f.path FROM r CROSS JOIN t"
      + " LEFT JOIN files f ON f.id = $3 AND f.workspace_id = $1 AND r.role IS NOT NULL";
  /**
   * create_job for file $12 of workspace $3: its version and path and every file of the workspace are read in this
   * one statement, so they are one snapshot, copied inside PostgreSQL. No row (nothing created) when the file went
   * away since {@link #FILE_TO_RUN}.
   */
  static final String CREATE_FOR_FILE = """
      SELECT outcome, job_id FROM create_job($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
        (SELECT version FROM files WHERE id = $12 AND workspace_id = $3),
        (SELECT path FROM files WHERE id = $12 AND workspace_id = $3),
        (SELECT jsonb_agg(jsonb_build_object('path', path, 'content', content) ORDER BY path COLLATE "C")
           FROM files WHERE workspace_id = $3))
      WHERE EXISTS (SELECT 1 FROM files WHERE id = $12 AND workspace_id = $3)""";
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
  /**
   * The compare-and-set that hands out a run (V8__job_leases.sql): a queued job, or a running or retrying one whose
   * lease expired or whose token the caller presents ($4, its own retry). $2 is the new token, $3 the lease in ms.
   */
  static final String START = """
      UPDATE jobs AS j SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()),
             lease_token = $2, lease_until = now() + $3::bigint * interval '1 millisecond'
      WHERE id = $1 AND NOT cancel_requested
        AND (status = 'queued'
             OR (status IN ('running', 'retrying')
                 AND (lease_token = $4 OR lease_until IS NULL OR lease_until < now())))
      RETURNING\s""" + COLUMNS + ", j.code, j.stdin, j.timeout_ms, j.file_path, j.files";
  static final String CANCEL_FLAGGED = """
      UPDATE jobs AS j SET status = 'cancelled', finished_at = now(), error = 'cancelled'
      WHERE id = $1 AND cancel_requested AND status NOT IN ('succeeded', 'failed', 'cancelled')""";
  static final String RETRYING = """
      UPDATE jobs SET status = 'retrying', error = $2 WHERE id = $1 AND status = 'running' AND lease_token = $3""";
  /**
   * Only the run's holder records the result ($8, its token); a worker that never started the job ($8 NULL) may
   * fail it only while nobody holds it (queued).
   */
  static final String FINISH = """
      UPDATE jobs AS j SET status = CASE WHEN cancel_requested THEN 'cancelled' ELSE $2 END,
             exit_code = $3, stdout = $4, stderr = $5, truncated = $6,
             error = CASE WHEN cancel_requested THEN 'cancelled' ELSE $7 END, finished_at = now(), lease_until = NULL
      WHERE id = $1 AND status NOT IN ('succeeded', 'failed', 'cancelled')
        AND (lease_token = $8 OR ($8::uuid IS NULL AND status = 'queued'))
      RETURNING\s""" + COLUMNS;
  /** Extends the leases still held: pairs of job ids ($1) and tokens ($2), for $3 ms. Replies the tokens kept. */
  static final String RENEW = """
      UPDATE jobs AS j SET lease_until = now() + $3::bigint * interval '1 millisecond'
      FROM unnest($1::uuid[], $2::uuid[]) AS held (id, token)
      WHERE j.id = held.id AND j.lease_token = held.token AND j.status IN ('running', 'retrying')
      RETURNING j.lease_token""";
  /** Ends the leases a stopping worker gives back: pairs as for RENEW; the job may start again at once (START). */
  static final String RELEASE = """
      UPDATE jobs AS j SET lease_until = NULL
      FROM unnest($1::uuid[], $2::uuid[]) AS held (id, token)
      WHERE j.id = held.id AND j.lease_token = held.token AND j.status IN ('running', 'retrying')
      RETURNING j.id""";
  /**
   * Jobs nobody holds, created more than $2 ms ago, after id $1 (NULL: from the start), $3 at most: queued ones,
   * and running or retrying ones whose lease expired. The reconciler checks each against the stream.
   */
  static final String UNCLAIMED = """
      SELECT j.id FROM jobs j
      WHERE j.status IN ('queued', 'running', 'retrying')
        AND (j.status = 'queued' OR j.lease_until IS NULL OR j.lease_until < now())
        AND j.created_at < now() - $2::bigint * interval '1 millisecond'
        AND ($1::uuid IS NULL OR j.id > $1)
      ORDER BY j.id LIMIT $3""";
  /** Why a start was refused: the row as it is (no row: gone), and whether a live lease holds it. */
  static final String REFUSED = "SELECT " + COLUMNS + """
      , coalesce(j.status IN ('running', 'retrying') AND j.lease_until >= now(), false) AS held
      FROM jobs j WHERE j.id = $1""";
  static final String FIND = "SELECT " + COLUMNS + " FROM jobs j WHERE j.id = $1";

  private final Pool pool;

  JobStore(Pool pool) {
    this.pool = pool;
  }

  /** A job in a workspace needs a role there that may run jobs ({@link Access#mayRunJobs}). */
  Future<JsonObject> create(JsonObject r) {
    Long workspaceId = r.getLong("workspace_id");
    if (workspaceId == null) {
      return insert(CREATE, withCode(r), r);
    }
    if (r.getLong("file_id") != null) {
      return createForFile(r);
    }
    return pool.preparedQuery(SUBMITTER_ROLE).execute(Tuple.of(workspaceId, r.getLong("user_id"))).compose(rows -> {
      WorkspaceRole role = WorkspaceRole.of(rows.iterator().next().getString("role"));
      if (!Access.mayRead(role)) {
        return Future.failedFuture(Rows.notFound("workspace"));
      }
      return Access.mayRunJobs(role) ? insert(CREATE, withCode(r), r)
          : Future.failedFuture(Rows.forbidden("viewers may not run jobs"));
    });
  }

  /**
   * A job that runs a file of the workspace amid a copy of all of them (Bus.JOBS_CREATE): checked here, then created
   * with the copy made in SQL, so the files never travel over the bus.
   */
  private Future<JsonObject> createForFile(JsonObject r) {
    long workspaceId = r.getLong("workspace_id");
    long maxBytes = r.getLong("max_bytes");
    return pool.preparedQuery(FILE_TO_RUN).execute(Tuple.of(workspaceId, r.getLong("user_id"), r.getLong("file_id")))
        .compose(rows -> {
          Row row = rows.iterator().next();
          WorkspaceRole role = WorkspaceRole.of(row.getString("role"));
          String path = row.getString("path");
          if (!Access.mayRead(role) || path == null) {
            return Future.failedFuture(Rows.notFound("file"));
          }
          if (!Access.mayRunJobs(role)) {
            return Future.failedFuture(Rows.forbidden("viewers may not run workspace files"));
          }
          long bytes = row.getLong("bytes");
          if (bytes > maxBytes) {
            return Future.failedFuture(new BusFailure(413, "payload_too_large",
                "the workspace's files hold " + bytes + " bytes; a job copies at most " + maxBytes));
          }
          List<String> languages = r.getJsonArray("languages", new JsonArray()).stream().map(String::valueOf).toList();
          String language = r.getString("language") != null ? r.getString("language") : Languages.ofPath(path);
          if (language == null || r.getString("language") == null && !languages.contains(language)) {
            return Future.failedFuture(new BusFailure(400, Bus.NO_LANGUAGE, "required: the extension of " + path
                + " names none of " + String.join(", ", languages)));
          }
          return insert(CREATE_FOR_FILE, common(r).addString(language).addString(null).addString(r.getString("stdin"))
              .addInteger(r.getInteger("timeout_ms")).addInteger(r.getInteger("max_attempts"))
              .addString(r.getString("idempotency_key")).addInteger(r.getInteger("max_active"))
              .addLong(r.getLong("file_id")), r);
        });
  }

  /** $1-$4 of create_job: a new id, the user, the workspace, the kind. */
  private static Tuple common(JsonObject r) {
    return Tuple.tuple().addUUID(UUID.randomUUID()).addLong(r.getLong("user_id")).addLong(r.getLong("workspace_id"))
        .addString(r.getString("kind"));
  }

  /** Every argument of create_job for a job that runs its own code (no file). */
  private static Tuple withCode(JsonObject r) {
    return common(r).addString(r.getString("language")).addString(r.getString("code"))
        .addString(r.getString("stdin")).addInteger(r.getInteger("timeout_ms"))
        .addInteger(r.getInteger("max_attempts")).addString(r.getString("idempotency_key"))
        .addInteger(r.getInteger("max_active")).addLong(null).addLong(null).addString(null).addValue(null);
  }

  private Future<JsonObject> insert(String statement, Tuple arguments, JsonObject r) {
    int maxActive = r.getInteger("max_active");
    return pool.preparedQuery(statement).execute(arguments).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Rows.notFound("file"));  // deleted between the check and the copy
      }
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

  /**
   * Hands out a run ({@link #START}). Reply {@code {"proceed": true, "token", "job"}}, or {@code {"proceed": false,
   * "held": bool, "job"}}: held while another worker's lease is live (the caller must leave the job to it), otherwise
   * the job is settled (finished, cancelled, or gone) and its entry may be acknowledged.
   */
  Future<JsonObject> start(JsonObject r) {
    UUID id = uuid(r.getString("id"));
    UUID token = UUID.randomUUID();
    Tuple start = Tuple.of(id, token, r.getLong("lease_ms"), optionalUuid(r.getString("token")));
    return pool.withTransaction(conn -> conn.preparedQuery(START).execute(start).compose(rows -> {
      if (rows.size() > 0) {
        Row row = rows.iterator().next();
        return Future.succeededFuture(new JsonObject().put("proceed", true).put("token", token.toString())
            .put("job", job(row)
                .put("code", row.getString("code")).put("stdin", row.getString("stdin"))
                .put("timeout_ms", row.getInteger("timeout_ms")).put("kind", row.getString("kind"))
                .put("file_path", row.getString("file_path")).put("files", row.getJsonArray("files"))));
      }
      // finished already, held by a live run, or cancelled while it waited: settle a pending cancellation and skip it
      return conn.preparedQuery(CANCEL_FLAGGED).execute(Tuple.of(id))
          .compose(v -> conn.preparedQuery(REFUSED).execute(Tuple.of(id)))
          .map(found -> {
            Row row = found.size() == 0 ? null : found.iterator().next();
            return new JsonObject().put("proceed", false).put("held", row != null && row.getBoolean("held"))
                .put("job", row == null ? null : job(row));
          });
    }));
  }

  Future<JsonObject> retrying(JsonObject r) {
    return pool.preparedQuery(RETRYING)
        .execute(Tuple.of(uuid(r.getString("id")), r.getString("error"), optionalUuid(r.getString("token"))))
        .map(rows -> new JsonObject());
  }

  Future<JsonObject> finish(JsonObject r) {
    UUID id = uuid(r.getString("id"));
    return pool.preparedQuery(FINISH).execute(Tuple.tuple().addUUID(id).addString(r.getString("status"))
            .addInteger(r.getInteger("exit_code")).addString(r.getString("stdout")).addString(r.getString("stderr"))
            .addBoolean(r.getBoolean("truncated", false)).addString(r.getString("error"))
            .addUUID(optionalUuid(r.getString("token"))))
        .compose(rows -> rows.size() > 0
            ? Future.succeededFuture(new JsonObject().put("recorded", true).put("job", job(rows.iterator().next())))
            : pool.preparedQuery(FIND).execute(Tuple.of(id)).map(found -> new JsonObject().put("recorded", false)
                .put("job", found.size() == 0 ? null : job(found.iterator().next()))));
  }

  /** Request {@code {"leases": [{"id", "token"}...], "lease_ms"}}; reply {@code {"held": [token...]}}. */
  Future<JsonObject> renew(JsonObject r) {
    return pool.preparedQuery(RENEW).execute(leases(r.getJsonArray("leases")).addLong(r.getLong("lease_ms")))
        .map(rows -> new JsonObject().put("held", column(rows, "lease_token")));
  }

  /** Request {@code {"leases": [{"id", "token"}...]}}; reply {@code {"released": [job id...]}}. */
  Future<JsonObject> release(JsonObject r) {
    return pool.preparedQuery(RELEASE).execute(leases(r.getJsonArray("leases")))
        .map(rows -> new JsonObject().put("released", column(rows, "id")));
  }

  /** The job ids and the tokens of {@code [{"id", "token"}...]}, as the two arrays RENEW and RELEASE unnest. */
  private static Tuple leases(JsonArray leases) {
    UUID[] ids = new UUID[leases.size()];
    UUID[] tokens = new UUID[leases.size()];
    for (int i = 0; i < leases.size(); i++) {
      ids[i] = uuid(leases.getJsonObject(i).getString("id"));
      tokens[i] = uuid(leases.getJsonObject(i).getString("token"));
    }
    return Tuple.tuple().addArrayOfUUID(ids).addArrayOfUUID(tokens);
  }

  private static JsonArray column(RowSet<Row> rows, String uuidColumn) {
    JsonArray values = new JsonArray();
    rows.forEach(row -> values.add(row.getUUID(uuidColumn).toString()));
    return values;
  }

  /** Request {@code {"after"?, "older_than_ms", "limit"}}; reply {@code {"ids": [job id...]}} in id order. */
  Future<JsonObject> unclaimed(JsonObject r) {
    return pool.preparedQuery(UNCLAIMED).execute(Tuple.of(optionalUuid(r.getString("after")),
            r.getLong("older_than_ms"), r.getInteger("limit")))
        .map(rows -> {
          JsonArray ids = new JsonArray();
          rows.forEach(row -> ids.add(row.getUUID("id").toString()));
          return new JsonObject().put("ids", ids);
        });
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

  /** An optional id: null stays null. */
  private static UUID optionalUuid(String id) {
    return id == null ? null : uuid(id);
  }

  private static UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw Rows.notFound("job");
    }
  }
}
