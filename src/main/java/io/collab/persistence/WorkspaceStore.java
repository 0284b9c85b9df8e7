package io.collab.persistence;

import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.workspace.Access;
import io.collab.workspace.WorkspaceRole;
import io.collab.common.ClusterEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Workspaces and their members: every statement about them. The caller's effective role decides: the project owner
 * is an owner of every workspace of the project, anyone else has the role of their membership, or none (404).
 */
final class WorkspaceStore {

  /** The workspace $1 and the role of $2 in it (NULL: none). */
  static final String FIND_FOR = "SELECT w.id, w.project_id, w.name, w.created_at, w.version, "
      + Access.effectiveRoleSql("w.id", "$2") + " AS role FROM workspaces w WHERE w.id = $1";
  static final String LOCK_FOR = FIND_FOR + " FOR UPDATE OF w";
  static final String LIST = "SELECT w.id, w.project_id, w.name, w.created_at, w.version FROM workspaces w WHERE "
      + Access.effectiveRoleSql("w.id", "$1") + " IS NOT NULL AND w.id > $2 ORDER BY w.id LIMIT $3";
  static final String MEMBERS_OF_MANY =
      "SELECT workspace_id, user_id, role FROM workspace_members WHERE workspace_id = ANY($1)";
  static final String PROJECT_FOR = "SELECT p.owner_id, " + Access.projectVisibleSql("p", "$2")
      + " AS visible FROM projects p WHERE p.id = $1";
  static final String INSERT = """
      INSERT INTO workspaces (project_id, name) VALUES ($1, $2)
      RETURNING id, project_id, name, created_at, version""";
  static final String TOUCH = """
      UPDATE workspaces SET name = coalesce($2, name), version = version + 1 WHERE id = $1
      RETURNING id, project_id, name, created_at, version""";
  static final String DELETE = "DELETE FROM workspaces WHERE id = $1";
  static final String MEMBER_DETAILS = """
      SELECT m.user_id, u.email, u.username, m.role
      FROM workspace_members m JOIN users u ON u.id = m.user_id
      WHERE m.workspace_id = $1 ORDER BY m.user_id""";
  static final String USER_BY_EMAIL = "SELECT id FROM users WHERE lower(email) = lower($1)";
  static final String USER_BY_ID = "SELECT id FROM users WHERE id = $1";

  /** What a transaction decided: the reply, and the events to publish once it committed. */
  private record Outcome(JsonObject reply, List<JsonObject> events) {}

  private final Pool pool;
  private final ClusterEvents events;

  WorkspaceStore(Pool pool, ClusterEvents events) {
    this.pool = pool;
    this.events = events;
  }

  // ---- workspaces ---------------------------------------------------------------------------------------------

  Future<JsonObject> list(JsonObject request) {
    return Rows.page(pool, LIST, request).compose(page -> {
      Long[] ids = page.rows().stream().map(row -> row.getLong("id")).toArray(Long[]::new);
      return pool.preparedQuery(MEMBERS_OF_MANY).execute(Tuple.of((Object) ids)).map(members -> {
        Map<Long, Map<Long, String>> byWorkspace = new HashMap<>();
        members.forEach(m -> byWorkspace.computeIfAbsent(m.getLong("workspace_id"), k -> new TreeMap<>())
            .put(m.getLong("user_id"), m.getString("role")));
        JsonArray items = new JsonArray();
        page.rows().forEach(row -> items.add(workspace(row, byWorkspace.getOrDefault(row.getLong("id"), Map.of()))));
        return new JsonObject().put("items", items).put("more", page.more());
      });
    });
  }

  Future<JsonObject> get(JsonObject request) {
    return pool.withConnection(conn -> visible(conn, FIND_FOR, request)
        .compose(row -> Memberships.load(conn, row.getLong("id")).map(members -> workspace(row, members))));
  }

  Future<JsonObject> create(JsonObject request) {
    long actor = request.getLong("actor");
    return transaction(conn -> conn.preparedQuery(PROJECT_FOR).execute(Tuple.of(request.getLong("project"), actor))
        .compose(rows -> {
          Row project = rows.size() == 0 ? null : rows.iterator().next();
          if (project == null || !project.getBoolean("visible")) {
            return Future.failedFuture(Rows.notFound("project"));
          }
          if (project.getLong("owner_id") != actor) {
            return Future.failedFuture(Rows.forbidden("only the project owner may add workspaces"));
          }
          return conn.preparedQuery(INSERT).execute(Tuple.of(request.getLong("project"), request.getString("name")));
        })
        .compose(inserted -> {
          Row row = inserted.iterator().next();
          Map<Long, String> wanted = Memberships.desired(Map.of(), request);
          wanted.put(actor, WorkspaceRole.OWNER.key());  // the creator is an owner, whatever the arrays said
          return Memberships.apply(conn, row.getLong("id"), Map.of(), wanted, null)
              .map(events -> new Outcome(workspace(row, wanted), events));
        }));
  }

  Future<JsonObject> update(JsonObject request) {
    return transaction(conn -> ownedForChange(conn, request, "only workspace owners may change it")
        .compose(row -> {
          long id = row.getLong("id");
          return Memberships.load(conn, id).compose(current -> {
            Map<Long, String> wanted = Memberships.mentionsRoles(request) ? Memberships.desired(current, request) : current;
            return Memberships.apply(conn, id, current, wanted, null)
                .compose(events -> conn.preparedQuery(TOUCH).execute(Tuple.tuple().addLong(id).addString(request.getString("name")))
                    .map(touched -> new Outcome(workspace(touched.iterator().next(), wanted), events)));
          });
        }));
  }

  Future<JsonObject> delete(JsonObject request) {
    return transaction(conn -> ownedForChange(conn, request, "only workspace owners may delete it")
        .compose(row -> conn.preparedQuery(DELETE).execute(Tuple.of(row.getLong("id")))
            .map(deleted -> new Outcome(new JsonObject(), List.of(Bus.workspaceDeleted(row.getLong("id")))))));
  }

  /** The caller's role in a workspace, for sockets and jobs. */
  Future<JsonObject> access(JsonObject request) {
    return pool.preparedQuery(FIND_FOR).execute(Tuple.of(request.getLong("workspace_id"), request.getLong("user_id")))
        .compose(rows -> {
          WorkspaceRole role = rows.size() == 0 ? null : roleOf(rows.iterator().next());
          return !Access.mayRead(role) ? Future.failedFuture(Rows.notFound("workspace"))
              : Future.succeededFuture(new JsonObject().put("role", role.key())
                  .put("project_id", rows.iterator().next().getLong("project_id")));
        });
  }

  // ---- members ------------------------------------------------------------------------------------------------

  Future<JsonObject> members(JsonObject request) {
    return pool.withConnection(conn -> visible(conn, FIND_FOR, request)
        .compose(row -> conn.preparedQuery(MEMBER_DETAILS).execute(Tuple.of(row.getLong("id"))))
        .map(rows -> {
          JsonArray items = new JsonArray();
          rows.forEach(row -> items.add(member(row)));
          return new JsonObject().put("items", items);
        }));
  }

  Future<JsonObject> addMember(JsonObject request) {
    String field = request.containsKey("user_id") ? "user_id" : "email";
    return transaction(conn -> ownedForChange(conn, request, "only workspace owners may manage members")
        .compose(row -> resolveUser(conn, request)
            .compose(userId -> userId == null
                ? Future.failedFuture(new BusFailure(400, "unknown_user", field))
                : changeMembers(conn, row.getLong("id"), current -> {
                  if (current.containsKey(userId)) {
                    throw new BusFailure(409, "already_member", "the user is already a member; change the role instead");
                  }
                  Map<Long, String> wanted = new TreeMap<>(current);
                  wanted.put(userId, request.getString("role"));
                  return wanted;
                }, userId))));
  }

  Future<JsonObject> changeMember(JsonObject request) {
    long userId = request.getLong("user_id");
    return transaction(conn -> ownedForChange(conn, request, "only workspace owners may manage members")
        .compose(row -> changeMembers(conn, row.getLong("id"), current -> {
          if (!current.containsKey(userId)) {
            throw Rows.notFound("member");
          }
          Map<Long, String> wanted = new TreeMap<>(current);
          wanted.put(userId, request.getString("role"));
          return wanted;
        }, userId)));
  }

  /** Owners may remove anyone; any member may remove itself (leave). */
  Future<JsonObject> removeMember(JsonObject request) {
    long actor = request.getLong("actor");
    long userId = request.getLong("user_id");
    return transaction(conn -> visibleLocked(conn, request)
        .compose(row -> {
          if (userId != actor && !Access.mayManage(roleOf(row))) {
            return Future.failedFuture(Rows.forbidden("only workspace owners may remove other members"));
          }
          return changeMembers(conn, row.getLong("id"), current -> {
            if (!current.containsKey(userId)) {
              throw Rows.notFound("member");
            }
            Map<Long, String> wanted = new TreeMap<>(current);
            wanted.remove(userId);
            return wanted;
          }, null).map(outcome -> new Outcome(new JsonObject(), outcome.events()));
        }));
  }

  // ---- shared steps -------------------------------------------------------------------------------------------

  /** Loads the members, computes the wanted set, applies it, bumps the version, replies with the member's details. */
  private Future<Outcome> changeMembers(SqlConnection conn, long workspaceId,
                                        Function<Map<Long, String>, Map<Long, String>> change, Long replyFor) {
    return Memberships.load(conn, workspaceId).compose(current -> {
      Map<Long, String> wanted;
      try {
        wanted = change.apply(current);
      } catch (BusFailure refused) {
        return Future.failedFuture(refused);
      }
      return Memberships.apply(conn, workspaceId, current, wanted, "user_id")
          .compose(events -> conn.preparedQuery(TOUCH).execute(Tuple.tuple().addLong(workspaceId).addString(null)).map(events))
          .compose(events -> replyFor == null ? Future.succeededFuture(new Outcome(new JsonObject(), events))
              : conn.preparedQuery(MEMBER_DETAILS).execute(Tuple.of(workspaceId)).map(rows -> {
                JsonObject member = new JsonObject();
                rows.forEach(r -> {
                  if (r.getLong("user_id").equals(replyFor)) {
                    member.mergeIn(member(r));
                  }
                });
                return new Outcome(member, events);
              }));
    });
  }

  private Future<Long> resolveUser(SqlConnection conn, JsonObject request) {
    Future<RowSet<Row>> rows = request.containsKey("user_id")
        ? conn.preparedQuery(USER_BY_ID).execute(Tuple.of(request.getLong("user_id")))
        : conn.preparedQuery(USER_BY_EMAIL).execute(Tuple.of(request.getString("email")));
    return rows.map(found -> found.size() == 0 ? null : found.iterator().next().getLong("id"));
  }

  /** Runs {@code work} in a transaction, then publishes its events and replies. */
  private Future<JsonObject> transaction(Function<SqlConnection, Future<Outcome>> work) {
    return pool.withTransaction(work::apply).map(outcome -> {
      outcome.events().forEach(event -> events.publish(Bus.WORKSPACE_EVENTS, event));
      return outcome.reply();
    });
  }

  private static Future<Row> visible(SqlConnection conn, String query, JsonObject request) {
    long actor = request.getLong("actor");
    return conn.preparedQuery(query).execute(Tuple.of(request.getLong("id"), actor)).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      return row == null || !Access.mayRead(roleOf(row))
          ? Future.failedFuture(Rows.notFound("workspace")) : Future.succeededFuture(row);
    });
  }

  private static Future<Row> visibleLocked(SqlConnection conn, JsonObject request) {
    return visible(conn, LOCK_FOR, request);
  }

  /** 404 when invisible, 403 when visible but not an owner, 412 when stale. */
  private static Future<Row> ownedForChange(SqlConnection conn, JsonObject request, String refusal) {
    return visibleLocked(conn, request).compose(row -> {
      if (!Access.mayManage(roleOf(row))) {
        return Future.failedFuture(Rows.forbidden(refusal));
      }
      if (Rows.staleVersion(request, row.getLong("version"))) {
        return Future.failedFuture(Rows.stale());
      }
      return Future.succeededFuture(row);
    });
  }

  private static WorkspaceRole roleOf(Row row) {
    return WorkspaceRole.of(row.getString("role"));
  }

  private static JsonObject workspace(Row row, Map<Long, String> members) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("created_at", Rows.timestamp(row.getOffsetDateTime("created_at")))
        .put("project", row.getLong("project_id"))
        .mergeIn(Memberships.byRole(members))
        .put("version", row.getLong("version"));
  }

  private static JsonObject member(Row row) {
    return new JsonObject()
        .put("user_id", row.getLong("user_id"))
        .put("email", row.getString("email"))
        .put("username", row.getString("username"))
        .put("role", row.getString("role"));
  }
}
