package io.collab.persistence;

import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Users and their refresh tokens: every statement about them, and nothing else. */
final class UserStore {

  static final String TAKEN = """
      SELECT bool_or(lower(email) = lower($1)) AS email_taken, bool_or(username = $2) AS username_taken
      FROM users WHERE lower(email) = lower($1) OR username = $2""";
  static final String INSERT_USER = """
      INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3)
      RETURNING id, email, username""";
  static final String CREDENTIALS = """
      SELECT id, email, username, password_hash, is_active FROM users WHERE lower(email) = lower($1)""";
  static final String USER_BY_ID = "SELECT id, email, username, is_active FROM users WHERE id = $1";
  static final String ACTIVE_AMONG = "SELECT id FROM users WHERE id = ANY($1) AND is_active";

  static final String INSERT_TOKEN = """
      INSERT INTO refresh_tokens (jti, family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)""";
  static final String LOCK_TOKEN = """
      SELECT rt.family_id, rt.user_id, rt.token_hash, rt.consumed_at, rt.revoked_at,
             u.email, u.username, u.is_active
      FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id
      WHERE rt.jti = $1
      FOR UPDATE OF rt""";
  static final String CONSUME_TOKEN = "UPDATE refresh_tokens SET consumed_at = now() WHERE jti = $1";
  static final String REVOKE_FAMILY = """
      UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL""";
  static final String FAMILY_OF = "SELECT family_id FROM refresh_tokens WHERE jti = $1 AND token_hash = $2";

  private final Pool pool;

  UserStore(Pool pool) {
    this.pool = pool;
  }

  Future<JsonObject> create(JsonObject request) {
    String email = request.getString("email");
    String username = request.getString("username");
    return pool.preparedQuery(TAKEN).execute(Tuple.of(email, username))
        .compose(rows -> {
          Row row = rows.iterator().next();
          List<String> taken = new ArrayList<>();
          if (Boolean.TRUE.equals(row.getBoolean("email_taken"))) {
            taken.add("email");
          }
          if (Boolean.TRUE.equals(row.getBoolean("username_taken"))) {
            taken.add("username");
          }
          if (!taken.isEmpty()) {
            return Future.failedFuture(alreadyExists(String.join(",", taken)));
          }
          return pool.preparedQuery(INSERT_USER).execute(Tuple.of(email, username, request.getString("password_hash")));
        })
        .map(rows -> user(rows.iterator().next()))
        .recover(UserStore::uniqueViolation);
  }

  Future<JsonObject> credentials(JsonObject request) {
    return pool.preparedQuery(CREDENTIALS).execute(Tuple.of(request.getString("email")))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new BusFailure(404, "not_found", "no such user"));
          }
          Row row = rows.iterator().next();
          return Future.succeededFuture(user(row)
              .put("password_hash", row.getString("password_hash"))
              .put("is_active", row.getBoolean("is_active")));
        });
  }

  Future<JsonObject> byId(JsonObject request) {
    return pool.preparedQuery(USER_BY_ID).execute(Tuple.of(request.getLong("id")))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new BusFailure(404, "not_found", "no such user"))
            : Future.succeededFuture(user(rows.iterator().next())
                .put("is_active", rows.iterator().next().getBoolean("is_active"))));
  }

  Future<JsonObject> active(JsonObject request) {
    Long[] ids = request.getJsonArray("ids").stream().map(id -> ((Number) id).longValue()).toArray(Long[]::new);
    return pool.preparedQuery(ACTIVE_AMONG).execute(Tuple.of(ids)).map(rows -> {
      JsonArray active = new JsonArray();
      rows.forEach(row -> active.add(row.getLong("id")));
      return new JsonObject().put("active", active);
    });
  }

  Future<JsonObject> issueToken(JsonObject request) {
    return pool.preparedQuery(INSERT_TOKEN).execute(Tuple.of(
            UUID.fromString(request.getString("jti")), UUID.fromString(request.getString("family_id")),
            request.getLong("user_id"), request.getString("token_hash"), epoch(request.getLong("expires_at"))))
        .map(rows -> new JsonObject());
  }

  /**
   * Locks the presented token's row, then either consumes it and stores its successor, or refuses. Reuse revokes
   * the family, and that revocation must be committed even though the caller is refused: the transaction commits a
   * verdict, and the verdict decides the reply.
   */
  Future<JsonObject> rotate(JsonObject request) {
    UUID jti = UUID.fromString(request.getString("jti"));
    JsonObject next = request.getJsonObject("next");
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_TOKEN).execute(Tuple.of(jti))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture(refusal("unknown refresh token"));
              }
              Row row = rows.iterator().next();
              if (!row.getString("token_hash").equals(request.getString("token_hash"))) {
                return Future.succeededFuture(refusal("unknown refresh token"));
              }
              if (row.getValue("revoked_at") != null) {
                return Future.succeededFuture(refusal("this refresh token was revoked; log in again"));
              }
              if (row.getValue("consumed_at") != null) {
                return conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(row.getUUID("family_id")))
                    .map(revoked -> refusal("refresh token reuse detected; every session of this login was revoked"));
              }
              if (!row.getBoolean("is_active")) {
                return Future.succeededFuture(refusal("the user is deactivated"));
              }
              return consumeAndReplace(conn, jti, row, next);
            }))
        .compose(verdict -> verdict.containsKey("refused")
            ? Future.failedFuture(new BusFailure(401, "token_invalid", verdict.getString("refused")))
            : Future.succeededFuture(verdict));
  }

  Future<JsonObject> revokeFamily(JsonObject request) {
    return pool.withTransaction(conn -> conn.preparedQuery(FAMILY_OF)
        .execute(Tuple.of(UUID.fromString(request.getString("jti")), request.getString("token_hash")))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new BusFailure(401, "token_invalid", "unknown refresh token"))
            : conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(rows.iterator().next().getUUID("family_id"))))
        .map(updated -> new JsonObject().put("revoked", updated.rowCount())));
  }

  private static Future<JsonObject> consumeAndReplace(SqlConnection conn, UUID jti, Row row, JsonObject next) {
    return conn.preparedQuery(CONSUME_TOKEN).execute(Tuple.of(jti))
        .compose(consumed -> conn.preparedQuery(INSERT_TOKEN).execute(Tuple.of(
            UUID.fromString(next.getString("jti")), row.getUUID("family_id"), row.getLong("user_id"),
            next.getString("token_hash"), epoch(next.getLong("expires_at")))))
        .map(inserted -> new JsonObject()
            .put("id", row.getLong("user_id"))
            .put("email", row.getString("email"))
            .put("username", row.getString("username")));
  }

  private static JsonObject refusal(String why) {
    return new JsonObject().put("refused", why);
  }

  private static JsonObject user(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("email", row.getString("email"))
        .put("username", row.getString("username"));
  }

  /** Two registrations racing past the pre-check: the unique index names the field. */
  private static Future<JsonObject> uniqueViolation(Throwable err) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      String constraint = String.valueOf(pg.getConstraint());
      return Future.failedFuture(alreadyExists(constraint.contains("email") ? "email" : "username"));
    }
    return Future.failedFuture(err);
  }

  private static BusFailure alreadyExists(String fields) {
    return new BusFailure(409, "already_exists", fields);
  }

  private static OffsetDateTime epoch(long seconds) {
    return OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds), ZoneOffset.UTC);
  }
}
