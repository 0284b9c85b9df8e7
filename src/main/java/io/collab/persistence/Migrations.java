package io.collab.persistence;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the versioned SQL files under {@code db/migration/} once each, in order.
 *
 * <p>Several instances may start at the same moment against one database: the whole run holds a PostgreSQL
 * session-level advisory lock, so the second instance waits, then finds nothing left to do. Each file runs in its
 * own transaction together with its bookkeeping row, so a failed file leaves no half-applied schema. A file that
 * changed after it was applied stops the start: history is never rewritten silently.
 */
public final class Migrations {

  /** In order. Adding a migration means adding the file and its name here; never edit an applied one. */
  static final List<String> FILES = List.of(
      "V1__identity.sql",
      "V2__projects_workspaces.sql",
      "V3__jobs.sql",
      "V4__create_job_function.sql",
      "V5__files.sql",
      "V6__job_files.sql",
      "V7__deployment.sql",
      "V8__job_leases.sql",
      "V9__file_text_compression.sql");

  /** Arbitrary but fixed: the bytes of "collab". */
  static final long LOCK_KEY = 0x636f6c6c6162L;

  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private static final String CREATE_HISTORY = """
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text        NOT NULL,
        checksum    text        NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )""";
  private static final String SELECT_APPLIED = "SELECT version, checksum FROM schema_migrations";
  private static final String INSERT_APPLIED =
      "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

  private Migrations() {}

  /** Applies what is pending; completes with the names of the files this call applied (empty if none). */
  public static Future<List<String>> apply(Vertx vertx, Pool pool) {
    return loadFiles(vertx).compose(files -> pool.getConnection().compose(conn ->
        // notices such as "relation already exists, skipping" are expected here, not worth a warning each start
        conn.query("SET client_min_messages TO warning").execute()
            .compose(quiet -> conn.query("SELECT pg_advisory_lock(" + LOCK_KEY + ")").execute())
            .compose(locked -> applyPending(conn, files))
            .eventually(() -> conn.query("SELECT pg_advisory_unlock(" + LOCK_KEY + "); RESET client_min_messages")
                .execute().eventually(conn::close))));
  }

  private record MigrationFile(int version, String name, String sql, String checksum) {}

  private static Future<List<MigrationFile>> loadFiles(Vertx vertx) {
    List<Future<MigrationFile>> reads = new ArrayList<>();
    for (String name : FILES) {
      reads.add(vertx.fileSystem().readFile("db/migration/" + name).map(buffer -> toFile(name, buffer)));
    }
    return Future.all(reads).map(all -> all.<MigrationFile>list());
  }

  private static MigrationFile toFile(String name, Buffer buffer) {
    int version = Integer.parseInt(name.substring(1, name.indexOf("__")));
    String sql = buffer.toString(StandardCharsets.UTF_8);
    return new MigrationFile(version, name, sql, sha256(sql));
  }

  private static Future<List<String>> applyPending(SqlConnection conn, List<MigrationFile> files) {
    return conn.query(CREATE_HISTORY).execute()
        .compose(created -> conn.query(SELECT_APPLIED).execute())
        .compose(rows -> {
          Map<Integer, String> applied = new HashMap<>();
          for (Row row : rows) {
            applied.put(row.getInteger("version"), row.getString("checksum"));
          }
          Future<List<String>> chain = Future.succeededFuture(new ArrayList<>());
          for (MigrationFile file : files) {
            String checksum = applied.get(file.version());
            if (checksum != null && !checksum.equals(file.checksum())) {
              return Future.failedFuture(new IllegalStateException(
                  "migration " + file.name() + " changed after it was applied; add a new migration instead"));
            }
            if (checksum == null) {
              chain = chain.compose(done -> applyOne(conn, file).map(v -> {
                done.add(file.name());
                return done;
              }));
            }
          }
          return chain;
        });
  }

  private static Future<Void> applyOne(SqlConnection conn, MigrationFile file) {
    return conn.begin().compose(tx -> conn.query(file.sql()).execute()
        .compose(r -> conn.preparedQuery(INSERT_APPLIED)
            .execute(Tuple.of(file.version(), file.name(), file.checksum())))
        .compose(r -> tx.commit())
        .onSuccess(v -> log.info("applied migration {}", file.name()))
        .recover(err -> tx.rollback().transform(ignored -> Future.failedFuture(err))));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
