package io.collab.workspace;

import io.collab.support.Errors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.ArrayList;
import java.util.List;

/** Expectations shared by the project and workspace tests. */
final class Checks {

  static final String[] PROJECT_KEYS = {"id", "name", "description", "owner", "created_at"};
  static final String[] WORKSPACE_KEYS = {"id", "name", "created_at", "project", "owners", "collaborators", "viewers"};
  static final String[] MEMBER_KEYS = {"user_id", "email", "username", "role"};
  static final String UTC_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z";

  private Checks() {}

  /** {@link Errors#assertError}, under the name {@code ConcurrencyTest} imports it by. */
  static void assertError(HttpResponse<Buffer> response, int status, String code) {
    Errors.assertError(response, status, code);
  }

  /** The {@code id}s of a list answer, in order. */
  static List<Long> ids(JsonArray array) {
    List<Long> ids = new ArrayList<>();
    array.forEach(item -> ids.add(((JsonObject) item).getLong("id")));
    return ids;
  }

  /** The user ids of a JSON array of numbers. */
  static List<Long> longs(JsonArray array) {
    List<Long> out = new ArrayList<>();
    array.forEach(item -> out.add(((Number) item).longValue()));
    return out;
  }
}
