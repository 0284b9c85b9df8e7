package io.collab.workspace;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Expectations shared by the project and workspace tests. */
final class Checks {

  static final String[] PROJECT_KEYS = {"id", "name", "description", "owner", "created_at"};
  static final String[] WORKSPACE_KEYS = {"id", "name", "created_at", "project", "owners", "collaborators", "viewers"};
  static final String[] MEMBER_KEYS = {"user_id", "email", "username", "role"};
  static final String UTC_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z";

  private Checks() {}

  /** 400 {@code validation_failed} with a detail and a reason for {@code field} in {@code fields}. */
  static void assertValidationFailed(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as("status (body %s)", response.bodyAsString()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getString("detail")).isNotBlank();
    assertThat(body.getJsonObject("fields")).as("fields of %s", body).isNotNull();
    assertThat(body.getJsonObject("fields").fieldNames()).contains(field);
  }

  /** The status and the stable error code of an error answer. */
  static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as("status (body %s)", response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).as("error code of %s", body).isEqualTo(code);
    assertThat(body.getString("detail")).as("detail of %s", body).isNotBlank();
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
