package io.collab.persistence;

import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.workspace.WorkspaceRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Membership changes, whichever API asks for them (the members routes or the role arrays of a workspace body): one
 * diff from who holds which role now to who should, checked (known users, one role each, an owner left) and applied
 * in the caller's transaction. Each change becomes an event to publish once the transaction commits.
 */
final class Memberships {

  /** The body arrays that list each role's holders, to the role's key. */
  static final Map<String, String> ARRAYS = Map.of("owners", WorkspaceRole.OWNER.key(),
      "collaborators", WorkspaceRole.COLLABORATOR.key(), "viewers", WorkspaceRole.VIEWER.key());

  static final String LOAD = "SELECT user_id, role FROM workspace_members WHERE workspace_id = $1";
  static final String KNOWN_USERS = "SELECT id FROM users WHERE id = ANY($1)";
  static final String UPSERT = """
      INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)
      ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role""";
  static final String REMOVE = "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2";

  private Memberships() {}

  static Future<Map<Long, String>> load(SqlConnection conn, long workspaceId) {
    return conn.preparedQuery(LOAD).execute(Tuple.of(workspaceId)).map(rows -> {
      Map<Long, String> members = new TreeMap<>();
      for (Row row : rows) {
        members.put(row.getLong("user_id"), row.getString("role"));
      }
      return members;
    });
  }

  /** True when the body carries any of the role arrays. */
  static boolean mentionsRoles(JsonObject body) {
    return ARRAYS.keySet().stream().anyMatch(body::containsKey);
  }

  /**
   * Who should hold which role once the body's arrays are applied: each array given replaces the holders of its
   * role; roles whose array is absent keep their holders. A user listed twice is refused.
   */
  static Map<Long, String> desired(Map<Long, String> current, JsonObject body) {
    Map<Long, String> wanted = new TreeMap<>(current);
    Map<Long, String> listed = new HashMap<>();
    Set<String> replacedRoles = new HashSet<>();
    for (Map.Entry<String, String> array : ARRAYS.entrySet()) {
      JsonArray ids = body.getJsonArray(array.getKey());
      if (ids == null) {
        continue;
      }
      replacedRoles.add(array.getValue());
      for (Object id : ids) {
        long userId = ((Number) id).longValue();
        if (listed.put(userId, array.getValue()) != null) {
          throw new BusFailure(400, "duplicate_user", array.getKey());
        }
      }
    }
    wanted.entrySet().removeIf(member -> replacedRoles.contains(member.getValue()) && !listed.containsKey(member.getKey()));
    wanted.putAll(listed);
    return wanted;
  }

  /** Applies the diff; fails 400 unknown_user or 409 last_owner (the transaction then rolls back). */
  static Future<List<JsonObject>> apply(SqlConnection conn, long workspaceId, Map<Long, String> current,
                                        Map<Long, String> wanted, String fieldForUnknown) {
    if (!wanted.containsValue(WorkspaceRole.OWNER.key())) {
      return Future.failedFuture(new BusFailure(409, "last_owner", "a workspace must keep at least one owner"));
    }
    List<Long> newcomers = wanted.keySet().stream().filter(id -> !current.containsKey(id)).toList();
    Future<Void> known = newcomers.isEmpty() ? Future.succeededFuture()
        : conn.preparedQuery(KNOWN_USERS).execute(Tuple.of(newcomers.toArray(new Long[0]))).compose(rows -> {
          Set<Long> found = new HashSet<>();
          rows.forEach(row -> found.add(row.getLong("id")));
          return newcomers.stream().filter(id -> !found.contains(id)).findFirst()
              .map(unknown -> Future.<Void>failedFuture(new BusFailure(400, "unknown_user",
                  fieldForUnknown != null ? fieldForUnknown : arrayOf(wanted.get(unknown)))))
              .orElse(Future.succeededFuture());
        });
    List<JsonObject> events = new ArrayList<>();
    return known.compose(ok -> {
      Future<Void> writes = Future.succeededFuture();
      for (Map.Entry<Long, String> member : wanted.entrySet()) {
        String before = current.get(member.getKey());
        if (!member.getValue().equals(before)) {
          events.add(Bus.memberEvent(before == null ? Bus.MEMBER_ADDED : Bus.MEMBER_ROLE_CHANGED, workspaceId,
              member.getKey(), member.getValue()));
          writes = writes.compose(v -> conn.preparedQuery(UPSERT)
              .execute(Tuple.of(workspaceId, member.getKey(), member.getValue())).mapEmpty());
        }
      }
      for (Long gone : current.keySet()) {
        if (!wanted.containsKey(gone)) {
          events.add(Bus.memberEvent(Bus.MEMBER_REMOVED, workspaceId, gone, null));
          writes = writes.compose(v -> conn.preparedQuery(REMOVE).execute(Tuple.of(workspaceId, gone)).mapEmpty());
        }
      }
      return writes.map(done -> events);
    });
  }

  /** The workspace body's {@code owners}, {@code collaborators} and {@code viewers} arrays, by user id. */
  static JsonObject byRole(Map<Long, String> members) {
    JsonArray owners = new JsonArray();
    JsonArray collaborators = new JsonArray();
    JsonArray viewers = new JsonArray();
    new TreeMap<>(members).forEach((id, role) -> (switch (WorkspaceRole.of(role)) {
      case OWNER -> owners;
      case COLLABORATOR -> collaborators;
      case VIEWER -> viewers;
    }).add(id));
    return new JsonObject().put("owners", owners).put("collaborators", collaborators).put("viewers", viewers);
  }

  private static String arrayOf(String role) {
    return ARRAYS.entrySet().stream().filter(e -> e.getValue().equals(role)).map(Map.Entry::getKey)
        .findFirst().orElse("user_id");
  }
}
