package io.collab.persistence;

import io.collab.common.Bus;
import io.collab.common.ClusterEvents;
import io.collab.workspace.Access;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Projects: every statement about them. A project is visible to its owner and to members of any of its workspaces;
 * only its owner may change or delete it.
 */
final class ProjectStore {

  static final String COLUMNS = "p.id, p.name, p.description, p.owner_id, p.created_at, p.version";
  static final String LIST = "SELECT " + COLUMNS + " FROM projects p WHERE " + Access.projectVisibleSql("p", "$1")
      + " AND p.id > $2 ORDER BY p.id LIMIT $3";
  static final String INSERT = """
      INSERT INTO projects AS p (owner_id, name, description) VALUES ($1, $2, $3)
      RETURNING p.id, p.name, p.description, p.owner_id, p.created_at, p.version""";
  static final String FIND_FOR = "SELECT " + COLUMNS + ", " + Access.projectVisibleSql("p", "$2")
      + " AS visible FROM projects p WHERE p.id = $1";
  static final String LOCK_FOR = FIND_FOR + " FOR UPDATE OF p";
  static final String UPDATE = """
      UPDATE projects AS p SET name = coalesce($2, name), description = coalesce($3, description),
             version = version + 1
      WHERE id = $1
      RETURNING p.id, p.name, p.description, p.owner_id, p.created_at, p.version""";
  static final String WORKSPACES_OF = "SELECT id FROM workspaces WHERE project_id = $1";
  static final String DELETE = "DELETE FROM projects WHERE id = $1";

  private final Pool pool;
  private final ClusterEvents events;

  ProjectStore(Pool pool, ClusterEvents events) {
    this.pool = pool;
    this.events = events;
  }

  Future<JsonObject> list(JsonObject request) {
    return Rows.page(pool, LIST, request).map(page -> new JsonObject()
        .put("items", new JsonArray(page.rows().stream().map(ProjectStore::project).toList()))
        .put("more", page.more()));
  }

  Future<JsonObject> create(JsonObject request) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(request.getLong("actor"), request.getString("name"), request.getString("description", "")))
        .map(rows -> project(rows.iterator().next()));
  }

  Future<JsonObject> get(JsonObject request) {
    return pool.preparedQuery(FIND_FOR).execute(Tuple.of(request.getLong("id"), request.getLong("actor")))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          if (row == null || !row.getBoolean("visible")) {
            return Future.failedFuture(Rows.notFound("project"));
          }
          return Future.succeededFuture(project(row));
        });
  }

  Future<JsonObject> update(JsonObject request) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_FOR)
        .execute(Tuple.of(request.getLong("id"), request.getLong("actor")))
        .compose(rows -> ownedForChange(rows.size() == 0 ? null : rows.iterator().next(), request))
        .compose(row -> conn.preparedQuery(UPDATE).execute(Tuple.of(
            request.getLong("id"), request.getString("name"), request.getString("description"))))
        .map(rows -> project(rows.iterator().next())));
  }

  /** Deletes the project; its workspaces and members go with it (ON DELETE CASCADE), and sockets are told. */
  Future<JsonObject> delete(JsonObject request) {
    long id = request.getLong("id");
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_FOR).execute(Tuple.of(id, request.getLong("actor")))
            .compose(rows -> ownedForChange(rows.size() == 0 ? null : rows.iterator().next(), request))
            .compose(row -> conn.preparedQuery(WORKSPACES_OF).execute(Tuple.of(id)))
            .compose(workspaces -> conn.preparedQuery(DELETE).execute(Tuple.of(id)).map(deleted -> workspaces)))
        .map(workspaces -> {
          for (Row workspace : workspaces) {
            events.publish(Bus.WORKSPACE_EVENTS, Bus.workspaceDeleted(workspace.getLong("id")));
          }
          return new JsonObject();
        });
  }

  /** 404 when invisible, 403 when visible but not owned, 412 when stale. */
  private static Future<Row> ownedForChange(Row row, JsonObject request) {
    if (row == null || !row.getBoolean("visible")) {
      return Future.failedFuture(Rows.notFound("project"));
    }
    if (row.getLong("owner_id") != request.getLong("actor").longValue()) {
      return Future.failedFuture(Rows.forbidden("only the project owner may change it"));
    }
    if (Rows.staleVersion(request, row.getLong("version"))) {
      return Future.failedFuture(Rows.stale());
    }
    return Future.succeededFuture(row);
  }

  static JsonObject project(Row row) {
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("description", row.getString("description"))
        .put("owner", row.getLong("owner_id"))
        .put("created_at", Rows.timestamp(row.getOffsetDateTime("created_at")))
        .put("version", row.getLong("version"));
  }
}
