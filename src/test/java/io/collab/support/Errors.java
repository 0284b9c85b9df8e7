package io.collab.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Expectations about the service's error answers: a status, a stable {@code error} code and a {@code detail}. */
public final class Errors {

  private Errors() {}

  /** The status and the stable error code of an error answer, which has a detail too. */
  public static JsonObject assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as("status (body %s)", response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).as("error code of %s", body).isEqualTo(code);
    assertThat(body.getString("detail")).as("detail of %s", body).isNotBlank();
    return body;
  }

  /**
   * 400 {@code validation_failed} with a reason for {@code field} in {@code fields}; returns {@code fields}, for tests
   * that say no other field is named.
   */
  public static JsonObject assertValidationFailed(HttpResponse<Buffer> response, String field) {
    JsonObject fields = assertError(response, 400, "validation_failed").getJsonObject("fields");
    assertThat(fields).as("fields of %s", response.bodyAsString()).isNotNull();
    assertThat(fields.getString(field)).as("the reason for %s in %s", field, fields).isNotBlank();
    return fields;
  }
}
